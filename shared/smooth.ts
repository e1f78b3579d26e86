/**
 * Separable 3-D Gaussian smoothing of one volume (NIfTI order: x fastest).
 *
 * The kernel is a sampled Gaussian truncated at 4 sigma (radius `ceil(4σ)`
 * voxels). At the volume's edges the taps that fall outside are dropped and
 * the remaining weights renormalised to sum to 1, so a constant volume stays
 * constant up to its last voxel (no darkening towards the border, no
 * wrap-around). NaN voxels are read as 0 (and weigh like any other voxel):
 * the smoothed copy never holds NaN, the caller decides what a NaN meant.
 *
 * @module
 */

/** `sigma = fwhm / sqrt(8 ln 2)`. */
export const FWHM_TO_SIGMA = 1 / Math.sqrt(8 * Math.log(2));

/** Normalised (sum 1) Gaussian taps `w[0..r]` for `w[-k] = w[k]`; `[1]` when sigma is ~0. */
export function gaussianKernel(sigmaVox: number): Float64Array {
  if (!(sigmaVox > 1e-3)) return new Float64Array([1]);
  const r = Math.ceil(4 * sigmaVox);
  const w = new Float64Array(r + 1);
  let sum = 0;
  for (let k = 0; k <= r; k++) {
    w[k] = Math.exp(-0.5 * (k / sigmaVox) ** 2);
    sum += k === 0 ? w[k]! : 2 * w[k]!;
  }
  for (let k = 0; k <= r; k++) w[k]! /= sum;
  return w;
}

/** The three axes' taps ({@link gaussianKernel}) of a `fwhmMm` smoothing at `voxelSize`. */
export function smoothingTaps(
  voxelSize: readonly [number, number, number],
  fwhmMm: number | readonly [number, number, number],
): [Float64Array, Float64Array, Float64Array] {
  const f = typeof fwhmMm === "number" ? [fwhmMm, fwhmMm, fwhmMm] : fwhmMm;
  return [0, 1, 2].map((a) => gaussianKernel(f[a]! * FWHM_TO_SIGMA / voxelSize[a]!)) as [
    Float64Array,
    Float64Array,
    Float64Array,
  ];
}

/**
 * Symmetric taps `w[0..r]` summed at `src[c + k·step]`, k = −r..r, for
 * `count` consecutive centres `c = c0 + i·inc` written to `dst[d0 + i·inc]`.
 * Every tap must be inside the array (interior centres only). Radii 1 to 4
 * are written out (V8 does not unroll the tap loop; these are the radii of
 * FWHM 5 mm at 2–4 mm voxels).
 */
function interior(
  src: ArrayLike<number>,
  dst: Float32Array,
  c0: number,
  inc: number,
  count: number,
  step: number,
  w: Float64Array,
) {
  const r = w.length - 1;
  const end = c0 + count * inc;
  if (r === 1) {
    const w0 = w[0]!, w1 = w[1]!;
    for (let c = c0; c < end; c += inc) {
      dst[c] = w0 * src[c]! + w1 * (src[c - step]! + src[c + step]!);
    }
  } else if (r === 2) {
    const w0 = w[0]!, w1 = w[1]!, w2 = w[2]!, s2 = 2 * step;
    for (let c = c0; c < end; c += inc) {
      dst[c] = w0 * src[c]! + w1 * (src[c - step]! + src[c + step]!) +
        w2 * (src[c - s2]! + src[c + s2]!);
    }
  } else if (r === 3) {
    const w0 = w[0]!, w1 = w[1]!, w2 = w[2]!, w3 = w[3]!, s2 = 2 * step, s3 = 3 * step;
    for (let c = c0; c < end; c += inc) {
      dst[c] = w0 * src[c]! + w1 * (src[c - step]! + src[c + step]!) +
        w2 * (src[c - s2]! + src[c + s2]!) + w3 * (src[c - s3]! + src[c + s3]!);
    }
  } else if (r === 4) {
    const w0 = w[0]!, w1 = w[1]!, w2 = w[2]!, w3 = w[3]!, w4 = w[4]!;
    const s2 = 2 * step, s3 = 3 * step, s4 = 4 * step;
    for (let c = c0; c < end; c += inc) {
      dst[c] = w0 * src[c]! + w1 * (src[c - step]! + src[c + step]!) +
        w2 * (src[c - s2]! + src[c + s2]!) + w3 * (src[c - s3]! + src[c + s3]!) +
        w4 * (src[c - s4]! + src[c + s4]!);
    }
  } else {
    for (let c = c0; c < end; c += inc) {
      let s = w[0]! * src[c]!;
      for (let k = 1; k <= r; k++) s += w[k]! * (src[c - k * step]! + src[c + k * step]!);
      dst[c] = s;
    }
  }
}

/**
 * One separable pass along an axis of length `n` whose neighbours are
 * `step` apart: `lines` lines of `len` contiguous values, `block` = n·step
 * apart, `outer` blocks. Interior positions use {@link interior}; the `r`
 * positions at each end drop the outside taps and renormalise.
 */
function pass(
  src: ArrayLike<number>,
  dst: Float32Array,
  n: number,
  step: number,
  outer: number,
  w: Float64Array,
) {
  const r = w.length - 1;
  const block = n * step;
  const contiguous = step === 1; // x pass: one line per row, centres are contiguous
  for (let b = 0; b < outer; b++) {
    const base = b * block;
    // Interior: positions r .. n−1−r along the axis.
    if (n > 2 * r) {
      if (contiguous) interior(src, dst, base + r, 1, n - 2 * r, 1, w);
      else interior(src, dst, base + r * step, 1, (n - 2 * r) * step, step, w);
    }
    // Ends: renormalised over the taps inside.
    for (let j = 0; j < n; j++) {
      if (j >= r && j < n - r) {
        j = n - r - 1;
        continue;
      }
      const lo = j - r < 0 ? -j : -r;
      const hi = j + r > n - 1 ? n - 1 - j : r;
      let ws = 0;
      for (let k = lo; k <= hi; k++) ws += w[k < 0 ? -k : k]!;
      const o = base + j * step;
      const lineLen = contiguous ? 1 : step;
      for (let i = 0; i < lineLen; i++) {
        let s = 0;
        for (let k = lo; k <= hi; k++) s += w[k < 0 ? -k : k]! * src[o + i + k * step]!;
        dst[o + i] = s / ws;
      }
    }
  }
}

/** Whether any of the first `n` values is NaN. */
function hasNaN(src: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) if (src[i] !== src[i]) return true;
  return false;
}

/**
 * Smooth `src` with a separable Gaussian of `fwhmMm` (a number, or one per
 * axis) into `out`. `voxelSize` turns millimetres into voxels per axis.
 * `scratch` (one volume, optional) avoids allocating: with it the call only
 * allocates the three tiny kernels. `out` must not alias `src`.
 *
 * @example A constant volume stays constant
 * ```ts
 * import { gaussianSmooth } from "./smooth.ts";
 * const out = new Float32Array(4 * 3 * 2);
 * gaussianSmooth(new Float32Array(24).fill(5), [4, 3, 2], [1, 1, 1], 2, out);
 * out[23]; // 5
 * ```
 */
export function gaussianSmooth(
  src: ArrayLike<number>,
  dims: readonly [number, number, number],
  voxelSize: readonly [number, number, number],
  fwhmMm: number | readonly [number, number, number],
  out: Float32Array,
  scratch?: Float32Array,
): void {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  if (src.length < n || out.length < n) {
    throw new RangeError(`Cannot smooth: arrays hold fewer than ${n} voxels`);
  }
  if (src === (out as ArrayLike<number>)) throw new RangeError("Cannot smooth: out aliases src");
  const [wx, wy, wz] = smoothingTaps(voxelSize, fwhmMm);
  const tmp = scratch && scratch.length >= n ? scratch : new Float32Array(n);
  let first: ArrayLike<number> = src;
  if (hasNaN(src, n)) {
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      tmp[i] = v === v ? v : 0; // NaN reads as 0
    }
    first = tmp;
  }
  pass(first, out, nx, 1, ny * nz, wx); // src (or its NaN-free copy) → out
  pass(out, tmp, ny, nx, nz, wy); // out → tmp
  pass(tmp, out, nz, nx * ny, 1, wz); // tmp → out
}
