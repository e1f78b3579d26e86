/**
 * A one-line progress bar for a terminal: phase, a bar, frames done / total.
 * Pure: returns the line; the CLI decides where (and whether) to print it.
 *
 * @module
 */

export interface Progress {
  phase: string;
  done: number;
  total: number;
}

/**
 * Render a progress line of at most `width` columns.
 *
 * @example
 * ```ts
 * import { progressLine } from "./progress_bar.ts";
 * progressLine({ phase: "estimate", done: 5, total: 20 }, 50);
 * // "estimate  [#######.....................]   5/20 frames"
 * ```
 */
export function progressLine(p: Progress, width = 60): string {
  const label = p.phase.padEnd(9);
  const count = p.total > 0
    ? ` ${String(p.done).padStart(String(p.total).length)}/${p.total} frames`
    : "";
  const barWidth = Math.max(10, width - label.length - count.length - 3);
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const filled = Math.round(frac * barWidth);
  return `${label} [${"#".repeat(filled)}${".".repeat(barWidth - filled)}]${count}`;
}
