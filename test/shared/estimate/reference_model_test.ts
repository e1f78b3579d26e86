import { assert, assertClose, assertEquals, assertThrows } from "../../helpers/assert.ts";
import { NCOL, prepareReference } from "../../../shared/estimate/reference_model.ts";
import { InputError } from "../../../shared/errors.ts";
import { apply4, invert4, mul4, spmMatrix } from "../../../shared/rigid.ts";

const dims: [number, number, number] = [12, 10, 8];
// An oblique affine, origin away from the volume, anisotropic voxels.
const affine = mul4(spmMatrix([-20, 15, -9, 0.2, -0.1, 0.3]), [
  3,
  0,
  0,
  0,
  0,
  3.5,
  0,
  0,
  0,
  0,
  4,
  0,
  0,
  0,
  0,
  1,
]);
const lin = (x: number, y: number, z: number) => 50 + 2 * x - 3 * y + 1.5 * z;

function linearVolume(): Float32Array {
  const v = new Float32Array(dims[0] * dims[1] * dims[2]);
  let o = 0;
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) v[o++] = lin(i, j, k);
  }
  return v;
}

Deno.test("derivative columns match finite differences of spmMatrix (signs of all six)", () => {
  // No smoothing, a linear image: the reference is known analytically everywhere.
  const model = prepareReference(linearVolume(), dims, affine, {
    fwhm: 0,
    sep: 5,
    degree: 1,
    quality: 1,
  });
  assert(model.n > 50, `points: ${model.n}`);
  const ai = invert4(affine);
  const g = (u: [number, number, number]) => {
    const [x, y, z] = apply4(ai, u[0], u[1], u[2]);
    return lin(x, y, z);
  };
  const eps = 1e-4;
  for (let p = 0; p < model.n; p += 7) {
    const [x, y, z] = [model.px[p]!, model.py[p]!, model.pz[p]!];
    const w = apply4(affine, x, y, z);
    assertClose(model.cols[p * NCOL + 6]!, lin(x, y, z), 1e-3, `b at point ${p}`);
    for (let k = 0; k < 6; k++) {
      const q = [0, 0, 0, 0, 0, 0];
      q[k] = eps;
      const plus = g(apply4(spmMatrix(q), w[0], w[1], w[2]));
      q[k] = -eps;
      const minus = g(apply4(spmMatrix(q), w[0], w[1], w[2]));
      const dk = (plus - minus) / (2 * eps);
      // Stored column is −D_k.
      assertClose(model.cols[p * NCOL + k]!, -dk, 1e-4 * (1 + Math.abs(dk)), `D_${k} at ${p}`);
    }
  }
});

Deno.test("prepareReference is deterministic, keeps points inside, precomputes AᵀA", () => {
  const s = { fwhm: 6, sep: 4, degree: 1, quality: 1 };
  const a = prepareReference(linearVolume(), dims, affine, s);
  const b = prepareReference(linearVolume(), dims, affine, s);
  assertEquals(a.cols, b.cols);
  assertEquals(a.px, b.px);
  for (let p = 0; p < a.n; p++) {
    assert(a.px[p]! >= 0 && a.px[p]! <= dims[0] - 1, "x inside");
    assert(a.py[p]! >= 0 && a.py[p]! <= dims[1] - 1, "y inside");
    assert(a.pz[p]! >= 0 && a.pz[p]! <= dims[2] - 1, "z inside");
  }
  // AᵀA entry (6,6) = Σ b², (0,6) = Σ (−D_1)·b; symmetric.
  let bb = 0, db = 0;
  for (let p = 0; p < a.n; p++) {
    bb += a.cols[p * NCOL + 6]! ** 2;
    db += a.cols[p * NCOL]! * a.cols[p * NCOL + 6]!;
  }
  assertClose(a.ata[48]!, bb, 1e-9 * bb);
  assertClose(a.ata[6]!, db, 1e-9 * Math.abs(db));
  assertClose(a.ata[42]!, db, 1e-9 * Math.abs(db));
  // Points every 4 mm on 3 × 3.5 × 4 mm voxels: steps 1.33, 1.14, 1 → a 9 × 8 × 7 grid,
  // less the points whose jitter carries them past the last voxel.
  assert(a.n <= 9 * 8 * 7 && a.n > 0.8 * 9 * 8 * 7, `points: ${a.n}`);
});

Deno.test("prepareReference drops exactly-empty background points", () => {
  const v = new Float32Array(dims[0] * dims[1] * dims[2]);
  v[5 + 12 * (5 + 10 * 4)] = 100; // one bright voxel
  const m = prepareReference(v, dims, affine, { fwhm: 0, sep: 3, degree: 1, quality: 1 });
  assert(m.n > 0 && m.n < 60, `points: ${m.n}`);
  // Value and central-difference gradient reach 2 voxels from the bright one, no further.
  for (let p = 0; p < m.n; p++) {
    const d = Math.max(Math.abs(m.px[p]! - 5), Math.abs(m.py[p]! - 5), Math.abs(m.pz[p]! - 4));
    assert(d < 2, `point ${p} is ${d} voxels away`);
  }
});

Deno.test("prepareReference rejects bad settings with InputError", () => {
  const v = linearVolume();
  assertThrows(
    () => prepareReference(v, dims, affine, { fwhm: 5, sep: 0, degree: 1, quality: 1 }),
    InputError,
  );
  assertThrows(
    () => prepareReference(v, dims, affine, { fwhm: -1, sep: 4, degree: 1, quality: 1 }),
    InputError,
  );
  assertThrows(
    () => prepareReference(v, dims, affine, { fwhm: 5, sep: 4, degree: 8, quality: 1 }),
    InputError,
    "interp-estimate",
  );
});
