/**
 * Output file names by DESIGN.md's stem rule: the input's name without
 * `.nii`, `.nii.gz`, `.hdr` or `.img`, and without a trailing BIDS `_bold`.
 *
 * @module
 */
import type { OutputKind } from "../shared/job.ts";

/**
 * The stem of an input file name (any folders are dropped).
 *
 * @example
 * ```ts
 * import { stemOf } from "./output_names.ts";
 * stemOf("data/sub-01_task-rest_bold.nii.gz"); // "sub-01_task-rest"
 * ```
 */
export function stemOf(name: string): string {
  const base = name.slice(name.lastIndexOf("/") + 1);
  const noExt = base.replace(/\.(nii\.gz|nii|hdr|img|hdr\.gz|img\.gz)$/i, "");
  const stem = noExt.replace(/_bold$/, "");
  return stem === "" ? "run" : stem;
}

/** True when the input file name says it is gzip-compressed. */
export function isGzipName(name: string): boolean {
  return /\.gz$/i.test(name);
}

/** File names of every output for `stem`; images end in `.nii.gz` when `gzip`. */
export function outputNames(stem: string, gzip: boolean): Record<OutputKind, string> {
  const ext = gzip ? ".nii.gz" : ".nii";
  return {
    realigned: `${stem}_desc-realigned_bold${ext}`,
    mean: `${stem}_desc-mean_bold${ext}`,
    motion: `${stem}_motion.tsv`,
    rp: `${stem}_rp.txt`,
    xfm: `${stem}_xfm.tsv`,
    plot: `${stem}_motion.svg`,
    png: `${stem}_motion.png`,
    report: `${stem}_report.html`,
  };
}
