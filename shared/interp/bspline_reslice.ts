/**
 * The B-spline reslice kernel: resample one volume through a voxel-to-voxel
 * affine (output voxel → source voxel) from its B-spline coefficients
 * (`bsplineCoefficients`), degree 0–7. The B-spline counterpart of
 * `resliceTrilinear`, with the same argument order and conventions.
 *
 * For each output row (fixed y, z) the source position starts at the row's
 * first inside voxel and steps by adding the matrix's first column. The
 * x-interval where the position is inside the source is found analytically
 * ({@link bsplineRowInterval}); voxels outside it are 0. "Inside" means
 * within `[−BSPLINE_EDGE_TOL, n − 1 + BSPLINE_EDGE_TOL]` on every axis
 * (1e-5 voxel), so an identity or integer-shift transform computed through
 * `A⁻¹ · T · A` keeps the edge voxels. Coefficient indices beyond the edges
 * fold by mirroring, as in `sampleBspline`, so a voxel here equals
 * `sampleBspline` at the same position.
 *
 * Weights are computed once per axis per voxel into small preallocated
 * arrays (Horner on exact piece tables); the 3-D sum runs x innermost.
 *
 * @module
 */

import type { Mat4 } from "../rigid.ts";
import { rowInterval } from "../reslice_kernel.ts";
import { checkBsplineDegree, MAX_BSPLINE_DEGREE } from "./bspline_prefilter.ts";
import {
  axisOffsets,
  BSPLINE_EDGE_TOL,
  bsplineWeights,
  sumFolded,
  sumInterior,
} from "./bspline_sample.ts";

/**
 * The output x-interval `[lo, hi]` (inclusive; empty when lo > hi), written
 * to `range`, of the row whose source position is `(bx, by, bz) + i·(cx, cy,
 * cz)`, over `nOut` output voxels and a `nx × ny × nz` source, with the
 * B-spline edge tolerance ({@link BSPLINE_EDGE_TOL}): the trilinear
 * kernel's {@link rowInterval} with a wider tolerance.
 */
export function bsplineRowInterval(
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
  rowInterval(bx, by, bz, cx, cy, cz, nOut, nx, ny, nz, range, BSPLINE_EDGE_TOL, BSPLINE_EDGE_TOL);
}

/**
 * Resample the volume whose degree-`degree` B-spline coefficients are `coef`
 * (dims `nx, ny, nz`) onto an output grid of the same dims through `v2v`
 * (output voxel → source voxel, row-major 4×4); positions outside the source
 * give 0. `out` must hold nx·ny·nz values and not alias `coef`.
 *
 * @example A one-voxel shift along x
 * ```ts
 * import { bsplineCoefficients } from "./bspline_prefilter.ts";
 * import { resliceBspline } from "./bspline_reslice.ts";
 * const dims: [number, number, number] = [3, 1, 1];
 * const coef = bsplineCoefficients(new Float32Array([1, 2, 3]), dims, 4);
 * const out = new Float32Array(3);
 * const shift = [1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
 * resliceBspline(coef, dims, 4, shift, out); // out ≈ [2, 3, 0]
 * ```
 */
export function resliceBspline(
  coef: Float32Array,
  dims: readonly [number, number, number],
  degree: number,
  v2v: Mat4,
  out: Float32Array,
): void {
  checkBsplineDegree(degree);
  const [nx, ny, nz] = dims;
  const nvox = nx * ny * nz;
  if (coef.length < nvox || out.length < nvox) {
    throw new RangeError(`Cannot reslice: arrays hold fewer than ${nvox} voxels`);
  }
  const cx = v2v[0]!, cy = v2v[4]!, cz = v2v[8]!;
  const sy = nx, sz = nx * ny;
  const n1 = MAX_BSPLINE_DEGREE + 1;
  const wx = new Float64Array(n1), wy = new Float64Array(n1), wz = new Float64Array(n1);
  const ox = new Int32Array(n1), oy = new Int32Array(n1), oz = new Int32Array(n1);
  const range = new Float64Array(2);
  let w = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const bx = v2v[1]! * j + v2v[2]! * k + v2v[3]!;
      const by = v2v[5]! * j + v2v[6]! * k + v2v[7]!;
      const bz = v2v[9]! * j + v2v[10]! * k + v2v[11]!;
      bsplineRowInterval(bx, by, bz, cx, cy, cz, nx, nx, ny, nz, range);
      const lo = range[0]!, hi = range[1]!;
      if (lo > hi) {
        out.fill(0, w, w + nx);
        w += nx;
        continue;
      }
      if (lo > 0) out.fill(0, w, w + lo);
      let x = bx + lo * cx, y = by + lo * cy, z = bz + lo * cz;
      for (let i = lo; i <= hi; i++, x += cx, y += cy, z += cz) {
        const ix0 = bsplineWeights(degree, x, wx);
        axisOffsets(bsplineWeights(degree, y, wy), degree, ny, sy, oy);
        axisOffsets(bsplineWeights(degree, z, wz), degree, nz, sz, oz);
        if (ix0 >= 0 && ix0 + degree < nx) {
          out[w + i] = sumInterior(coef, degree, ix0, wx, oy, wy, oz, wz);
        } else {
          axisOffsets(ix0, degree, nx, 1, ox);
          out[w + i] = sumFolded(coef, degree, ox, wx, oy, wy, oz, wz);
        }
      }
      if (hi < nx - 1) out.fill(0, w + hi + 1, w + nx);
      w += nx;
    }
  }
}
