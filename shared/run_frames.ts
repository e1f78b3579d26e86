/**
 * Frames of a staged run: their size in bytes and their decoding into
 * Float32 voxels, shared by staging and the functions.
 *
 * @module
 */
import type { RunLayout } from "./job.ts";
import { decodeVoxels } from "./nifti/decode.ts";

/** Voxels in one frame. */
export function frameVoxels(run: RunLayout): number {
  return run.dims[0] * run.dims[1] * run.dims[2];
}

/** Bytes of one frame as stored. */
export function frameBytes(run: RunLayout): number {
  return frameVoxels(run) * run.bytesPerVoxel;
}

/**
 * Decode the `k`-th frame of `bytes` (frames stored back to back from
 * `offset`) into `out`, scaled by the run's slope and intercept.
 */
export function decodeFrameInto(
  bytes: Uint8Array,
  run: RunLayout,
  k: number,
  out: Float32Array,
  offset = 0,
): Float32Array {
  const fb = frameBytes(run);
  const off = offset + k * fb;
  decodeVoxels(
    bytes.subarray(off, off + fb),
    run.datatype,
    run.littleEndian,
    run.slope,
    run.inter,
    out,
  );
  return out;
}
