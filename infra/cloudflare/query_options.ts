/**
 * Job options from URL query parameters (`?ref=mean&interp=1&mask=false`),
 * checked by the CLI's own validation (`cliOptions`), so an HTTP upload and
 * the command line accept the same values with the same messages.
 *
 * @module
 */
import { cliOptions } from "../../orchestrator/cli_options.ts";
import { InputError } from "../../shared/errors.ts";
import type { JobOptions } from "../../shared/job.ts";

const VALUED = [
  "ref",
  "interp",
  "interp-estimate",
  "interp-reslice",
  "fwhm",
  "sep",
  "dtype",
];
const FLAGS = ["mask", "compress"];

/** Checked options; an unknown parameter or a bad value throws {@link InputError}. */
export function queryOptions(params: URLSearchParams): JobOptions {
  const raw: Record<string, string | boolean> = {};
  for (const [k, v] of params) {
    if (VALUED.includes(k)) raw[k] = v;
    else if (FLAGS.includes(k)) {
      if (v === "" || v === "true" || v === "1") raw[k] = true;
      else if (v === "false" || v === "0") raw[`no-${k}`] = true;
      else {throw new InputError(
          k,
          `must be true or false, current value is "${v}"`,
        );}
    } else {
      throw new InputError(
        k,
        `is not an option (options: ${[...VALUED, ...FLAGS].join(", ")})`,
      );
    }
  }
  return cliOptions(raw, ["input"], 1).job;
}
