/**
 * The reslice function: resample frames `start..end` onto the first frame's
 * grid, encode them in the output datatype (deflated with a sync flush for a
 * gzip output) and store the slab, with partial sums for the mean image and
 * the report's part (raw-frame sums, carpet rows).
 *
 * Per frame the correction M(t) is made relative to the first frame and
 * inverted once, outside the voxel loop: the voxel-to-voxel matrix is
 * `A⁻¹ · T(t) · A` with `T(t) = M(t)⁻¹`.
 *
 * @module
 */
import { crc32 } from "../shared/crc32.ts";
import type { FrameParams, ResliceTask, TaskResult } from "../shared/job.ts";
import { zeroNonFinite } from "../shared/finite.ts";
import { decodeFrameInto, decodesFinite } from "../shared/run_frames.ts";
import { slabSums } from "../shared/wasm/wasm_slab_stats.ts";
import { ReportPart } from "../shared/report/report_part.ts";
import { encodeVoxels } from "../shared/nifti/encode.ts";
import type { FunctionPorts } from "../shared/ports/function_ports.ts";
import { resampleKernels } from "../shared/resample_kernels.ts";
import { fromRows12, invert4, mul4 } from "../shared/rigid.ts";
import { EventLoopTurns } from "./event_loop.ts";
import { FrameBatcher } from "./frame_batcher.ts";
import { frameChunks, framesPerChunk } from "./read_frames.ts";

/** A Uint8 mask object, or null when no key is given. */
async function readMask(
  ports: FunctionPorts,
  key: string | null,
  n3: number,
): Promise<Uint8Array | null> {
  if (key === null) return null;
  const bytes = await ports.objects.get(key);
  if (!bytes || bytes.length !== n3) {
    throw new Error(`Cannot reslice: mask ${key} is missing or of the wrong size`);
  }
  return bytes;
}

/**
 * Zero the frame and its coverage outside `mask`. A function of its own, so
 * the per-frame closure that calls it has no loop to compile.
 */
function applyMask(mask: Uint8Array, frame: Float32Array, covered: Uint8Array): void {
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) {
      frame[i] = 0;
      covered[i] = 0;
    }
  }
}

/** Output bytes gathered before they are encoded and (for gzip) deflated as one piece. */
const OUT_CHUNK_BYTES = 2 * 1024 * 1024;
/** Resliced frames (Float32) held for one batch of the slab's sums: at most 8 frames. */
const STATS_BATCH_BYTES = 4 * 1024 * 1024;

export async function reslice(task: ResliceTask, ports: FunctionPorts): Promise<TaskResult> {
  const t0 = performance.now();
  const { run, start, end, encoding } = task;
  const [nx, ny, nz] = run.dims;
  const n3 = nx * ny * nz;
  const params = await ports.jobs.getParams(task.job, task.pass, start, end);
  // one frame before the range, to difference the range's first frame (DVARS)
  const first = start > 0 ? start - 1 : start;
  const prevParams = first < start
    ? (await ports.jobs.getParams(task.job, task.pass, first, start))[0]
    : null;
  const mask = await readMask(ports, task.maskKey, n3);
  const brain = await readMask(ports, task.brainKey, n3);
  const readMs = performance.now() - t0;
  // A chunk's frames, decoded: the raw sums take them in one pass (see ReportPart.addRawFrames),
  // then each is resampled from here (a B-spline's coefficients overwrite their frame).
  const decoded = new Float32Array(framesPerChunk(run) * n3);
  let frameIn = decoded.subarray(0, n3);
  // Resliced frames wait in a small batch for the slab's sums (see SlabStats.addFrames).
  const batchSize = Math.max(1, Math.min(8, Math.floor(STATS_BATCH_BYTES / (n3 * 4))));
  // WebAssembly sums where they run: frames are resampled straight into their batch slots.
  const stats = slabSums(n3, end - start, brain, batchSize);
  const outs = Array.from(
    { length: batchSize },
    (_, b) => stats.frameSlot?.(b) ?? new Float32Array(n3),
  );
  const covers = Array.from(
    { length: batchSize },
    (_, b) => stats.coverSlot?.(b) ?? new Uint8Array(n3),
  );
  let inBatch = 0, batchFirst = 0;
  let frameOut = outs[0]!, covered = covers[0]!;
  const report = task.reportKey && brain ? new ReportPart(brain, end - start) : null;
  const degree = task.options.interpReslice;
  const kernels = resampleKernels(); // WebAssembly where the runtime compiles it, else JS
  const obpv = encoding.bytesPerVoxel;
  const a = run.affine;
  const aInv = invert4(a);
  const phase = task.slabKey ? "reslice" : "mean";
  const batch = new FrameBatcher<number>((f) => ports.jobs.framesDone(task.job, phase, f));
  // Resample frame t (frameIn: decoded, non-finite zeroed) into frameOut (masked); mark the
  // voxels it covers.
  const finite = decodesFinite(run); // integer voxels: nothing to zero
  const resampleFrame = (p: FrameParams) => {
    const m = mul4(task.toFirst, fromRows12(p.m));
    const v2v = mul4(mul4(aInv, invert4(m)), a); // T(t) = M(t)⁻¹, inverted once per frame
    if (degree <= 1) {
      kernels.resliceTrilinear(frameIn, [nx, ny, nz], v2v, frameOut);
    } else {
      kernels.bsplineCoefficients(frameIn, [nx, ny, nz], degree, frameIn); // in place
      kernels.resliceBspline(frameIn, [nx, ny, nz], degree, v2v, frameOut);
    }
    covered.fill(1);
    kernels.coverage([nx, ny, nz], [v2v], covered);
    if (mask) applyMask(mask, frameOut, covered);
  };

  // The slab is produced a few frames at a time: frames are read in chunks,
  // and the encoded output leaves in pieces of about OUT_CHUNK_BYTES (each
  // deflated with a sync flush for gzip: sync-flushed pieces concatenate),
  // so the function holds a few frames, not the slab.
  const perOut = Math.max(1, Math.floor(OUT_CHUNK_BYTES / (n3 * obpv)));
  let computeMs = 0, crc = 0, rawLength = 0, deflatedLength = 0;
  const result: TaskResult = { fn: "reslice", start, end, readMs: 0, computeMs: 0, writeMs: 0 };
  const reading = { ms: 0 };
  const turns = new EventLoopTurns();
  let peak = 0;
  async function* pieces(): AsyncGenerator<Uint8Array> {
    let piece: Uint8Array | null = null;
    let inPiece = 0;
    for await (
      const chunk of frameChunks(ports.objects, task.stagedKey, run, first, end, reading)
    ) {
      const c0 = performance.now();
      for (let k = 0; k < chunk.count; k++) {
        const f = decoded.subarray(k * n3, (k + 1) * n3);
        decodeFrameInto(chunk.bytes, run, k, f);
        if (!finite) zeroNonFinite(f);
      }
      // the raw frames of the slab (not the one before it), before they turn into coefficients
      const skip = Math.max(0, start - chunk.first);
      if (chunk.count > skip) report?.addRawFrames(decoded, skip, chunk.count - skip);
      computeMs += performance.now() - c0;
      for (let t = chunk.first; t < chunk.first + chunk.count; t++) {
        const f0 = performance.now();
        frameIn = decoded.subarray((t - chunk.first) * n3, (t - chunk.first + 1) * n3);
        if (t < start) {
          resampleFrame(prevParams!);
          stats.setPrevious(frameOut);
          computeMs += performance.now() - f0;
          continue;
        }
        const p = params[t - start];
        if (!p) {
          throw new Error(
            `Cannot reslice frame ${t}: no parameters from estimation pass ${task.pass}`,
          );
        }
        if (inBatch === 0) batchFirst = t - start;
        frameOut = outs[inBatch]!;
        covered = covers[inBatch]!;
        resampleFrame(p);
        inBatch++;
        if (inBatch === batchSize || t === end - 1) {
          stats.addFrames(outs, covers, batchFirst, inBatch);
          inBatch = 0;
        }
        report?.addRealigned(frameOut, t - start);
        if (task.slabKey) {
          piece ??= new Uint8Array(Math.min(perOut, end - t) * n3 * obpv);
          const o = inPiece * n3 * obpv;
          encodeVoxels(
            frameOut,
            encoding.datatype,
            encoding.slope,
            encoding.inter,
            piece.subarray(o, o + n3 * obpv),
          );
          inPiece++;
        }
        computeMs += performance.now() - f0;
        if (ports.memory) peak = Math.max(peak, ports.memory());
        batch.add(t);
        await turns.turn(); // lets the read ahead, the written pieces and the batch's write advance
        if (piece && inPiece * n3 * obpv === piece.length) {
          const raw: Uint8Array = piece;
          piece = null;
          inPiece = 0;
          yield await finish(raw);
        }
      }
    }
    if (piece) yield await finish(piece.subarray(0, inPiece * n3 * obpv));
  }
  // Encode one piece for the store: raw, or deflated with a sync flush (CRC over the raw bytes).
  async function finish(raw: Uint8Array): Promise<Uint8Array> {
    if (!encoding.gzip) return raw;
    const d0 = performance.now();
    crc = crc32(raw, crc);
    rawLength += raw.length;
    const deflated = await ports.compression.deflateSync(raw);
    deflatedLength += deflated.length;
    computeMs += performance.now() - d0;
    return deflated;
  }
  try {
    if (task.slabKey) {
      const gen = pieces();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { value, done } = await gen.next();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        async cancel() {
          await gen.return(undefined);
        },
      });
      await ports.objects.put(task.slabKey, body);
      if (encoding.gzip) {
        result.crc32 = crc;
        result.rawLength = rawLength;
        result.deflatedLength = deflatedLength;
      }
    } else {
      for await (const _ of pieces()) { /* the mean pass stores sums only */ }
    }
    await ports.objects.put(task.sumKey, stats.bytes());
  } finally {
    turns.close();
    stats.release?.(); // its memory serves this isolate's next task
  }
  if (report && task.reportKey) await ports.objects.put(task.reportKey, report.bytes());
  await batch.flush();
  result.readMs = readMs + reading.ms;
  result.computeMs = computeMs;
  result.writeMs = Math.max(0, performance.now() - t0 - readMs - computeMs);
  if (ports.memory) result.peakBytes = Math.max(peak, ports.memory());
  return result;
}
