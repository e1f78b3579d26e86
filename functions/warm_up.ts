/**
 * Warm a function isolate for a job's tasks while it would otherwise wait:
 * its WebAssembly kernels compiled (each function is compiled at its first
 * call) and its work memory grown to what the job's estimate and reslice
 * tasks will lay out, every page of it touched once (a fresh page costs a
 * fault, 1.5–2 µs on this machine, ~0.5 ms per MB). A cold function pays
 * both in its first frames: measured, the first chunk of a reslice function
 * took 15 ms instead of 8.7, and setting its memory up 6–9 ms instead of 3.
 *
 * Nothing is computed for the job: one blank frame goes through each step.
 * Pure: no ports, no I/O.
 *
 * @module
 */
import type { WarmHint } from "../shared/job.ts";
import { DT } from "../shared/nifti/datatypes.ts";
import { frameVoxels } from "../shared/run_frames.ts";
import { smoothingTaps } from "../shared/smooth.ts";
import { WasmSlab } from "../shared/wasm/wasm_slab.ts";
import {
  acquireWork,
  DATA,
  openWasmEstimator,
  releaseWork,
  wasmAvailable,
} from "../shared/wasm/wasm_kernels.ts";
import { resliceWork } from "./reslice.ts";
import type { SlabSpec } from "../shared/slab_work.ts";
import { EventLoopTurns } from "./event_loop.ts";

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

/** Bytes of work memory touched per step (about 2 ms of fresh pages). */
const TOUCH_BYTES = 4 * 1024 * 1024;

/**
 * The layout of the job's largest slab, as its reslice task makes it (a
 * whole-volume brain: the most carpet rows).
 */
function warmSlab({ run, options, slabFrames }: WarmHint): SlabSpec {
  const brain = new Uint8Array(frameVoxels(run)).fill(1);
  return resliceWork(run, slabFrames, options, { mask: brain, brain, report: true }, {
    datatype: options.dtype === "float32" ? DT.FLOAT32 : run.datatype,
    slope: 1,
    inter: 0,
  });
}

/**
 * The warm-up as steps of a few ms each (see {@link warmUp}): none holds
 * the work memory past its end, so a task that comes between two steps
 * finds it free.
 */
export function* warmUpSteps(hint: WarmHint): Generator<void> {
  if (!wasmAvailable()) return;
  const { run, options } = hint;
  const [nx, ny, nz] = run.dims;
  const n3 = frameVoxels(run);
  // reslicing: the largest slab's layout, one blank frame through every step
  const slab = new WasmSlab(warmSlab(hint));
  try {
    const bytes = slab.chunkBuffer(0, 1).fill(0);
    slab.decodeChunk(bytes, 1, 0);
    slab.resample(0, IDENTITY, 0);
    slab.encode(0, new Uint8Array(n3 * 8));
    slab.addBatch(0, 1);
  } finally {
    slab.release();
  }
  yield;
  // estimation: the frame's smoothing (and prefilter), and sampling at a few points
  const est = openWasmEstimator();
  if (est) {
    try {
      const degree = options.interpEstimate > 1 ? 2 : 1;
      est.prepareFrame(
        new Float32Array(n3),
        [nx, ny, nz],
        smoothingTaps(run.voxelSize, options.fwhm),
        degree,
      );
      const n = 8, at = (v: number) => new Float64Array(n).fill(v);
      est.accumulate(
        {
          px: at(nx / 2),
          py: at(ny / 2),
          pz: at(nz / 2),
          cols: new Float64Array(n * 7),
          sw: null,
          n,
          stride: 1,
        },
        degree,
        IDENTITY,
        new Float64Array(7),
        new Float64Array(49),
      );
    } finally {
      est.release();
    }
    yield;
  }
  // every page of the work memory, as large as the tasks above made it, a piece at a time
  for (let at = DATA;; at += TOUCH_BYTES) {
    const owner = {};
    const ex = acquireWork(owner);
    try {
      const size = ex.memory.buffer.byteLength;
      if (at >= size) return;
      new Uint8Array(ex.memory.buffer, at, Math.min(TOUCH_BYTES, size - at)).fill(0);
    } finally {
      releaseWork(owner);
    }
    yield;
  }
}

/** Warm this isolate for tasks on `hint`'s run (see the module doc), all at once. */
export function warmUp(hint: WarmHint): void {
  for (const _ of warmUpSteps(hint)) { /* each step runs as the loop asks for it */ }
}

/**
 * {@link warmUpSteps} with an event-loop turn between steps, until they are
 * done or `stop()` says a task is waiting (then the task does what is left).
 */
export async function warmUpUntil(hint: WarmHint, stop: () => boolean): Promise<void> {
  const turns = new EventLoopTurns();
  try {
    for (const _ of warmUpSteps(hint)) {
      await turns.turn();
      if (stop()) return;
    }
  } finally {
    turns.close();
  }
}
