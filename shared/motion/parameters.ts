/**
 * The six SPM motion parameters of a run, from its per-frame correction
 * matrices. `M(t)` (row-major 4×4) maps frame t back onto the first frame:
 * `M(t) = T(t)⁻¹`, where `T(t)` maps a first-frame world point (mm) to the
 * same tissue in frame t, and `M(0)` is the identity. The parameters are
 * SPM's `spm_imatrix(M(t))`: x y z in mm, pitch roll yaw in radians, so
 * `spmMatrix(params[t])⁻¹ = T(t)` — what SPM writes to `rp_*.txt`.
 *
 * @module
 */

import { invert4, type Mat4, spmImatrix, spmMatrix } from "../rigid.ts";

/** Parameters whose magnitude is below this are rounding noise of the matrix maths. */
const NOISE = 1e-12;

function clean(v: number): number {
  return Math.abs(v) < NOISE ? 0 : v;
}

/**
 * `[x, y, z, pitch, roll, yaw]` per frame from the corrections `M(t)`.
 * Values below 1e-12 (rounding noise, also `-0`) become exactly 0.
 *
 * @example A pure +2 mm x shift of the tissue
 * ```ts
 * import { motionParameters } from "./parameters.ts";
 * import { identity4 } from "../rigid.ts";
 * const m1 = [1, 0, 0, -2, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]; // M(1) = T(1)⁻¹
 * motionParameters([identity4(), m1])[1]; // [-2, 0, 0, 0, 0, 0]
 * ```
 */
export function motionParameters(corrections: readonly Mat4[]): number[][] {
  return corrections.map((m) => spmImatrix(m).map(clean));
}

/** The forward maps `T(t) = M(t)⁻¹` (first-frame world point → frame t), as `_xfm.tsv` stores them. */
export function forwardTransforms(corrections: readonly Mat4[]): Mat4[] {
  return corrections.map((m) => invert4(m));
}

/** The corrections `M(t) = spmMatrix(params[t])` back from the six parameters. */
export function correctionsFromParameters(params: readonly ArrayLike<number>[]): Mat4[] {
  return params.map((p) => spmMatrix(p));
}
