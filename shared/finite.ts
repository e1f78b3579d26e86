/**
 * Missing voxels: NaN and ±Inf in an input are treated as missing data.
 *
 * @module
 */

/** Replace ±Inf by NaN in place (estimation skips NaN samples); returns how many were replaced. */
export function infToNaN(v: Float32Array): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x === Infinity || x === -Infinity) {
      v[i] = NaN;
      n++;
    }
  }
  return n;
}

/** Replace NaN and ±Inf by 0 in place (resampling must not spread them). */
export function zeroNonFinite(v: Float32Array): void {
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x - x !== 0) v[i] = 0;
  }
}

/** Widens `r` to the finite minimum and maximum of `v` (±Inf and NaN are skipped). */
export function foldFiniteRange(v: Float32Array, r: { min: number; max: number }): void {
  let min = r.min, max = r.max;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x < min && x > -Infinity) min = x;
    if (x > max && x < Infinity) max = x;
  }
  r.min = min;
  r.max = max;
}
