/**
 * Open an input run (pass 1 of 2): stream it once from its object store,
 * hashing the raw bytes, gunzipping, parsing and validating the header from
 * the first bytes and checking that the voxel data is all there, while
 * keeping only the reference frame. Touches no job
 * state and writes nothing: a bad file (empty, not NIfTI, cut short, broken
 * gzip, ...) throws an {@link InputError} naming the file before any job
 * record or object exists. Staging (pass 2, `stage.ts`) reads the input again
 * and writes the uncompressed copy under the job's key.
 *
 * @module
 */
import type { HashFactory } from "../shared/ports/digest.ts";
import { InputError } from "../shared/errors.ts";
import { infToNaN } from "../shared/finite.ts";
import type { JobOptions, RefChoice, RunLayout } from "../shared/job.ts";
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
}

/** Where the staged copy's voxels start: the header, then four zero bytes (no extensions). */
export function stagedVoxOffset(version: 1 | 2): number {
  return (version === 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE) + 4;
}

/**
 * The staged copy's header: the input's header bytes (348 or 540) with the
 * single-file magic (`n+1`/`n+2`, so a `.hdr` of a pair becomes a `.nii`'s)
 * and vox_offset just past it, then four zero bytes (no extensions).
 */
export function stagedHeaderBytes(headerBytes: Uint8Array, header: NiftiHeader): Uint8Array {
  const size = header.version === 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE;
  const out = new Uint8Array(stagedVoxOffset(header.version));
  out.set(headerBytes.subarray(0, size));
  const dv = new DataView(out.buffer);
  if (header.version === 1) {
    dv.setFloat32(108, out.length, header.littleEndian);
    out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  } else {
    dv.setBigInt64(168, BigInt(out.length), header.littleEndian);
    out.set([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a], 4); // "n+2\0\r\n\x1a\n"
  }
  return out;
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

/**
 * One frame's bytes picked out of voxel bytes arriving in arbitrary chunks
 * (the other frames pass by untouched). The frame's pieces are kept as they
 * come and joined only once all are there, so a header that claims more than
 * the file holds never makes it allocate more than the file's bytes.
 */
class FramePicker {
  readonly #start: number;
  readonly #size: number;
  #offset = 0;
  #parts: Uint8Array[] = [];
  #held = 0;
  constructor(frame: number, frameBytes: number) {
    this.#start = frame * frameBytes;
    this.#size = frameBytes;
  }

  /** Feed the next chunk; returns the frame's bytes once the chunk completing it arrives. */
  add(chunk: Uint8Array): Uint8Array | null {
    const at = this.#offset;
    this.#offset += chunk.length;
    const from = Math.max(this.#start, at), to = Math.min(this.#start + this.#size, this.#offset);
    if (from >= to) return null;
    const piece = chunk.subarray(from - at, to - at);
    if (piece.length === this.#size) return piece; // the whole frame inside one chunk: no copy
    this.#parts.push(piece.slice());
    this.#held += piece.length;
    if (this.#held < this.#size) return null;
    const bytes = new Uint8Array(this.#size);
    let p = 0;
    for (const part of this.#parts) {
      bytes.set(part, p);
      p += part.length;
    }
    this.#parts = [];
    return bytes;
  }
}

/**
 * Pass 1: stream the input once (see the module doc). `options.ref` is
 * checked against the number of frames as soon as the header is read.
 * Only the reference frame is decoded; `onReference` gets it (and the layout)
 * as soon as it is, while the rest of the input is still being read.
 * `stagedCopy`, when given, gets the staged copy's bytes as they are read:
 * its header ({@link stagedHeaderBytes}) once the input's header is valid,
 * then the voxels in order; each chunk is awaited (the writer's pace).
 */
export async function openRun(
  input: InputSource,
  compression: Compression,
  options: Pick<JobOptions, "ref">,
  sha256?: HashFactory,
  onReference?: (reference: Float32Array, layout: RunLayout) => void,
  stagedCopy?: (bytes: Uint8Array) => Promise<void>,
): Promise<OpenedRun> {
  const reader = await InputReader.open(input, compression, sha256);
  const h = reader.header;
  const layout = stagedLayout(h);
  const nt = layout.dims[3];
  if (typeof options.ref === "number" && options.ref >= nt) {
    await reader.cancel();
    throw new InputError(
      "--ref",
      `frame ${options.ref} does not exist: ${input.name} has ${nt} frames (0..${nt - 1})`,
    );
  }
  const n3 = frameVoxels(layout);
  const refT = referenceFrame(options.ref);
  // the reference's buffer appears once its bytes are all read: a header that claims
  // more than the file holds never makes pass 1 allocate what it claims
  let reference: Float32Array | null = null;
  const picker = new FramePicker(refT, frameBytes(layout));
  await stagedCopy?.(stagedHeaderBytes(reader.headerBytes, h));
  for await (const chunk of reader.voxels()) {
    await stagedCopy?.(chunk);
    const bytes = reference ? null : picker.add(chunk);
    if (!bytes) continue;
    reference = new Float32Array(n3);
    decodeVoxels(
      bytes,
      layout.datatype,
      layout.littleEndian,
      layout.slope,
      layout.inter,
      reference,
    );
    infToNaN(reference);
    onReference?.(reference, layout);
  }
  if (!reference) throw new Error(`Cannot open ${input.name}: frame ${refT} was not read`);
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
  };
}
