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
import { resliceBatch } from "./reslice.ts";
import { framesPerChunk } from "./read_frames.ts";

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

/** Warm this isolate for tasks on `hint`'s run (see the module doc); a no-op without WebAssembly. */
export function warmUp(hint: WarmHint): void {
  if (!wasmAvailable()) return;
  const { run, options, slabFrames } = hint;
  const [nx, ny, nz] = run.dims;
  const n3 = frameVoxels(run);
  // reslicing: the largest slab's layout (a whole-volume brain: the most carpet rows), one
  // blank frame through every step
  const brain = new Uint8Array(n3).fill(1);
  const slab = new WasmSlab({
    run,
    frames: slabFrames,
    chunkFrames: framesPerChunk(run),
    batch: resliceBatch(n3),
    degree: options.interpReslice,
    mask: brain,
    brain,
    report: true,
    encoding: {
      datatype: options.dtype === "float32" ? DT.FLOAT32 : run.datatype,
      slope: 1,
      inter: 0,
    },
  });
  try {
    const bytes = slab.chunkBuffer(0, 1).fill(0);
    slab.decodeChunk(bytes, 1, 0);
    slab.resample(0, IDENTITY, 0);
    slab.encode(0, new Uint8Array(n3 * 8));
    slab.addBatch(0, 1);
  } finally {
    slab.release();
  }
  // estimation: the frame's smoothing (and prefilter), and sampling at a few points
  const est = openWasmEstimator();
  if (est) {
    try {
      const degree = options.interpEstimate > 1 ? 2 : 1;
      const taps = smoothingTaps(run.voxelSize, options.fwhm);
      est.prepareFrame(new Float32Array(n3), [nx, ny, nz], taps, degree);
      const n = 8, c = (v: number) => new Float64Array(n).fill(v);
      est.accumulate(
        {
          px: c(nx / 2),
          py: c(ny / 2),
          pz: c(nz / 2),
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
  }
  // every page of the work memory, as large as the tasks above made it
  const owner = {};
  const ex = acquireWork(owner);
  try {
    new Uint8Array(ex.memory.buffer, DATA).fill(0);
  } finally {
    releaseWork(owner);
  }
}
