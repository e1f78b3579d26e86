/**
 * The pass-1 reference model, started while the input is still being read.
 *
 * The model (smoothed reference, sample points, gradients, quality thinning)
 * depends only on the reference frame, its grid and the estimation settings.
 * Open decodes the reference frame first and then spends most of its time
 * hashing the rest of the input, with the functions idle; so a prepare
 * function builds the model then, under a content key:
 * `models/<digest>/model.f64`, the digest being the SHA-256 of the pipeline
 * version, the grid, the settings and the reference's voxels. Estimation
 * then does not wait for it after staging.
 *
 * The job's id (the hash of the whole input) is not known yet, so the task
 * reports under an id of its own, `model-<digest>-<nonce>`; the job removes
 * that record and the model's objects when it is done ({@link dropEarlyModel}).
 * A model shared by two jobs and removed by one is rebuilt by the other's
 * estimate functions (they build it themselves when it is missing).
 *
 * @module
 */
import { PIPELINE_VERSION } from "../shared/job.ts";
import type {
  AutomaskTask,
  JobOptions,
  PrepareTask,
  RunLayout,
  TaskResult,
} from "../shared/job.ts";
import type { HashFactory } from "../shared/ports/digest.ts";
import type { Invoker } from "../shared/ports/invoker.ts";
import type { JobStore } from "../shared/ports/job_store.ts";
import { deletePrefix, type ObjectStore } from "../shared/ports/object_store.ts";
import { Sha256 } from "../shared/sha256.ts";
import { float32Bytes } from "./stage.ts";

/** A model being built ahead of the job. */
export interface EarlyModel {
  /** Prefix of its objects (`models/<digest>/`). */
  prefix: string;
  refKey: string;
  modelKey: string;
  /** The id its prepare task reports under. */
  reportId: string;
  /** The prepare function's result; null when the model was there already, or on failure. */
  ready: Promise<TaskResult | null>;
  /**
   * Where the automask function stores the reference's brain mask (the
   * reslice target's, unless `--ref mean`); null with `--ref mean` or when
   * no automask task was asked for.
   */
  brainKey: string | null;
  /**
   * Resolves once the mask is stored at `brainKey`, with the automask
   * function's result (null when the mask was there already); resolves to
   * null when it is not stored (a failed function, or no task).
   */
  mask: Promise<{ result: TaskResult | null } | null>;
  /** Set by {@link dropEarlyModel}: store and invoke nothing more. */
  dropped: boolean;
  /**
   * Resolves once its tasks are with the invoker (or will not be): work
   * asked of the invoker after this waits behind them.
   */
  dispatched: Promise<void>;
}

/** The content digest of a pass-1 model: version, grid, settings, reference voxels. */
export function modelDigest(
  reference: Float32Array,
  layout: RunLayout,
  options: Pick<JobOptions, "fwhm" | "sep" | "quality" | "interpEstimate">,
  sha256?: HashFactory,
): string {
  const h = sha256 ? sha256() : new Sha256();
  h.update(new TextEncoder().encode(JSON.stringify({
    version: PIPELINE_VERSION,
    dims: layout.dims.slice(0, 3),
    affine: layout.affine,
    fwhm: options.fwhm,
    sep: options.sep,
    quality: options.quality,
    degree: options.interpEstimate,
  })));
  h.update(float32Bytes(reference));
  return h.hex();
}

/**
 * Store the reference and start its prepare task (unless the model is stored
 * already) and, with `automask` (and not `--ref mean`), its automask task
 * (unless the mask is): with two or more functions it runs beside the
 * prepare function while the input is still being read.
 */
export function startEarlyModel(
  reference: Float32Array,
  layout: RunLayout,
  options: JobOptions,
  ports: { objects: ObjectStore; invoker: Invoker; sha256?: HashFactory | undefined },
  automask = true,
): EarlyModel {
  const digest = modelDigest(reference, layout, options, ports.sha256);
  const prefix = `models/${digest}/`;
  const reportId = `model-${digest.slice(0, 24)}-${crypto.randomUUID().slice(0, 8)}`;
  const task: PrepareTask = {
    job: reportId,
    run: layout,
    stagedKey: "",
    options,
    fn: "prepare",
    start: 0,
    end: 0,
    pass: 1,
    refKey: `${prefix}ref.f32`,
    weightKey: null,
    modelKey: `${prefix}model.f64`,
  };
  const bytes = float32Bytes(reference.slice()); // the caller may reuse its buffer
  const brainKey = automask && options.ref !== "mean" ? `${prefix}automask.u8` : null;
  const m: EarlyModel = {
    prefix,
    refKey: task.refKey,
    modelKey: task.modelKey,
    reportId,
    ready: Promise.resolve(null),
    brainKey,
    mask: Promise.resolve(null),
    dropped: false,
    dispatched: Promise.resolve(),
  };
  // each task's block calls its `handed` once: when it invokes, or when it will not
  const blocks = brainKey !== null ? 2 : 1;
  let handedCount = 0, allHanded = () => {};
  m.dispatched = new Promise((resolve) => (allHanded = resolve));
  const handed = () => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (++handedCount === blocks) allHanded();
    };
  };
  let refStored: Promise<void> | null = null;
  const storeRef = () => (refStored ??= ports.objects.put(task.refKey, bytes));
  const prepareHanded = handed();
  m.ready = (async () => {
    if (await ports.objects.head(task.modelKey)) return null;
    if (m.dropped) return null;
    await storeRef();
    if (m.dropped) return null;
    const r = ports.invoker.invoke(task);
    prepareHanded();
    return await r;
  })().catch(() => null) // not fatal: the estimate functions then build the model themselves
    .finally(prepareHanded);
  if (brainKey !== null) {
    const maskTask: AutomaskTask = {
      job: reportId,
      run: layout,
      stagedKey: "",
      options,
      fn: "automask",
      start: 0,
      end: 0,
      refKey: task.refKey,
      brainKey,
    };
    const maskHanded = handed();
    m.mask = (async () => {
      if (await ports.objects.head(brainKey)) return { result: null };
      if (m.dropped) return null;
      await storeRef();
      if (m.dropped) return null;
      const r = ports.invoker.invoke(maskTask);
      maskHanded();
      return { result: await r };
    })().catch(() => null) // not fatal: the orchestrator then makes the mask itself
      .finally(maskHanded);
  }
  return m;
}

/**
 * Remove the model's objects and its task's record: after the job is done,
 * or when the input turns out bad (open fails after the reference frame was
 * read), so that nothing is left behind. Waits for what was started.
 */
export async function dropEarlyModel(
  m: EarlyModel,
  ports: { objects: ObjectStore; jobs: JobStore },
): Promise<void> {
  m.dropped = true;
  await m.ready;
  await m.mask;
  await deletePrefix(ports.objects, m.prefix);
  await ports.jobs.deleteJob(m.reportId);
}
