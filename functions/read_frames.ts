/**
 * Read a task's frames from the staged copy with one range request, and
 * float32 volumes stored by the orchestrator.
 *
 * @module
 */
import type { RunLayout } from "../shared/job.ts";
import type { ObjectStore } from "../shared/ports/object_store.ts";
import { frameBytes } from "../shared/run_frames.ts";

/** Bytes of frames `start..end` of the staged run (read into `into` where the store can). */
export async function readFrames(
  objects: ObjectStore,
  key: string,
  run: RunLayout,
  start: number,
  end: number,
  into: Uint8Array | null = null,
): Promise<Uint8Array> {
  const fb = frameBytes(run);
  const bytes = await objects.get(key, {
    offset: run.voxOffset + start * fb,
    length: (end - start) * fb,
    ...(into ? { into } : {}),
  });
  if (!bytes) throw new Error(`Cannot read frames ${start}-${end}: staged run ${key} is missing`);
  return bytes;
}

/** Frames read per range request, at most this many bytes (at least one frame). */
export const CHUNK_BYTES = 2 * 1024 * 1024;

/** Frames in one chunk of {@link frameChunks}: about {@link CHUNK_BYTES}, at least one. */
export function framesPerChunk(run: RunLayout): number {
  return Math.max(1, Math.floor(CHUNK_BYTES / frameBytes(run)));
}

/** A run of whole frames: frames `first .. first + count` as stored. */
export interface FrameChunk {
  first: number;
  count: number;
  bytes: Uint8Array;
}

/**
 * Where chunk reads go: buffer `slot` (0 or 1, alternately) for `count`
 * frames, or null for a buffer of the store's.
 */
export type ChunkBuffers = (slot: number, count: number) => Uint8Array | null;

/** Two buffers of one chunk each, used in turn (the chunk read ahead takes the other). */
export function twoChunkBuffers(run: RunLayout): ChunkBuffers {
  const size = framesPerChunk(run) * frameBytes(run);
  const bufs: Uint8Array[] = [];
  return (slot, count) =>
    (bufs[slot & 1] ??= new Uint8Array(size)).subarray(0, count * frameBytes(run));
}

/**
 * Frames `start..end` of the staged run, a range request of whole frames
 * (about {@link CHUNK_BYTES}) at a time, so a function holds a chunk (and
 * the next, requested while it works on this one), not its slab: the store's
 * latency hides behind the compute. Time spent waiting for the store is
 * added to `timing.ms`.
 *
 * The chunks are read into `buffers` (slots 0 and 1 in turn; the store may
 * return its own instead), so a chunk's bytes are good until the chunk after
 * it is asked for. The first read is requested at the call, not at the
 * first `next()`, so it can overlap the caller's setup.
 */
export function frameChunks(
  objects: ObjectStore,
  key: string,
  run: RunLayout,
  start: number,
  end: number,
  timing: { ms: number } = { ms: 0 },
  buffers: ChunkBuffers = twoChunkBuffers(run),
): AsyncGenerator<FrameChunk> {
  const per = framesPerChunk(run);
  let slot = 0;
  const request = (first: number) => {
    const count = Math.min(per, end - first);
    const bytes = readFrames(objects, key, run, first, first + count, buffers(slot++, count));
    bytes.catch(() => {}); // awaited below; not an unhandled rejection if the caller stops early
    return { first, count, bytes };
  };
  // One request ahead: the next chunk is read while the caller works on this one.
  let next = start < end ? request(start) : null;
  return (async function* () {
    try {
      while (next) {
        const t0 = performance.now();
        const bytes = await next.bytes;
        timing.ms += performance.now() - t0;
        const { first, count } = next;
        next = first + count < end ? request(first + count) : null;
        yield { first, count, bytes };
      }
    } finally {
      // a caller that stops early: the read ahead lands before its buffer is used again
      if (next) await next.bytes.catch(() => {});
    }
  })();
}

/** A float32 volume stored little-endian (the reference, a mean). */
export async function readFloat32(
  objects: ObjectStore,
  key: string,
  length: number,
): Promise<Float32Array> {
  const bytes = await objects.get(key);
  if (!bytes || bytes.byteLength !== length * 4) {
    throw new Error(`Cannot read volume ${key}: missing or not ${length} float32 values`);
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
