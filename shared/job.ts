/**
 * The job model shared by the orchestrator, the functions and the adapters:
 * options that change a result, the staged run's layout, task messages and
 * the job record kept in the {@link JobStore}.
 *
 * @module
 */

/** Version of the pipeline; part of every job id, so a change reprocesses. */
export const PIPELINE_VERSION = "0.5.0";

/** Registration target: the first frame, the mean (two passes) or a 0-based frame. */
export type RefChoice = "first" | "mean" | number;

/** Every option that can change a result (and so is hashed into the job id). */
export interface JobOptions {
  ref: RefChoice;
  /** Interpolation degree for estimation: 1 = trilinear, 2..7 = B-spline. */
  interpEstimate: number;
  /** Interpolation degree for reslicing. */
  interpReslice: number;
  /** Gaussian smoothing before estimation, FWHM in mm. */
  fwhm: number;
  /** Sampling distance of the estimation points, in mm. */
  sep: number;
  /** SPM's `quality`: keep the most informative points down to this share of the information (0–1]. */
  quality: number;
  /** SHA-256 of the `--weight` image, or null for none (the image itself is staged with the job). */
  weight: string | null;
  /** Zero voxels that some frame does not cover. */
  mask: boolean;
  /** Output datatype: the input's (rescaled so nothing clips) or float32. */
  dtype: "same" | "float32";
  /** Output compression; `null` follows the input. */
  compress: boolean | null;
}

export const DEFAULT_OPTIONS: JobOptions = {
  ref: "first",
  interpEstimate: 2,
  interpReslice: 4,
  fwhm: 5,
  sep: 4,
  quality: 0.9,
  weight: null,
  mask: true,
  dtype: "same",
  compress: null,
};

/** Where a staged run's voxels are and how to decode them. */
export interface RunLayout {
  /** nx, ny, nz, nt. */
  dims: [number, number, number, number];
  /** NIfTI datatype code of the staged bytes. */
  datatype: number;
  bytesPerVoxel: number;
  littleEndian: boolean;
  /** Byte offset of frame 0 in the staged object. */
  voxOffset: number;
  /** Scaling applied on decode (slope 0 already replaced by 1). */
  slope: number;
  inter: number;
  /** Voxel (0-based) → world (mm) affine, row-major 4×4. */
  affine: number[];
  /** Voxel sizes in mm. */
  voxelSize: [number, number, number];
}

/** Output encoding chosen at staging so every function writes the same bytes. */
export interface OutputEncoding {
  datatype: number;
  bytesPerVoxel: number;
  slope: number;
  inter: number;
  /** Deflate each slab (sync flush) for a gzip output. */
  gzip: boolean;
}

/** Phases of a job; `estimate2` is the second pass of `--ref mean`, `mean` builds its target. */
export type Phase =
  | "stage"
  | "prepare"
  | "automask"
  | "estimate"
  | "mean"
  | "estimate2"
  | "reslice"
  | "gather";

/** The phase that counts an estimation pass's frames. */
export function estimatePhase(pass: number): Phase {
  return pass === 2 ? "estimate2" : "estimate";
}

export type JobState = "queued" | "running" | "done" | "failed";

/** A `start..end` frame range, end exclusive. */
export interface FrameRange {
  start: number;
  end: number;
}

/** Key of a range, as used in object keys: `start-end`. */
export function rangeKey(r: FrameRange): string {
  return `${r.start}-${r.end}`;
}

interface TaskBase {
  job: string;
  start: number;
  end: number;
  run: RunLayout;
  /** Object key of the staged, uncompressed, range-readable frames. */
  stagedKey: string;
  options: JobOptions;
}

/** Estimate the frames `start..end` against the reference volume. */
export interface EstimateTask extends TaskBase {
  fn: "estimate";
  /** 1 = against the chosen frame (or the first, for `mean`), 2 = against the mean. */
  pass: number;
  /** Object key of the reference volume (Float32, little-endian, one frame). */
  refKey: string;
  /** Object key of the weight image (Float32, little-endian, one frame), or null. */
  weightKey?: string | null;
  /** Object key of the pass's reference model (`model_codec.ts`), built once by a prepare task. */
  modelKey?: string | null;
  /**
   * When set (pass 1 of B-spline reslicing of integer data to the same
   * datatype), the function also reports the range of its frames' B-spline
   * coefficients of this degree (`TaskResult.coefficients`), from which the
   * orchestrator scales the output before reslicing.
   */
  coefficientDegree?: number;
  /**
   * When set (the pass's corrections are those relative to the first frame:
   * pass 1 against frame 0, with `mask`), the function stores here the
   * coverage mask of its frames (`shared/coverage_mask.ts`; Uint8, one
   * frame), the part of the run's mask the orchestrator ANDs with the others.
   */
  coverageKey?: string;
}

/**
 * Build the reference model of an estimation pass once and store it at
 * `modelKey` (its range is empty: `start = end = 0`).
 */
export interface PrepareTask extends TaskBase {
  fn: "prepare";
  pass: number;
  refKey: string;
  weightKey: string | null;
  modelKey: string;
}

/**
 * What a function isolate can be warmed for while it waits (see
 * functions/warm_up.ts): the job's run, its options, and the frames of its
 * largest slab. A hint: no result, nothing stored.
 */
export interface WarmHint {
  run: RunLayout;
  options: JobOptions;
  slabFrames: number;
}

/**
 * Make the brain mask (`shared/report/automask.ts`) of the registration
 * target at `refKey` and store it at `brainKey` (its range is empty). Run
 * while the input is read, beside the prepare task, so the mask is not
 * computed beside the estimate functions.
 */
export interface AutomaskTask extends TaskBase {
  fn: "automask";
  refKey: string;
  brainKey: string;
}

/** Resample the frames `start..end` onto the first frame's grid. */
export interface ResliceTask extends TaskBase {
  fn: "reslice";
  /** The estimation pass whose parameters to use. */
  pass: number;
  /** Row-major 4×4 that turns a reference-relative correction into a first-frame-relative one. */
  toFirst: number[];
  /** Object key of the coverage mask (Uint8, one frame), when masking. */
  maskKey: string | null;
  /** Where to write the slab; `null` for the mean-only pass (`--ref mean`, pass 1). */
  slabKey: string | null;
  /** Where to write the partial sums (see `shared/slab_stats.ts`). */
  sumKey: string;
  /** Object key of the brain mask (Uint8, one frame) for DVARS; `null` to skip DVARS. */
  brainKey: string | null;
  /** Where to write the report part (`shared/report/report_part.ts`); `null` to skip it. */
  reportKey?: string | null;
  encoding: OutputEncoding;
}

export type Task = EstimateTask | ResliceTask | PrepareTask | AutomaskTask;

/** What a function reports back (small; the bulk lives in the stores). */
export interface TaskResult {
  fn: Task["fn"];
  start: number;
  end: number;
  /** For a gzip slab: CRC-32 and length of the uncompressed bytes, length of the deflate data. */
  crc32?: number;
  rawLength?: number;
  deflatedLength?: number;
  /**
   * Estimate tasks with `coefficientDegree`: the finite minimum and maximum
   * of the range's frames' B-spline coefficients (non-finite voxels read as
   * 0), and 0 (what reslicing can produce: a convex combination of them, and
   * 0 outside).
   */
  coefficients?: { min: number; max: number };
  /** Timings in ms, for `--profile`: reading, per-invocation setup, per-frame work, writing. */
  readMs: number;
  setupMs?: number;
  computeMs: number;
  /**
   * Waits between frames (event-loop turns, the store taking the pieces): I/O that grows
   * with the frames, not with the invocation.
   */
  waitMs?: number;
  /** Storing the results after the last frame. */
  writeMs: number;
  /** When the function started (ms since the epoch), for the queueing delay. */
  startedAt?: number;
  /**
   * Largest isolate memory (JS heap + ArrayBuffers + WebAssembly memory, bytes) seen during the
   * task, where measured.
   */
  peakBytes?: number;
  /** Added by the orchestrator: dispatch to start, and dispatch to result (ms). */
  queueMs?: number;
  totalMs?: number;
}

/** Parameters of one frame, as a function writes them to the job store. */
export interface FrameParams {
  /** Correction M(t) against the reference, top three rows of the 4×4, row-major. */
  m: number[];
  /** Intensity scale of the frame relative to the reference. */
  scale: number;
  iterations: number;
}

export interface JobError {
  message: string;
  /** "input": the user can fix it (exit 2); "internal": a bug or an outage (exit 1). */
  kind: "input" | "internal";
  range?: string;
}

/** Output names a finished job records (keys or paths). */
export type OutputKind =
  | "realigned"
  | "mean"
  | "motion"
  | "rp"
  | "xfm"
  | "plot"
  | "png"
  | "report";

export interface JobRecord {
  id: string;
  version: string;
  state: JobState;
  /**
   * The input as the trigger named it (`name`: a path or key, for messages and
   * the output stem), its object key in the input store (`key`: the `.nii`,
   * `.nii.gz`, or the file of a `.hdr`/`.img` pair it was given as; enough to
   * re-run the job from its record; only for an input in the service's bucket,
   * not for a CLI run's local file) and its facts (raw bytes, SHA-256).
   */
  input: { name: string; key?: string; size: number; hash: string };
  options: JobOptions;
  created: string;
  updated: string;
  phase?: Phase;
  frames?: number;
  ranges?: FrameRange[];
  error?: JobError;
  outputs?: Partial<Record<OutputKind, string>>;
  /** Wall time per phase in ms. */
  timings?: Record<string, number>;
}
