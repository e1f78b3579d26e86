/**
 * SPM's `quality` thinning of the sample points (spm_realign): drop the
 * points that carry the least information about the parameters until the
 * determinant of the normal matrix `α = AᵀA` has fallen to `quality` times
 * its value over all points.
 *
 * By the matrix determinant lemma, removing point `i` (row `a_i`) leaves
 * `det(α − a_i a_iᵀ) = det(α) · (1 − h_i)` with the leverage
 * `h_i = a_iᵀ α⁻¹ a_i`, so SPM's rule "remove the tenth of the points whose
 * removal lowers the determinant least" removes the tenth with the smallest
 * leverage; it repeats, recomputing `α`, while `det(α) / det₀ > quality`.
 * Points in flat regions (background, the middle of white matter) go first;
 * edges, which pin down the motion, stay. SPM's default quality is 0.9;
 * `quality = 1` keeps every point.
 *
 * Determinants come from a Cholesky factor (as log-determinants, so the
 * ratio is exact whatever the columns' scales). Ties in leverage are broken
 * by point order, so the result is deterministic.
 *
 * @module
 */

import { solveSpd } from "./solve7.ts";

/** Log-determinant of a symmetric positive definite n×n matrix (−∞ if not definite). */
export function logDetSpd(m: ArrayLike<number>, n: number, work: Float64Array): number {
  const l = work;
  for (let i = 0; i < n * n; i++) l[i] = m[i]!;
  let sum = 0;
  for (let j = 0; j < n; j++) {
    let d = l[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    if (!(d > 0)) return -Infinity;
    d = Math.sqrt(d);
    sum += Math.log(d);
    l[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let s = l[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / d;
    }
  }
  return 2 * sum;
}

/** `α = Σ a aᵀ` over the kept rows of `rows` (`ncol` per row). */
function normalMatrix(
  rows: Float64Array,
  ncol: number,
  keep: Uint8Array,
  alpha: Float64Array,
): void {
  alpha.fill(0);
  const n = keep.length;
  for (let p = 0; p < n; p++) {
    if (!keep[p]) continue;
    const o = p * ncol;
    for (let i = 0; i < ncol; i++) {
      const ai = rows[o + i]!;
      for (let j = 0; j <= i; j++) alpha[i * ncol + j]! += ai * rows[o + j]!;
    }
  }
  for (let i = 0; i < ncol; i++) {
    for (let j = i + 1; j < ncol; j++) alpha[i * ncol + j] = alpha[j * ncol + i]!;
  }
  // An all-zero column (a parameter not estimated) neither adds nor removes
  // information: a unit diagonal leaves the determinant and leverages alone.
  for (let i = 0; i < ncol; i++) if (alpha[i * ncol + i] === 0) alpha[i * ncol + i] = 1;
}

/**
 * Which of the `n` rows (`ncol` numbers each, in `rows`) to keep: 1 = keep.
 * Keeps at least `minKeep` rows whatever the quality.
 */
export function qualityThinning(
  rows: Float64Array,
  ncol: number,
  n: number,
  quality: number,
  minKeep = 32,
): Uint8Array {
  const keep = new Uint8Array(n).fill(1);
  if (!(quality < 1) || n <= minKeep) return keep;
  const alpha = new Float64Array(ncol * ncol);
  const work = new Float64Array(ncol * ncol + ncol);
  const inv = new Float64Array(ncol * ncol);
  const col = new Float64Array(ncol), e = new Float64Array(ncol);
  const lev = new Float64Array(n);
  normalMatrix(rows, ncol, keep, alpha);
  const det0 = logDetSpd(alpha, ncol, work);
  if (!Number.isFinite(det0)) return keep;
  const limit = Math.log(quality);
  let kept = n;
  let det1 = det0;
  while (det1 - det0 > limit && kept > minKeep) {
    // α⁻¹ column by column.
    for (let j = 0; j < ncol; j++) {
      e.fill(0);
      e[j] = 1;
      if (!solveSpd(alpha, e, ncol, col, work)) return keep;
      for (let i = 0; i < ncol; i++) inv[i * ncol + j] = col[i]!;
    }
    const sorted = new Float64Array(kept);
    let s = 0;
    for (let p = 0; p < n; p++) {
      if (!keep[p]) continue;
      const o = p * ncol;
      let h = 0;
      for (let i = 0; i < ncol; i++) {
        let r = 0;
        for (let j = 0; j < ncol; j++) r += inv[i * ncol + j]! * rows[o + j]!;
        h += rows[o + i]! * r;
      }
      lev[p] = h;
      sorted[s++] = h;
    }
    sorted.sort();
    let remove = Math.min(Math.round(kept / 10), kept - minKeep);
    if (remove <= 0) break;
    const thr = sorted[remove - 1]!;
    for (let p = 0; p < n && remove > 0; p++) {
      if (keep[p] && lev[p]! < thr) {
        keep[p] = 0;
        remove--;
        kept--;
      }
    }
    for (let p = 0; p < n && remove > 0; p++) {
      if (keep[p] && lev[p] === thr) {
        keep[p] = 0;
        remove--;
        kept--;
      }
    }
    normalMatrix(rows, ncol, keep, alpha);
    det1 = logDetSpd(alpha, ncol, work);
    if (!Number.isFinite(det1)) break;
  }
  return keep;
}
