/**
 * Solve the small symmetric positive (semi-)definite normal equations of the
 * Gauss-Newton step (`AᵀA · x = Aᵀf`, 7×7 here, any size n in general) by
 * Jacobi-scaled Cholesky, without allocating.
 *
 * The matrix is scaled to a unit diagonal first, since translation, rotation
 * and intensity columns differ by orders of magnitude. A parameter whose
 * column is exactly zero (e.g. z on a single-slice volume) is held at 0
 * instead of making the system singular.
 *
 * @module
 */

/**
 * Solves `ata · x = atb` for `x` (length n). `ata` is row-major n×n and is
 * left unchanged; `work` must hold n·n + n numbers. Returns false when the
 * system is numerically singular (then `x` is unspecified).
 */
export function solveSpd(
  ata: ArrayLike<number>,
  atb: ArrayLike<number>,
  n: number,
  x: Float64Array,
  work: Float64Array,
): boolean {
  const l = work; // n*n lower factor, then n scale factors
  const sc = n * n;
  for (let i = 0; i < n; i++) {
    const d = ata[i * n + i]!;
    work[sc + i] = d > 0 && Number.isFinite(d) ? 1 / Math.sqrt(d) : 0;
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const si = work[sc + i]!, sj = work[sc + j]!;
      l[i * n + j] = si === 0 || sj === 0 ? (i === j ? 1 : 0) : ata[i * n + j]! * si * sj;
    }
  }
  // In-place Cholesky of the scaled matrix (lower triangle).
  for (let j = 0; j < n; j++) {
    let d = l[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    if (!(d > 1e-13)) return false;
    d = Math.sqrt(d);
    l[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let s = l[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / d;
    }
  }
  // Forward then back substitution on the scaled right-hand side.
  for (let i = 0; i < n; i++) {
    let s = atb[i]! * work[sc + i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  for (let i = 0; i < n; i++) x[i] = x[i]! * work[sc + i]!;
  return true;
}
