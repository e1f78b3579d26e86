/**
 * Rigid-body and affine maths on row-major 4×4 matrices (`number[16]`), with
 * SPM's parameterisation: `spm_matrix([x y z pitch roll yaw])` is
 * `T · R1 · R2 · R3`, rotations about the world origin, angles in radians.
 *
 * @module
 */

/** A row-major 4×4 matrix. */
export type Mat4 = number[];

export function identity4(): Mat4 {
  return [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
}

/** `a · b`. */
export function mul4(a: Mat4, b: Mat4): Mat4 {
  const r = new Array<number>(16);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[i * 4 + k]! * b[k * 4 + j]!;
      r[i * 4 + j] = s;
    }
  }
  return r;
}

/** Inverse of a general 4×4 (Gauss-Jordan with partial pivoting). Throws on a singular matrix. */
export function invert4(m: Mat4): Mat4 {
  const a = m.slice();
  const inv = identity4();
  for (let c = 0; c < 4; c++) {
    let p = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(a[r * 4 + c]!) > Math.abs(a[p * 4 + c]!)) p = r;
    const pv = a[p * 4 + c]!;
    if (!Number.isFinite(pv) || Math.abs(pv) < 1e-300) {
      throw new RangeError("Cannot invert matrix: it is singular");
    }
    if (p !== c) {
      for (let k = 0; k < 4; k++) {
        [a[c * 4 + k], a[p * 4 + k]] = [a[p * 4 + k]!, a[c * 4 + k]!];
        [inv[c * 4 + k], inv[p * 4 + k]] = [inv[p * 4 + k]!, inv[c * 4 + k]!];
      }
    }
    for (let k = 0; k < 4; k++) {
      a[c * 4 + k]! /= pv;
      inv[c * 4 + k]! /= pv;
    }
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = a[r * 4 + c]!;
      if (f === 0) continue;
      for (let k = 0; k < 4; k++) {
        a[r * 4 + k]! -= f * a[c * 4 + k]!;
        inv[r * 4 + k]! -= f * inv[c * 4 + k]!;
      }
    }
  }
  return inv;
}

/** Apply a 4×4 to the point (x, y, z); returns [x', y', z']. */
export function apply4(m: Mat4, x: number, y: number, z: number): [number, number, number] {
  return [
    m[0]! * x + m[1]! * y + m[2]! * z + m[3]!,
    m[4]! * x + m[5]! * y + m[6]! * z + m[7]!,
    m[8]! * x + m[9]! * y + m[10]! * z + m[11]!,
  ];
}

/**
 * SPM's `spm_matrix` for the six rigid parameters `[x, y, z, pitch, roll, yaw]`
 * (mm, radians): `T · R1 · R2 · R3`.
 *
 * @example A pure translation
 * ```ts
 * import { spmMatrix } from "./rigid.ts";
 * spmMatrix([2, 0, 0, 0, 0, 0])[3]; // 2
 * ```
 */
export function spmMatrix(p: ArrayLike<number>): Mat4 {
  const [x, y, z, a, b, g] = [p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!];
  const c1 = Math.cos(a), s1 = Math.sin(a);
  const c2 = Math.cos(b), s2 = Math.sin(b);
  const c3 = Math.cos(g), s3 = Math.sin(g);
  const t = [1, 0, 0, x, 0, 1, 0, y, 0, 0, 1, z, 0, 0, 0, 1];
  const r1 = [1, 0, 0, 0, 0, c1, s1, 0, 0, -s1, c1, 0, 0, 0, 0, 1];
  const r2 = [c2, 0, s2, 0, 0, 1, 0, 0, -s2, 0, c2, 0, 0, 0, 0, 1];
  const r3 = [c3, s3, 0, 0, -s3, c3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  return mul4(mul4(mul4(t, r1), r2), r3);
}

const clampUnit = (v: number) => Math.max(-1, Math.min(1, v));

/**
 * SPM's `spm_imatrix` restricted to a rigid matrix: the six parameters
 * `[x, y, z, pitch, roll, yaw]` with `spmMatrix(spmImatrix(m)) ≈ m`.
 */
export function spmImatrix(m: Mat4): number[] {
  const r = (i: number, j: number) => m[i * 4 + j]!;
  const out = [r(0, 3), r(1, 3), r(2, 3), 0, 0, 0];
  const roll = Math.asin(clampUnit(r(0, 2)));
  out[4] = roll;
  if ((Math.abs(roll) - Math.PI / 2) ** 2 < 1e-9) {
    out[3] = 0;
    out[5] = Math.atan2(-r(1, 0), -r(2, 0) / r(0, 2));
  } else {
    const c = Math.cos(roll);
    out[3] = Math.atan2(r(1, 2) / c, r(2, 2) / c);
    out[5] = Math.atan2(r(0, 1) / c, r(0, 0) / c);
  }
  return out;
}

/** Expand the top three rows (12 numbers) of an affine to a full 4×4. */
export function fromRows12(m: ArrayLike<number>): Mat4 {
  const r = identity4();
  for (let i = 0; i < 12; i++) r[i] = m[i]!;
  return r;
}

/** The top three rows (12 numbers) of a 4×4. */
export function toRows12(m: Mat4): number[] {
  return m.slice(0, 12);
}
