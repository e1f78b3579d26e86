/**
 * Slice mosaics for the report: evenly spaced axial slices of a 3-D volume
 * tiled into one 8-bit grey image (then `encodePng`), and the per-voxel
 * temporal mean and standard deviation of a 4-D run, the volumes the report
 * shows before and after realignment.
 *
 * Orientation: the display follows the voxel grid, it does not reorient to
 * world space. Within a tile, column = voxel x increasing left to right, and
 * row 0 = the largest voxel y (y is flipped, so that anterior is up for the
 * usual storage with y pointing anterior). Tiles run left to right, then top
 * to bottom, from the lowest slice z to the highest. For an image stored with
 * x pointing to the subject's right (a positive x column in the sform, RAS
 * storage) this is the neurological convention, the subject's right on the
 * right of the page; for LAS storage (FSL's usual) it is radiological. The
 * `flipX` option mirrors each tile, for a caller that reads the affine and
 * wants one convention.
 *
 * @example A mosaic of a 4×4×4 ramp
 * ```ts
 * import { sliceMosaic } from "./mosaic.ts";
 *
 * const v = new Float32Array(64).map((_, i) => i + 1);
 * const m = sliceMosaic(v, [4, 4, 4], { slices: 4, columns: 2, gap: 0 });
 * if (m.width !== 8 || m.height !== 8) throw new Error("size");
 * ```
 *
 * @module
 */

/** Options of {@link sliceMosaic}. */
export interface MosaicOptions {
  /** How many axial slices, evenly spaced (centres of equal bins of z); default min(nz, 16). */
  slices?: number;
  /** Tiles per mosaic row; default ceil(sqrt(slices)). */
  columns?: number;
  /** Intensity mapped to black and to white; default {@link robustWindow} of the volume. */
  window?: readonly [number, number];
  /** Black pixels between tiles, default 2. */
  gap?: number;
  /** Mirror each tile left-right (voxel x increasing right to left). Default false. */
  flipX?: boolean;
}

/** A grey image and how it was made. */
export interface Mosaic {
  width: number;
  height: number;
  /** One byte per pixel, rows top to bottom. */
  pixels: Uint8Array;
  /** The slice z of each tile, in tile order. */
  slices: number[];
  /** The intensity window used: `lo` is black, `hi` is white. */
  window: [number, number];
}

/** Most values sorted to find percentiles; larger volumes are sampled with a stride. */
const PERCENTILE_SAMPLE = 1 << 20;

function checkDims(dims: readonly number[], length: number, what: string, n: number): void {
  if (dims.length !== n || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(
      `Cannot ${what}: dims must be ${n} positive integers, current value is [${dims.join(", ")}]`,
    );
  }
  const want = dims.reduce((a, b) => a * b, 1);
  if (length !== want) {
    throw new RangeError(
      `Cannot ${what}: the data must hold ${dims.join("×")} = ${want} values, ` +
        `current value is ${length}`,
    );
  }
}

/**
 * The `lo` and `hi` quantiles (default 2nd and 98th percentile) of the
 * finite non-zero voxels: a window that ignores the background and a few
 * extreme voxels. Pass one window to both mosaics of a before/after pair so
 * that their greys compare. A volume with no non-zero voxel gives [0, 1].
 */
export function robustWindow(volume: Float32Array, lo = 0.02, hi = 0.98): [number, number] {
  const n = volume.length;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = volume[i]!;
    if (v !== 0 && Number.isFinite(v)) count++;
  }
  if (count === 0) return [0, 1];
  const stride = Math.ceil(count / PERCENTILE_SAMPLE);
  const sample = new Float32Array(Math.ceil(count / stride));
  let k = 0, seen = 0;
  for (let i = 0; i < n; i++) {
    const v = volume[i]!;
    if (v !== 0 && Number.isFinite(v)) {
      if (seen % stride === 0) sample[k++] = v;
      seen++;
    }
  }
  const s = sample.subarray(0, k).sort();
  const at = (q: number) => s[Math.min(k - 1, Math.max(0, Math.round(q * (k - 1))))]!;
  const a = at(lo), b = at(hi);
  return b > a ? [a, b] : [a, a + (Math.abs(a) > 0 ? Math.abs(a) : 1)];
}

/** `count` slice indices of `nz`: the centres of `count` equal bins. */
export function evenSlices(nz: number, count: number): number[] {
  const out: number[] = [];
  const n = Math.min(nz, count);
  for (let i = 0; i < n; i++) out.push(Math.floor(((i + 0.5) * nz) / n));
  return out;
}

/**
 * Tiles evenly spaced axial slices of `volume` (x fastest, then y, z) into
 * one grey image; see the module doc for the orientation.
 */
export function sliceMosaic(
  volume: Float32Array,
  dims: readonly [number, number, number],
  opts: MosaicOptions = {},
): Mosaic {
  checkDims(dims, volume.length, "draw a mosaic", 3);
  const [nx, ny, nz] = dims;
  const count = opts.slices ?? Math.min(nz, 16);
  if (!(Number.isInteger(count) && count > 0)) {
    throw new RangeError(
      `Cannot draw a mosaic: slices must be a positive integer, current value is ${count}`,
    );
  }
  const slices = evenSlices(nz, count);
  const columns = Math.min(slices.length, opts.columns ?? Math.ceil(Math.sqrt(slices.length)));
  if (!(Number.isInteger(columns) && columns > 0)) {
    throw new RangeError(
      `Cannot draw a mosaic: columns must be a positive integer, current value is ${opts.columns}`,
    );
  }
  const gap = opts.gap ?? 2;
  if (!(Number.isInteger(gap) && gap >= 0)) {
    throw new RangeError(
      `Cannot draw a mosaic: gap must be a non-negative integer, current value is ${gap}`,
    );
  }
  const [lo, hi] = opts.window ?? robustWindow(volume);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
    throw new RangeError(
      `Cannot draw a mosaic: window must be finite with hi > lo, current value is [${lo}, ${hi}]`,
    );
  }
  const rows = Math.ceil(slices.length / columns);
  const width = columns * nx + (columns - 1) * gap;
  const height = rows * ny + (rows - 1) * gap;
  const pixels = new Uint8Array(width * height);
  const scale = 255 / (hi - lo);
  const flip = opts.flipX === true;
  for (let s = 0; s < slices.length; s++) {
    const z = slices[s]!;
    const left = (s % columns) * (nx + gap);
    const top = Math.floor(s / columns) * (ny + gap);
    for (let r = 0; r < ny; r++) {
      const src = z * nx * ny + (ny - 1 - r) * nx; // row 0 shows the largest y
      let dst = (top + r) * width + left + (flip ? nx - 1 : 0);
      const step = flip ? -1 : 1;
      for (let x = 0; x < nx; x++, dst += step) {
        const g = (volume[src + x]! - lo) * scale;
        // NaN fails both tests and stays black.
        pixels[dst] = g >= 255 ? 255 : g > 0 ? Math.round(g) : 0;
      }
    }
  }
  return { width, height, pixels, slices, window: [lo, hi] };
}

/** Per-voxel mean over time in Float64, after checking the shape. */
function meanFloat64(
  run: Float32Array,
  dims4: readonly [number, number, number, number],
  what: string,
): Float64Array {
  checkDims(dims4, run.length, what, 4);
  const n3 = dims4[0] * dims4[1] * dims4[2];
  const nt = dims4[3];
  const sum = new Float64Array(n3);
  for (let t = 0; t < nt; t++) {
    const off = t * n3;
    for (let i = 0; i < n3; i++) sum[i]! += run[off + i]!;
  }
  for (let i = 0; i < n3; i++) sum[i]! /= nt;
  return sum;
}

/** Per-voxel mean over time of a run `[nx, ny, nz, nt]` (Float64 sums). */
export function temporalMean(
  run: Float32Array,
  dims4: readonly [number, number, number, number],
): Float32Array {
  return Float32Array.from(meanFloat64(run, dims4, "average over time"));
}

/**
 * Per-voxel sample standard deviation over time (denominator nt − 1, as
 * MATLAB's `std` and AFNI's `3dTstat -stdev`; 0 for a single frame), two
 * passes with Float64 sums: the mean, then the squared deviations from it.
 */
export function temporalStd(
  run: Float32Array,
  dims4: readonly [number, number, number, number],
): Float32Array {
  const mean = meanFloat64(run, dims4, "take the temporal SD");
  const n3 = mean.length;
  const nt = dims4[3];
  const out = new Float32Array(n3);
  if (nt < 2) return out;
  const ss = new Float64Array(n3);
  for (let t = 0; t < nt; t++) {
    const off = t * n3;
    for (let i = 0; i < n3; i++) {
      const d = run[off + i]! - mean[i]!;
      ss[i]! += d * d;
    }
  }
  for (let i = 0; i < n3; i++) out[i] = Math.sqrt(ss[i]! / (nt - 1));
  return out;
}
