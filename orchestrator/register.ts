/**
 * `register`: the whole flow for one run — open, stage, plan, estimate,
 * (mean), reslice, gather — resuming a job that already exists. The
 * orchestrator alone writes job records and final outputs.
 *
 * @module
 */
import type { HashFactory } from "../shared/ports/digest.ts";
import { InputError, isInputError } from "../shared/errors.ts";
import { largestRange, planRanges, rangeCount } from "../shared/frame_ranges.ts";
import { frameBytes } from "../shared/run_frames.ts";
import { datatypeInfo } from "../shared/nifti/datatypes.ts";
import {
  estimatePhase,
  type EstimateTask,
  type JobOptions,
  type JobRecord,
  type OutputKind,
  PIPELINE_VERSION,
  type PrepareTask,
  type ResliceTask,
  type RunLayout,
  type TaskResult,
} from "../shared/job.ts";
import { fromRows12, identity4, invert4, type Mat4, mul4 } from "../shared/rigid.ts";
import type { Compression } from "../shared/ports/compression.ts";
import type { Invoker } from "../shared/ports/invoker.ts";
import type { Rasterizer } from "../shared/ports/rasterizer.ts";
import type { JobStore } from "../shared/ports/job_store.ts";
import { deletePrefix, type ObjectStore } from "../shared/ports/object_store.ts";
import { automask } from "../shared/report/automask.ts";
import { andInto, coverageMask } from "../shared/coverage_mask.ts";
import { fanOut, TaskFailure } from "./fan_out.ts";
import { gather } from "./gather.ts";
import { dropEarlyModel, type EarlyModel, startEarlyModel } from "./early_model.ts";
import { jobId } from "./job_id.ts";
import { type InputSource, openRun } from "./open_run.ts";
import { isGzipName, outputNames, stemOf } from "./output_names.ts";
import type { Progress } from "./progress_bar.ts";
import { float32Bytes, jobKeys, outputEncoding, stageRun } from "./stage.ts";
import { StagedCopy } from "./staged_copy.ts";
import { sumPartials } from "./partial_sums.ts";
import { readWeightImage } from "./weight_image.ts";

/** The slab budget when the request sets none (`--max-slab-mb` 64: a Worker isolate has 128 MB). */
const DEFAULT_SLAB_BYTES = 64 * 1024 * 1024;

export interface OrchestratorPorts {
  /** Job data: staged frames, reference, slabs, partial sums. */
  objects: ObjectStore;
  jobs: JobStore;
  invoker: Invoker;
  compression: Compression;
  /** Draws `_motion.png`. */
  rasterizer: Rasterizer;
  /** A native SHA-256 for the input's hash, when the runtime has one (else the pure one). */
  sha256?: HashFactory;
}

export interface RegisterRequest {
  /**
   * The input: an object in a store (a `.nii`, `.nii.gz`, or either file of a
   * `.hdr`/`.img` pair), streamed, never held whole. `name` (a path or key)
   * names it in messages and its file name gives the output stem.
   */
  input: InputSource;
  options: JobOptions;
  /** `--weight`: a weight image on the run's grid, for estimation. */
  weight?: InputSource;
  /** Where outputs are written, under `outputPrefix`. */
  outputs: ObjectStore;
  outputPrefix?: string;
  maxSlabBytes?: number;
  force?: boolean;
  onProgress?: (p: Progress) => void;
}

export interface RegisterSummary {
  job: string;
  /** True when a finished job was found and nothing was recomputed. */
  reused: boolean;
  frames: number;
  outputs: Record<OutputKind, string>;
  /** Wall time per phase, ms. */
  timings: Record<string, number>;
  /** Per-task timings of this run's fan-outs. */
  tasks: (TaskResult & { phase: string })[];
}

/** Thrown when a job fails; `record` is the failed job as stored. */
export class JobFailed extends Error {
  override name = "JobFailed";
  readonly record: JobRecord;
  readonly input: boolean;
  constructor(record: JobRecord) {
    super(record.error?.message ?? "job failed");
    this.record = record;
    this.input = record.error?.kind === "input";
  }
}

/** The results of tasks run by this call (fanOut times them), not those found done from before. */
function ranThisTime(results: TaskResult[]): TaskResult[] {
  return results.filter((r) => r.totalMs !== undefined);
}

/** Register one run; see the module doc. */
export async function register(
  req: RegisterRequest,
  ports: OrchestratorPorts,
): Promise<RegisterSummary> {
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string) => {
    const t = performance.now();
    timings[name] = (timings[name] ?? 0) + (t - t0);
    t0 = t;
  };
  const { name, key } = req.input;
  // Load the plot renderer while the job runs (its first use is in gather).
  ports.rasterizer.warm?.().catch(() => {});
  // pass 1 streams and validates the whole input before any job state exists
  // The pass-1 model starts as soon as the reference frame is read (see early_model.ts).
  let early = null as EarlyModel | null;
  // The target's brain mask is made by a function when there are functions to spare; with one,
  // the orchestrator makes it while that function estimates (its core is idle then, and a task
  // would wait in line before the estimate task).
  const maskByFunction = ports.invoker.concurrency >= 2;
  // A hint to the invoker: it never fails the job (a plan that cannot be made fails at the plan).
  const warmFunctions = (layout: RunLayout) => {
    if (!ports.invoker.warm) return;
    let slabFrames: number;
    try {
      const size = rangeCount({
        frames: layout.dims[3],
        workers: ports.invoker.concurrency,
        frameBytes: frameBytes(layout),
        maxSlabBytes: req.maxSlabBytes ?? DEFAULT_SLAB_BYTES,
      });
      slabFrames = largestRange(layout.dims[3], size);
    } catch {
      return;
    }
    ports.invoker.warm({ run: layout, options: req.options, slabFrames });
  };
  // Where the store can move objects, the staged copy is written in this same pass.
  const copy = StagedCopy.start(ports.objects);
  // Until the staged copy is in place, a failure removes it.
  const orDiscard = async <T>(p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (e) {
      await copy?.discard(e);
      throw e;
    }
  };
  const run = await orDiscard(
    openRun(
      req.input,
      ports.compression,
      req.options,
      ports.sha256,
      req.weight ? undefined : (reference, layout) => {
        early = startEarlyModel(reference, layout, req.options, ports, maskByFunction);
        // the workers the model's tasks leave waiting warm up for the job's tasks
        early.dispatched.then(() => warmFunctions(layout));
      },
      copy ? (bytes) => copy.write(bytes) : undefined,
    ).then(async (r) => {
      await copy?.finish();
      return r;
    }),
  ).catch(async (e) => {
    // a bad input leaves nothing behind, the model started for it included
    if (early) await dropEarlyModel(early, ports);
    throw e;
  });
  const { layout, header } = run;
  const slabBudget = req.maxSlabBytes ?? DEFAULT_SLAB_BYTES;
  if (frameBytes(layout) > slabBudget) {
    // before any job state: the staged copy goes, the early model too
    const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
    const e = new InputError(
      name,
      `one frame is ${mb(frameBytes(layout))}, more than the slab budget (--max-slab-mb) of ` +
        `${mb(slabBudget)}; give --max-slab-mb ${Math.ceil(frameBytes(layout) / 2 ** 20)} or more`,
    );
    await copy?.discard(e);
    if (early) await dropEarlyModel(early, ports);
    throw e;
  }
  if (!early) warmFunctions(layout); // no model was started early (a weight image)
  const nt = layout.dims[3];
  const options: JobOptions = {
    ...req.options,
    compress: req.options.compress ?? isGzipName(name),
  };
  const weight = req.weight
    ? await orDiscard(readWeightImage(req.weight, layout, ports.compression))
    : null;
  if (weight) options.weight = weight.hash;
  const inputHash = run.hash;
  const id = await jobId(inputHash, options);
  const names = outputNames(stemOf(name), options.compress === true);
  const prefix = req.outputPrefix ?? "";
  const outKeys = Object.fromEntries(
    Object.entries(names).map(([k, v]) => [k, prefix + v]),
  ) as Record<OutputKind, string>;
  const keys = jobKeys(id);

  await orDiscard((async () => {
    if (req.force) {
      await ports.jobs.deleteJob(id);
      await deletePrefix(ports.objects, `${keys.base}/`);
    }
    await copy?.place(keys.staged);
  })());
  const now = () => new Date().toISOString();
  let record = await ports.jobs.getJob(id);
  if (record?.state === "done" && record.version === PIPELINE_VERSION) {
    const present = await Promise.all(Object.values(outKeys).map((k) => req.outputs.head(k)));
    if (present.every((p) => p !== null)) {
      if (early) await dropEarlyModel(early, ports);
      return {
        job: id,
        reused: true,
        frames: nt,
        outputs: outKeys,
        timings: record.timings ?? {},
        tasks: [],
      };
    }
  }
  if (!record) {
    record = {
      id,
      version: PIPELINE_VERSION,
      state: "running",
      input: { name, ...(req.input.durable ? { key } : {}), size: run.size, hash: inputHash },
      options,
      created: now(),
      updated: now(),
      phase: "stage",
      frames: nt,
    };
    await ports.jobs.createJob(record);
  }
  const save = async (patch: Partial<JobRecord>) => {
    record = { ...record!, ...patch, updated: now() };
    await ports.jobs.putJob(record);
  };
  // a resumed job starts clean: an earlier failure is not this run's
  const { error: _earlier, ...fresh } = record;
  record = fresh;
  await save({ state: "running", phase: "stage", frames: nt });
  const tasks: (TaskResult & { phase: string })[] = [];
  try {
    lap("open");
    // 1 stage
    // The pass-1 reference model is built by a function while the staged copy streams.
    const prepareTask = (pass: number): PrepareTask => ({
      job: id,
      run: layout,
      stagedKey: keys.staged,
      options,
      fn: "prepare",
      start: 0,
      end: 0,
      pass,
      refKey: keys.ref(pass),
      weightKey: weight ? keys.weight : null,
      modelKey: keys.model(pass),
    });
    const prepared = new Map<number, Promise<void>>();
    const modelKey = (pass: number) => (pass === 1 && early ? early.modelKey : keys.model(pass));
    const prepareModel = (pass: number) => {
      if (pass === 1 && early) {
        prepared.set(
          1,
          early.ready.then((r) => void (r && tasks.push({ ...r, phase: "prepare" }))),
        );
        return;
      }
      // A failed prepare is not fatal: each estimate function then builds the model itself.
      const task = prepareTask(pass);
      const p = ports.objects.head(task.modelKey).then((have) =>
        have ? undefined : ports.invoker.invoke(task).then(
          (r) => void tasks.push({ ...r, phase: "prepare" }),
          () => {},
        )
      );
      prepared.set(pass, p);
    };
    // The pass-1 target's brain mask (for reslicing and the report) when a function makes it,
    // started with the early model while the input was read; `done` is false when that failed.
    // Otherwise (one function, a weight image, --ref mean) the orchestrator makes it.
    const targetMask = early?.brainKey
      ? {
        key: early.brainKey,
        done: early.mask.then((m) => {
          if (m?.result) tasks.push({ ...m.result, phase: "automask" });
          return m !== null;
        }),
      }
      : null;
    if (weight) await ports.objects.put(keys.weight, float32Bytes(weight.data));
    await stageRun(
      ports.objects,
      id,
      req.input,
      ports.compression,
      run,
      ports.sha256,
      () => prepareModel(1),
    );
    lap("stage");

    // 2 plan
    const size = rangeCount({
      frames: nt,
      workers: ports.invoker.concurrency,
      frameBytes: frameBytes(layout),
      maxSlabBytes: slabBudget,
    });
    const ranges = record.ranges ?? planRanges(nt, size);
    await save({ ranges, phase: "estimate" });

    // 3 estimate (pass 1: against the chosen frame, or the first for --ref mean)
    const base = { job: id, run: layout, stagedKey: keys.staged, options };
    const fanCtx = {
      job: id,
      jobs: ports.jobs,
      invoker: ports.invoker,
      total: nt,
      onProgress: req.onProgress,
    };
    // B-spline reslicing of integer data to the same datatype: the output is a convex
    // combination of each frame's spline coefficients (and 0 outside), so their range,
    // reported by the pass-1 estimate functions, sets the output's scaling.
    const coefficientDegree = options.interpReslice > 1 && options.dtype === "same" &&
        datatypeInfo(layout.datatype, name).integer
      ? options.interpReslice
      : undefined;
    let coefficientRange = { min: 0, max: 0 };
    // Against frame 0 (the default), pass 1's corrections are relative to the first frame
    // already: each estimate function makes its frames' part of the coverage mask.
    const coverageParts = options.mask && (options.ref === "first" || options.ref === 0);
    // brain mask for DVARS: an automask of the registration target (within the coverage mask)
    let brain: Uint8Array | null = null;
    const targetAutomask = async (pass: number): Promise<Uint8Array> => {
      if (pass === 1 && targetMask && (await targetMask.done)) {
        const made = await ports.objects.get(targetMask.key);
        if (made?.length === layout.dims[0] * layout.dims[1] * layout.dims[2]) return made;
      }
      const target = await ports.objects.get(keys.ref(pass));
      if (!target) throw new Error("Cannot reslice: the reference volume is missing");
      return automask(new Float32Array(target.slice().buffer), [
        layout.dims[0],
        layout.dims[1],
        layout.dims[2],
      ]);
    };
    const estimatePass = async (pass: number): Promise<Mat4[]> => {
      const phase = estimatePhase(pass);
      if (!prepared.has(pass)) prepareModel(pass);
      await prepared.get(pass);
      const estimateTasks: EstimateTask[] = ranges.map((r) => ({
        ...base,
        fn: "estimate",
        start: r.start,
        end: r.end,
        pass,
        refKey: keys.ref(pass),
        weightKey: weight ? keys.weight : null,
        modelKey: modelKey(pass),
        ...(pass === 1 && coefficientDegree !== undefined ? { coefficientDegree } : {}),
        ...(pass === 1 && coverageParts ? { coverageKey: keys.coverage(r.start, r.end) } : {}),
      }));
      const running = fanOut({ ...fanCtx, phase }, estimateTasks);
      running.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
      // While the functions estimate against the last pass's target: its automask (for
      // reslicing), unless a function makes it.
      if (pass === 2 || (options.ref !== "mean" && !targetMask)) {
        brain = await targetAutomask(pass);
      }
      const est = await running;
      if (pass === 1 && coefficientDegree !== undefined) {
        for (const r of est) {
          if (!r.coefficients) {
            throw new Error(
              `Cannot scale the output: frames ${r.start}-${r.end} have no coefficient range`,
            );
          }
          coefficientRange = {
            min: Math.min(coefficientRange.min, r.coefficients.min),
            max: Math.max(coefficientRange.max, r.coefficients.max),
          };
        }
      }
      tasks.push(...ranThisTime(est).map((r) => ({ ...r, phase })));
      lap(phase);
      const params = await ports.jobs.getParams(id, pass, 0, nt);
      return params.map((p, t) => {
        if (!p) throw new Error(`Cannot gather: frame ${t} has no parameters from pass ${pass}`);
        return fromRows12(p.m);
      });
    };
    let pass = 1;
    let refCorrections = await estimatePass(1);
    const encoding = outputEncoding(layout, options, options.compress === true, coefficientRange);

    // 4 (mean) a second pass against the mean of the pass-1 realigned frames
    if (options.ref === "mean") {
      await save({ phase: "mean" });
      const meanTasks: ResliceTask[] = ranges.map((r) => ({
        ...base,
        fn: "reslice",
        start: r.start,
        end: r.end,
        pass: 1,
        toFirst: identity4(),
        maskKey: null,
        slabKey: null,
        sumKey: keys.sums("target", r.start, r.end),
        brainKey: null,
        encoding,
      }));
      const mt = await fanOut({ ...fanCtx, phase: "mean" }, meanTasks);
      tasks.push(...ranThisTime(mt).map((r) => ({ ...r, phase: "mean" })));
      const target = await sumPartials(
        ports.objects,
        layout,
        ranges.map((r) => keys.sums("target", r.start, r.end)),
      );
      await ports.objects.put(keys.ref(2), float32Bytes(target));
      lap("mean");
      await save({ phase: "estimate2" });
      pass = 2;
      refCorrections = await estimatePass(2);
    }

    /** The AND of the estimate functions' coverage parts, or null if one is missing. */
    const coverageFromParts = async (): Promise<Uint8Array | null> => {
      const parts = await Promise.all(
        ranges.map((r) => ports.objects.get(keys.coverage(r.start, r.end))),
      );
      const n3 = layout.dims[0] * layout.dims[1] * layout.dims[2];
      if (parts.some((p) => p?.length !== n3)) return null; // e.g. a resumed job's older results
      const cover = parts[0]!.slice();
      for (const p of parts.slice(1)) andInto(cover, p!);
      return cover;
    };

    // corrections relative to the first frame: M(t) = M_ref(0)⁻¹ · M_ref(t)
    const toFirst = invert4(refCorrections[0]!);
    const corrections: Mat4[] = refCorrections.map((m, t) =>
      t === 0 ? identity4() : mul4(toFirst, m)
    );

    // 5 reslice
    const [, target, parts] = await Promise.all([
      save({ phase: "reslice" }),
      brain ?? targetAutomask(pass),
      options.mask && pass === 1 && coverageParts ? coverageFromParts() : null,
    ]);
    brain = target;
    let maskKey: string | null = null;
    if (options.mask) {
      const cover = parts ?? coverageMask(layout, corrections);
      andInto(brain, cover);
      await ports.objects.put(keys.mask, cover);
      maskKey = keys.mask;
    }
    await ports.objects.put(keys.brain, brain);
    const resliceTasks: ResliceTask[] = ranges.map((r) => ({
      ...base,
      fn: "reslice",
      start: r.start,
      end: r.end,
      pass,
      toFirst,
      maskKey,
      slabKey: keys.slab(r.start, r.end),
      sumKey: keys.sums("mean", r.start, r.end),
      brainKey: keys.brain,
      reportKey: keys.sums("report", r.start, r.end),
      encoding,
    }));
    const res = await fanOut({ ...fanCtx, phase: "reslice" }, resliceTasks);
    ports.invoker.idle?.(); // no more tasks for this job
    tasks.push(...ranThisTime(res).map((r) => ({ ...r, phase: "reslice" })));
    lap("reslice");

    // 6 gather
    await save({ phase: "gather" });
    req.onProgress?.({ phase: "gather", done: 0, total: 0 });
    const written = await gather(
      {
        id,
        header,
        layout,
        encoding,
        ranges,
        results: res,
        corrections,
        names: outKeys,
        title: stemOf(name),
        options,
      },
      {
        objects: ports.objects,
        outputs: req.outputs,
        compression: ports.compression,
        rasterizer: ports.rasterizer,
      },
    );
    lap("gather");
    await save({ state: "done", phase: "gather", outputs: written, timings });
    if (early) await dropEarlyModel(early, ports);
    return { job: id, reused: false, frames: nt, outputs: written, timings, tasks };
  } catch (e) {
    const input = isInputError(e) || (e instanceof TaskFailure && e.input);
    await save({
      state: "failed",
      error: {
        message: e instanceof Error ? e.message : String(e),
        kind: input ? "input" : "internal",
        ...(e instanceof TaskFailure ? { range: e.range } : {}),
      },
    });
    throw new JobFailed(record);
  }
}
