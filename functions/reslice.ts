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
import type { FrameParams, JobOptions, ResliceTask, RunLayout, TaskResult } from "../shared/job.ts";
import type { SlabSpec } from "../shared/slab_work.ts";
import { frameVoxels } from "../shared/run_frames.ts";
import type { FunctionPorts } from "../shared/ports/function_ports.ts";
import { fromRows12, invert4, mul4 } from "../shared/rigid.ts";
import { openSlabWork } from "../shared/wasm/wasm_slab.ts";
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

/** Output bytes gathered before they are encoded and (for gzip) deflated as one piece. */
const OUT_CHUNK_BYTES = 2 * 1024 * 1024;
/**
 * Pieces made ahead of the store's writing, in bytes (about three): the
 * frames go on while a write is slow (a busy machine, fresh page-cache
 * pages), measured 4–20 ms off a slab of 100–200 frames here.
 */
const QUEUED_BYTES = 6 * 1024 * 1024;
/** Resliced frames (Float32) held for one batch of the slab's sums: at most 8 frames. */
const STATS_BATCH_BYTES = 4 * 1024 * 1024;

/** Frames resampled before they are added to the slab's sums together (see SlabStats.addFrames). */
function resliceBatch(n3: number): number {
  return Math.max(1, Math.min(8, Math.floor(STATS_BATCH_BYTES / (n3 * 4))));
}

/**
 * The voxel work a reslice task of `frames` frames of `run` lays out: the
 * function's own, and the warm-up's (functions/warm_up.ts), which must match.
 */
export function resliceWork(
  run: RunLayout,
  frames: number,
  options: Pick<JobOptions, "interpReslice">,
  masks: { mask: Uint8Array | null; brain: Uint8Array | null; report: boolean },
  encoding: SlabSpec["encoding"],
): SlabSpec {
  return {
    run,
    frames,
    chunkFrames: framesPerChunk(run),
    batch: resliceBatch(frameVoxels(run)),
    degree: options.interpReslice,
    ...masks,
    encoding,
  };
}

export async function reslice(task: ResliceTask, ports: FunctionPorts): Promise<TaskResult> {
  const t0 = performance.now();
  const { run, start, end, encoding } = task;
  const n3 = frameVoxels(run);
  // one frame before the range, to difference the range's first frame (DVARS)
  const first = start > 0 ? start - 1 : start;
  const [params, prevParams, mask, brain] = await Promise.all([
    ports.jobs.getParams(task.job, task.pass, start, end),
    first < start
      ? ports.jobs.getParams(task.job, task.pass, first, start).then((p) => p[0])
      : null,
    readMask(ports, task.maskKey, n3),
    readMask(ports, task.brainKey, n3),
  ]);
  const readMs = performance.now() - t0;
  // Where WebAssembly runs, the whole per-voxel work stays in its memory (see WasmSlab).
  const spec = resliceWork(run, end - start, task.options, {
    mask,
    brain,
    report: task.reportKey !== undefined && task.reportKey !== null,
  }, task.slabKey ? encoding : null);
  const batchSize = spec.batch;
  const work = openSlabWork(spec);
  const obpv = encoding.bytesPerVoxel;
  const a = run.affine;
  const aInv = invert4(a);
  const phase = task.slabKey ? "reslice" : "mean";
  const batch = new FrameBatcher<number>((f) => ports.jobs.framesDone(task.job, phase, f));
  // The voxel → voxel matrix A⁻¹ · T(t) · A of frame t, T(t) = M(t)⁻¹ inverted once per frame.
  const frameMatrix = (p: FrameParams) =>
    mul4(mul4(aInv, invert4(mul4(task.toFirst, fromRows12(p.m)))), a);

  // The slab is produced a few frames at a time: frames are read in chunks,
  // and the encoded output leaves in pieces of about OUT_CHUNK_BYTES (each
  // deflated with a sync flush for gzip: sync-flushed pieces concatenate),
  // so the function holds a few frames, not the slab.
  const perOut = Math.max(1, Math.floor(OUT_CHUNK_BYTES / (n3 * obpv)));
  let computeMs = 0, waitMs = 0, crc = 0, rawLength = 0, deflatedLength = 0;
  const result: TaskResult = { fn: "reslice", start, end, readMs: 0, computeMs: 0, writeMs: 0 };
  const reading = { ms: 0 };
  const turns = new EventLoopTurns();
  let peak = 0;
  let inBatch = 0, batchFirst = 0;
  async function* pieces(): AsyncGenerator<Uint8Array> {
    let piece: Uint8Array | null = null;
    let inPiece = 0;
    const chunks = frameChunks(
      ports.objects,
      task.stagedKey,
      run,
      first,
      end,
      reading,
      (slot, count) => work.chunkBuffer(slot, count),
    );
    for await (const chunk of chunks) {
      const c0 = performance.now();
      // the raw frames of the slab (not the one before it) go to the report's sums
      work.decodeChunk(chunk.bytes, chunk.count, Math.max(0, start - chunk.first));
      computeMs += performance.now() - c0;
      for (let t = chunk.first; t < chunk.first + chunk.count; t++) {
        const f0 = performance.now();
        const k = t - chunk.first;
        if (t < start) {
          work.resample(k, frameMatrix(prevParams!), 0);
          work.setPrevious(0);
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
        const b = inBatch++;
        work.resample(k, frameMatrix(p), b);
        if (task.slabKey) {
          piece ??= new Uint8Array(Math.min(perOut, end - t) * n3 * obpv);
          const o = inPiece * n3 * obpv;
          work.encode(b, piece.subarray(o, o + n3 * obpv));
          inPiece++;
        }
        if (inBatch === batchSize || t === end - 1) {
          work.addBatch(batchFirst, inBatch);
          inBatch = 0;
        }
        computeMs += performance.now() - f0;
        if (ports.memory) peak = Math.max(peak, ports.memory());
        batch.add(t);
        const w0 = performance.now();
        await turns.turn(); // lets the read ahead, the written pieces and the batch's write advance
        waitMs += performance.now() - w0;
        if (piece && inPiece * n3 * obpv === piece.length) {
          const raw: Uint8Array = piece;
          piece = null;
          inPiece = 0;
          const deflated = await finish(raw);
          const y0 = performance.now();
          yield deflated; // resumes when the store asks for more
          waitMs += performance.now() - y0;
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
  // The sums and the report part are final once the last frame is in: they are stored then,
  // beside the slab's last writes.
  const stored: { sums: Promise<unknown> | null } = { sums: null };
  const storeSums = () => {
    if (!stored.sums) {
      const report = work.reportBytes();
      stored.sums = Promise.all([
        ports.objects.put(task.sumKey, work.sumBytes()),
        report && task.reportKey ? ports.objects.put(task.reportKey, report) : null,
      ]);
      stored.sums.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    }
    return stored.sums;
  };
  try {
    if (task.slabKey) {
      const gen = pieces();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { value, done } = await gen.next();
          if (done) {
            storeSums();
            controller.close();
          } else controller.enqueue(value);
        },
        async cancel() {
          await gen.return(undefined);
        },
      }, { highWaterMark: QUEUED_BYTES, size: (piece) => piece.byteLength });
      await ports.objects.put(task.slabKey, body);
      if (encoding.gzip) {
        result.crc32 = crc;
        result.rawLength = rawLength;
        result.deflatedLength = deflatedLength;
      }
    } else {
      for await (const _ of pieces()) { /* the mean pass stores sums only */ }
    }
    await storeSums();
  } finally {
    turns.close();
    await stored.sums?.catch(() => {}); // its views into the work memory are in use until then
    work.release(); // its memory serves this isolate's next task
  }
  await batch.flush();
  result.readMs = readMs + reading.ms;
  result.computeMs = computeMs;
  result.waitMs = waitMs;
  result.writeMs = Math.max(0, performance.now() - t0 - result.readMs - computeMs - waitMs);
  if (ports.memory) result.peakBytes = Math.max(peak, ports.memory());
  return result;
}
