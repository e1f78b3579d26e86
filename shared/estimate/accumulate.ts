/**
 * The hot loop of Gauss-Newton estimation: sample the moving frame at every
 * reference point mapped through the current voxel → voxel matrix and add
 * `Aᵀf` (seven sums), dropping the `AᵀA` rows of points that fall outside.
 *
 * One loop per interpolation kind, written out so that the sampling is
 * inlined (a call per point through a generic sampler cost more than the
 * arithmetic): trilinear, quadratic B-spline (SPM's default for estimation)
 * with the taps unrolled, and any other degree through `sampleBspline`.
 * Every variant gives the same numbers as the generic samplers.
 *
 * @module
 */

import { sampleBspline } from "../interp/bspline_sample.ts";
import { EDGE_TOL, sampleTrilinear } from "../interp/trilinear.ts";
import { BSPLINE_EDGE_TOL } from "../interp/bspline_sample.ts";
import { addOuterLower, NCOL } from "./reference_model.ts";

/** Points, their normal-equation rows, and which of them to visit. */
export interface PointSet {
  px: Float64Array;
  py: Float64Array;
  pz: Float64Array;
  /** Rows `[−D_1..−D_6, b]`, 7 per point (scaled by `sw` when weighted). */
  cols: Float64Array;
  /** √weight per point, or null: the frame's sample is scaled by it like the row. */
  sw: Float64Array | null;
  /** Visit points `0, stride, 2·stride, …` below `n`. */
  n: number;
  stride: number;
}

/** The frame being registered. */
export interface MovingFrame {
  /** Smoothed frame (trilinear) or its B-spline coefficients (degree ≥ 2). */
  f: Float32Array;
  dims: readonly [number, number, number];
  degree: number;
  /** The raw frame when it has NaN voxels (a point near one is dropped), else null. */
  raw: ArrayLike<number> | null;
}

/**
 * Adds `Aᵀf` over the visited points into `atf` (7) and `−a_p a_pᵀ` of each
 * point that falls outside the frame (or next to a NaN voxel) into the lower
 * triangle of `drop` (7×7). `v` is the voxel → voxel matrix (row-major, 12
 * used). Returns the number of points used.
 */
export function accumulate(
  pts: PointSet,
  mov: MovingFrame,
  v: ArrayLike<number>,
  atf: Float64Array,
  drop: Float64Array,
): number {
  if (mov.degree === 1) return accumulateTrilinear(pts, mov, v, atf, drop);
  if (mov.degree === 2) return accumulateQuadratic(pts, mov, v, atf, drop);
  return accumulateGeneric(pts, mov, v, atf, drop);
}

function accumulateTrilinear(
  pts: PointSet,
  mov: MovingFrame,
  v: ArrayLike<number>,
  atf: Float64Array,
  drop: Float64Array,
): number {
  const { px, py, pz, cols, n, stride, sw } = pts;
  const f = mov.f, raw = mov.raw;
  const nx = mov.dims[0], ny = mov.dims[1], nz = mov.dims[2];
  const hx = nx - 1 + EDGE_TOL, hy = ny - 1 + EDGE_TOL, hz = nz - 1 + EDGE_TOL;
  const mx = nx > 1 ? nx - 2 : 0, my = ny > 1 ? ny - 2 : 0, mz = nz > 1 ? nz - 2 : 0;
  const ox = nx > 1 ? 1 : 0, oy = ny > 1 ? nx : 0, oz = nz > 1 ? nx * ny : 0;
  const nxy = nx * ny;
  const v0 = v[0]!, v1 = v[1]!, v2 = v[2]!, v3 = v[3]!;
  const v4 = v[4]!, v5 = v[5]!, v6 = v[6]!, v7 = v[7]!;
  const v8 = v[8]!, v9 = v[9]!, v10 = v[10]!, v11 = v[11]!;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0;
  let used = 0;
  for (let p = 0; p < n; p += stride) {
    const x = px[p]!, y = py[p]!, z = pz[p]!;
    const sx = v0 * x + v1 * y + v2 * z + v3;
    const sy = v4 * x + v5 * y + v6 * z + v7;
    const sz = v8 * x + v9 * y + v10 * z + v11;
    if (
      !(sx >= -EDGE_TOL && sx <= hx && sy >= -EDGE_TOL && sy <= hy && sz >= -EDGE_TOL &&
        sz <= hz) ||
      (raw !== null && Number.isNaN(sampleTrilinear(raw, nx, ny, nz, sx, sy, sz)))
    ) {
      addOuterLower(cols, p, drop, -1);
      continue;
    }
    let ix = sx | 0, iy = sy | 0, iz = sz | 0;
    if (ix > mx) ix = mx;
    if (iy > my) iy = my;
    if (iz > mz) iz = mz;
    const fx = sx - ix, fy = sy - iy, fz = sz - iz;
    const gx = 1 - fx, gy = 1 - fy, gz = 1 - fz;
    const o = ix + nx * iy + nxy * iz;
    const c00 = f[o]! * gx + f[o + ox]! * fx;
    const c10 = f[o + oy]! * gx + f[o + oy + ox]! * fx;
    const c01 = f[o + oz]! * gx + f[o + oz + ox]! * fx;
    const c11 = f[o + oz + oy]! * gx + f[o + oz + oy + ox]! * fx;
    let fv = (c00 * gy + c10 * fy) * gz + (c01 * gy + c11 * fy) * fz;
    used++;
    if (sw !== null) fv *= sw[p]!;
    const q = p * NCOL;
    a0 += cols[q]! * fv;
    a1 += cols[q + 1]! * fv;
    a2 += cols[q + 2]! * fv;
    a3 += cols[q + 3]! * fv;
    a4 += cols[q + 4]! * fv;
    a5 += cols[q + 5]! * fv;
    a6 += cols[q + 6]! * fv;
  }
  addTo(atf, a0, a1, a2, a3, a4, a5, a6);
  return used;
}

function accumulateQuadratic(
  pts: PointSet,
  mov: MovingFrame,
  v: ArrayLike<number>,
  atf: Float64Array,
  drop: Float64Array,
): number {
  const { px, py, pz, cols, n, stride, sw } = pts;
  const f = mov.f, raw = mov.raw, dims = mov.dims;
  const nx = dims[0], ny = dims[1], nz = dims[2];
  const lo = -BSPLINE_EDGE_TOL;
  const hx = nx - 1 + BSPLINE_EDGE_TOL, hy = ny - 1 + BSPLINE_EDGE_TOL;
  const hz = nz - 1 + BSPLINE_EDGE_TOL;
  const nxy = nx * ny;
  const v0 = v[0]!, v1 = v[1]!, v2 = v[2]!, v3 = v[3]!;
  const v4 = v[4]!, v5 = v[5]!, v6 = v[6]!, v7 = v[7]!;
  const v8 = v[8]!, v9 = v[9]!, v10 = v[10]!, v11 = v[11]!;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0;
  let used = 0;
  for (let p = 0; p < n; p += stride) {
    const x = px[p]!, y = py[p]!, z = pz[p]!;
    const sx = v0 * x + v1 * y + v2 * z + v3;
    const sy = v4 * x + v5 * y + v6 * z + v7;
    const sz = v8 * x + v9 * y + v10 * z + v11;
    if (
      !(sx >= lo && sx <= hx && sy >= lo && sy <= hy && sz >= lo && sz <= hz) ||
      (raw !== null && Number.isNaN(sampleTrilinear(raw, nx, ny, nz, sx, sy, sz)))
    ) {
      addOuterLower(cols, p, drop, -1);
      continue;
    }
    const ix = Math.floor(sx - 0.5), iy = Math.floor(sy - 0.5), iz = Math.floor(sz - 0.5);
    let fv: number;
    if (ix >= 0 && ix + 2 < nx && iy >= 0 && iy + 2 < ny && iz >= 0 && iz + 2 < nz) {
      // Quadratic weights at t ∈ [−0.5, 0.5) about the middle tap.
      const tx = sx - ix - 1, ty = sy - iy - 1, tz = sz - iz - 1;
      const x1 = 0.75 - tx * tx, x2 = 0.5 * (tx - x1 + 1), x0 = 1 - x1 - x2;
      const y1 = 0.75 - ty * ty, y2 = 0.5 * (ty - y1 + 1), y0 = 1 - y1 - y2;
      const z1 = 0.75 - tz * tz, z2 = 0.5 * (tz - z1 + 1), z0 = 1 - z1 - z2;
      let o = ix + nx * iy + nxy * iz;
      let r0 = (f[o]! * x0 + f[o + 1]! * x1 + f[o + 2]! * x2) * y0;
      r0 += (f[o + nx]! * x0 + f[o + nx + 1]! * x1 + f[o + nx + 2]! * x2) * y1;
      r0 += (f[o + 2 * nx]! * x0 + f[o + 2 * nx + 1]! * x1 + f[o + 2 * nx + 2]! * x2) * y2;
      o += nxy;
      let r1 = (f[o]! * x0 + f[o + 1]! * x1 + f[o + 2]! * x2) * y0;
      r1 += (f[o + nx]! * x0 + f[o + nx + 1]! * x1 + f[o + nx + 2]! * x2) * y1;
      r1 += (f[o + 2 * nx]! * x0 + f[o + 2 * nx + 1]! * x1 + f[o + 2 * nx + 2]! * x2) * y2;
      o += nxy;
      let r2 = (f[o]! * x0 + f[o + 1]! * x1 + f[o + 2]! * x2) * y0;
      r2 += (f[o + nx]! * x0 + f[o + nx + 1]! * x1 + f[o + nx + 2]! * x2) * y1;
      r2 += (f[o + 2 * nx]! * x0 + f[o + 2 * nx + 1]! * x1 + f[o + 2 * nx + 2]! * x2) * y2;
      fv = r0 * z0 + r1 * z1 + r2 * z2;
    } else {
      fv = sampleBspline(f, dims, 2, sx, sy, sz);
    }
    used++;
    if (sw !== null) fv *= sw[p]!;
    const q = p * NCOL;
    a0 += cols[q]! * fv;
    a1 += cols[q + 1]! * fv;
    a2 += cols[q + 2]! * fv;
    a3 += cols[q + 3]! * fv;
    a4 += cols[q + 4]! * fv;
    a5 += cols[q + 5]! * fv;
    a6 += cols[q + 6]! * fv;
  }
  addTo(atf, a0, a1, a2, a3, a4, a5, a6);
  return used;
}

function accumulateGeneric(
  pts: PointSet,
  mov: MovingFrame,
  v: ArrayLike<number>,
  atf: Float64Array,
  drop: Float64Array,
): number {
  const { px, py, pz, cols, n, stride, sw } = pts;
  const f = mov.f, raw = mov.raw, dims = mov.dims, degree = mov.degree;
  const nx = dims[0], ny = dims[1], nz = dims[2];
  const v0 = v[0]!, v1 = v[1]!, v2 = v[2]!, v3 = v[3]!;
  const v4 = v[4]!, v5 = v[5]!, v6 = v[6]!, v7 = v[7]!;
  const v8 = v[8]!, v9 = v[9]!, v10 = v[10]!, v11 = v[11]!;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0;
  let used = 0;
  for (let p = 0; p < n; p += stride) {
    const x = px[p]!, y = py[p]!, z = pz[p]!;
    const sx = v0 * x + v1 * y + v2 * z + v3;
    const sy = v4 * x + v5 * y + v6 * z + v7;
    const sz = v8 * x + v9 * y + v10 * z + v11;
    let fv = degree === 1
      ? sampleTrilinear(f, nx, ny, nz, sx, sy, sz)
      : sampleBspline(f, dims, degree, sx, sy, sz);
    if (fv !== fv || (raw !== null && Number.isNaN(sampleTrilinear(raw, nx, ny, nz, sx, sy, sz)))) {
      addOuterLower(cols, p, drop, -1);
      continue;
    }
    used++;
    if (sw !== null) fv *= sw[p]!;
    const q = p * NCOL;
    a0 += cols[q]! * fv;
    a1 += cols[q + 1]! * fv;
    a2 += cols[q + 2]! * fv;
    a3 += cols[q + 3]! * fv;
    a4 += cols[q + 4]! * fv;
    a5 += cols[q + 5]! * fv;
    a6 += cols[q + 6]! * fv;
  }
  addTo(atf, a0, a1, a2, a3, a4, a5, a6);
  return used;
}

function addTo(
  atf: Float64Array,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  a4: number,
  a5: number,
  a6: number,
): void {
  atf[0]! += a0;
  atf[1]! += a1;
  atf[2]! += a2;
  atf[3]! += a3;
  atf[4]! += a4;
  atf[5]! += a5;
  atf[6]! += a6;
}
