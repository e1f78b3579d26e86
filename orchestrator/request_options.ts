/**
 * Job options from an HTTP request (query parameters of `PUT /v1/inbox/<name>`
 * or the `options` object of `POST /v1/jobs`), validated by the very code that
 * validates the CLI's, so a bad value gets the CLI's message word for word
 * (`--ref: must be first, mean or a frame number, current value is "x"`).
 *
 * Names are the CLI's without the dashes: `ref`, `interp`, `interp-estimate`,
 * `interp-reslice`, `fwhm`, `sep`, `mask`, `no-mask`, `dtype`, `compress`,
 * `no-compress`. A flag is on when present with no value, `true` or `1`, and
 * off with `false` or `0` (`?mask=false` is `--no-mask`).
 *
 * @module
 */
import { InputError } from "../shared/errors.ts";
import type { JobOptions } from "../shared/job.ts";
import { cliOptions } from "./cli_options.ts";

const VALUES = ["ref", "interp", "interp-estimate", "interp-reslice", "fwhm", "sep", "dtype"];
const FLAGS: Record<string, string> = {
  mask: "no-mask",
  "no-mask": "mask",
  compress: "no-compress",
  "no-compress": "compress",
};

/** A raw option value as a query string or a JSON body gives it. */
export type RawOption = string | number | boolean | null;

/**
 * Checked {@link JobOptions} from name/value pairs; throws {@link InputError}
 * naming the option (as `--name`) for an unknown option or a bad value.
 *
 * @example Query parameters
 * ```ts
 * import { requestOptions } from "./request_options.ts";
 * const o = requestOptions(new URLSearchParams("ref=mean&interp=1"));
 * // o.ref === "mean", o.interpEstimate === 1, o.interpReslice === 1
 * ```
 */
export function requestOptions(
  pairs: Iterable<[string, RawOption]> | URLSearchParams,
): JobOptions {
  const raw: Record<string, string | boolean> = {};
  for (const [name, value] of pairs) {
    if (VALUES.includes(name)) {
      if (typeof value === "boolean" || value === null) {
        throw new InputError(`--${name}`, `needs a value, current value is "${String(value)}"`);
      }
      raw[name] = String(value);
    } else if (name in FLAGS) {
      const v = value === null ? "" : String(value);
      if (v === "" || v === "true" || v === "1") raw[name] = true;
      else if (v === "false" || v === "0") raw[FLAGS[name]!] = true;
      else throw new InputError(`--${name}`, `must be true or false, current value is "${v}"`);
    } else {
      throw new InputError(`--${name}`, "is not a job option (see --help)");
    }
  }
  return cliOptions(raw, ["request"], 1).job;
}
