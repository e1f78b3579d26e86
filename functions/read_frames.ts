/**
 * Read a task's frames from the staged copy with one range request, and
 * float32 volumes stored by the orchestrator.
 *
 * @module
 */
import type { RunLayout } from "../shared/job.ts";
import type { ObjectStore } from "../shared/ports/object_store.ts";
import { frameBytes } from "../shared/run_frames.ts";

/** Bytes of frames `start..end` of the staged run. */
export async function readFrames(
  objects: ObjectStore,
  key: string,
  run: RunLayout,
  start: number,
  end: number,
): Promise<Uint8Array> {
  const fb = frameBytes(run);
  const bytes = await objects.get(key, {
    offset: run.voxOffset + start * fb,
    length: (end - start) * fb,
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
 * Frames `start..end` of the staged run, a range request of whole frames
 * (about {@link CHUNK_BYTES}) at a time, so a function holds a chunk (and
 * the next, requested while it works on this one), not its slab: the store's
 * latency hides behind the compute. Time spent waiting for the store is
 * added to `timing.ms`.
 */
export async function* frameChunks(
  objects: ObjectStore,
  key: string,
  run: RunLayout,
  start: number,
  end: number,
  timing: { ms: number } = { ms: 0 },
): AsyncGenerator<FrameChunk> {
  const per = framesPerChunk(run);
  const request = (first: number) => {
    const count = Math.min(per, end - first);
    const bytes = readFrames(objects, key, run, first, first + count);
    bytes.catch(() => {}); // awaited below; not an unhandled rejection if the caller stops early
    return { first, count, bytes };
  };
  // One request ahead: the next chunk is read while the caller works on this one.
  let next = start < end ? request(start) : null;
  while (next) {
    const t0 = performance.now();
    const bytes = await next.bytes;
    timing.ms += performance.now() - t0;
    const { first, count } = next;
    next = first + count < end ? request(first + count) : null;
    yield { first, count, bytes };
  }
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
