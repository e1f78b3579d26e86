/**
 * Tests of B-spline prefiltering, sampling and reslicing against truth that
 * can be checked by hand: the poles are roots of the sampled B-spline's
 * z-transform, 1-D coefficients solved by hand, interpolation (sampling the
 * coefficients at voxel centres gives the voxels back, last voxel and lines
 * of length 1 and 2 included), polynomial reproduction, finite differences,
 * and resampling under identity, integer and half-voxel shifts.
 *
 * @module
 */

import { bsplineCoefficients, bsplinePoles } from "../../../shared/interp/bspline_prefilter.ts";
import {
  BSPLINE_EDGE_TOL,
  bsplineWeights,
  bsplineWeightsDeriv,
  bsplineWeightsTable,
  mirrorIndex,
  sampleBspline,
  sampleBsplineGrad,
} from "../../../shared/interp/bspline_sample.ts";
import { resliceBspline } from "../../../shared/interp/bspline_reslice.ts";
import { resliceTrilinear } from "../../../shared/reslice_kernel.ts";
import { identity4, type Mat4, spmMatrix } from "../../../shared/rigid.ts";
import { mulberry32 } from "../../../shared/estimate/prng.ts";
import { assert, assertClose, assertEquals, assertThrows } from "../../helpers/assert.ts";

type Dims = [number, number, number];

const DEGREES = [2, 3, 4, 5, 6, 7];

function randomVolume(dims: Dims, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const v = new Float32Array(dims[0] * dims[1] * dims[2]);
  for (let i = 0; i < v.length; i++) v[i] = 100 * rnd() - 30;
  return v;
}

function fillVolume(dims: Dims, f: (x: number, y: number, z: number) => number): Float32Array {
  const [nx, ny, nz] = dims;
  const v = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) v[i + nx * (j + ny * k)] = f(i, j, k);
  }
  return v;
}

function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

/** Checks that sampling `coef` at every voxel centre gives `src` back (relative to the data's range). */
function assertInterpolates(src: Float32Array, dims: Dims, degree: number, coef: Float32Array) {
  const [nx, ny, nz] = dims;
  const tol = 1e-4 * Math.max(1, maxAbs(src));
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const got = sampleBspline(coef, dims, degree, i, j, k);
        assertClose(
          got,
          src[i + nx * (j + ny * k)]!,
          tol,
          `degree ${degree} dims ${dims} (${i},${j},${k})`,
        );
      }
    }
  }
}

const shiftMatrix = (tx: number, ty: number, tz: number): Mat4 => [
  1,
  0,
  0,
  tx,
  0,
  1,
  0,
  ty,
  0,
  0,
  1,
  tz,
  0,
  0,
  0,
  1,
];

Deno.test("poles: roots of the sampled B-spline's z-transform, in (−1, 0)", () => {
  assertClose(bsplinePoles(2)[0]!, Math.sqrt(8) - 3, 1e-15);
  assertClose(bsplinePoles(3)[0]!, Math.sqrt(3) - 2, 1e-15);
  assertEquals(bsplinePoles(0).length, 0);
  assertEquals(bsplinePoles(1).length, 0);
  const w = new Float64Array(8);
  for (const n of DEGREES) {
    const poles = bsplinePoles(n);
    assertEquals(poles.length, Math.floor(n / 2), `degree ${n} pole count`);
    // b[k] = βⁿ(k) for |k| ≤ floor(n/2): weights of the coefficients around a voxel centre.
    const i0 = bsplineWeightsTable(n, 10, w);
    for (const z of poles) {
      assert(z > -1 && z < 0, `degree ${n}: pole ${z} in (−1, 0)`);
      let s = 0, scale = 0;
      for (let j = 0; j <= n; j++) {
        const term = w[j]! * Math.pow(z, i0 + j - 10);
        s += term;
        scale += Math.abs(term);
      }
      assertClose(s / scale, 0, 1e-13, `degree ${n}: Σ βⁿ(k) z^k at pole ${z}`);
    }
  }
});

Deno.test("weights: known values, sums, closed forms equal the exact table", () => {
  const w = new Float64Array(8), t = new Float64Array(8), dw = new Float64Array(8);
  assertEquals(bsplineWeights(2, 5, w), 4);
  assertClose(w.subarray(0, 3), [1 / 8, 3 / 4, 1 / 8], 1e-15);
  assertEquals(bsplineWeights(3, 5, w), 4);
  assertClose(w.subarray(0, 4), [1 / 6, 2 / 3, 1 / 6, 0], 1e-15);
  assertEquals(bsplineWeights(3, 5.5, w), 4);
  assertClose(w.subarray(0, 4), [1 / 48, 23 / 48, 23 / 48, 1 / 48], 1e-15);
  assertEquals(bsplineWeights(4, 5, w), 3);
  assertClose(w.subarray(0, 5), [1 / 384, 76 / 384, 230 / 384, 76 / 384, 1 / 384], 1e-15);
  assertEquals(bsplineWeights(1, 2.25, w), 2);
  assertClose(w.subarray(0, 2), [0.75, 0.25], 1e-15);
  for (let n = 0; n <= 7; n++) {
    for (let q = 0; q < 200; q++) {
      const x = -2.3 + q * 0.0731;
      const i0 = bsplineWeights(n, x, w);
      assertEquals(bsplineWeightsTable(n, x, t), i0, `degree ${n} x ${x}: first index`);
      assertClose(w.subarray(0, n + 1), t.subarray(0, n + 1), 1e-14, `degree ${n} x ${x}`);
      assertEquals(bsplineWeightsDeriv(n, x, w, dw), i0);
      let s = 0, ds = 0;
      for (let j = 0; j <= n; j++) {
        s += w[j]!;
        ds += dw[j]!;
        assert(w[j]! >= -1e-15, `degree ${n} x ${x}: weight ${j} ≥ 0`);
      }
      assertClose(s, 1, 1e-14, `degree ${n} x ${x}: weights sum`);
      assertClose(ds, 0, 1e-14, `degree ${n} x ${x}: derivative weights sum`);
    }
  }
});

Deno.test("derivative weights match finite differences of the weights", () => {
  const a = new Float64Array(8), b = new Float64Array(8), w = new Float64Array(8);
  const dw = new Float64Array(8);
  const h = 1e-6;
  for (let n = 2; n <= 7; n++) {
    for (const x of [3.1, 3.37, 3.5 + 0.21, 3.93]) {
      const i0 = bsplineWeightsDeriv(n, x, w, dw);
      assertEquals(bsplineWeightsTable(n, x + h, a), i0);
      assertEquals(bsplineWeightsTable(n, x - h, b), i0);
      for (let j = 0; j <= n; j++) {
        assertClose(dw[j]!, (a[j]! - b[j]!) / (2 * h), 1e-8, `degree ${n} x ${x} weight ${j}`);
      }
    }
  }
});

Deno.test("mirrorIndex folds about the end samples", () => {
  assertEquals([-1, -2, -5, 5, 6, 9, 13, 2].map((i) => mirrorIndex(i, 5)), [
    1,
    2,
    3,
    3,
    2,
    1,
    3,
    2,
  ]);
  assertEquals([-1, 2, 3, -2].map((i) => mirrorIndex(i, 2)), [1, 0, 1, 0]);
  assertEquals([-3, 0, 4].map((i) => mirrorIndex(i, 1)), [0, 0, 0]);
});

Deno.test("prefilter: 1-D coefficients solved by hand, constants stay constant", () => {
  // Mirrored [0, 1, 0] is 0,1,0,1,…: c = a,b,a with (b + 4a + b)/6 = 0 and (2a + 4b)/6 = 1.
  const c3 = bsplineCoefficients(new Float32Array([0, 1, 0]), [3, 1, 1], 3);
  assertClose(c3, [-1, 2, -1], 1e-6);
  // Quadratic: (b + 6a + b)/8 = 0, (2a + 6b)/8 = 1 → a = −1/2, b = 3/2.
  const c2 = bsplineCoefficients(new Float64Array([0, 1, 0]), [1, 3, 1], 2);
  assertClose(c2, [-0.5, 1.5, -0.5], 1e-6);
  for (let n = 0; n <= 7; n++) {
    const dims: Dims = [6, 5, 40];
    const c = bsplineCoefficients(new Float32Array(6 * 5 * 40).fill(7.5), dims, n);
    for (let i = 0; i < c.length; i++) assertClose(c[i]!, 7.5, 1e-5, `degree ${n} voxel ${i}`);
  }
  // Degrees 0 and 1 copy.
  const src = randomVolume([4, 3, 2], 5);
  assertEquals(bsplineCoefficients(src, [4, 3, 2], 1), src);
  assertEquals(bsplineCoefficients(src, [4, 3, 2], 0), src);
});

Deno.test("prefilter then sample at voxel centres reproduces the input, every degree", () => {
  const shapes: Dims[] = [[7, 9, 5], [1, 1, 1], [7, 1, 2], [1, 2, 1], [2, 2, 2], [3, 1, 1], [
    45,
    2,
    3,
  ]];
  for (const n of [0, 1, ...DEGREES]) {
    for (const dims of shapes) {
      const src = randomVolume(dims, 17 + n);
      assertInterpolates(src, dims, n, bsplineCoefficients(src, dims, n));
    }
  }
  // In place: out = src.
  const dims: Dims = [7, 9, 5];
  const src = randomVolume(dims, 99);
  const buf = src.slice();
  assert(bsplineCoefficients(buf, dims, 4, buf) === buf, "returns out");
  assertInterpolates(src, dims, 4, buf);
});

Deno.test("polynomials up to the degree are reproduced in the interior", () => {
  // Mirror boundaries bend a ramp at the edges; the effect decays like |pole|^distance
  // (0.535^18 ≈ 1e-5 for degree 7), so sample ≥ 18 voxels from every edge.
  const dims: Dims = [44, 44, 44];
  const rnd = mulberry32(3);
  const lin = (x: number, y: number, z: number) => 5 + 0.5 * x - 0.75 * y + 0.25 * z;
  const quad = (x: number, y: number, z: number) =>
    lin(x, y, z) + 0.02 * (x - 20) ** 2 - 0.03 * (y - 22) * (z - 21) + 0.01 * (z - 23) ** 2;
  const linVol = fillVolume(dims, lin), quadVol = fillVolume(dims, quad);
  const g = new Float64Array(4);
  for (const n of [1, ...DEGREES]) {
    const cl = bsplineCoefficients(linVol, dims, n);
    const cq = bsplineCoefficients(quadVol, dims, n);
    for (let p = 0; p < 60; p++) {
      const x = 18 + 7 * rnd(), y = 18 + 7 * rnd(), z = 18 + 7 * rnd();
      assertClose(sampleBspline(cl, dims, n, x, y, z), lin(x, y, z), 2e-4, `ramp degree ${n}`);
      assert(sampleBsplineGrad(cl, dims, n, x, y, z, g), "inside");
      assertClose(g.subarray(1), [0.5, -0.75, 0.25], 2e-4, `ramp gradient degree ${n}`);
      if (n >= 2) {
        assertClose(
          sampleBspline(cq, dims, n, x, y, z),
          quad(x, y, z),
          2e-4,
          `quadratic degree ${n}`,
        );
      }
    }
  }
  // Degree 1 is exact up to the last voxel.
  const c1 = bsplineCoefficients(linVol, dims, 1);
  assertClose(sampleBspline(c1, dims, 1, 43, 42.5, 0.25), lin(43, 42.5, 0.25), 1e-5);
});

Deno.test("gradient matches finite differences of the sampled value, edges included", () => {
  const dims: Dims = [9, 8, 7];
  // Smooth-ish random data: random plus a blob, so the spline is not trivial.
  const src = randomVolume(dims, 11);
  const g = new Float64Array(4);
  const h = 1e-5;
  const rnd = mulberry32(12);
  for (const n of [1, ...DEGREES]) {
    const c = bsplineCoefficients(src, dims, n);
    const points: [number, number, number][] = [[0.3, 0.2, 0.4], [7.6, 6.8, 5.7], [0.05, 6.9, 3.3]];
    for (let p = 0; p < 20; p++) {
      points.push([0.1 + 7.8 * rnd(), 0.1 + 6.8 * rnd(), 0.1 + 5.8 * rnd()]);
    }
    for (const [x, y, z] of points) {
      assert(sampleBsplineGrad(c, dims, n, x, y, z, g), `inside at ${x},${y},${z}`);
      assertClose(g[0]!, sampleBspline(c, dims, n, x, y, z), 1e-9, "value");
      if (n === 1) continue; // piecewise linear: finite differences straddle kinks
      const fd = [
        (sampleBspline(c, dims, n, x + h, y, z) - sampleBspline(c, dims, n, x - h, y, z)) / (2 * h),
        (sampleBspline(c, dims, n, x, y + h, z) - sampleBspline(c, dims, n, x, y - h, z)) / (2 * h),
        (sampleBspline(c, dims, n, x, y, z + h) - sampleBspline(c, dims, n, x, y, z - h)) / (2 * h),
      ];
      assertClose(
        g.subarray(1),
        fd,
        2e-4 * Math.max(1, maxAbs(fd)),
        `degree ${n} at ${x},${y},${z}`,
      );
    }
  }
  // An axis of length 1 has derivative 0.
  const flat: Dims = [5, 4, 1];
  const cf = bsplineCoefficients(randomVolume(flat, 2), flat, 3);
  assert(sampleBsplineGrad(cf, flat, 3, 2.2, 1.7, 0, g), "inside");
  assertEquals(g[3], 0);
});

Deno.test("sampling outside the volume: NaN / false, edge tolerance 1e-5 voxel", () => {
  const dims: Dims = [5, 4, 3];
  const src = randomVolume(dims, 21);
  const c = bsplineCoefficients(src, dims, 4);
  const g = new Float64Array([9, 9, 9, 9]);
  for (const [x, y, z] of [[-0.01, 1, 1], [4.01, 1, 1], [1, -0.5, 1], [1, 3.001, 1], [1, 1, 2.5]]) {
    assert(Number.isNaN(sampleBspline(c, dims, 4, x!, y!, z!)), `NaN at ${x},${y},${z}`);
    assert(!sampleBsplineGrad(c, dims, 4, x!, y!, z!, g), `false at ${x},${y},${z}`);
  }
  assertEquals(Array.from(g), [9, 9, 9, 9]);
  const e = BSPLINE_EDGE_TOL / 2;
  assertClose(sampleBspline(c, dims, 4, -e, -e, -e), src[0]!, 1e-3);
  assertClose(sampleBspline(c, dims, 4, 4 + e, 3 + e, 2 + e), src[59]!, 1e-3);
});

Deno.test("degree is checked", () => {
  const src = new Float32Array(8);
  assertThrows(() => bsplineCoefficients(src, [2, 2, 2], 8), RangeError, "degree");
  assertThrows(() => bsplineCoefficients(src, [2, 2, 2], 2.5), RangeError, "degree");
  assertThrows(
    () => resliceBspline(src, [2, 2, 2], -1, identity4(), new Float32Array(8)),
    RangeError,
  );
  assertThrows(() => bsplineCoefficients(src, [3, 2, 2], 3), RangeError, "fewer");
});

Deno.test("reslice: identity reproduces the input, integer shift moves it", () => {
  const dims: Dims = [7, 9, 5];
  const [nx, ny, nz] = dims;
  const src = randomVolume(dims, 31);
  const out = new Float32Array(src.length);
  const tol = 1e-4 * maxAbs(src);
  for (const n of [0, 1, ...DEGREES]) {
    const c = bsplineCoefficients(src, dims, n);
    resliceBspline(c, dims, n, identity4(), out);
    assertClose(out, src, tol, `identity degree ${n}`);
    // Rounding noise below the tolerance keeps the edge voxels.
    resliceBspline(c, dims, n, shiftMatrix(-3e-6, 2e-6, -1e-6), out);
    assertClose(out, src, tol, `near-identity degree ${n}`);
    // out(i, j, k) = src(i + 1, j − 2, k + 1), 0 where that is outside.
    resliceBspline(c, dims, n, shiftMatrix(1, -2, 1), out);
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const si = i + 1, sj = j - 2, sk = k + 1;
          const inside = si < nx && sj >= 0 && sk < nz;
          const want = inside ? src[si + nx * (sj + ny * sk)]! : 0;
          const got = out[i + nx * (j + ny * k)]!;
          if (!inside) assertEquals(got, 0, `degree ${n} (${i},${j},${k}) outside`);
          else assertClose(got, want, tol, `shift degree ${n} (${i},${j},${k})`);
        }
      }
    }
  }
});

Deno.test("reslice equals sampleBspline under a rigid transform, 0 outside", () => {
  const dims: Dims = [12, 11, 9];
  const [nx, ny, nz] = dims;
  const src = randomVolume(dims, 41);
  const out = new Float32Array(src.length);
  // A rotation about the volume centre plus a shift: some voxels leave the volume.
  const v2v = spmMatrix([0.7, -0.4, 1.3, 0.1, -0.05, 0.2]);
  for (const n of [1, 3, 4, 7]) {
    const c = bsplineCoefficients(src, dims, n);
    resliceBspline(c, dims, n, v2v, out);
    let zeros = 0;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const x = v2v[0]! * i + v2v[1]! * j + v2v[2]! * k + v2v[3]!;
          const y = v2v[4]! * i + v2v[5]! * j + v2v[6]! * k + v2v[7]!;
          const z = v2v[8]! * i + v2v[9]! * j + v2v[10]! * k + v2v[11]!;
          const s = sampleBspline(c, dims, n, x, y, z);
          const got = out[i + nx * (j + ny * k)]!;
          if (Number.isNaN(s)) {
            assertEquals(got, 0, `degree ${n} (${i},${j},${k}) outside`);
            zeros++;
          } else assertClose(got, s, 1e-4, `degree ${n} (${i},${j},${k})`);
        }
      }
    }
    assert(zeros > 50 && zeros < src.length / 2, `degree ${n}: ${zeros} voxels outside`);
  }
});

Deno.test("half-voxel shift of a Gaussian blob: close to analytic, degree 4 beats linear", () => {
  const dims: Dims = [32, 30, 28];
  const [nx, ny, nz] = dims;
  const cx = 15.2, cy = 14.6, cz = 13.9, s2 = 2 * 2.5 * 2.5;
  const blob = (x: number, y: number, z: number) =>
    100 * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2) / s2);
  const src = fillVolume(dims, blob);
  const v2v = shiftMatrix(0.5, -0.5, 0.5);
  const out = new Float32Array(src.length);
  const rmsError = (vol: Float32Array) => {
    let s = 0, m = 0;
    for (let k = 2; k < nz - 2; k++) {
      for (let j = 2; j < ny - 2; j++) {
        for (let i = 2; i < nx - 2; i++) {
          const d = vol[i + nx * (j + ny * k)]! - blob(i + 0.5, j - 0.5, k + 0.5);
          s += d * d;
          m++;
        }
      }
    }
    return Math.sqrt(s / m);
  };
  const err: number[] = [];
  for (let n = 1; n <= 7; n++) {
    resliceBspline(bsplineCoefficients(src, dims, n), dims, n, v2v, out);
    err[n] = rmsError(out);
  }
  resliceTrilinear(src, dims, v2v, out);
  const tri = rmsError(out);
  assertClose(err[1]!, tri, 1e-5, "degree 1 is trilinear");
  assert(err[4]! < tri / 10, `degree 4 rms ${err[4]} vs trilinear ${tri}`);
  assert(err[4]! < 0.002, `degree 4 rms ${err[4]} (peak 100)`);
  for (let n = 1; n < 7; n++) {
    assert(err[n + 1]! < err[n]!, `rms errors by degree: ${err.join(", ")}`);
  }
});
