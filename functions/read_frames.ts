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
