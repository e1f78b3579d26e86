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

/**
 * The k-th smallest (0-based) of `a` (reordered in place), by quickselect
 * with a median-of-three pivot: linear time on average, where a sort would
 * be n log n per thinning round.
 */
export function kthSmallest(a: Float64Array, k: number): number {
  let lo = 0, hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three as the pivot
    let x = a[lo]!, y = a[mid]!, z = a[hi]!;
    if (x > y) [x, y] = [y, x];
    if (y > z) [y, z] = [z, y];
    if (x > y) [x, y] = [y, x];
    const pivot = y;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
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
    if (ncol === 7) {
      // Unrolled for the estimation's seven columns: h = aᵀ α⁻¹ a with α⁻¹ symmetric.
      const i00 = inv[0]!,
        i01 = inv[1]!,
        i02 = inv[2]!,
        i03 = inv[3]!,
        i04 = inv[4]!,
        i05 = inv[5]!,
        i06 = inv[6]!,
        i11 = inv[8]!,
        i12 = inv[9]!,
        i13 = inv[10]!,
        i14 = inv[11]!,
        i15 = inv[12]!,
        i16 = inv[13]!,
        i22 = inv[16]!,
        i23 = inv[17]!,
        i24 = inv[18]!,
        i25 = inv[19]!,
        i26 = inv[20]!,
        i33 = inv[24]!,
        i34 = inv[25]!,
        i35 = inv[26]!,
        i36 = inv[27]!,
        i44 = inv[32]!,
        i45 = inv[33]!,
        i46 = inv[34]!,
        i55 = inv[40]!,
        i56 = inv[41]!,
        i66 = inv[48]!;
      for (let p = 0; p < n; p++) {
        if (!keep[p]) continue;
        const o = p * 7;
        const a0 = rows[o]!, a1 = rows[o + 1]!, a2 = rows[o + 2]!, a3 = rows[o + 3]!;
        const a4 = rows[o + 4]!, a5 = rows[o + 5]!, a6 = rows[o + 6]!;
        const h =
          a0 * (i00 * a0 + 2 * (i01 * a1 + i02 * a2 + i03 * a3 + i04 * a4 + i05 * a5 + i06 * a6)) +
          a1 * (i11 * a1 + 2 * (i12 * a2 + i13 * a3 + i14 * a4 + i15 * a5 + i16 * a6)) +
          a2 * (i22 * a2 + 2 * (i23 * a3 + i24 * a4 + i25 * a5 + i26 * a6)) +
          a3 * (i33 * a3 + 2 * (i34 * a4 + i35 * a5 + i36 * a6)) +
          a4 * (i44 * a4 + 2 * (i45 * a5 + i46 * a6)) +
          a5 * (i55 * a5 + 2 * (i56 * a6)) +
          a6 * (i66 * a6);
        lev[p] = h;
        sorted[s++] = h;
      }
    } else {
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
    }
    let remove = Math.min(Math.round(kept / 10), kept - minKeep);
    if (remove <= 0) break;
    const thr = kthSmallest(sorted, remove - 1);
    // Remove them, taking their rows out of α (a tenth of the work of rebuilding it).
    const drop = (p: number) => {
      keep[p] = 0;
      remove--;
      kept--;
      const o = p * ncol;
      for (let i = 0; i < ncol; i++) {
        const ai = rows[o + i]!;
        for (let j = 0; j <= i; j++) alpha[i * ncol + j]! -= ai * rows[o + j]!;
      }
    };
    for (let p = 0; p < n && remove > 0; p++) if (keep[p] && lev[p]! < thr) drop(p);
    for (let p = 0; p < n && remove > 0; p++) if (keep[p] && lev[p] === thr) drop(p);
    for (let i = 0; i < ncol; i++) {
      for (let j = i + 1; j < ncol; j++) alpha[i * ncol + j] = alpha[j * ncol + i]!;
    }
    det1 = logDetSpd(alpha, ncol, work);
    if (!Number.isFinite(det1)) break;
  }
  return keep;
}
