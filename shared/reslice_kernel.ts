/**
 * The reslice kernel: resample one volume through a voxel-to-voxel affine
 * (output voxel → source voxel) with trilinear interpolation.
 *
 * For each output row (fixed y, z) the source position is a start point
 * plus `i` times the matrix's first column. The x-interval where that
 * position is inside the source is found analytically ({@link rowInterval}),
 * then the inner loop runs with no bounds checks; voxels outside the
 * interval are 0. "Inside" means within `[−EDGE_TOL, n − 1 + EDGE_TOL]` on
 * every axis (1e-6 voxel, to absorb rounding in `A⁻¹ · T · A`), and weights
 * are `a·(1−f) + b·f`, so integer positions (identity, whole-voxel shifts)
 * copy voxels exactly, the last one included.
 *
 * @module
 */

import type { Mat4 } from "./rigid.ts";
import { EDGE_TOL } from "./interp/trilinear.ts";

function insideAt(
  i: number,
  bx: number,
  by: number,
  bz: number,
  cx: number,
  cy: number,
  cz: number,
  nx: number,
  ny: number,
  nz: number,
): boolean {
  const x = bx + i * cx, y = by + i * cy, z = bz + i * cz;
  return x >= -EDGE_TOL && x <= nx - 1 + EDGE_TOL && y >= -EDGE_TOL && y <= ny - 1 + EDGE_TOL &&
    z >= -EDGE_TOL && z <= nz - 1 + EDGE_TOL;
}

/** Narrows `[lo, hi]` to the `i` where `b + i·c` lies in `[−tol, n − 1 + tol]`. */
function axisRange(b: number, c: number, n: number, range: Float64Array): void {
  const lower = -EDGE_TOL - b, upper = n - 1 + EDGE_TOL - b;
  if (c === 0) {
    if (!(lower <= 0 && upper >= 0)) range[1] = -1;
    return;
  }
  let a1 = lower / c, a2 = upper / c;
  if (c < 0) [a1, a2] = [a2, a1];
  const lo = Math.ceil(a1), hi = Math.floor(a2);
  if (lo > range[0]!) range[0] = lo;
  if (hi < range[1]!) range[1] = hi;
}

/**
 * The output x-interval `[lo, hi]` (inclusive; empty when lo > hi) of the
 * row whose source position is `(bx, by, bz) + i·(cx, cy, cz)`, over an
 * output row of `nOut` voxels and a source of `nx × ny × nz`. Exact for the
 * very expression the kernels evaluate (`b + i·c`), endpoints checked.
 * `range` is a 2-element scratch array; the result is written to it.
 */
export function rowInterval(
  bx: number,
  by: number,
  bz: number,
  cx: number,
  cy: number,
  cz: number,
  nOut: number,
  nx: number,
  ny: number,
  nz: number,
  range: Float64Array,
): void {
  range[0] = 0;
  range[1] = nOut - 1;
  axisRange(bx, cx, nx, range);
  axisRange(by, cy, ny, range);
  axisRange(bz, cz, nz, range);
  let lo = range[0]!, hi = range[1]!;
  if (lo > hi) return;
  // Settle rounding at the ends: shrink while outside, grow while inside.
  while (lo <= hi && !insideAt(lo, bx, by, bz, cx, cy, cz, nx, ny, nz)) lo++;
  while (hi >= lo && !insideAt(hi, bx, by, bz, cx, cy, cz, nx, ny, nz)) hi--;
  if (lo <= hi) {
    while (lo > 0 && insideAt(lo - 1, bx, by, bz, cx, cy, cz, nx, ny, nz)) lo--;
    while (hi < nOut - 1 && insideAt(hi + 1, bx, by, bz, cx, cy, cz, nx, ny, nz)) hi++;
  }
  range[0] = lo;
  range[1] = hi;
}

/**
 * Resample `src` (dims `nx, ny, nz`) onto an output grid of the same dims
 * through `v2v` (output voxel → source voxel, row-major 4×4) with trilinear
 * interpolation; positions outside the source give 0. `out` must hold
 * nx·ny·nz values and not alias `src`.
 *
 * @example A one-voxel shift along x
 * ```ts
 * import { resliceTrilinear } from "./reslice_kernel.ts";
 * const out = new Float32Array(3);
 * const shift = [1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
 * resliceTrilinear(new Float32Array([1, 2, 3]), [3, 1, 1], shift, out);
 * Array.from(out); // [2, 3, 0]
 * ```
 */
export function resliceTrilinear(
  src: ArrayLike<number>,
  dims: readonly [number, number, number],
  v2v: Mat4,
  out: Float32Array,
): void {
  const [nx, ny, nz] = dims;
  if (src.length < nx * ny * nz || out.length < nx * ny * nz) {
    throw new RangeError(`Cannot reslice: arrays hold fewer than ${nx * ny * nz} voxels`);
  }
  const cx = v2v[0]!, cy = v2v[4]!, cz = v2v[8]!;
  const mx = nx > 1 ? nx - 2 : 0, my = ny > 1 ? ny - 2 : 0, mz = nz > 1 ? nz - 2 : 0;
  const ox = nx > 1 ? 1 : 0, oy = ny > 1 ? nx : 0, oz = nz > 1 ? nx * ny : 0;
  const oxy = ox + oy, oxz = ox + oz, oyz = oy + oz, oxyz = ox + oy + oz;
  const sy = nx, sz = nx * ny;
  const range = new Float64Array(2);
  let w = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const bx = v2v[1]! * j + v2v[2]! * k + v2v[3]!;
      const by = v2v[5]! * j + v2v[6]! * k + v2v[7]!;
      const bz = v2v[9]! * j + v2v[10]! * k + v2v[11]!;
      rowInterval(bx, by, bz, cx, cy, cz, nx, nx, ny, nz, range);
      const lo = range[0]!, hi = range[1]!;
      if (lo > hi) {
        out.fill(0, w, w + nx);
        w += nx;
        continue;
      }
      if (lo > 0) out.fill(0, w, w + lo);
      for (let i = lo; i <= hi; i++) {
        const x = bx + i * cx, y = by + i * cy, z = bz + i * cz;
        // Inside the interval every coordinate is > −1, so `|0` is floor (or 0).
        let ix = x | 0, iy = y | 0, iz = z | 0;
        if (ix > mx) ix = mx;
        if (iy > my) iy = my;
        if (iz > mz) iz = mz;
        const fx = x - ix, fy = y - iy, fz = z - iz;
        const gx = 1 - fx, gy = 1 - fy, gz = 1 - fz;
        const o = ix + iy * sy + iz * sz;
        out[w + i] = ((src[o]! * gx + src[o + ox]! * fx) * gy +
              (src[o + oy]! * gx + src[o + oxy]! * fx) * fy) * gz +
          ((src[o + oz]! * gx + src[o + oxz]! * fx) * gy +
              (src[o + oyz]! * gx + src[o + oxyz]! * fx) * fy) * fz;
      }
      if (hi < nx - 1) out.fill(0, w + hi + 1, w + nx);
      w += nx;
    }
  }
}

/**
 * ANDs into `mask` (one byte per output voxel) the voxels whose source
 * position under `v2v` is inside the source volume: a voxel outside is set
 * to 0, others are left as they are. Uses the very interval the kernel uses,
 * so the mask marks exactly the voxels the kernel did not zero for lack of
 * data. Run it over every frame's matrix to get the voxels all frames cover.
 */
export function frameCoverage(
  dims: readonly [number, number, number],
  v2v: Mat4,
  mask: Uint8Array,
): void {
  const [nx, ny, nz] = dims;
  if (mask.length < nx * ny * nz) {
    throw new RangeError(`Cannot compute coverage: mask holds fewer than ${nx * ny * nz} voxels`);
  }
  const range = new Float64Array(2);
  let w = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      coverageRow(v2v, j, k, nx, dims, mask, w, range);
      w += nx;
    }
  }
}

/**
 * One output row `(j, k)` of {@link frameCoverage}: zeroes `mask[w + i]` for
 * the `i` in `0..nOut−1` whose source position is outside the source.
 */
export function coverageRow(
  v2v: Mat4,
  j: number,
  k: number,
  nOut: number,
  srcDims: readonly [number, number, number],
  mask: Uint8Array,
  w: number,
  range: Float64Array,
): void {
  const bx = v2v[1]! * j + v2v[2]! * k + v2v[3]!;
  const by = v2v[5]! * j + v2v[6]! * k + v2v[7]!;
  const bz = v2v[9]! * j + v2v[10]! * k + v2v[11]!;
  rowInterval(
    bx,
    by,
    bz,
    v2v[0]!,
    v2v[4]!,
    v2v[8]!,
    nOut,
    srcDims[0],
    srcDims[1],
    srcDims[2],
    range,
  );
  const lo = range[0]!, hi = range[1]!;
  if (lo > hi) {
    mask.fill(0, w, w + nOut);
    return;
  }
  if (lo > 0) mask.fill(0, w, w + lo);
  if (hi < nOut - 1) mask.fill(0, w + hi + 1, w + nOut);
}
