/**
 * Head-motion summaries: Power et al. (2012) framewise displacement from the
 * six rigid parameters, and Jenkinson (1999) RMS deviation between two rigid
 * (or affine) transforms over a sphere.
 *
 * @module
 */

import { invert4, type Mat4, mul4 } from "../rigid.ts";

function checkRadius(radius: number, what: string): void {
  if (!Number.isFinite(radius) || radius <= 0) {
    throw new RangeError(
      `Cannot compute ${what}: the radius must be a positive number of mm, current value is ${radius}`,
    );
  }
}

/**
 * Power 2012 framewise displacement (mm) per frame:
 * `FD(t) = Σ|Δ translation| + radius · Σ|Δ rotation|` over the three
 * translations (mm) and three rotations (rad) of `params[t]` against
 * `params[t-1]`; the rotations become arc lengths on a sphere of `radius`
 * mm (50 mm, the cortex). `FD(0) = 0`.
 *
 * @example A 3° yaw in frame 1
 * ```ts
 * import { framewiseDisplacement } from "./framewise_displacement.ts";
 * const yaw = 3 * Math.PI / 180;
 * framewiseDisplacement([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, yaw]]); // [0, 2.6179938...]
 * ```
 */
export function framewiseDisplacement(
  params: readonly ArrayLike<number>[],
  radius = 50,
): number[] {
  checkRadius(radius, "framewise displacement");
  const fd = new Array<number>(params.length);
  if (params.length === 0) return fd;
  fd[0] = 0;
  for (let t = 1; t < params.length; t++) {
    const p = params[t]!, q = params[t - 1]!;
    let trans = 0, rot = 0;
    for (let k = 0; k < 3; k++) trans += Math.abs(p[k]! - q[k]!);
    for (let k = 3; k < 6; k++) rot += Math.abs(p[k]! - q[k]!);
    fd[t] = trans + radius * rot;
  }
  return fd;
}

/**
 * Jenkinson (1999) RMS deviation (mm) between two transforms `m1` and `m2`:
 * the root mean square displacement `|rel·x − x|` of the points x of a solid
 * sphere of `radius` mm centred at `centre` (the origin by default), for the
 * relative transform `rel = m2 · m1⁻¹ = [[I + A, t], [0, 1]]`.
 *
 * Closed form: for x uniform in the ball, `E[x] = c` and
 * `E[(x−c)(x−c)ᵀ] = R²/5 · I`, so
 * `E|A x + t|² = R²/5 · tr(AᵀA) + |A c + t|²`.
 *
 * @example A pure 1 mm shift moves every point 1 mm
 * ```ts
 * import { rmsDeviation } from "./framewise_displacement.ts";
 * import { identity4 } from "../rigid.ts";
 * rmsDeviation(identity4(), [1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]); // 1
 * ```
 */
export function rmsDeviation(
  m1: Mat4,
  m2: Mat4,
  radius = 80,
  centre: readonly [number, number, number] = [0, 0, 0],
): number {
  checkRadius(radius, "the RMS deviation");
  const rel = mul4(m2, invert4(m1));
  let trAtA = 0;
  let shift2 = 0;
  for (let i = 0; i < 3; i++) {
    let d = rel[i * 4 + 3]!; // (A c + t)_i
    for (let j = 0; j < 3; j++) {
      const a = rel[i * 4 + j]! - (i === j ? 1 : 0);
      trAtA += a * a;
      d += a * centre[j]!;
    }
    shift2 += d * d;
  }
  return Math.sqrt((radius * radius / 5) * trAtA + shift2);
}
