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
export const PREFILTER_TOLERANCE = 1e-10;

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

/**
 * Filters `L` interleaved lines of length `n` (n ≥ 2) in place: element `k`
 * of line `l` is `buf[k·L + l]`. Working on `L` independent lines at once
 * keeps the recursions' dependency chains from stalling the loop. The gain
 * has already been applied. `acc` holds `L` scratch values.
 */
function filterLines(
  buf: Float64Array,
  n: number,
  L: number,
  poles: readonly number[],
  acc: Float64Array,
): void {
  const last = (n - 1) * L;
  for (let p = 0; p < poles.length; p++) {
    const z = poles[p]!;
    // Initial causal coefficient, c⁺[0] = Σ_k z^k c[k] over the mirrored line.
    const horizon = Math.ceil(Math.log(PREFILTER_TOLERANCE) / Math.log(Math.abs(z)));
    if (horizon < n) {
      for (let l = 0; l < L; l++) acc[l] = buf[l]!;
      let zk = z;
      for (let k = 1; k < horizon; k++) {
        const o = k * L;
        for (let l = 0; l < L; l++) acc[l]! += zk * buf[o + l]!;
        zk *= z;
      }
    } else {
      // Exact: (c[0] + z^(n−1) c[n−1] + Σ_{0<k<n−1} (z^k + z^(2n−2−k)) c[k]) / (1 − z^(2n−2)).
      const zn1 = Math.pow(z, n - 1);
      for (let l = 0; l < L; l++) acc[l] = buf[l]! + zn1 * buf[last + l]!;
      let zk = z, z2k = zn1 * zn1 / z;
      for (let k = 1; k <= n - 2; k++) {
        const o = k * L, f = zk + z2k;
        for (let l = 0; l < L; l++) acc[l]! += f * buf[o + l]!;
        zk *= z;
        z2k /= z;
      }
      const norm = 1 / (1 - zn1 * zn1);
      for (let l = 0; l < L; l++) acc[l]! *= norm;
    }
    for (let l = 0; l < L; l++) buf[l] = acc[l]!;
    // Causal pass.
    for (let k = 1, o = L; k < n; k++, o += L) {
      for (let l = 0; l < L; l++) buf[o + l] = buf[o + l]! + z * buf[o - L + l]!;
    }
    // Initial anti-causal coefficient (mirror boundary), then the anti-causal pass.
    const a = z / (z * z - 1);
    for (let l = 0; l < L; l++) buf[last + l] = a * (z * buf[last - L + l]! + buf[last + l]!);
    for (let o = last - L; o >= 0; o -= L) {
      for (let l = 0; l < L; l++) buf[o + l] = z * (buf[o + L + l]! - buf[o + l]!);
    }
  }
}

/** Gain `Π (1 − z)(1 − 1/z)` of the poles: the filter's response to a constant is 1. */
export function poleGain(poles: readonly number[]): number {
  let gain = 1;
  for (const z of poles) gain *= (1 - z) * (1 - 1 / z);
  return gain;
}

/** x pass, one slice at a time: the slice's `ny` rows, transposed into `buf`, filtered together. */
function filterX(
  c: Float32Array,
  nx: number,
  ny: number,
  nz: number,
  poles: readonly number[],
  gain: number,
  buf: Float64Array,
  acc: Float64Array,
): void {
  for (let k = 0; k < nz; k++) {
    const base = k * nx * ny;
    for (let j = 0; j < ny; j++) {
      const row = base + j * nx;
      for (let i = 0; i < nx; i++) buf[i * ny + j] = gain * c[row + i]!;
    }
    filterLines(buf, nx, ny, poles, acc);
    for (let j = 0; j < ny; j++) {
      const row = base + j * nx;
      for (let i = 0; i < nx; i++) c[row + i] = buf[i * ny + j]!;
    }
  }
}

/**
 * Pass along an axis of `n` elements `stride` apart, in groups of `L`
 * contiguous lines (`groups` of them, `groupStride` apart): line `l` of a
 * group is already a row of `buf`'s layout, so gathering is a row copy.
 */
function filterStrided(
  c: Float32Array,
  n: number,
  stride: number,
  L: number,
  groups: number,
  groupStride: number,
  poles: readonly number[],
  gain: number,
  buf: Float64Array,
  acc: Float64Array,
): void {
  for (let g = 0; g < groups; g++) {
    const base = g * groupStride;
    for (let k = 0; k < n; k++) {
      const o = base + k * stride, b = k * L;
      for (let l = 0; l < L; l++) buf[b + l] = gain * c[o + l]!;
    }
    filterLines(buf, n, L, poles, acc);
    for (let k = 0; k < n; k++) {
      const o = base + k * stride, b = k * L;
      for (let l = 0; l < L; l++) c[o + l] = buf[b + l]!;
    }
  }
}

/**
 * The checks every prefilter makes, and its output array: `out` (or a new
 * one), holding a copy of `src` when `copy` and it is not `src` itself.
 * Throws for a degree out of 0–7 or arrays shorter than the volume.
 */
export function prefilterTarget(
  src: ArrayLike<number>,
  dims: readonly [number, number, number],
  degree: number,
  out: Float32Array | undefined,
  copy: boolean,
): Float32Array {
  checkBsplineDegree(degree);
  const nvox = dims[0] * dims[1] * dims[2];
  if (src.length < nvox) {
    throw new RangeError(`Cannot prefilter: the source holds fewer than ${nvox} voxels`);
  }
  const c = out ?? new Float32Array(nvox);
  if (c.length < nvox) {
    throw new RangeError(`Cannot prefilter: the output holds fewer than ${nvox} voxels`);
  }
  if (copy && c !== src) {
    if (src instanceof Float32Array) c.set(src.subarray(0, nvox));
    else for (let i = 0; i < nvox; i++) c[i] = src[i]!;
  }
  return c;
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
  const [nx, ny, nz] = dims;
  const c = prefilterTarget(src, dims, degree, out, true);
  const poles = POLES[degree]!;
  if (poles.length === 0) return c;
  const gain = poleGain(poles);
  const buf = new Float64Array(Math.max(nx * ny, nx * nz));
  const acc = new Float64Array(Math.max(nx, ny));
  if (nx > 1) filterX(c, nx, ny, nz, poles, gain, buf, acc);
  if (ny > 1) filterStrided(c, ny, nx, nx, nz, nx * ny, poles, gain, buf, acc);
  if (nz > 1) filterStrided(c, nz, nx * ny, nx, ny, nx, poles, gain, buf, acc);
  return c;
}
