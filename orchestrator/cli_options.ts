/**
 * The `register` command's options: help text and validation of the raw
 * values a command-line parser produced. Pure; the parser itself lives at the
 * Deno edge (`infra/deno/main.ts`).
 *
 * @module
 */
import { InputError } from "../shared/errors.ts";
import { DEFAULT_OPTIONS, type JobOptions, type RefChoice } from "../shared/job.ts";

export interface CliOptions {
  input: string;
  out: string | null;
  store: string | null;
  workers: number;
  /** Invoke compute functions at this URL (signed HTTP) instead of local workers. */
  functionsUrl: string | null;
  maxSlabMb: number;
  job: JobOptions;
  force: boolean;
  quiet: boolean;
  json: boolean;
  profile: boolean;
  /** `--weight` file, or null. */
  weight: string | null;
}

/** Option names and kinds, for the parser at the edge. */
export const OPTION_SPEC = {
  out: { type: "string" },
  store: { type: "string" },
  workers: { type: "string" },
  "functions-url": { type: "string" },
  "max-slab-mb": { type: "string" },
  ref: { type: "string" },
  interp: { type: "string" },
  "interp-estimate": { type: "string" },
  "interp-reslice": { type: "string" },
  fwhm: { type: "string" },
  sep: { type: "string" },
  quality: { type: "string" },
  weight: { type: "string" },
  mask: { type: "boolean" },
  "no-mask": { type: "boolean" },
  dtype: { type: "string" },
  compress: { type: "boolean" },
  "no-compress": { type: "boolean" },
  profile: { type: "boolean" },
  force: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const HELP = `realign: rigid-body motion correction of a 4-D fMRI NIfTI run

Usage: deno task register <input.nii[.gz]> [options]

Writes, beside the input unless --out says otherwise (stem = input name without
.nii/.nii.gz and a trailing _bold):
  <stem>_desc-realigned_bold.nii[.gz]  every frame resampled onto the first frame's grid
  <stem>_desc-mean_bold.nii[.gz]       mean of the realigned frames
  <stem>_motion.tsv                    trans_x..rot_z (mm, rad), framewise_displacement
  <stem>_rp.txt                        SPM-style six columns
  <stem>_xfm.tsv                       one 4x4 world matrix per frame (16 numbers a line)
  <stem>_motion.svg                    motion plot
All motion is relative to the first frame (its row is the identity / zeros).

Options:
  --out DIR            folder for the outputs (default: the input's folder)
  --store DIR          job store: object store and KV file (default: ./.realign)
  --workers N          compute functions run at once (default: number of cores)
  --functions-url URL  run the compute functions at URL (deno task functions),
                       signed with REALIGN_FUNCTIONS_SECRET, instead of locally
  --max-slab-mb MB     largest slab one function holds, in MB (default 64)
  --ref first|mean|N   registration target: first frame (default), the mean
                       (two passes) or frame N (0-based); motion is always
                       reported relative to the first frame
  --interp N           interpolation degree for both stages: 1 = trilinear,
                       2..7 = B-spline (defaults as SPM: 2 to estimate, 4 to reslice)
  --interp-estimate N  degree for estimation only (default 2)
  --interp-reslice N   degree for reslicing only (default 4)
  --fwhm MM            Gaussian smoothing before estimation (default 5)
  --sep MM             distance between estimation sample points (default 4)
  --quality Q          keep the most informative sample points, down to this
                       share of their information, as SPM (0-1, default 0.9)
  --weight FILE        weight image for estimation (a volume on the run's grid,
                       e.g. a brain mask; 0 drops a voxel), as SPM's PW
  --mask, --no-mask    zero voxels some frame does not cover (default on)
  --dtype same|float32 output datatype: the input's (default) or float32
  --compress, --no-compress
                       gzip the images (default: as the input)
  --profile            write <stem>_profile.json and print a timing table
  --force              recompute even if this job already ran
  -q, --quiet          print nothing but errors
  --json               print one JSON summary instead of the output list
  -h, --help           show this help

Exit codes: 0 success, 2 a problem with the input or an option, 1 an internal error.
`;

type Raw = Record<string, string | boolean | undefined>;

function num(
  raw: Raw,
  name: string,
  check: (v: number) => boolean,
  what: string,
): number | undefined {
  const v = raw[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n) || !check(n)) {
    throw new InputError(`--${name}`, `must be ${what}, current value is "${String(v)}"`);
  }
  return n;
}

const positiveInt = (n: number) => Number.isInteger(n) && n >= 1;
const degree = (n: number) => Number.isInteger(n) && n >= 1 && n <= 7;

/** Turn parsed values into checked options; throws {@link InputError}. */
export function cliOptions(raw: Raw, positionals: string[], cores: number): CliOptions {
  if (positionals.length === 0) {
    throw new InputError("register", "no input file given (usage: register <input.nii[.gz]>)");
  }
  if (positionals.length > 1) {
    throw new InputError(
      "register",
      `one input file expected, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  }
  for (const [a, b] of [["mask", "no-mask"], ["compress", "no-compress"]] as const) {
    if (raw[a] && raw[b]) throw new InputError(`--${a}`, `cannot be combined with --${b}`);
  }
  const job: JobOptions = { ...DEFAULT_OPTIONS };
  const ref = raw.ref;
  if (typeof ref === "string") {
    let choice: RefChoice;
    if (ref === "first" || ref === "mean") choice = ref;
    else if (/^\d+$/.test(ref)) choice = Number(ref);
    else {throw new InputError(
        "--ref",
        `must be first, mean or a frame number, current value is "${ref}"`,
      );}
    job.ref = choice;
  }
  const both = num(raw, "interp", degree, "an integer from 1 (trilinear) to 7");
  job.interpEstimate = num(raw, "interp-estimate", degree, "an integer from 1 to 7") ?? both ??
    job.interpEstimate;
  job.interpReslice = num(raw, "interp-reslice", degree, "an integer from 1 to 7") ?? both ??
    job.interpReslice;
  job.fwhm = num(raw, "fwhm", (n) => n >= 0 && n <= 50, "a width in mm from 0 to 50") ?? job.fwhm;
  job.sep = num(raw, "sep", (n) => n > 0 && n <= 50, "a distance in mm above 0, at most 50") ??
    job.sep;
  job.quality = num(raw, "quality", (n) => n > 0 && n <= 1, "a number above 0, at most 1") ??
    job.quality;
  if (raw["no-mask"]) job.mask = false;
  if (raw.mask) job.mask = true;
  if (raw.dtype !== undefined) {
    if (raw.dtype !== "same" && raw.dtype !== "float32") {
      throw new InputError(
        "--dtype",
        `must be same or float32, current value is "${String(raw.dtype)}"`,
      );
    }
    job.dtype = raw.dtype;
  }
  if (raw.compress) job.compress = true;
  if (raw["no-compress"]) job.compress = false;
  return {
    input: positionals[0]!,
    out: typeof raw.out === "string" ? raw.out : null,
    store: typeof raw.store === "string" ? raw.store : null,
    workers: num(raw, "workers", (n) => positiveInt(n) && n <= 1024, "an integer from 1 to 1024") ??
      Math.max(1, cores),
    functionsUrl: typeof raw["functions-url"] === "string" ? raw["functions-url"] : null,
    maxSlabMb: num(raw, "max-slab-mb", (n) => n >= 1, "a size in MB of at least 1") ?? 64,
    job,
    force: raw.force === true,
    quiet: raw.quiet === true,
    json: raw.json === true,
    profile: raw.profile === true,
    weight: typeof raw.weight === "string" ? raw.weight : null,
  };
}
