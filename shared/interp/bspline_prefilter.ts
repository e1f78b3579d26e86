/**
 * B-spline prefilter: turns one volume's samples into the coefficients of the
 * interpolating B-spline of degree 2–7 (what SPM's `spm_bsplinc` computes),
 * so that sampling the spline at a voxel centre gives back the voxel value.
 *
 * The filter is separable (x, then y, then z) and recursive (Unser, Aldroubi
 * & Eden 1991/1993; poles and initial conditions from Thévenaz, Blu & Unser
 * 2000, "Interpolation revisited"): each line is multiplied by the gain
 * `Π (1 − z)(1 − 1/z)` and then, per pole `z`, filtered causally and
 * anti-causally.
 *
 * Boundary: mirror-symmetric about the end samples (whole-sample symmetry,
 * `f[−k] = f[k]`, `f[n−1+k] = f[n−1−k]`, period `2n − 2`), as SPM and
 * Thévenaz use. The initial causal coefficient is a sum truncated where
 * `|z|^k < 1e-10`, or the exact mirror formula when the line is shorter than
 * that horizon. Lines of length 1 pass through unchanged. Degrees 0 and 1 are
 * their own coefficients (a copy).
 *
 * Each line is filtered in Float64 in one reusable buffer; the coefficients
 * are stored as Float32. NaN is not special: a NaN voxel spreads along every
 * line through it, so replace NaN (e.g. by 0) before prefiltering.
 *
 * @module
 */

/** Highest supported degree. */
export const MAX_BSPLINE_DEGREE = 7;

/** Truncation tolerance of the initial causal sum. */
const TOLERANCE = 1e-10;

/** The poles (all in (−1, 0)) of the B-spline prefilter of each degree 0–7. */
const POLES: readonly (readonly number[])[] = [
  [],
  [],
  [Math.sqrt(8) - 3],
  [Math.sqrt(3) - 2],
  [
    Math.sqrt(664 - Math.sqrt(438976)) + Math.sqrt(304) - 19,
    Math.sqrt(664 + Math.sqrt(438976)) - Math.sqrt(304) - 19,
  ],
  [
    Math.sqrt(135 / 2 - Math.sqrt(17745 / 4)) + Math.sqrt(105 / 4) - 13 / 2,
    Math.sqrt(135 / 2 + Math.sqrt(17745 / 4)) - Math.sqrt(105 / 4) - 13 / 2,
  ],
  [
    -0.48829458930304475513011803888378906211227916123938,
    -0.081679271076237512597937765737059080653379610398148,
    -0.0014141518083258177510872439765585925278641690553467,
  ],
  [
    -0.53528043079643816554240378168164607183392315234269,
    -0.12255461519232669051527226435935734360548654942730,
    -0.0091486948096082769285930216516478534156925639545994,
  ],
];

/** Throws a RangeError unless `degree` is an integer in 0..7. */
export function checkBsplineDegree(degree: number): void {
  if (!(Number.isInteger(degree) && degree >= 0 && degree <= MAX_BSPLINE_DEGREE)) {
    throw new RangeError(
      `Cannot use B-spline interpolation: degree must be an integer 0..${MAX_BSPLINE_DEGREE}, ` +
        `current value is ${degree}`,
    );
  }
}

/** The prefilter poles of `degree` (empty for 0 and 1). */
export function bsplinePoles(degree: number): readonly number[] {
  checkBsplineDegree(degree);
  return POLES[degree]!;
}

/** Initial causal coefficient `c⁺[0]` for pole `z` over `c[0..n-1]` (mirror boundary). */
function initialCausal(c: Float64Array, n: number, z: number): number {
  const horizon = Math.ceil(Math.log(TOLERANCE) / Math.log(Math.abs(z)));
  if (horizon < n) {
    // Truncated sum: Σ_{k<horizon} z^k c[k].
    let zn = z, sum = c[0]!;
    for (let k = 1; k < horizon; k++) {
      sum += zn * c[k]!;
      zn *= z;
    }
    return sum;
  }
  // Exact sum over the mirrored (period 2n−2) signal.
  let zn = z;
  const iz = 1 / z;
  let z2n = Math.pow(z, n - 1);
  let sum = c[0]! + z2n * c[n - 1]!;
  z2n *= z2n * iz;
  for (let k = 1; k <= n - 2; k++) {
    sum += (zn + z2n) * c[k]!;
    zn *= z;
    z2n *= iz;
  }
  return sum / (1 - zn * zn);
}

/** Filters `c[0..n-1]` in place (n ≥ 2) with the given poles and gain. */
function filterLine(c: Float64Array, n: number, poles: readonly number[], gain: number): void {
  for (let k = 0; k < n; k++) c[k]! *= gain;
  for (let p = 0; p < poles.length; p++) {
    const z = poles[p]!;
    c[0] = initialCausal(c, n, z);
    for (let k = 1; k < n; k++) c[k] = c[k]! + z * c[k - 1]!;
    // Initial anti-causal coefficient (mirror boundary).
    c[n - 1] = (z / (z * z - 1)) * (z * c[n - 2]! + c[n - 1]!);
    for (let k = n - 2; k >= 0; k--) c[k] = z * (c[k + 1]! - c[k]!);
  }
}

/**
 * Filters every line of length `n` along one axis of `data` in place: lines
 * start at `base + a·outerStride + b` for `a < outer`, `b < inner`, and step
 * by `stride`.
 */
function filterAxis(
  data: Float32Array,
  n: number,
  stride: number,
  inner: number,
  outer: number,
  outerStride: number,
  poles: readonly number[],
  gain: number,
  line: Float64Array,
): void {
  for (let a = 0; a < outer; a++) {
    for (let b = 0; b < inner; b++) {
      const start = a * outerStride + b;
      for (let k = 0, o = start; k < n; k++, o += stride) line[k] = data[o]!;
      filterLine(line, n, poles, gain);
      for (let k = 0, o = start; k < n; k++, o += stride) data[o] = line[k]!;
    }
  }
}

/**
 * The B-spline coefficients of degree `degree` (0–7) of `src` (dims
 * `nx, ny, nz`, NIfTI order), written to `out` (allocated when omitted; it may
 * be `src` itself, for an in-place filter) and returned. Degrees 0 and 1
 * copy. Sampling the result with {@link sampleBspline} at integer positions
 * reproduces `src`.
 *
 * @example Coefficients of a cubic spline along a line
 * ```ts
 * import { bsplineCoefficients } from "./bspline_prefilter.ts";
 * const c = bsplineCoefficients(new Float32Array([0, 1, 0]), [3, 1, 1], 3);
 * // c[0]/6 + 4·c[1]/6 + c[2]/6 = 1 (the middle sample)
 * ```
 */
export function bsplineCoefficients(
  src: ArrayLike<number>,
  dims: readonly [number, number, number],
  degree: number,
  out?: Float32Array,
): Float32Array {
  checkBsplineDegree(degree);
  const [nx, ny, nz] = dims;
  const nvox = nx * ny * nz;
  if (src.length < nvox) {
    throw new RangeError(`Cannot prefilter: the source holds fewer than ${nvox} voxels`);
  }
  const c = out ?? new Float32Array(nvox);
  if (c.length < nvox) {
    throw new RangeError(`Cannot prefilter: the output holds fewer than ${nvox} voxels`);
  }
  if (c !== src) {
    if (src instanceof Float32Array) c.set(src.subarray(0, nvox));
    else for (let i = 0; i < nvox; i++) c[i] = src[i]!;
  }
  const poles = POLES[degree]!;
  if (poles.length === 0) return c;
  let gain = 1;
  for (const z of poles) gain *= (1 - z) * (1 - 1 / z);
  const line = new Float64Array(Math.max(nx, ny, nz));
  if (nx > 1) filterAxis(c, nx, 1, 1, ny * nz, nx, poles, gain, line);
  if (ny > 1) filterAxis(c, ny, nx, nx, nz, nx * ny, poles, gain, line);
  if (nz > 1) filterAxis(c, nz, nx * ny, nx * ny, 1, 0, poles, gain, line);
  return c;
}
