/**
 * The carpet plot (Power 2017): brain voxels as rows, frames as columns, each
 * voxel's time series standardised so that motion shows as vertical bands.
 *
 * Rows are the mask's voxels in NIfTI order (x fastest, then y, then z, so
 * the plot runs from the bottom of the brain to the top), sampled evenly to at
 * most `maxRows`. Each row is detrended (its least-squares line over time
 * removed; `detrend: false` keeps only the mean removal), divided by its
 * standard deviation, clipped to ±2 and drawn as grey: −2 black, 0 mid grey
 * (128), +2 white. A voxel that never changes is mid grey.
 *
 * @example Two voxels, three frames
 * ```ts
 * import { carpetPlot } from "./carpet.ts";
 *
 * const run = new Float32Array([1, 5, 2, 5, 3, 5]); // frames of 2 voxels
 * const c = carpetPlot(run, [2, 1, 1, 3], new Uint8Array([1, 1]), { detrend: false });
 * if (c.width !== 3 || c.height !== 2) throw new Error("shape");
 * ```
 *
 * @module
 */

/** Options of {@link carpetPlot}. */
export interface CarpetOptions {
  /** Most rows drawn (mask voxels are sampled evenly down to this); default 600. */
  maxRows?: number;
  /** Remove each voxel's linear trend before standardising; default true. */
  detrend?: boolean;
}

/** A grey image, one row per sampled voxel and one column per frame. */
export interface Carpet {
  /** Frames. */
  width: number;
  /** Voxels drawn. */
  height: number;
  /** One byte per pixel, `pixels[row * width + frame]`. */
  pixels: Uint8Array;
  /** The voxel index (into one frame) of each row. */
  voxels: Int32Array;
}

/** Standardised values are clipped to ± this many SD. */
export const CARPET_CLIP = 2;

/**
 * The carpet plot of `run` (`dims4` = [nx, ny, nz, nt], NIfTI order) over the
 * voxels where `mask` is non-zero.
 */
export function carpetPlot(
  run: Float32Array,
  dims4: readonly [number, number, number, number],
  mask: Uint8Array,
  opts: CarpetOptions = {},
): Carpet {
  const [nx, ny, nz, nt] = dims4;
  if (!dims4.every((d) => Number.isInteger(d) && d > 0) || dims4.length !== 4) {
    throw new RangeError(
      `Cannot draw a carpet plot: dims must be 4 positive integers, current value is [${dims4}]`,
    );
  }
  const n3 = nx * ny * nz;
  if (run.length !== n3 * nt) {
    throw new RangeError(
      `Cannot draw a carpet plot: the run must hold ${
        n3 * nt
      } values, current value is ${run.length}`,
    );
  }
  if (mask.length !== n3) {
    throw new RangeError(
      `Cannot draw a carpet plot: the mask must hold ${n3} values, current value is ${mask.length}`,
    );
  }
  const voxels = carpetVoxels(mask, opts.maxRows ?? 600);
  const rows = voxels.length;
  // Gather each row's series, frames contiguous: series[row * nt + t].
  const series = new Float32Array(rows * nt);
  for (let row = 0; row < rows; row++) {
    const v = voxels[row]!;
    for (let t = 0, at = v, o = row * nt; t < nt; t++, at += n3) series[o + t] = run[at]!;
  }
  return { ...carpetImage(series, rows, nt, opts), voxels };
}

/**
 * The voxels a carpet plot draws: the non-zero voxels of `mask` in NIfTI
 * order, sampled evenly down to at most `maxRows` (row r takes the mask voxel
 * of rank floor((r + 0.5) · count / rows)). Deterministic, so that functions
 * can sample their frames' rows and the orchestrator put them side by side.
 */
export function carpetVoxels(mask: Uint8Array, maxRows = 600): Int32Array {
  if (!(Number.isInteger(maxRows) && maxRows > 0)) {
    throw new RangeError(
      `Cannot draw a carpet plot: maxRows must be a positive integer, current value is ${maxRows}`,
    );
  }
  const n3 = mask.length;
  let count = 0;
  for (let i = 0; i < n3; i++) if (mask[i] !== 0) count++;
  if (count === 0) {
    throw new RangeError("Cannot draw a carpet plot: the mask is empty, current value is 0 voxels");
  }
  const rows = Math.min(count, maxRows);
  const voxels = new Int32Array(rows);
  let rank = 0, r = 0;
  let want = Math.floor((0.5 * count) / rows);
  for (let i = 0; i < n3 && r < rows; i++) {
    if (mask[i] === 0) continue;
    if (rank === want) {
      voxels[r++] = i;
      want = Math.floor(((r + 0.5) * count) / rows);
    }
    rank++;
  }
  return voxels;
}

/**
 * The carpet image of `rows` time series of `nt` frames each, frames
 * contiguous (`series[row * nt + t]`): each row detrended (unless
 * `detrend: false`), standardised, clipped to ±2 SD and drawn as grey.
 */
export function carpetImage(
  series: Float32Array,
  rows: number,
  nt: number,
  opts: CarpetOptions = {},
): { width: number; height: number; pixels: Uint8Array } {
  if (series.length !== rows * nt || !(rows > 0 && nt > 0)) {
    throw new RangeError(
      `Cannot draw a carpet plot: the series must hold rows*frames = ${rows * nt} values, ` +
        `current value is ${series.length}`,
    );
  }
  const detrend = opts.detrend ?? true;
  // Centred time t - tMean and its sum of squares, for the least-squares slope.
  const tMean = (nt - 1) / 2;
  let tss = 0;
  for (let t = 0; t < nt; t++) tss += (t - tMean) * (t - tMean);

  const pixels = new Uint8Array(rows * nt);
  const resid = new Float64Array(nt);
  const half = 255 / (2 * CARPET_CLIP);
  for (let row = 0; row < rows; row++) {
    const o = row * nt;
    let sum = 0;
    for (let t = 0; t < nt; t++) sum += series[o + t]!;
    const mean = sum / nt;
    let sxy = 0;
    for (let t = 0; t < nt; t++) {
      const d = series[o + t]! - mean;
      resid[t] = d;
      sxy += d * (t - tMean);
    }
    const slope = detrend && tss > 0 ? sxy / tss : 0;
    let ss = 0;
    for (let t = 0; t < nt; t++) {
      const d = resid[t]! - slope * (t - tMean);
      resid[t] = d;
      ss += d * d;
    }
    const sd = nt > 1 ? Math.sqrt(ss / (nt - 1)) : 0;
    // Below a relative 1e-6 of the mean the residual is rounding, not signal.
    const flat = !(sd > 1e-6 * Math.abs(mean)) || sd === 0;
    for (let t = 0; t < nt; t++) {
      let z = flat ? 0 : resid[t]! / sd;
      if (z > CARPET_CLIP) z = CARPET_CLIP;
      else if (z < -CARPET_CLIP) z = -CARPET_CLIP;
      pixels[o + t] = Math.round((z + CARPET_CLIP) * half);
    }
  }
  return { width: nt, height: rows, pixels };
}
