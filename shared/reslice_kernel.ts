/**
 * The reslice kernel: resample one volume through a voxel-to-voxel affine
 * (output voxel → source voxel) with trilinear interpolation.
 *
 * For each output row (fixed y, z) the source position is a start point
 * plus `i` times the matrix's first column. The x-interval where that
 * position is inside the source is found analytically ({@link rowInterval}),
 * then the inner loop runs with no bounds checks; voxels outside the
 * interval are 0. The loop over the part where every coordinate is strictly
 * below `n − 1` steps by the column with no bounds checks or clamps; the
 * few voxels at the far edge (exactly on the last voxel, e.g. under the
 * identity) go through {@link sampleTrilinear}. "Inside" means within `[−EDGE_TOL, n − 1 + EDGE_TOL]` on
 * every axis (1e-6 voxel, to absorb rounding in `A⁻¹ · T · A`), and weights
 * are `a·(1−f) + b·f`, so integer positions (identity, whole-voxel shifts)
 * copy voxels exactly, the last one included.
 *
 * @module
 */

import type { Mat4 } from "./rigid.ts";
import { EDGE_TOL, sampleTrilinear } from "./interp/trilinear.ts";

/** The fast loop takes positions at most n − 1 − this; the few beyond go the careful way. */
const FAST_MARGIN = 1e-7;

function insideAt(
  i: number,
  up: number,
  low: number,
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
  return x >= -low && x <= nx - 1 + up && y >= -low && y <= ny - 1 + up &&
    z >= -low && z <= nz - 1 + up;
}

/** Narrows `[lo, hi]` to the `i` where `b + i·c` lies in `[−tol, n − 1 + tol]`. */
function axisRange(
  b: number,
  c: number,
  n: number,
  up: number,
  low: number,
  range: Float64Array,
): void {
  const lower = -low - b, upper = n - 1 + up - b;
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
 * "Inside" is `[−low, n − 1 + up]` on every axis (default ±{@link EDGE_TOL}).
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
  up: number = EDGE_TOL,
  low: number = EDGE_TOL,
): void {
  range[0] = 0;
  range[1] = nOut - 1;
  axisRange(bx, cx, nx, up, low, range);
  axisRange(by, cy, ny, up, low, range);
  axisRange(bz, cz, nz, up, low, range);
  let lo = range[0]!, hi = range[1]!;
  if (lo > hi) return;
  // Settle rounding at the ends: shrink while outside, grow while inside.
  while (lo <= hi && !insideAt(lo, up, low, bx, by, bz, cx, cy, cz, nx, ny, nz)) lo++;
  while (hi >= lo && !insideAt(hi, up, low, bx, by, bz, cx, cy, cz, nx, ny, nz)) hi--;
  if (lo <= hi) {
    while (lo > 0 && insideAt(lo - 1, up, low, bx, by, bz, cx, cy, cz, nx, ny, nz)) lo--;
    while (hi < nOut - 1 && insideAt(hi + 1, up, low, bx, by, bz, cx, cy, cz, nx, ny, nz)) hi++;
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
  const ox = 1, oy = nx, oz = nx * ny;
  const oxy = ox + oy, oxz = ox + oz, oyz = oy + oz, oxyz = ox + oy + oz;
  // Axes of length 1 have no neighbour: every voxel takes the careful path.
  const thin = nx < 2 || ny < 2 || nz < 2;
  const range = new Float64Array(2), fast = new Float64Array(2);
  let w = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const bx = v2v[1]! * j + v2v[2]! * k + v2v[3]!;
      const by = v2v[5]! * j + v2v[6]! * k + v2v[7]!;
      const bz = v2v[9]! * j + v2v[10]! * k + v2v[11]!;
      // Fast part first: every coordinate strictly below n − 1, so floor + 1 is a voxel.
      let flo = 0, fhi = -1;
      if (!thin) {
        rowInterval(bx, by, bz, cx, cy, cz, nx, nx, ny, nz, fast, -FAST_MARGIN);
        flo = fast[0]!;
        fhi = fast[1]!;
      }
      let lo: number, hi: number;
      if (flo <= fhi) {
        // The inside interval contains the fast one; widen it by the few edge voxels.
        lo = flo;
        hi = fhi;
        while (lo > 0 && insideAt(lo - 1, EDGE_TOL, EDGE_TOL, bx, by, bz, cx, cy, cz, nx, ny, nz)) {
          lo--;
        }
        while (
          hi < nx - 1 && insideAt(hi + 1, EDGE_TOL, EDGE_TOL, bx, by, bz, cx, cy, cz, nx, ny, nz)
        ) hi++;
      } else {
        rowInterval(bx, by, bz, cx, cy, cz, nx, nx, ny, nz, range);
        lo = range[0]!;
        hi = range[1]!;
        [flo, fhi] = [hi + 1, hi]; // no fast part: all careful
      }
      if (lo > hi) {
        out.fill(0, w, w + nx);
        w += nx;
        continue;
      }
      if (lo > 0) out.fill(0, w, w + lo);
      if (hi < nx - 1) out.fill(0, w + hi + 1, w + nx);
      for (let i = lo; i < flo; i++) {
        out[w + i] = sampleTrilinear(src, nx, ny, nz, bx + i * cx, by + i * cy, bz + i * cz);
      }
      // Stepping drifts by ~1e-13 at most: far inside the 1e-7 margin.
      let x = bx + flo * cx, y = by + flo * cy, z = bz + flo * cz;
      for (let i = flo; i <= fhi; i++, x += cx, y += cy, z += cz) {
        // Coordinates are > −1 here, so `|0` is floor (or 0 just below 0).
        const ix = x | 0, iy = y | 0, iz = z | 0;
        const fx = x - ix, fy = y - iy, fz = z - iz;
        const gx = 1 - fx, gy = 1 - fy, gz = 1 - fz;
        const o = ix + iy * oy + iz * oz;
        out[w + i] = ((src[o]! * gx + src[o + ox]! * fx) * gy +
              (src[o + oy]! * gx + src[o + oxy]! * fx) * fy) * gz +
          ((src[o + oz]! * gx + src[o + oxz]! * fx) * gy +
              (src[o + oyz]! * gx + src[o + oxyz]! * fx) * fy) * fz;
      }
      for (let i = fhi + 1; i <= hi; i++) {
        out[w + i] = sampleTrilinear(src, nx, ny, nz, bx + i * cx, by + i * cy, bz + i * cz);
      }
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
