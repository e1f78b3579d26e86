/**
 * Sampling of a B-spline interpolant (degree 0–7; what SPM's `spm_bsplins`
 * does) from coefficients made by `bsplineCoefficients`, at a voxel position
 * (0-based, voxel centres at integers, NIfTI order, x fastest).
 *
 * Weights: a position `x` is served by the `degree + 1` coefficients from
 * `i0 = floor(x − (degree − 1)/2)` on; the weight of `i0 + j` is the centred
 * B-spline `βⁿ(x − i0 − j)`, a polynomial piece in `u = x − (degree − 1)/2 − i0`
 * ∈ [0, 1): Thévenaz's closed forms for degrees 2–5, else Horner on a table
 * of exact coefficients (built once from the truncated-power formula). The
 * derivative weight is that piece's derivative (Horner on the table). Indices outside `[0, n − 1]` are folded by the same
 * whole-sample mirror the prefilter assumes (`−k → k`, `n − 1 + k → n − 1 − k`).
 *
 * Inside means `−BSPLINE_EDGE_TOL ≤ p ≤ n − 1 + BSPLINE_EDGE_TOL` on every
 * axis (1e-5 voxel, so the rounding of `A⁻¹ · T · A` keeps the edge voxels);
 * outside, {@link sampleBspline} returns NaN and {@link sampleBsplineGrad}
 * returns false — the caller decides what that means. An axis of length 1 is
 * sampled at its single voxel, with derivative 0.
 *
 * The sampling functions use module-level scratch arrays: no allocation per
 * call (each worker has its own module instance).
 *
 * @module
 */

import { checkBsplineDegree, MAX_BSPLINE_DEGREE } from "./bspline_prefilter.ts";

/** How far (in voxels) outside `[0, n−1]` a position still counts as inside. */
export const BSPLINE_EDGE_TOL = 1e-5;

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/**
 * Piece `j` (0..n) of `βⁿ` as a polynomial in `u`, coefficients of `u^p`
 * (p = 0..n) at `[j·(n+1) + p]`: `βⁿ(u + (n−1)/2 − j) =
 * (1/n!) Σ_{k=0}^{n−j} (−1)^k C(n+1, k) (u + n − j − k)^n`. Sums are exact
 * integers before the final division.
 */
function pieceTable(n: number): Float64Array {
  const t = new Float64Array((n + 1) * (n + 1));
  let fact = 1;
  for (let i = 2; i <= n; i++) fact *= i;
  for (let j = 0; j <= n; j++) {
    for (let p = 0; p <= n; p++) {
      let s = 0;
      for (let k = 0; k <= n - j; k++) {
        const m = n - j - k;
        s += (k % 2 === 0 ? 1 : -1) * binomial(n + 1, k) * binomial(n, p) * Math.pow(m, n - p);
      }
      t[j * (n + 1) + p] = s / fact;
    }
  }
  return t;
}

/** The derivative pieces: coefficients of `u^p` (p = 0..n−1) at `[j·n + p]`. */
function derivativeTable(n: number, pieces: Float64Array): Float64Array {
  const d = new Float64Array((n + 1) * Math.max(n, 1));
  for (let j = 0; j <= n; j++) {
    for (let p = 0; p < n; p++) d[j * n + p] = (p + 1) * pieces[j * (n + 1) + p + 1]!;
  }
  return d;
}

const PIECES: Float64Array[] = [];
const DPIECES: Float64Array[] = [];
for (let n = 0; n <= MAX_BSPLINE_DEGREE; n++) {
  PIECES.push(pieceTable(n));
  DPIECES.push(derivativeTable(n, PIECES[n]!));
}

/** The exact piece table of `βⁿ` (see `pieceTable`; read-only): `(n+1)²` coefficients. */
export function bsplinePieces(degree: number): Float64Array {
  checkBsplineDegree(degree);
  return PIECES[degree]!;
}

/**
 * Writes the weights of the `degree + 1` coefficients serving position `x`
 * to `w[0..degree]` and returns the index of the first one (`i0`, before
 * mirror folding). The weights sum to 1.
 *
 * @example Cubic weights at a voxel centre
 * ```ts
 * import { bsplineWeights } from "./bspline_sample.ts";
 * const w = new Float64Array(4);
 * bsplineWeights(3, 5, w); // 4; w = [1/6, 2/3, 1/6, 0]
 * ```
 */
export function bsplineWeights(degree: number, x: number, w: Float64Array): number {
  switch (degree) {
    case 2: {
      const i0 = Math.floor(x - 0.5);
      const t = x - i0 - 1;
      const w1 = 0.75 - t * t;
      const w2 = 0.5 * (t - w1 + 1);
      w[0] = 1 - w1 - w2;
      w[1] = w1;
      w[2] = w2;
      return i0;
    }
    case 3: {
      const i0 = Math.floor(x) - 1;
      const t = x - i0 - 1;
      const w3 = (1 / 6) * t * t * t;
      const w0 = 1 / 6 + 0.5 * t * (t - 1) - w3;
      const w2 = t + w0 - 2 * w3;
      w[0] = w0;
      w[1] = 1 - w0 - w2 - w3;
      w[2] = w2;
      w[3] = w3;
      return i0;
    }
    case 4: {
      const i0 = Math.floor(x - 1.5);
      const t = x - i0 - 2;
      const t2 = t * t;
      const s = (1 / 6) * t2;
      let w0 = 0.5 - t;
      w0 *= w0;
      w0 *= (1 / 24) * w0;
      const t0 = t * (s - 11 / 24);
      const t1 = 19 / 96 + t2 * (0.25 - s);
      const w1 = t1 + t0, w3 = t1 - t0;
      const w4 = w0 + t0 + 0.5 * t;
      w[0] = w0;
      w[1] = w1;
      w[2] = 1 - w0 - w1 - w3 - w4;
      w[3] = w3;
      w[4] = w4;
      return i0;
    }
    case 5: {
      const i0 = Math.floor(x) - 2;
      let t = x - i0 - 2;
      let t2 = t * t;
      const w5 = (1 / 120) * t * t2 * t2;
      t2 -= t;
      const t4 = t2 * t2;
      t -= 0.5;
      const s = t2 * (t2 - 3);
      w[0] = (1 / 24) * (1 / 5 + t2 + t4) - w5;
      let t0 = (1 / 24) * (t2 * (t2 - 5) + 46 / 5);
      let t1 = (-1 / 12) * t * (s + 4);
      w[2] = t0 + t1;
      w[3] = t0 - t1;
      t0 = (1 / 16) * (9 / 5 - s);
      t1 = (1 / 24) * t * (t4 - t2 - 5);
      w[1] = t0 + t1;
      w[4] = t0 - t1;
      w[5] = w5;
      return i0;
    }
    default:
      return bsplineWeightsTable(degree, x, w);
  }
}

/**
 * {@link bsplineWeights} evaluated from the exact piece table by Horner, for
 * any degree 0–7 (the reference the closed forms of degrees 2–5 are tested
 * against; used as is for 0, 1, 6 and 7).
 */
export function bsplineWeightsTable(degree: number, x: number, w: Float64Array): number {
  const half = (degree - 1) * 0.5;
  const i0 = Math.floor(x - half);
  const u = x - half - i0;
  const t = PIECES[degree]!;
  const np1 = degree + 1;
  for (let j = 0; j <= degree; j++) {
    const o = j * np1;
    let acc = t[o + degree]!;
    for (let p = degree - 1; p >= 0; p--) acc = acc * u + t[o + p]!;
    w[j] = acc;
  }
  return i0;
}

/**
 * As {@link bsplineWeights}, and also writes the derivative weights
 * (`d/dx` of each weight) to `dw[0..degree]` (they sum to 0).
 */
export function bsplineWeightsDeriv(
  degree: number,
  x: number,
  w: Float64Array,
  dw: Float64Array,
): number {
  const i0 = bsplineWeights(degree, x, w);
  const u = x - (degree - 1) * 0.5 - i0;
  const d = DPIECES[degree]!;
  for (let j = 0; j <= degree; j++) {
    if (degree === 0) {
      dw[j] = 0;
      continue;
    }
    const o = j * degree;
    let acc = d[o + degree - 1]!;
    for (let p = degree - 2; p >= 0; p--) acc = acc * u + d[o + p]!;
    dw[j] = acc;
  }
  return i0;
}

/** Folds index `i` into `[0, n−1]` by whole-sample mirroring (period `2n − 2`). */
export function mirrorIndex(i: number, n: number): number {
  if (i >= 0 && i < n) return i;
  if (n === 1) return 0;
  const period = 2 * n - 2;
  i %= period;
  if (i < 0) i += period;
  return i >= n ? period - i : i;
}

/** Writes the folded, stride-scaled offsets of `i0 .. i0 + degree` to `o`. */
export function axisOffsets(
  i0: number,
  degree: number,
  n: number,
  stride: number,
  o: Int32Array,
): void {
  if (i0 >= 0 && i0 + degree < n) {
    for (let j = 0; j <= degree; j++) o[j] = (i0 + j) * stride;
  } else {
    for (let j = 0; j <= degree; j++) o[j] = mirrorIndex(i0 + j, n) * stride;
  }
}

const N8 = MAX_BSPLINE_DEGREE + 1;
const WX = new Float64Array(N8), WY = new Float64Array(N8), WZ = new Float64Array(N8);
const DX = new Float64Array(N8), DY = new Float64Array(N8), DZ = new Float64Array(N8);
const OX = new Int32Array(N8), OY = new Int32Array(N8), OZ = new Int32Array(N8);

/**
 * Degree-specific 3-D sums with the x taps contiguous from `o0 = ix0`:
 * `Σ_k wz_k Σ_j wy_j Σ_i wx_i c[oz_k + oy_j + ix0 + i]`, unrolled in x and y
 * (the hot path of sampling and reslicing; written out by hand per degree
 * because V8 does not unroll the small loops).
 */
function sum1(
  c: Float32Array,
  ix0: number,
  wx: Float64Array,
  oy: Int32Array,
  wy: Float64Array,
  oz: Int32Array,
  wz: Float64Array,
): number {
  const w0 = wx[0]!, w1 = wx[1]!;
  const y0 = oy[0]! + ix0, y1 = oy[1]! + ix0;
  const u0 = wy[0]!, u1 = wy[1]!;
  let v = 0;
  for (let k = 0; k <= 1; k++) {
    const z = oz[k]!;
    let o = z + y0;
    let s = (c[o]! * w0 + c[o + 1]! * w1) * u0;
    o = z + y1;
    s += (c[o]! * w0 + c[o + 1]! * w1) * u1;
    v += s * wz[k]!;
  }
  return v;
}

function sum2(
  c: Float32Array,
  ix0: number,
  wx: Float64Array,
  oy: Int32Array,
  wy: Float64Array,
  oz: Int32Array,
  wz: Float64Array,
): number {
  const w0 = wx[0]!, w1 = wx[1]!, w2 = wx[2]!;
  const y0 = oy[0]! + ix0, y1 = oy[1]! + ix0, y2 = oy[2]! + ix0;
  const u0 = wy[0]!, u1 = wy[1]!, u2 = wy[2]!;
  let v = 0;
  for (let k = 0; k <= 2; k++) {
    const z = oz[k]!;
    let o = z + y0;
    let s = (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2) * u0;
    o = z + y1;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2) * u1;
    o = z + y2;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2) * u2;
    v += s * wz[k]!;
  }
  return v;
}

function sum3(
  c: Float32Array,
  ix0: number,
  wx: Float64Array,
  oy: Int32Array,
  wy: Float64Array,
  oz: Int32Array,
  wz: Float64Array,
): number {
  const w0 = wx[0]!, w1 = wx[1]!, w2 = wx[2]!, w3 = wx[3]!;
  const y0 = oy[0]! + ix0, y1 = oy[1]! + ix0, y2 = oy[2]! + ix0, y3 = oy[3]! + ix0;
  const u0 = wy[0]!, u1 = wy[1]!, u2 = wy[2]!, u3 = wy[3]!;
  let v = 0;
  for (let k = 0; k <= 3; k++) {
    const z = oz[k]!;
    let o = z + y0;
    let s = (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3) * u0;
    o = z + y1;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3) * u1;
    o = z + y2;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3) * u2;
    o = z + y3;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3) * u3;
    v += s * wz[k]!;
  }
  return v;
}

function sum4(
  c: Float32Array,
  ix0: number,
  wx: Float64Array,
  oy: Int32Array,
  wy: Float64Array,
  oz: Int32Array,
  wz: Float64Array,
): number {
  const w0 = wx[0]!, w1 = wx[1]!, w2 = wx[2]!, w3 = wx[3]!, w4 = wx[4]!;
  const y0 = oy[0]! + ix0,
    y1 = oy[1]! + ix0,
    y2 = oy[2]! + ix0,
    y3 = oy[3]! + ix0,
    y4 = oy[4]! + ix0;
  const u0 = wy[0]!, u1 = wy[1]!, u2 = wy[2]!, u3 = wy[3]!, u4 = wy[4]!;
  let v = 0;
  for (let k = 0; k <= 4; k++) {
    const z = oz[k]!;
    let o = z + y0;
    let s = (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4) * u0;
    o = z + y1;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4) * u1;
    o = z + y2;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4) * u2;
    o = z + y3;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4) * u3;
    o = z + y4;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4) * u4;
    v += s * wz[k]!;
  }
  return v;
}

function sum5(
  c: Float32Array,
  ix0: number,
  wx: Float64Array,
  oy: Int32Array,
  wy: Float64Array,
  oz: Int32Array,
  wz: Float64Array,
): number {
  const w0 = wx[0]!, w1 = wx[1]!, w2 = wx[2]!, w3 = wx[3]!, w4 = wx[4]!, w5 = wx[5]!;
  const y0 = oy[0]! + ix0,
    y1 = oy[1]! + ix0,
    y2 = oy[2]! + ix0,
    y3 = oy[3]! + ix0,
    y4 = oy[4]! + ix0,
    y5 = oy[5]! + ix0;
  const u0 = wy[0]!, u1 = wy[1]!, u2 = wy[2]!, u3 = wy[3]!, u4 = wy[4]!, u5 = wy[5]!;
  let v = 0;
  for (let k = 0; k <= 5; k++) {
    const z = oz[k]!;
    let o = z + y0;
    let s = (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5) * u0;
    o = z + y1;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5) * u1;
    o = z + y2;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5) * u2;
    o = z + y3;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5) * u3;
    o = z + y4;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5) * u4;
    o = z + y5;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5) * u5;
    v += s * wz[k]!;
  }
  return v;
}

function sum6(
  c: Float32Array,
  ix0: number,
  wx: Float64Array,
  oy: Int32Array,
  wy: Float64Array,
  oz: Int32Array,
  wz: Float64Array,
): number {
  const w0 = wx[0]!, w1 = wx[1]!, w2 = wx[2]!, w3 = wx[3]!, w4 = wx[4]!, w5 = wx[5]!, w6 = wx[6]!;
  const y0 = oy[0]! + ix0,
    y1 = oy[1]! + ix0,
    y2 = oy[2]! + ix0,
    y3 = oy[3]! + ix0,
    y4 = oy[4]! + ix0,
    y5 = oy[5]! + ix0,
    y6 = oy[6]! + ix0;
  const u0 = wy[0]!, u1 = wy[1]!, u2 = wy[2]!, u3 = wy[3]!, u4 = wy[4]!, u5 = wy[5]!, u6 = wy[6]!;
  let v = 0;
  for (let k = 0; k <= 6; k++) {
    const z = oz[k]!;
    let o = z + y0;
    let s = (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6) * u0;
    o = z + y1;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6) * u1;
    o = z + y2;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6) * u2;
    o = z + y3;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6) * u3;
    o = z + y4;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6) * u4;
    o = z + y5;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6) * u5;
    o = z + y6;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6) * u6;
    v += s * wz[k]!;
  }
  return v;
}

function sum7(
  c: Float32Array,
  ix0: number,
  wx: Float64Array,
  oy: Int32Array,
  wy: Float64Array,
  oz: Int32Array,
  wz: Float64Array,
): number {
  const w0 = wx[0]!,
    w1 = wx[1]!,
    w2 = wx[2]!,
    w3 = wx[3]!,
    w4 = wx[4]!,
    w5 = wx[5]!,
    w6 = wx[6]!,
    w7 = wx[7]!;
  const y0 = oy[0]! + ix0,
    y1 = oy[1]! + ix0,
    y2 = oy[2]! + ix0,
    y3 = oy[3]! + ix0,
    y4 = oy[4]! + ix0,
    y5 = oy[5]! + ix0,
    y6 = oy[6]! + ix0,
    y7 = oy[7]! + ix0;
  const u0 = wy[0]!,
    u1 = wy[1]!,
    u2 = wy[2]!,
    u3 = wy[3]!,
    u4 = wy[4]!,
    u5 = wy[5]!,
    u6 = wy[6]!,
    u7 = wy[7]!;
  let v = 0;
  for (let k = 0; k <= 7; k++) {
    const z = oz[k]!;
    let o = z + y0;
    let s = (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6 + c[o + 7]! * w7) * u0;
    o = z + y1;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6 + c[o + 7]! * w7) * u1;
    o = z + y2;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6 + c[o + 7]! * w7) * u2;
    o = z + y3;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6 + c[o + 7]! * w7) * u3;
    o = z + y4;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6 + c[o + 7]! * w7) * u4;
    o = z + y5;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6 + c[o + 7]! * w7) * u5;
    o = z + y6;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6 + c[o + 7]! * w7) * u6;
    o = z + y7;
    s += (c[o]! * w0 + c[o + 1]! * w1 + c[o + 2]! * w2 + c[o + 3]! * w3 + c[o + 4]! * w4 +
      c[o + 5]! * w5 + c[o + 6]! * w6 + c[o + 7]! * w7) * u7;
    v += s * wz[k]!;
  }
  return v;
}

/**
 * The 3-D weighted sum when the x taps are `ix0 .. ix0 + degree` with no
 * folding; y and z taps at offsets `oy`, `oz` (folded, stride-scaled).
 */
export function sumInterior(
  c: Float32Array,
  degree: number,
  ix0: number,
  wx: Float64Array,
  oy: Int32Array,
  wy: Float64Array,
  oz: Int32Array,
  wz: Float64Array,
): number {
  switch (degree) {
    case 0:
      return c[oz[0]! + oy[0]! + ix0]!;
    case 1:
      return sum1(c, ix0, wx, oy, wy, oz, wz);
    case 2:
      return sum2(c, ix0, wx, oy, wy, oz, wz);
    case 3:
      return sum3(c, ix0, wx, oy, wy, oz, wz);
    case 4:
      return sum4(c, ix0, wx, oy, wy, oz, wz);
    case 5:
      return sum5(c, ix0, wx, oy, wy, oz, wz);
    case 6:
      return sum6(c, ix0, wx, oy, wy, oz, wz);
    case 7:
      return sum7(c, ix0, wx, oy, wy, oz, wz);
    default:
      throw new RangeError(`Cannot sample: degree ${degree} is not in 0..7`);
  }
}

/** The 3-D weighted sum with folded offsets on every axis (voxels near the edges). */
export function sumFolded(
  c: Float32Array,
  degree: number,
  ox: Int32Array,
  wx: Float64Array,
  oy: Int32Array,
  wy: Float64Array,
  oz: Int32Array,
  wz: Float64Array,
): number {
  let v = 0;
  for (let k = 0; k <= degree; k++) {
    let s = 0;
    for (let j = 0; j <= degree; j++) {
      const o = oz[k]! + oy[j]!;
      let r = 0;
      for (let i = 0; i <= degree; i++) r += c[o + ox[i]!]! * wx[i]!;
      s += r * wy[j]!;
    }
    v += s * wz[k]!;
  }
  return v;
}

function inside(n: number, p: number): boolean {
  return p >= -BSPLINE_EDGE_TOL && p <= n - 1 + BSPLINE_EDGE_TOL;
}

/**
 * The value at voxel position `(x, y, z)` of the degree-`degree` B-spline
 * whose coefficients are `coef` (dims `nx, ny, nz`), or NaN outside the
 * volume. With coefficients from `bsplineCoefficients(src, dims, degree)`
 * this interpolates `src`.
 *
 * @example Sampling at a voxel centre gives the voxel back
 * ```ts
 * import { bsplineCoefficients } from "./bspline_prefilter.ts";
 * import { sampleBspline } from "./bspline_sample.ts";
 * const src = new Float32Array([1, 5, 2, 8]);
 * const c = bsplineCoefficients(src, [4, 1, 1], 3);
 * sampleBspline(c, [4, 1, 1], 3, 2, 0, 0); // ≈ 2
 * ```
 */
export function sampleBspline(
  coef: Float32Array,
  dims: readonly [number, number, number],
  degree: number,
  x: number,
  y: number,
  z: number,
): number {
  const nx = dims[0], ny = dims[1], nz = dims[2];
  if (!(inside(nx, x) && inside(ny, y) && inside(nz, z))) return NaN;
  checkBsplineDegree(degree);
  const ix0 = bsplineWeights(degree, x, WX);
  axisOffsets(bsplineWeights(degree, y, WY), degree, ny, nx, OY);
  axisOffsets(bsplineWeights(degree, z, WZ), degree, nz, nx * ny, OZ);
  if (ix0 >= 0 && ix0 + degree < nx) return sumInterior(coef, degree, ix0, WX, OY, WY, OZ, WZ);
  axisOffsets(ix0, degree, nx, 1, OX);
  return sumFolded(coef, degree, OX, WX, OY, WY, OZ, WZ);
}

/**
 * Value and gradient (per voxel, along x, y, z) of the B-spline at
 * `(x, y, z)`, written to `out[0..3]` as `[value, d/dx, d/dy, d/dz]`.
 * Returns false (and leaves `out` alone) outside the volume. The gradient is
 * the spline's exact derivative; an axis of length 1 has derivative 0.
 * Same signature as `sampleTrilinearGrad` except for `dims` and `degree`.
 */
export function sampleBsplineGrad(
  coef: Float32Array,
  dims: readonly [number, number, number],
  degree: number,
  x: number,
  y: number,
  z: number,
  out: Float64Array | number[],
): boolean {
  const nx = dims[0], ny = dims[1], nz = dims[2];
  if (!(inside(nx, x) && inside(ny, y) && inside(nz, z))) return false;
  checkBsplineDegree(degree);
  axisOffsets(bsplineWeightsDeriv(degree, x, WX, DX), degree, nx, 1, OX);
  axisOffsets(bsplineWeightsDeriv(degree, y, WY, DY), degree, ny, nx, OY);
  axisOffsets(bsplineWeightsDeriv(degree, z, WZ, DZ), degree, nz, nx * ny, OZ);
  let v = 0, gx = 0, gy = 0, gz = 0;
  for (let c = 0; c <= degree; c++) {
    let sv = 0, sgx = 0, sgy = 0;
    for (let b = 0; b <= degree; b++) {
      const base = OZ[c]! + OY[b]!;
      let sx = 0, dsx = 0;
      for (let a = 0; a <= degree; a++) {
        const q = coef[base + OX[a]!]!;
        sx += q * WX[a]!;
        dsx += q * DX[a]!;
      }
      const wy = WY[b]!;
      sv += sx * wy;
      sgx += dsx * wy;
      sgy += sx * DY[b]!;
    }
    const wz = WZ[c]!;
    v += sv * wz;
    gx += sgx * wz;
    gy += sgy * wz;
    gz += sv * DZ[c]!;
  }
  out[0] = v;
  out[1] = nx > 1 ? gx : 0;
  out[2] = ny > 1 ? gy : 0;
  out[3] = nz > 1 ? gz : 0;
  return true;
}
