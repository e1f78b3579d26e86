/**
 * Trilinear sampling of one volume (NIfTI order, x fastest) at a voxel
 * position (0-based, voxel centres at integers).
 *
 * A position is inside when `-EDGE_TOL ≤ p ≤ n - 1 + EDGE_TOL` on every
 * axis; outside, the value is NaN. The tolerance (1e-6 voxel) absorbs the
 * rounding of matrix products, so an identity or integer-shift transform
 * computed through `A⁻¹ · T · A` keeps its last voxel. Weights are formed as
 * `a·(1−f) + b·f`, so integer positions return the voxel value exactly, the
 * last voxel included. An axis of length 1 is sampled at its single voxel.
 *
 * @module
 */

/** How far (in voxels) outside `[0, n−1]` a position still counts as inside. */
export const EDGE_TOL = 1e-6;

/**
 * The value of the trilinear interpolant of `vol` (dims `nx, ny, nz`) at
 * voxel position `(x, y, z)`, or NaN outside the volume.
 *
 * @example The midpoint of two voxels
 * ```ts
 * import { sampleTrilinear } from "./trilinear.ts";
 * sampleTrilinear(new Float32Array([2, 4]), 2, 1, 1, 0.5, 0, 0); // 3
 * ```
 */
export function sampleTrilinear(
  vol: ArrayLike<number>,
  nx: number,
  ny: number,
  nz: number,
  x: number,
  y: number,
  z: number,
): number {
  if (
    !(x >= -EDGE_TOL && x <= nx - 1 + EDGE_TOL && y >= -EDGE_TOL && y <= ny - 1 + EDGE_TOL &&
      z >= -EDGE_TOL && z <= nz - 1 + EDGE_TOL)
  ) return NaN;
  // `|0` truncates: a position in (−1, 0) maps to cell 0 (tiny extrapolation).
  let ix = x | 0, iy = y | 0, iz = z | 0;
  const mx = nx > 1 ? nx - 2 : 0, my = ny > 1 ? ny - 2 : 0, mz = nz > 1 ? nz - 2 : 0;
  if (ix > mx) ix = mx;
  if (iy > my) iy = my;
  if (iz > mz) iz = mz;
  const fx = x - ix, fy = y - iy, fz = z - iz;
  const ox = nx > 1 ? 1 : 0, oy = ny > 1 ? nx : 0, oz = nz > 1 ? nx * ny : 0;
  const o = ix + nx * (iy + ny * iz);
  const gx = 1 - fx, gy = 1 - fy, gz = 1 - fz;
  const c00 = vol[o]! * gx + vol[o + ox]! * fx;
  const c10 = vol[o + oy]! * gx + vol[o + oy + ox]! * fx;
  const c01 = vol[o + oz]! * gx + vol[o + oz + ox]! * fx;
  const c11 = vol[o + oz + oy]! * gx + vol[o + oz + oy + ox]! * fx;
  return (c00 * gy + c10 * fy) * gz + (c01 * gy + c11 * fy) * fz;
}

/**
 * Value and gradient (per voxel, along x, y, z) of the trilinear interpolant
 * at `(x, y, z)`, written to `out[0..3]` as `[value, d/dx, d/dy, d/dz]`.
 * Returns false (and leaves `out` alone) outside the volume. Inside a cell
 * the gradient is the interpolant's exact derivative (piecewise constant
 * along its own axis); an axis of length 1 has derivative 0.
 */
export function sampleTrilinearGrad(
  vol: ArrayLike<number>,
  nx: number,
  ny: number,
  nz: number,
  x: number,
  y: number,
  z: number,
  out: Float64Array | number[],
): boolean {
  if (
    !(x >= -EDGE_TOL && x <= nx - 1 + EDGE_TOL && y >= -EDGE_TOL && y <= ny - 1 + EDGE_TOL &&
      z >= -EDGE_TOL && z <= nz - 1 + EDGE_TOL)
  ) return false;
  let ix = x | 0, iy = y | 0, iz = z | 0;
  const mx = nx > 1 ? nx - 2 : 0, my = ny > 1 ? ny - 2 : 0, mz = nz > 1 ? nz - 2 : 0;
  if (ix > mx) ix = mx;
  if (iy > my) iy = my;
  if (iz > mz) iz = mz;
  const fx = x - ix, fy = y - iy, fz = z - iz;
  const ox = nx > 1 ? 1 : 0, oy = ny > 1 ? nx : 0, oz = nz > 1 ? nx * ny : 0;
  const o = ix + nx * (iy + ny * iz);
  const gx = 1 - fx, gy = 1 - fy, gz = 1 - fz;
  const v000 = vol[o]!, v100 = vol[o + ox]!;
  const v010 = vol[o + oy]!, v110 = vol[o + oy + ox]!;
  const v001 = vol[o + oz]!, v101 = vol[o + oz + ox]!;
  const v011 = vol[o + oz + oy]!, v111 = vol[o + oz + oy + ox]!;
  const c00 = v000 * gx + v100 * fx, c10 = v010 * gx + v110 * fx;
  const c01 = v001 * gx + v101 * fx, c11 = v011 * gx + v111 * fx;
  const c0 = c00 * gy + c10 * fy, c1 = c01 * gy + c11 * fy;
  out[0] = c0 * gz + c1 * fz;
  // d/dx: differences along x, interpolated in y and z.
  const d00 = v100 - v000, d10 = v110 - v010, d01 = v101 - v001, d11 = v111 - v011;
  out[1] = ox === 0 ? 0 : (d00 * gy + d10 * fy) * gz + (d01 * gy + d11 * fy) * fz;
  out[2] = oy === 0 ? 0 : (c10 - c00) * gz + (c11 - c01) * fz;
  out[3] = oz === 0 ? 0 : c1 - c0;
  return true;
}
