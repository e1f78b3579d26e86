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

/** x pass: `src` rows → `dst` rows, NaN read as 0, edge-renormalised. */
function passX(
  src: ArrayLike<number>,
  dst: Float32Array,
  nx: number,
  rows: number,
  w: Float64Array,
) {
  const r = w.length - 1;
  for (let row = 0; row < rows; row++) {
    const base = row * nx;
    for (let i = 0; i < nx; i++) {
      const lo = i - r < 0 ? -i : -r;
      const hi = i + r > nx - 1 ? nx - 1 - i : r;
      let s = 0, ws = 0;
      for (let k = lo; k <= hi; k++) {
        const wk = w[k < 0 ? -k : k]!;
        const v = src[base + i + k]!;
        if (v === v) s += wk * v; // NaN reads as 0
        ws += wk;
      }
      dst[base + i] = s / ws;
    }
  }
}

/**
 * Strided pass along an axis of length `n` whose consecutive elements are
 * `stride` apart, processed as whole lines of `stride` contiguous values
 * (`blocks` such groups, `block` = n·stride apart): out line j = Σ w·in line j+k.
 */
function passStrided(
  src: Float32Array,
  dst: Float32Array,
  n: number,
  stride: number,
  blocks: number,
  w: Float64Array,
) {
  const r = w.length - 1;
  const block = n * stride;
  for (let b = 0; b < blocks; b++) {
    const base = b * block;
    for (let j = 0; j < n; j++) {
      const lo = j - r < 0 ? -j : -r;
      const hi = j + r > n - 1 ? n - 1 - j : r;
      let ws = 0;
      for (let k = lo; k <= hi; k++) ws += w[k < 0 ? -k : k]!;
      const o = base + j * stride;
      const w0 = w[lo < 0 ? -lo : lo]! / ws;
      let s = base + (j + lo) * stride;
      for (let i = 0; i < stride; i++) dst[o + i] = w0 * src[s + i]!;
      for (let k = lo + 1; k <= hi; k++) {
        const wk = w[k < 0 ? -k : k]! / ws;
        s = base + (j + k) * stride;
        for (let i = 0; i < stride; i++) dst[o + i]! += wk * src[s + i]!;
      }
    }
  }
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
  const f = typeof fwhmMm === "number" ? [fwhmMm, fwhmMm, fwhmMm] : fwhmMm;
  const wx = gaussianKernel(f[0]! * FWHM_TO_SIGMA / voxelSize[0]);
  const wy = gaussianKernel(f[1]! * FWHM_TO_SIGMA / voxelSize[1]);
  const wz = gaussianKernel(f[2]! * FWHM_TO_SIGMA / voxelSize[2]);
  const tmp = scratch && scratch.length >= n ? scratch : new Float32Array(n);
  passX(src, out, nx, ny * nz, wx); // src → out
  passStrided(out, tmp, ny, nx, nz, wy); // out → tmp
  passStrided(tmp, out, nz, nx * ny, 1, wz); // tmp → out
}
