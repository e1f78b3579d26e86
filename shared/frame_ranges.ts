/**
 * Frame ranges: how a run's `n` frames are split into `start..end` ranges
 * (end exclusive) for the fan-out, with the seed program's reproducible rule,
 * and how many ranges a run needs so every slab fits the slab budget.
 *
 * The rule: `unit = floor(n / size)`, `remain = n % size`; range 0 is
 * `0 .. unit + remain`, range r ≥ 1 is `r·unit + remain .. (r+1)·unit + remain`.
 * The first range carries the remainder, so it is the largest.
 *
 * @module
 */

import type { FrameRange } from "./job.ts";

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot plan ranges: ${name} must be an integer >= ${min}, current value is ${value}`,
    );
  }
}

function checkPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `Cannot plan ranges: ${name} must be a positive finite number, current value is ${value}`,
    );
  }
}

/**
 * Split `n` frames into `size` ranges with the seed's rule. When `n < size`,
 * `size` becomes `n`, so no range is empty. The ranges tile `0..n` in order.
 *
 * @example An uneven split
 * ```ts
 * import { planRanges } from "./frame_ranges.ts";
 * planRanges(10, 3); // [{start:0,end:4},{start:4,end:7},{start:7,end:10}]
 * ```
 */
export function planRanges(n: number, size: number): FrameRange[] {
  checkCount("the number of frames", n, 1);
  checkCount("the number of ranges", size, 1);
  const s = Math.min(size, n);
  const unit = Math.floor(n / s);
  const remain = n % s;
  const ranges: FrameRange[] = [{ start: 0, end: unit + remain }];
  for (let r = 1; r < s; r++) {
    ranges.push({ start: r * unit + remain, end: (r + 1) * unit + remain });
  }
  return ranges;
}

/** Frames in the largest range (range 0) when `n` frames are split into `size` ranges. */
export function largestRange(n: number, size: number): number {
  const s = Math.min(size, n);
  return Math.floor(n / s) + (n % s);
}

/** What {@link rangeCount} needs to know. */
export interface RangeCountInput {
  /** Frames in the run. */
  frames: number;
  /** Concurrency (`--workers`): the least number of ranges. */
  workers: number;
  /** Bytes of one frame in a slab. */
  frameBytes: number;
  /** Slab budget in bytes (`--max-slab-mb`). */
  maxSlabBytes: number;
}

/**
 * The number of ranges for a run: the smallest `size ≥ workers` (capped at
 * `frames`) for which the largest range (`unit + remain` frames) fits the
 * slab budget. The largest range is not monotone in `size` (n = 10: size 3
 * gives 4 frames, size 6 gives 5), so sizes are tried in order; `size = frames`
 * (one frame a range) always ends the search. Throws a RangeError when even
 * one frame exceeds the budget.
 *
 * @example
 * ```ts
 * import { rangeCount } from "./frame_ranges.ts";
 * // 100 frames of 1 MB, budget 10 MB, 2 workers → 10 ranges of 10 frames
 * rangeCount({ frames: 100, workers: 2, frameBytes: 1e6, maxSlabBytes: 10e6 }); // 10
 * ```
 */
export function rangeCount(input: RangeCountInput): number {
  const { frames, workers, frameBytes, maxSlabBytes } = input;
  checkCount("the number of frames", frames, 1);
  checkCount("the number of workers", workers, 1);
  checkPositive("the frame size in bytes", frameBytes);
  checkPositive("the slab budget in bytes", maxSlabBytes);
  if (frameBytes > maxSlabBytes) {
    throw new RangeError(
      `Cannot plan ranges: one frame (${frameBytes} bytes) exceeds the slab budget, ` +
        `current value is ${maxSlabBytes}`,
    );
  }
  // Lower bound: the largest range holds ≥ n/size frames, so size ≥ n·frameBytes/budget
  // (floored, so rounding can never skip a size that fits).
  const need = Math.floor((frames * frameBytes) / maxSlabBytes);
  for (let size = Math.min(frames, Math.max(workers, need)); size < frames; size++) {
    if (largestRange(frames, size) * frameBytes <= maxSlabBytes) return size;
  }
  return frames;
}
