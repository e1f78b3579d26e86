/**
 * The estimate function: register frames `start..end` to the reference and
 * write each frame's correction M(t) to the job store; with
 * `coefficientDegree`, also report the range of the frames' B-spline
 * coefficients (the output's integer scaling). Stateless: everything it needs
 * is in the task and the stores.
 *
 * @module
 */
import { createEstimateScratch, estimateFrame } from "../shared/estimate/estimate_frame.ts";
import { prepareReference, type ReferenceModel } from "../shared/estimate/reference_model.ts";
import type { EstimateTask, FrameParams, PrepareTask, TaskResult } from "../shared/job.ts";
import { decodeModel, encodeModel } from "../shared/estimate/model_codec.ts";
import { foldFiniteRange, infToNaN, zeroNonFinite } from "../shared/finite.ts";
import { resampleKernels } from "../shared/resample_kernels.ts";
import { decodeFrameInto, decodesFinite } from "../shared/run_frames.ts";
import type { FunctionPorts } from "../shared/ports/function_ports.ts";
import type { FrameEntry } from "../shared/ports/job_store.ts";
import { EventLoopTurns } from "./event_loop.ts";
import { FrameBatcher } from "./frame_batcher.ts";
import { fromRows12, identity4, invert4, type Mat4, mul4, toRows12 } from "../shared/rigid.ts";
import { coverageMask } from "../shared/coverage_mask.ts";
import { frameChunks, readFloat32 } from "./read_frames.ts";

/** Frame registered against itself in pass 1 (its correction is the identity). */
function selfFrame(task: EstimateTask): number {
  if (task.pass !== 1) return -1;
  return typeof task.options.ref === "number" ? task.options.ref : 0;
}

/** The reference model of the task's pass, from the reference volume (and weight image). */
async function buildModel(
  task: EstimateTask | PrepareTask,
  ports: FunctionPorts,
): Promise<ReferenceModel> {
  const [nx, ny, nz] = task.run.dims;
  const n3 = nx * ny * nz;
  const ref = await readFloat32(ports.objects, task.refKey, n3);
  const weight = task.weightKey ? await readFloat32(ports.objects, task.weightKey, n3) : null;
  return prepareReference(ref, [nx, ny, nz], task.run.affine, {
    fwhm: task.options.fwhm,
    sep: task.options.sep,
    quality: task.options.quality,
    degree: task.options.interpEstimate,
  }, weight);
}

/** The prepare function: build the pass's reference model once and store it. */
export async function prepare(task: PrepareTask, ports: FunctionPorts): Promise<TaskResult> {
  const t0 = performance.now();
  const model = await buildModel(task, ports);
  const peak = ports.memory?.(); // the model and its build's buffers are still held here
  const t1 = performance.now();
  await ports.objects.put(task.modelKey, encodeModel(model));
  return {
    fn: "prepare",
    start: 0,
    end: 0,
    readMs: 0,
    setupMs: t1 - t0,
    computeMs: 0,
    writeMs: performance.now() - t1,
    ...(peak !== undefined ? { peakBytes: peak } : {}),
  };
}

export async function estimate(task: EstimateTask, ports: FunctionPorts): Promise<TaskResult> {
  const t0 = performance.now();
  const { run, start, end } = task;
  const [nx, ny, nz] = run.dims;
  const n3 = nx * ny * nz;
  // Frames arrive a chunk at a time (see frameChunks): the function holds a chunk, not its slab.
  // The first chunk is asked for now, so its read overlaps getting the model.
  const reading = { ms: 0 };
  const chunks = frameChunks(ports.objects, task.stagedKey, run, start, end, reading);
  // The pass's model, built once by its prepare task; built here if it is missing.
  const stored = task.modelKey ? await ports.objects.get(task.modelKey) : null;
  const t1 = performance.now();
  const model = stored ? decodeModel(stored) : await buildModel(task, ports);
  const scratch = createEstimateScratch(model);
  const tSetup = performance.now();
  const frame = new Float32Array(n3);
  const self = selfFrame(task);
  // The output scaling's range (see EstimateTask.coefficientDegree): 0, then each frame's coefficients.
  const degree = task.coefficientDegree;
  const coef = degree !== undefined ? new Float32Array(n3) : null;
  const coefficients = { min: 0, max: 0 };
  const finite = decodesFinite(run); // integer voxels: no ±Inf or NaN to handle
  const batch = new FrameBatcher<FrameEntry>((e) => ports.jobs.putParams(task.job, task.pass, e));
  // With coverageKey, the corrections are relative to the first frame already (its is I).
  const corrections: Mat4[] | null = task.coverageKey ? [] : null;
  const toFirst = invert4(identity4());
  let peak = 0, waitMs = 0;
  const turns = new EventLoopTurns();
  try {
    for await (const chunk of chunks) {
      for (let t = chunk.first; t < chunk.first + chunk.count; t++) {
        let params: FrameParams;
        if (t !== self || coef) decodeFrameInto(chunk.bytes, run, t - chunk.first, frame);
        if (coef) {
          coef.set(frame);
          if (!finite) zeroNonFinite(coef);
          resampleKernels().bsplineCoefficients(coef, [nx, ny, nz], degree!, coef);
          foldFiniteRange(coef, coefficients);
        }
        if (t === self) {
          params = { m: toRows12(identity4()), scale: 1, iterations: 0 };
        } else {
          if (!finite) infToNaN(frame);
          const r = estimateFrame(model, frame, scratch, t);
          params = { m: toRows12(r.m), scale: r.scale, iterations: r.iterations };
        }
        batch.add({ frame: t, params });
        if (corrections) {
          // M(t) relative to the first frame, as the orchestrator forms it (the first frame's is I)
          corrections.push(t === 0 ? identity4() : mul4(toFirst, fromRows12(params.m)));
        }
        const w0 = performance.now();
        await turns.turn(); // lets the read ahead and the batch's write advance
        waitMs += performance.now() - w0;
        if (ports.memory) peak = Math.max(peak, ports.memory());
      }
    }
  } finally {
    turns.close();
    scratch.wasm?.release(); // its memory serves this isolate's next task
  }
  let coverMs = 0;
  if (corrections && task.coverageKey) {
    const mask = coverageMask(run, corrections);
    const c0 = performance.now();
    await ports.objects.put(task.coverageKey, mask);
    coverMs = performance.now() - c0;
  }
  await batch.flush();
  const t2 = performance.now();
  const writeMs = batch.flushMs + coverMs;
  return {
    fn: "estimate",
    start,
    end,
    readMs: t1 - t0 + reading.ms,
    setupMs: tSetup - t1,
    computeMs: t2 - tSetup - writeMs - reading.ms - waitMs,
    waitMs,
    writeMs,
    ...(coef ? { coefficients } : {}),
    ...(ports.memory ? { peakBytes: Math.max(peak, ports.memory()) } : {}),
  };
}
