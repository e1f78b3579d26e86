/**
 * Open an input run (pass 1 of 2): stream it once from its object store,
 * hashing the raw bytes, gunzipping, parsing and validating the header from
 * the first bytes and checking that the voxel data is all there, while
 * keeping only the reference frame and the run's value range. Touches no job
 * state and writes nothing: a bad file (empty, not NIfTI, cut short, broken
 * gzip, ...) throws an {@link InputError} naming the file before any job
 * record or object exists. Staging (pass 2, `stage.ts`) reads the input again
 * and writes the uncompressed copy under the job's key.
 *
 * @module
 */
import { InputError } from "../shared/errors.ts";
import { infToNaN } from "../shared/finite.ts";
import type { RefChoice, RunLayout } from "../shared/job.ts";
import { niftiAffine, voxelSizes } from "../shared/nifti/affine.ts";
import { bytesPerVoxel } from "../shared/nifti/datatypes.ts";
import { decodeVoxels } from "../shared/nifti/decode.ts";
import {
  NIFTI1_HEADER_SIZE,
  NIFTI2_HEADER_SIZE,
  type NiftiHeader,
  trSeconds,
} from "../shared/nifti/header.ts";
import type { Compression } from "../shared/ports/compression.ts";
import { frameBytes, frameVoxels } from "../shared/run_frames.ts";
import { InputReader, type InputSource } from "./input_reader.ts";

export type { InputSource } from "./input_reader.ts";

export interface OpenedRun {
  /** The header as staged: a single-file NIfTI (`n+1`/`n+2`) with the voxels right after it. */
  header: NiftiHeader;
  /** How the staged copy's voxels are laid out and decoded. */
  layout: RunLayout;
  /** Lower-case hex SHA-256 of the raw input bytes (both files of a pair). */
  hash: string;
  /** Raw input bytes (both files of a pair). */
  size: number;
  /** The reference frame (the chosen one; frame 0 for `first` and `mean`), ±Inf made NaN. */
  reference: Float32Array;
  /** Finite minimum and maximum of the whole run (scaled values). */
  range: { min: number; max: number };
}

/** Where the staged copy's voxels start: the header, then four zero bytes (no extensions). */
export function stagedVoxOffset(version: 1 | 2): number {
  return (version === 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE) + 4;
}

/** The layout of the staged copy of a run with this header. */
export function stagedLayout(header: NiftiHeader): RunLayout {
  const affine = niftiAffine(header);
  const d = header.dims;
  const slope = header.sclSlope === 0 || !Number.isFinite(header.sclSlope) ? 1 : header.sclSlope;
  const inter = header.sclSlope === 0 || !Number.isFinite(header.sclInter) ? 0 : header.sclInter;
  return {
    dims: [d[1]!, d[2]!, d[3]!, d[4]!],
    datatype: header.datatype,
    bytesPerVoxel: bytesPerVoxel(header.datatype),
    littleEndian: header.littleEndian,
    voxOffset: stagedVoxOffset(header.version),
    slope,
    inter,
    affine,
    voxelSize: voxelSizes(header),
  };
}

/**
 * The header with a TR labelled ms or µs rewritten in seconds (pixdim[4] and
 * xyzt_units), so every output reports TR in seconds. A TR labelled seconds
 * (or unlabelled) is left alone, even when it looks like ms: `trSeconds`
 * still reads it right and a report can say the units were guessed.
 */
export function secondsTr(h: NiftiHeader): NiftiHeader {
  const units = h.xyztUnits & 0x38;
  if (units !== 16 && units !== 24) return h;
  const pixdim = h.pixdim.slice();
  pixdim[4] = trSeconds(h);
  return { ...h, pixdim, xyztUnits: (h.xyztUnits & ~0x38) | 8 };
}

/** The reference frame index for a registration target. */
export function referenceFrame(ref: RefChoice): number {
  return typeof ref === "number" ? ref : 0;
}

/** Running finite min/max over voxel bytes that arrive in arbitrary chunks. */
class RangeScan {
  min = Infinity;
  max = -Infinity;
  #layout: RunLayout;
  #scratch = new Float32Array(1 << 16);
  #carry: Uint8Array;
  #carried = 0;

  constructor(layout: RunLayout) {
    this.#layout = layout;
    this.#carry = new Uint8Array(layout.bytesPerVoxel);
  }

  add(bytes: Uint8Array): void {
    const bpv = this.#layout.bytesPerVoxel;
    let o = 0;
    if (this.#carried > 0) {
      const take = Math.min(bpv - this.#carried, bytes.length);
      this.#carry.set(bytes.subarray(0, take), this.#carried);
      this.#carried += take;
      o = take;
      if (this.#carried < bpv) return;
      this.#decode(this.#carry, 1);
      this.#carried = 0;
    }
    const whole = Math.floor((bytes.length - o) / bpv);
    for (let v = 0; v < whole;) {
      const n = Math.min(whole - v, this.#scratch.length);
      this.#decode(bytes.subarray(o + v * bpv, o + (v + n) * bpv), n);
      v += n;
    }
    const rest = bytes.length - o - whole * bpv;
    if (rest > 0) {
      this.#carry.set(bytes.subarray(bytes.length - rest));
      this.#carried = rest;
    }
  }

  #decode(src: Uint8Array, n: number): void {
    const l = this.#layout;
    const out = this.#scratch.subarray(0, n);
    decodeVoxels(src, l.datatype, l.littleEndian, l.slope, l.inter, out);
    let min = this.min, max = this.max;
    for (let i = 0; i < n; i++) {
      const v = out[i]!;
      if (v < min && v > -Infinity) min = v;
      if (v > max && v < Infinity) max = v;
    }
    this.min = min;
    this.max = max;
  }
}

/**
 * Pass 1: stream the input once (see the module doc). `ref` is checked
 * against the number of frames as soon as the header is read.
 */
export async function openRun(
  input: InputSource,
  compression: Compression,
  ref: RefChoice,
): Promise<OpenedRun> {
  const reader = await InputReader.open(input, compression);
  const h = reader.header;
  const layout = stagedLayout(h);
  const nt = layout.dims[3];
  if (typeof ref === "number" && ref >= nt) {
    await reader.cancel();
    throw new InputError(
      "--ref",
      `frame ${ref} does not exist: ${input.name} has ${nt} frames (0..${nt - 1})`,
    );
  }
  const fb = frameBytes(layout);
  const refStart = referenceFrame(ref) * fb;
  const refEnd = refStart + fb;
  // the reference frame's bytes, gathered as they pass (never more than the file holds)
  const refChunks: Uint8Array[] = [];
  const scan = new RangeScan(layout);
  let at = 0;
  for await (const chunk of reader.voxels()) {
    const end = at + chunk.length;
    if (end > refStart && at < refEnd) {
      refChunks.push(chunk.slice(Math.max(0, refStart - at), Math.min(chunk.length, refEnd - at)));
    }
    scan.add(chunk);
    at = end;
  }
  const refBytes = new Uint8Array(fb);
  let o = 0;
  for (const c of refChunks) refBytes.set(c, (o += c.length) - c.length);
  const reference = new Float32Array(frameVoxels(layout));
  decodeVoxels(
    refBytes,
    layout.datatype,
    layout.littleEndian,
    layout.slope,
    layout.inter,
    reference,
  );
  infToNaN(reference);
  const staged: NiftiHeader = {
    ...secondsTr(h),
    magic: h.version === 1 ? "n+1" : "n+2",
    voxOffset: layout.voxOffset,
  };
  return {
    header: staged,
    layout,
    hash: reader.hash(),
    size: reader.size,
    reference,
    range: scan.min <= scan.max ? { min: scan.min, max: scan.max } : { min: 0, max: 0 },
  };
}
