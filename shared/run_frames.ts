/**
 * Frames of a staged run: their size in bytes and their decoding into
 * Float32 voxels, shared by staging and the functions.
 *
 * @module
 */
import type { RunLayout } from "./job.ts";
import { decodeVoxels } from "./nifti/decode.ts";
import { datatypeInfo } from "./nifti/datatypes.ts";

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

/** The largest finite Float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Whether every decoded voxel is finite whatever the bytes: integer voxels
 * with a finite slope and intercept that cannot overflow Float32. Then the
 * functions skip their ±Inf/NaN passes over each frame.
 */
export function decodesFinite(run: RunLayout): boolean {
  const integer = datatypeInfo(run.datatype, "the staged run").integer;
  return integer && Number.isFinite(run.slope) && Number.isFinite(run.inter) &&
    Math.abs(run.slope) * 2 ** 32 + Math.abs(run.inter) < FLOAT32_MAX;
}
