import { assert, assertClose, assertEquals, assertThrows } from "../../helpers/assert.ts";
import { prepareReference } from "../../../shared/estimate/reference_model.ts";
import { createEstimateScratch, estimateFrame } from "../../../shared/estimate/estimate_frame.ts";
import { solveSpd } from "../../../shared/estimate/solve7.ts";
import { RegistrationError } from "../../../shared/errors.ts";
import { identity4, invert4, type Mat4, spmImatrix } from "../../../shared/rigid.ts";
import {
  blobImage,
  centredAffine,
  displacementError,
  motionMatrix,
} from "../../helpers/simulate.ts";

// A smooth analytic "brain": 50 Gaussian blobs (sd 6–14 mm) on a 40×44×36 grid of 3.5×3.5×4 mm.
const dims: [number, number, number] = [40, 44, 36];
const n3 = dims[0] * dims[1] * dims[2];
const affine = centredAffine(dims, [3.5, 3.5, 4]);
const blobs = blobImage(50, 11, [50, 55, 50]);

/** Frame whose tissue moved by T (see blobImage). */
function render(t: Mat4, d: [number, number, number] = dims, aff: Mat4 = affine): Float32Array {
  return blobs(t, d, aff);
}

const ref = render(identity4());
const model = prepareReference(ref, dims, affine, { fwhm: 5, sep: 4, degree: 1, quality: 0.9 });
const scratch = createEstimateScratch(model);
const all = new Uint8Array(n3).fill(1);
const deg = Math.PI / 180;

Deno.test("estimateFrame: the reference against itself is the identity", () => {
  const r = estimateFrame(model, ref, scratch, 0);
  assertClose(r.m, identity4(), 1e-9);
  assertClose(r.scale, 1, 1e-9);
  assert(r.iterations <= 2, `iterations ${r.iterations}`);
});

Deno.test("estimateFrame: a pure +2 mm x shift gives M = T⁻¹ (x = −2 mm)", () => {
  const t = motionMatrix([2, 0, 0, 0, 0, 0]);
  const r = estimateFrame(model, render(t), scratch, 1);
  const q = spmImatrix(r.m);
  assertClose(q, [-2, 0, 0, 0, 0, 0], 0.02);
  assert(displacementError(r.m, t, affine, all, dims).max < 0.02, "max displacement");
});

Deno.test("estimateFrame: a pure 3° yaw gives M = T⁻¹ (yaw = −3°)", () => {
  const t = motionMatrix([0, 0, 0, 0, 0, 3]);
  const r = estimateFrame(model, render(t), scratch, 2);
  const q = spmImatrix(r.m);
  assertClose(q.slice(3), [0, 0, -3 * deg], 0.01 * deg * 5);
  assertClose(q.slice(0, 3), [0, 0, 0], 0.02);
  const e = displacementError(r.m, t, affine, all, dims);
  assert(e.mean < 0.02, `mean displacement ${e.mean}`);
});

Deno.test("estimateFrame: combined motion, intensity scale, determinism", () => {
  const t = motionMatrix([1.5, -2, 1, 2, -1.5, 1]);
  const frame = render(t).map((v) => 1.2 * v);
  const r = estimateFrame(model, frame, scratch, 3);
  const e = displacementError(r.m, t, affine, all, dims);
  assert(e.mean < 0.03, `mean displacement ${e.mean}`);
  assertClose(r.scale, 1.2, 0.005);
  // A fresh scratch (another worker) gives bit-identical results.
  const again = estimateFrame(model, frame, createEstimateScratch(model), 3);
  assertEquals(again, r);
});

Deno.test("estimateFrame: NaN voxels are missing data, not poison", () => {
  const t = motionMatrix([0, 1, 0, 0, 1, 0]);
  const frame = render(t);
  frame.fill(NaN, 5 * dims[0] * dims[1], 9 * dims[0] * dims[1]); // four NaN slices
  const r = estimateFrame(model, frame, scratch, 4);
  assert(r.m.every(Number.isFinite), "finite");
  const e = displacementError(r.m, t, affine, all, dims);
  assert(e.mean < 0.1, `mean displacement ${e.mean}`);
});

Deno.test("estimateFrame: a blank frame throws RegistrationError naming the frame", () => {
  const err = assertThrows(
    () => estimateFrame(model, new Float32Array(n3), scratch, 7),
    RegistrationError,
    "frame 7",
  );
  assertEquals((err as RegistrationError).frame, 7);
  assertThrows(
    () => estimateFrame(model, new Float32Array(n3).fill(NaN), scratch, 8),
    RegistrationError,
    "blank",
  );
});

Deno.test("solveSpd solves a known system and holds an all-zero column at 0", () => {
  // [[4, 2, 0], [2, 3, 0], [0, 0, 0]] x = [8, 7, 0] → x = [1.25, 1.5, 0].
  const x = new Float64Array(3);
  assert(solveSpd([4, 2, 0, 2, 3, 0, 0, 0, 0], [8, 7, 0], 3, x, new Float64Array(12)));
  assertClose(Array.from(x), [1.25, 1.5, 0], 1e-12);
  // Singular (two equal columns) → false.
  assert(!solveSpd([1, 1, 1, 1], [1, 1], 2, new Float64Array(2), new Float64Array(6)));
});

Deno.test("estimateFrame: motion up to 10 mm and 10° from the reference is recovered", () => {
  for (
    const motion of [
      [10, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 10],
      [0, 0, 0, 10, 0, 0],
      [6, -6, 5, 6, -7, 8],
    ]
  ) {
    const t = motionMatrix(motion);
    const r = estimateFrame(model, render(t), scratch, 9);
    const e = displacementError(r.m, t, affine, all, dims);
    assert(e.mean < 0.05, `motion ${motion}: mean displacement ${e.mean} mm`);
  }
});

Deno.test("estimateFrame: fewer than 3 slices estimate x, y and yaw only (others exactly 0)", () => {
  for (const nz of [1, 2]) {
    const d: [number, number, number] = [48, 52, nz];
    const aff = centredAffine(d, [3.5, 3.5, 4]);
    const m2 = prepareReference(render(identity4(), d, aff), d, aff, {
      fwhm: 5,
      sep: 4,
      degree: 2,
      quality: 0.9,
    });
    const t = motionMatrix([1.5, -2, 0, 0, 0, 4]);
    const r = estimateFrame(m2, render(t, d, aff), createEstimateScratch(m2), 1);
    const q = spmImatrix(r.m);
    const want = spmImatrix(invert4(t));
    assertEquals([q[2], q[3], q[4]], [0, 0, 0], `nz ${nz}: z, pitch, roll`);
    assertClose([q[0]!, q[1]!], [want[0]!, want[1]!], 0.03, `nz ${nz}: x, y`);
    assertClose(q[5]!, want[5]!, 0.02 * deg, `nz ${nz}: yaw`);
  }
});

Deno.test("estimateFrame: a weight image keeps an artefact out of the estimate", () => {
  const t = motionMatrix([1, -1.5, 0.5, 1, 0, -1.5]);
  const frame = render(t);
  // A bright artefact over the first 10 slices of the frame only (not in the reference).
  const slab = 10 * dims[0] * dims[1];
  for (let i = 0; i < slab; i++) frame[i] = frame[i]! + 40 * Math.sin(i * 0.37) ** 2;
  const plain = estimateFrame(model, frame, scratch, 1);
  const weight = new Float32Array(n3).fill(1).fill(0, 0, slab + 2 * dims[0] * dims[1]);
  const wm = prepareReference(
    ref,
    dims,
    affine,
    { fwhm: 5, sep: 4, degree: 1, quality: 0.9 },
    weight,
  );
  const weighted = estimateFrame(wm, frame, createEstimateScratch(wm), 1);
  const ePlain = displacementError(plain.m, t, affine, all, dims).mean;
  const eWeighted = displacementError(weighted.m, t, affine, all, dims).mean;
  assert(ePlain > 0.1, `the artefact biases the unweighted estimate (${ePlain} mm)`);
  assert(eWeighted < 0.05, `weighted estimate ${eWeighted} mm`);
  // Weight 1 everywhere is the unweighted estimate.
  const ones = prepareReference(
    ref,
    dims,
    affine,
    { fwhm: 5, sep: 4, degree: 1, quality: 0.9 },
    new Float32Array(n3).fill(1),
  );
  assertClose(estimateFrame(ones, frame, createEstimateScratch(ones), 1).m, plain.m, 1e-9);
});
