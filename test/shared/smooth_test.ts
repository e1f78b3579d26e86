import { assert, assertClose } from "../helpers/assert.ts";
import { FWHM_TO_SIGMA, gaussianKernel, gaussianSmooth } from "../../shared/smooth.ts";

Deno.test("gaussianSmooth keeps a constant volume constant, edges and last voxel included", () => {
  const dims: [number, number, number] = [9, 7, 5];
  const n = 9 * 7 * 5;
  const out = new Float32Array(n);
  const scratch = new Float32Array(n);
  gaussianSmooth(new Float32Array(n).fill(3.5), dims, [2, 3, 4], 8, out, scratch);
  for (let i = 0; i < n; i++) assertClose(out[i]!, 3.5, 1e-5, `voxel ${i}`);
});

Deno.test("gaussianSmooth preserves the sum of an interior impulse and matches the 1-D kernel", () => {
  // One impulse far from the edges along x only (ny = nz = 1): the output is the kernel itself.
  const nx = 41;
  const src = new Float32Array(nx);
  src[20] = 1;
  const out = new Float32Array(nx);
  const fwhm = 2.3548200450309493; // sigma = 1 mm, voxel 1 mm
  gaussianSmooth(src, [nx, 1, 1], [1, 1, 1], fwhm, out);
  // Hand-computed taps: exp(-k²/2) for |k| ≤ 4, normalised.
  const raw = [0, 1, 2, 3, 4].map((k) => Math.exp(-k * k / 2));
  const sum = raw[0]! + 2 * (raw[1]! + raw[2]! + raw[3]! + raw[4]!);
  for (let k = -6; k <= 6; k++) {
    const expect = Math.abs(k) <= 4 ? raw[Math.abs(k)]! / sum : 0;
    assertClose(out[20 + k]!, expect, 1e-7, `tap ${k}`);
  }
  let total = 0;
  for (const v of out) total += v;
  assertClose(total, 1, 1e-6, "sum preserved");
  assertClose(FWHM_TO_SIGMA * fwhm, 1, 1e-12);
});

Deno.test("gaussianSmooth renormalises at the edge (hand-computed 1-D case)", () => {
  // sigma 0.5 voxel → radius 2; taps w0=1, w1=e^-2, w2=e^-8.
  const w1 = Math.exp(-2), w2 = Math.exp(-8);
  const src = new Float32Array([10, 0, 0, 0, 0, 0]);
  const out = new Float32Array(6);
  gaussianSmooth(src, [6, 1, 1], [2, 1, 1], 1 / FWHM_TO_SIGMA, out); // 1 mm / 2 mm voxels
  // Voxel 0 sees taps 0, +1, +2: weights 1, w1, w2.
  assertClose(out[0]!, 10 / (1 + w1 + w2), 1e-5, "voxel 0");
  // Voxel 1 sees taps -1..+2: weights w1, 1, w1, w2.
  assertClose(out[1]!, 10 * w1 / (1 + 2 * w1 + w2), 1e-5, "voxel 1");
  assertClose(out[2]!, 10 * w2 / (1 + 2 * w1 + 2 * w2), 1e-6, "voxel 2");
  assertClose(out[3]!, 0, 0, "voxel 3 beyond the radius");
});

Deno.test("gaussianSmooth along y and z matches x (separable, same kernel)", () => {
  const n = 11;
  const mk = (axis: number) => {
    const dims: [number, number, number] = [1, 1, 1];
    dims[axis] = n;
    const src = new Float32Array(n);
    src[3] = 2;
    src[8] = -1;
    const out = new Float32Array(n);
    gaussianSmooth(src, dims, [1.5, 1.5, 1.5], 4, out);
    return out;
  };
  const x = mk(0), y = mk(1), z = mk(2);
  assertClose(y, x, 1e-6, "y vs x");
  assertClose(z, x, 1e-6, "z vs x");
});

Deno.test("gaussianSmooth reads NaN as 0 and never outputs NaN", () => {
  const src = new Float32Array(27).fill(1);
  src[13] = NaN;
  const out = new Float32Array(27);
  gaussianSmooth(src, [3, 3, 3], [1, 1, 1], 0, out); // zero FWHM: a copy
  assertClose(out[13]!, 0, 0);
  assertClose(out[12]!, 1, 0);
  gaussianSmooth(src, [3, 3, 3], [1, 1, 1], 3, out);
  for (const v of out) assert(Number.isFinite(v) && v < 1 && v > 0.5, `value ${v}`);
  assertClose(gaussianKernel(0).length, 1, 0);
});
