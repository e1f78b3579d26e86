/**
 * Voxel decoding: stored NIfTI values (any supported datatype, either byte
 * order) → Float32Array, with scl_slope/scl_inter applied. When the byte
 * order matches the platform the bytes are viewed as the typed array (copied
 * first only if misaligned); otherwise a DataView reads them.
 *
 * @example Decode two big-endian int16 values with scaling
 * ```ts
 * import { decodeVoxels } from "./decode.ts";
 *
 * const out = new Float32Array(2);
 * decodeVoxels(new Uint8Array([0, 1, 0xff, 0xfe]), 4, false, 2, 10, out);
 * if (out[0] !== 12 || out[1] !== 6) throw new Error(`got ${out}`);
 * ```
 *
 * @module
 */

import { bytesPerVoxel, DT } from "./datatypes.ts";

/** True on little-endian platforms (all that Deno and Workers run on, in practice). */
export const PLATFORM_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type NumArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/** A typed-array view of `src` (copied to an aligned buffer when `src` is misaligned). */
function view(src: Uint8Array, datatype: number, n: number): NumArray {
  const bpv = bytesPerVoxel(datatype);
  let buf = src.buffer as ArrayBuffer;
  let off = src.byteOffset;
  if (off % bpv !== 0) {
    const c = src.slice(0, n * bpv);
    buf = c.buffer;
    off = 0;
  }
  switch (datatype) {
    case DT.UINT8:
      return new Uint8Array(buf, off, n);
    case DT.INT8:
      return new Int8Array(buf, off, n);
    case DT.INT16:
      return new Int16Array(buf, off, n);
    case DT.UINT16:
      return new Uint16Array(buf, off, n);
    case DT.INT32:
      return new Int32Array(buf, off, n);
    case DT.UINT32:
      return new Uint32Array(buf, off, n);
    case DT.FLOAT32:
      return new Float32Array(buf, off, n);
    default:
      return new Float64Array(buf, off, n);
  }
}

/** Reads `n` values of `datatype` through a DataView (any byte order, any alignment). */
function decodeDataView(
  src: Uint8Array,
  datatype: number,
  le: boolean,
  slope: number,
  inter: number,
  out: Float32Array,
): void {
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const n = out.length;
  switch (datatype) {
    case DT.INT16:
      for (let i = 0, p = 0; i < n; i++, p += 2) out[i] = dv.getInt16(p, le) * slope + inter;
      break;
    case DT.UINT16:
      for (let i = 0, p = 0; i < n; i++, p += 2) out[i] = dv.getUint16(p, le) * slope + inter;
      break;
    case DT.INT32:
      for (let i = 0, p = 0; i < n; i++, p += 4) out[i] = dv.getInt32(p, le) * slope + inter;
      break;
    case DT.UINT32:
      for (let i = 0, p = 0; i < n; i++, p += 4) out[i] = dv.getUint32(p, le) * slope + inter;
      break;
    case DT.FLOAT32:
      for (let i = 0, p = 0; i < n; i++, p += 4) out[i] = dv.getFloat32(p, le) * slope + inter;
      break;
    case DT.FLOAT64:
      for (let i = 0, p = 0; i < n; i++, p += 8) out[i] = dv.getFloat64(p, le) * slope + inter;
      break;
    case DT.INT8:
      for (let i = 0; i < n; i++) out[i] = dv.getInt8(i) * slope + inter;
      break;
    default:
      for (let i = 0; i < n; i++) out[i] = src[i]! * slope + inter;
  }
}

/**
 * Decodes `out.length` voxels of `datatype` from `src` into `out`:
 * `out[i] = stored[i] * slope + inter`. A slope of 0 (or a non-finite slope)
 * means unscaled, as NIfTI says; a non-finite intercept counts as 0. NaN and
 * infinities in float data pass through. `src` must hold at least
 * `out.length * bytesPerVoxel` bytes. Throws on an unsupported datatype.
 */
export function decodeVoxels(
  src: Uint8Array,
  datatype: number,
  littleEndian: boolean,
  slope: number,
  inter: number,
  out: Float32Array,
): void {
  const bpv = bytesPerVoxel(datatype);
  const n = out.length;
  if (src.length < n * bpv) {
    throw new RangeError(
      `Cannot decode ${n} voxels: ${src.length} bytes given, ${n * bpv} needed`,
    );
  }
  let s = slope;
  let b = inter;
  if (s === 0 || !Number.isFinite(s)) {
    s = 1;
    b = 0;
  }
  if (!Number.isFinite(b)) b = 0;
  if (bpv > 1 && littleEndian !== PLATFORM_LITTLE_ENDIAN) {
    decodeDataView(src, datatype, littleEndian, s, b, out);
    return;
  }
  const v = view(src, datatype, n);
  if (s === 1 && b === 0) {
    out.set(v); // numeric conversion done by the engine, element by element
    return;
  }
  for (let i = 0; i < n; i++) out[i] = v[i]! * s + b;
}
