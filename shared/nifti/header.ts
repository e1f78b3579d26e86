/**
 * The NIfTI header: parsing (NIfTI-1 and NIfTI-2, either byte order, via
 * nifti-reader-js for the fields), validation of a run before any voxel is
 * touched, and the unit conversions a run needs (TR in seconds, spatial units
 * in mm).
 *
 * @example Parse and validate a header
 * ```ts ignore
 * import { parseNiftiHeader, trSeconds, validateRun } from "./header.ts";
 *
 * const h = parseNiftiHeader(firstBytes, "run.nii");
 * validateRun(h, "run.nii", fileLength); // throws InputError when it cannot be realigned
 * console.log(h.dims.slice(1, 5), trSeconds(h));
 * ```
 *
 * @module
 */

import * as nifti from "nifti-reader-js";
import { InputError } from "../errors.ts";
import { datatypeInfo } from "./datatypes.ts";
import { niftiAffine } from "./affine.ts";

/** The header fields of a NIfTI-1 or NIfTI-2 file, in a version-neutral form. */
export interface NiftiHeader {
  /** 1 for NIfTI-1 (348-byte header), 2 for NIfTI-2 (540-byte header). */
  version: 1 | 2;
  /** Byte order of the header and of the voxels. */
  littleEndian: boolean;
  /** The magic string: "n+1", "ni1" (.hdr/.img pair), "n+2" or "ni2". */
  magic: string;
  /** dim[0..7]: dim[0] is the number of dimensions, dim[1..3] x y z, dim[4] time. */
  dims: number[];
  /** The NIfTI datatype code. */
  datatype: number;
  /** Bits per voxel as stored in the header. */
  bitpix: number;
  /** pixdim[0..7]: pixdim[0] is qfac, pixdim[1..3] voxel sizes, pixdim[4] the TR. */
  pixdim: number[];
  /** Byte offset of the first voxel. */
  voxOffset: number;
  /** scl_slope as stored (0 means unscaled). */
  sclSlope: number;
  /** scl_inter as stored. */
  sclInter: number;
  /** xyzt_units: spatial units in bits 0-2, temporal units in bits 3-5. */
  xyztUnits: number;
  /** qform_code (0: no qform). */
  qformCode: number;
  /** sform_code (0: no sform). */
  sformCode: number;
  /** quatern_b, quatern_c, quatern_d. */
  quatern: [number, number, number];
  /** qoffset_x, qoffset_y, qoffset_z. */
  qoffset: [number, number, number];
  /** srow_x, srow_y, srow_z: 12 numbers, row-major (read whatever sform_code says). */
  srow: number[];
  /** descrip. */
  description: string;
  /** aux_file. */
  auxFile: string;
  /** intent_code. */
  intentCode: number;
  /** intent_name. */
  intentName: string;
  /** intent_p1, intent_p2, intent_p3. */
  intentP: [number, number, number];
  /** dim_info (freq, phase, slice dimensions). */
  dimInfo: number;
  /** slice_code. */
  sliceCode: number;
  /** slice_start. */
  sliceStart: number;
  /** slice_end. */
  sliceEnd: number;
  /** slice_duration. */
  sliceDuration: number;
  /** toffset. */
  toffset: number;
  /** cal_min. */
  calMin: number;
  /** cal_max. */
  calMax: number;
}

/** Options for {@link validateImage}. */
export interface ValidateOptions {
  /** Accept a 3-D image (one frame), e.g. an anatomical template. Default false. */
  allow3d?: boolean;
}

/** Header sizes by version. */
export const NIFTI1_HEADER_SIZE = 348;
/** Header size of NIfTI-2. */
export const NIFTI2_HEADER_SIZE = 540;
/** A header that claims more voxel bytes than this is rejected as implausible (1 TiB). */
export const MAX_IMAGE_BYTES = 2 ** 40;

const NIFTI2_MAGIC_TAIL = [0, 0x0d, 0x0a, 0x1a, 0x0a];

function ascii(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    s += c >= 32 && c < 127 ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return s;
}

/** Reads a signed 64-bit integer as a number (exact up to 2^53; nifti-reader-js 0.8 gets sign and big-endian wrong). */
function int64(view: DataView, offset: number, littleEndian: boolean): number {
  return Number(view.getBigInt64(offset, littleEndian));
}

/**
 * Parses a NIfTI-1 or NIfTI-2 header from the first bytes of an *uncompressed*
 * file (348 bytes suffice for NIfTI-1, 540 for NIfTI-2). Detects the version
 * and the byte order from sizeof_hdr and checks the magic string. Throws an
 * {@link InputError} naming `name` for anything that is not a NIfTI header.
 * Does not judge whether the image is usable; see {@link validateImage}.
 */
export function parseNiftiHeader(bytes: Uint8Array, name: string): NiftiHeader {
  if (bytes.length === 0) throw new InputError(name, "the file is empty");
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new InputError(name, "is gzip-compressed: decompress it before reading the header");
  }
  if (bytes.length < 4) {
    throw new InputError(
      name,
      `is not a NIfTI file: only ${bytes.length} bytes, a NIfTI-1 header needs 348`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = view.getInt32(0, true);
  const be = view.getInt32(0, false);
  let version: 1 | 2;
  let littleEndian: boolean;
  if (le === 348 || be === 348) {
    version = 1;
    littleEndian = le === 348;
  } else if (le === 540 || be === 540) {
    version = 2;
    littleEndian = le === 540;
  } else {
    throw new InputError(
      name,
      `is not a NIfTI file: sizeof_hdr is ${le} (byte-swapped ${be}), ` +
        "expected 348 (NIfTI-1) or 540 (NIfTI-2)",
    );
  }
  const size = version === 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE;
  if (bytes.length < size) {
    throw new InputError(
      name,
      `the header is cut short: ${bytes.length} bytes, a NIfTI-${version} header needs ${size}`,
    );
  }
  // Magic: "n+1\0"/"ni1\0" at 344 (NIfTI-1), "n+2\0\r\n\032\n"/"ni2..." at 4 (NIfTI-2).
  const m = version === 1 ? 344 : 4;
  const magic = ascii(bytes, m, m + 3);
  const okMagic = version === 1
    ? (magic === "n+1" || magic === "ni1") && bytes[m + 3] === 0
    : (magic === "n+2" || magic === "ni2") &&
      NIFTI2_MAGIC_TAIL.every((b, i) => bytes[m + 3 + i] === b);
  if (!okMagic) {
    const found = ascii(bytes, m, m + (version === 1 ? 4 : 8));
    const want = version === 1 ? `"n+1\\x00" or "ni1\\x00"` : `"n+2\\x00\\r\\n\\x1a\\n"`;
    throw new InputError(
      name,
      `is not a valid NIfTI-${version} file: magic string is "${found}", expected ${want}` +
        (version === 2 && (magic === "n+2" || magic === "ni2")
          ? " (damaged by a text-mode line-ending conversion?)"
          : ""),
    );
  }

  // nifti-reader-js parses the fields. Give it exactly the header, so that it
  // does not wander into extensions (which we do not use).
  const copy = bytes.slice(0, size);
  let r: nifti.NIFTI1 | nifti.NIFTI2;
  try {
    r = version === 1 ? new nifti.NIFTI1() : new nifti.NIFTI2();
    r.readHeader(copy.buffer);
  } catch (e) {
    throw new InputError(name, `cannot read the NIfTI header: ${(e as Error).message}`);
  }
  if (r.littleEndian !== littleEndian) {
    throw new Error(`${name}: nifti-reader-js disagrees about the byte order`);
  }

  let dims: number[];
  let voxOffset: number;
  let srow: number[];
  let sliceStart: number;
  let sliceEnd: number;
  if (version === 2) {
    // 64-bit integers read here: nifti-reader-js 0.8 mis-reads negative and big-endian int64.
    dims = [];
    for (let i = 0; i < 8; i++) dims.push(int64(view, 16 + 8 * i, littleEndian));
    voxOffset = int64(view, 168, littleEndian);
    sliceStart = int64(view, 224, littleEndian);
    sliceEnd = int64(view, 232, littleEndian);
    srow = [];
    for (let i = 0; i < 12; i++) srow.push(view.getFloat64(400 + 8 * i, littleEndian));
  } else {
    dims = r.dims.slice(0, 8);
    voxOffset = r.vox_offset;
    sliceStart = r.slice_start;
    sliceEnd = r.slice_end;
    // nifti-reader-js keeps srow only when it uses the sform; the writer needs it always.
    srow = [];
    for (let i = 0; i < 12; i++) srow.push(view.getFloat32(280 + 4 * i, littleEndian));
  }
  if (!Number.isFinite(voxOffset) || voxOffset < 0 || !Number.isInteger(voxOffset)) {
    throw new InputError(name, `vox_offset ${voxOffset} is not a valid byte offset`);
  }

  return {
    version,
    littleEndian,
    magic,
    dims,
    datatype: r.datatypeCode,
    bitpix: r.numBitsPerVoxel,
    pixdim: r.pixDims.slice(0, 8),
    voxOffset,
    sclSlope: r.scl_slope,
    sclInter: r.scl_inter,
    xyztUnits: r.xyzt_units,
    qformCode: r.qform_code,
    sformCode: r.sform_code,
    quatern: [r.quatern_b, r.quatern_c, r.quatern_d],
    qoffset: [r.qoffset_x, r.qoffset_y, r.qoffset_z],
    srow,
    description: r.description,
    auxFile: r.aux_file,
    intentCode: r.intent_code,
    intentName: r.intent_name,
    intentP: [r.intent_p1, r.intent_p2, r.intent_p3],
    dimInfo: r.dim_info,
    sliceCode: r.slice_code,
    sliceStart,
    sliceEnd,
    sliceDuration: r.slice_duration,
    toffset: r.toffset,
    calMin: r.cal_min,
    calMax: r.cal_max,
  };
}

/** Number of voxels in one frame (dim[1]·dim[2]·dim[3], dims past dim[0] taken as 1). */
export function frameVoxels(h: NiftiHeader): number {
  return dimOf(h, 1) * dimOf(h, 2) * dimOf(h, 3);
}

/** Number of frames (dim[4] when dim[0] >= 4, else 1). */
export function frameCount(h: NiftiHeader): number {
  return dimOf(h, 4);
}

/** dim[i], or 1 when i is past dim[0] (NIfTI says those entries are ignored). */
export function dimOf(h: NiftiHeader, i: number): number {
  return i <= (h.dims[0] ?? 0) ? (h.dims[i] ?? 1) : 1;
}

function formatBytes(n: number): string {
  if (n >= 2 ** 40) return `${(n / 2 ** 40).toFixed(1)} TB`;
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MB`;
  return `${n} bytes`;
}

/**
 * Checks that a parsed header describes an image this codec can read from a
 * file of `availableBytes` bytes (uncompressed; `null` when not known yet):
 * dimensions, datatype, vox_offset, data length, a usable voxel-to-world
 * geometry, and (unless `opts.allow3d`) that it is a 4-D run of at least two
 * frames. Fails fast, allocating nothing. Throws an {@link InputError}.
 */
export function validateImage(
  h: NiftiHeader,
  name: string,
  availableBytes: number | null,
  opts: ValidateOptions = {},
): void {
  const nd = h.dims[0] ?? 0;
  if (!Number.isInteger(nd) || nd < 1 || nd > 7) {
    throw new InputError(name, `dim[0] = ${nd} is not a valid number of dimensions (1 to 7)`);
  }
  for (let i = 1; i <= nd; i++) {
    const d = h.dims[i]!;
    if (!Number.isInteger(d) || d < 0) {
      throw new InputError(name, `dim[${i}] = ${d} is negative: the header is corrupt`);
    }
    if (d === 0) throw new InputError(name, `dim[${i}] = 0: the image has no voxels`);
  }
  for (let i = 5; i <= nd; i++) {
    if (h.dims[i] !== 1) {
      throw new InputError(
        name,
        `dim[${i}] = ${h.dims[i]}: 5-D images (several values per voxel and time point) ` +
          "are not supported; give a 4-D run (x, y, z, time)",
      );
    }
  }
  const nt = frameCount(h);
  if (!opts.allow3d && nt < 2) {
    throw new InputError(name, "is a 3-D image (one frame): nothing to realign");
  }
  const t = datatypeInfo(h.datatype, name);
  const voxels = frameVoxels(h) * nt;
  const dataBytes = voxels * t.bytes;
  if (dataBytes > MAX_IMAGE_BYTES) {
    throw new InputError(
      name,
      `header claims ${formatBytes(dataBytes)} of voxel data ` +
        `(${h.dims.slice(1, nd + 1).join("×")} ${t.name}): not a plausible image`,
    );
  }
  const minOffset = h.magic === "n+1" ? 352 : h.magic === "n+2" ? 544 : 0;
  if (h.voxOffset < minOffset) {
    throw new InputError(
      name,
      `vox_offset ${h.voxOffset} points into the header (a single-file NIfTI-${h.version} ` +
        `needs at least ${minOffset})`,
    );
  }
  if (availableBytes !== null) {
    if (h.voxOffset > availableBytes) {
      throw new InputError(
        name,
        `vox_offset ${h.voxOffset} is past the end of the file (${availableBytes} bytes)`,
      );
    }
    const held = availableBytes - h.voxOffset;
    if (dataBytes > held) {
      throw new InputError(
        name,
        `header claims ${dataBytes} bytes of voxel data but the file holds only ${held}` +
          " (truncated download or copy?)",
      );
    }
  }
  const a = niftiAffine(h);
  const det = a[0]! * (a[5]! * a[10]! - a[6]! * a[9]!) -
    a[1]! * (a[4]! * a[10]! - a[6]! * a[8]!) +
    a[2]! * (a[4]! * a[9]! - a[5]! * a[8]!);
  if (!a.every(Number.isFinite) || det === 0 || !Number.isFinite(det)) {
    const px = h.pixdim.slice(1, 4).join(", ");
    throw new InputError(
      name,
      `has no usable voxel geometry: voxel sizes (pixdim) are [${px}], ` +
        `qform_code ${h.qformCode}, sform_code ${h.sformCode}` +
        (h.sformCode > 0 ? " with a singular or non-finite sform" : ""),
    );
  }
}

/** {@link validateImage} for a 4-D run (at least two frames). */
export function validateRun(h: NiftiHeader, name: string, availableBytes: number | null): void {
  validateImage(h, name, availableBytes, { allow3d: false });
}

/** A TR at or above this, labelled seconds (or unlabelled), is taken to be in ms. */
export const TR_MS_GUESS_THRESHOLD = 100;

/**
 * True when the header's TR is labelled seconds (or has no time units) but
 * is so large (≥ 100) that it must be milliseconds: a common mislabel (e.g.
 * FSL 3.3 and some converters wrote TR 2000 with units "s"). {@link trSeconds}
 * then divides by 1000; a report should say so.
 */
export function trUnitsGuessed(h: NiftiHeader): boolean {
  const u = h.xyztUnits & 0x38;
  return (u === 0 || u === 8) && (h.pixdim[4] ?? 0) >= TR_MS_GUESS_THRESHOLD;
}

/**
 * The repetition time in seconds: pixdim[4] converted by the time units of
 * xyzt_units (s, ms, µs; unknown units are taken as seconds), except that a
 * "seconds" TR of 100 or more is taken as ms (see {@link trUnitsGuessed}).
 * NaN when the time axis is not in time units (Hz, ppm, rad/s).
 */
export function trSeconds(h: NiftiHeader): number {
  const tr = h.pixdim[4] ?? 0;
  switch (h.xyztUnits & 0x38) {
    case 0: // unknown: seconds by convention
    case 8:
      return trUnitsGuessed(h) ? tr / 1000 : tr;
    case 16:
      return tr / 1000;
    case 24:
      return tr / 1e6;
    default:
      return NaN;
  }
}

/**
 * The factor that turns the header's spatial units into mm (metre 1000, mm 1,
 * micron 0.001; unknown units are taken as mm, as SPM and FSL do). The affine
 * is not scaled by it: like other tools, {@link niftiAffine} returns the
 * header's numbers.
 */
export function spatialUnitsToMm(h: NiftiHeader): number {
  switch (h.xyztUnits & 0x07) {
    case 1:
      return 1000;
    case 3:
      return 0.001;
    default:
      return 1;
  }
}
