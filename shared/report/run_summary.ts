/**
 * The report's summary numbers from the motion table's columns, so that the
 * page says exactly what `_motion.tsv` holds: mean and max FD, the frames
 * flagged in `motion_outlier`, the largest absolute translation (mm) and
 * rotation (degrees) on any axis.
 *
 * @example
 * ```ts
 * import { motionSummary } from "./run_summary.ts";
 *
 * const s = motionSummary([[0, 0, 0, 0, 0, 0], [-2, 0, 0, 0, 0, Math.PI / 60]], [0, 2.1], [0, 1]);
 * if (s.maxTranslation !== 2 || Math.abs(s.maxRotationDeg - 3) > 1e-12) throw new Error();
 * ```
 *
 * @module
 */

/** The motion part of the report's summary. */
export interface MotionSummary {
  /** Mean framewise displacement over every frame (the first counts as 0), mm. */
  meanFd: number;
  /** Largest FD, mm. */
  maxFd: number;
  /** Frames whose outlier flag is 1, from 0. */
  outliers: number[];
  /** Largest |trans_x|, |trans_y| or |trans_z| over the run, mm. */
  maxTranslation: number;
  /** Largest |rot_x|, |rot_y| or |rot_z| over the run, degrees. */
  maxRotationDeg: number;
}

/**
 * Summarises `params` (x y z in mm, pitch roll yaw in radians, per frame),
 * `fd` (mm) and the 0/1 `outlier` flags. Non-finite values are skipped.
 */
export function motionSummary(
  params: readonly ArrayLike<number>[],
  fd: ArrayLike<number>,
  outlier: ArrayLike<number>,
): MotionSummary {
  let sum = 0, count = 0, maxFd = 0, maxT = 0, maxR = 0;
  for (let t = 0; t < fd.length; t++) {
    const f = fd[t]!;
    if (!Number.isFinite(f)) continue;
    sum += f;
    count++;
    if (f > maxFd) maxFd = f;
  }
  for (const p of params) {
    for (let k = 0; k < 3; k++) {
      const a = Math.abs(p[k]!), b = Math.abs(p[k + 3]!);
      if (a > maxT) maxT = a;
      if (b > maxR) maxR = b;
    }
  }
  const outliers: number[] = [];
  for (let t = 0; t < outlier.length; t++) if (outlier[t] === 1) outliers.push(t);
  return {
    meanFd: count > 0 ? sum / count : 0,
    maxFd,
    outliers,
    maxTranslation: maxT,
    maxRotationDeg: (maxR * 180) / Math.PI,
  };
}
