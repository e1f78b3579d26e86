/**
 * The WebAssembly estimation kernels give the JS path's numbers bit for bit:
 * the smoothed (and prefiltered) frame voxel for voxel, and whole
 * Gauss-Newton estimates (matrix, scale, iterations) at trilinear and
 * quadratic B-spline degree, with weights, thin volumes and motion that puts
 * points near and past the edges.
 */
import { assert, assertEquals } from "../../helpers/assert.ts";
import { prepareReference } from "../../../shared/estimate/reference_model.ts";
import { createEstimateScratch, estimateFrame } from "../../../shared/estimate/estimate_frame.ts";
import { mulberry32 } from "../../../shared/estimate/prng.ts";
import { bsplineCoefficients } from "../../../shared/interp/bspline_prefilter.ts";
import { gaussianSmooth, smoothingTaps } from "../../../shared/smooth.ts";
import { acquireWork, openWasmEstimator, releaseWork } from "../../../shared/wasm/wasm_kernels.ts";
import type { Mat4 } from "../../../shared/rigid.ts";
import { blobImage, centredAffine, motionMatrix } from "../../helpers/simulate.ts";

const wasm = openWasmEstimator();

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assertEquals(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) throw new Error(`${what}: voxel ${i} is ${a[i]}, JS has ${b[i]}`);
  }
}

Deno.test("wasm smoothing and quadratic prefilter equal JS bit for bit, any size and kernel width", () => {
  assert(wasm !== null, "the WebAssembly estimator compiles here");
  const rnd = mulberry32(21);
  const cases: [[number, number, number], [number, number, number], number][] = [
    [[64, 64, 36], [3.5, 3.5, 4], 5], // radius 3 (the usual)
    [[17, 9, 5], [1, 2, 3], 8], // radii 14, 7, 5: wider than some axes
    [[33, 20, 1], [2, 2, 2], 5], // one slice
    [[7, 1, 12], [3, 3, 3], 2], // one row
    [[30, 31, 2], [4, 4, 4], 0.5], // radius 0 (no smoothing)
  ];
  for (const [dims, vox, fwhm] of cases) {
    const n3 = dims[0] * dims[1] * dims[2];
    const frame = new Float32Array(n3).map(() => (rnd() - 0.3) * 1000);
    const js = new Float32Array(n3);
    gaussianSmooth(frame, dims, vox, fwhm, js);
    wasm!.prepareFrame(frame, dims, smoothingTaps(vox, fwhm), 1);
    sameBits(wasm!.preparedFrame(), js, `smoothed ${dims}`);
    wasm!.prepareFrame(frame, dims, smoothingTaps(vox, fwhm), 2);
    sameBits(wasm!.preparedFrame(), bsplineCoefficients(js, dims, 2), `coefficients ${dims}`);
  }
});

// A smooth analytic image (Gaussian blobs) moved by T: value at w is the image at T⁻¹ w.
const dims: [number, number, number] = [36, 40, 30];
const affine = centredAffine(dims, [3.5, 3.5, 4]);
const blobs = blobImage(40, 5, [50, 55, 45]);
const render = (t: Mat4) => blobs(t, dims, affine);

Deno.test("wasm estimation equals JS estimation bit for bit: trilinear and quadratic, weighted, large motion", () => {
  assert(wasm !== null, "the WebAssembly estimator compiles here");
  const ref = render(motionMatrix([0, 0, 0, 0, 0, 0]));
  const weight = new Float32Array(ref.length).map((_, i) => 0.5 + (i % 7) / 7);
  const motions = [
    [0.3, -0.2, 0.1, 0.01, 0, -0.02],
    [4, -3, 2.5, 0.05, -0.04, 0.06], // points past the edges and in the folded border
    [9, 7, -6, 0.1, 0.08, -0.12],
  ];
  for (const degree of [1, 2]) {
    for (const w of [null, weight]) {
      const model = prepareReference(
        ref,
        dims,
        affine,
        { fwhm: 5, sep: 4, degree, quality: 0.9 },
        w,
      );
      const viaWasm = createEstimateScratch(model);
      const viaJs = createEstimateScratch(model, { wasm: false });
      assert(viaWasm.wasm !== null && viaJs.wasm === null, "one scratch of each kind");
      motions.forEach((p, t) => {
        const frame = render(motionMatrix(p));
        const a = estimateFrame(model, frame, viaWasm, t);
        const b = estimateFrame(model, frame, viaJs, t);
        const what = `degree ${degree}${w ? ", weighted" : ""}, motion ${p}`;
        assertEquals(a.iterations, b.iterations, `${what}: iterations`);
        assertEquals(a.scale, b.scale, `${what}: scale`);
        assertEquals(a.m, b.m, `${what}: matrix`);
      });
    }
  }
});

Deno.test("the work memory: handed to one owner at a time, reused once released", () => {
  const a = {}, b = {}, c = {};
  wasm!.release(); // this file's estimator held it
  const first = acquireWork(a);
  const second = acquireWork(b); // taken: b gets an instance of its own
  assert(first.memory !== second.memory, "a second owner gets its own memory");
  releaseWork(b); // not the work instance's owner: no effect
  assert(acquireWork(c).memory !== first.memory, "still taken by a");
  releaseWork(a);
  assert(acquireWork(c).memory === first.memory, "reused after release");
  releaseWork(c);
});
