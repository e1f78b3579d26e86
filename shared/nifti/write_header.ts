/**
 * Writing a NIfTI-1 single-file header (352 bytes: the 348-byte header, then
 * four zero extension bytes; voxels start at 352), little-endian, keeping the
 * geometry of the input's header: qform/sform codes, quaternion, offsets,
 * srow, pixdim (qfac and TR included), units, slice timing and intent. A
 * NIfTI-2 input is converted (its fields are narrowed to NIfTI-1's 16- and
 * 32-bit ones; dimensions must fit a 16-bit integer).
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { datatypeInfo } from "./datatypes.ts";
import type { NiftiHeader } from "./header.ts";

/** Size of the header written by {@link encodeNifti1Header}, and so its vox_offset. */
export const NIFTI1_WRITE_SIZE = 352;

/** What an output header changes relative to its input's header. */
export interface HeaderOverrides {
  /** dim[0..7] (e.g. a different frame count, or a 3-D mean image). */
  dims?: number[];
  /** The output datatype code. */
  datatype?: number;
  /** scl_slope to write. */
  sclSlope?: number;
  /** scl_inter to write. */
  sclInter?: number;
  /** descrip (ASCII, cut to 79 characters). */
  description?: string;
}

function putAscii(dv: DataView, offset: number, size: number, s: string): void {
  const n = Math.min(s.length, size - 1);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    dv.setUint8(offset + i, c >= 32 && c < 127 ? c : 63); // "?" for anything non-ASCII
  }
}

function int16(name: string, field: string, v: number): number {
  if (!Number.isInteger(v) || v < -32768 || v > 32767) {
    throw new InputError(
      name,
      `${field} = ${v} does not fit a NIfTI-1 header (16-bit integer, at most 32767)`,
    );
  }
  return v;
}

/**
 * Encodes a 352-byte NIfTI-1 single-file header ("n+1", vox_offset 352, no
 * extensions), little-endian, from `h` with `over` applied. bitpix follows the
 * datatype; cal_min/cal_max are 0 (the values changed); glmin/glmax 0.
 * Throws an {@link InputError} when a value does not fit NIfTI-1 (a NIfTI-2
 * dimension above 32767) or the datatype is not supported.
 */
export function encodeNifti1Header(h: NiftiHeader, over: HeaderOverrides = {}): Uint8Array {
  const who = "output header";
  const dims = over.dims ?? h.dims;
  const datatype = over.datatype ?? h.datatype;
  const t = datatypeInfo(datatype, who);
  if (dims.length !== 8) throw new Error(`${who}: dims must have 8 entries, got ${dims.length}`);
  const out = new Uint8Array(NIFTI1_WRITE_SIZE);
  const dv = new DataView(out.buffer);
  const f32 = (o: number, v: number) => dv.setFloat32(o, v, true);
  const i16 = (o: number, field: string, v: number) => dv.setInt16(o, int16(who, field, v), true);

  dv.setInt32(0, 348, true);
  dv.setUint8(38, 0x72); // regular = 'r'
  dv.setUint8(39, h.dimInfo & 0xff);
  for (let i = 0; i < 8; i++) i16(40 + 2 * i, `dim[${i}]`, dims[i]!);
  f32(56, h.intentP[0]);
  f32(60, h.intentP[1]);
  f32(64, h.intentP[2]);
  i16(68, "intent_code", h.intentCode);
  i16(70, "datatype", datatype);
  i16(72, "bitpix", t.bytes * 8);
  i16(74, "slice_start", h.sliceStart);
  for (let i = 0; i < 8; i++) f32(76 + 4 * i, h.pixdim[i] ?? 0);
  f32(108, NIFTI1_WRITE_SIZE);
  f32(112, over.sclSlope ?? h.sclSlope);
  f32(116, over.sclInter ?? h.sclInter);
  i16(120, "slice_end", h.sliceEnd);
  dv.setUint8(122, h.sliceCode & 0xff);
  dv.setUint8(123, h.xyztUnits & 0xff);
  f32(124, 0); // cal_max
  f32(128, 0); // cal_min
  f32(132, h.sliceDuration);
  f32(136, h.toffset);
  putAscii(dv, 148, 80, over.description ?? h.description);
  putAscii(dv, 228, 24, h.auxFile);
  i16(252, "qform_code", h.qformCode);
  i16(254, "sform_code", h.sformCode);
  f32(256, h.quatern[0]);
  f32(260, h.quatern[1]);
  f32(264, h.quatern[2]);
  f32(268, h.qoffset[0]);
  f32(272, h.qoffset[1]);
  f32(276, h.qoffset[2]);
  for (let i = 0; i < 12; i++) f32(280 + 4 * i, h.srow[i] ?? 0);
  putAscii(dv, 328, 16, h.intentName);
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"; bytes 348..351 (extension) stay 0
  return out;
}
