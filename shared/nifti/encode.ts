/**
 * Voxel encoding: Float32Array → stored NIfTI values, little-endian, with
 * `stored = (v - inter) / slope`, rounded half up (`floor(x + 0.5)`, 4× faster than
 * `Math.round` here) and clamped for integer
 * types (NaN → 0), and the choice of slope/intercept that makes a value range
 * fit an integer type.
 *
 * @example Encode to int16 with scaling, and back
 * ```ts
 * import { chooseScaling, encodeVoxels } from "./encode.ts";
 * import { decodeVoxels } from "./decode.ts";
 *
 * const v = new Float32Array([-1, 0, 0.5, 1]);
 * const { slope, inter } = chooseScaling(4, -1, 1);
 * const bytes = new Uint8Array(8);
 * encodeVoxels(v, 4, slope, inter, bytes);
 * const back = new Float32Array(4);
 * decodeVoxels(bytes, 4, true, slope, inter, back);
 * if (Math.abs(back[2] - 0.5) > slope) throw new Error(`got ${back}`);
 * ```
 *
 * @module
 */

import { datatypeInfo, DT } from "./datatypes.ts";
import { PLATFORM_LITTLE_ENDIAN } from "./decode.ts";

/**
 * Encodes `src` as `datatype` into `out` (little-endian, at least
 * `src.length * bytesPerVoxel` bytes). Integer types: `round((v - inter) /
 * slope)` clamped to the type's range, NaN → 0, +Inf → max, -Inf → min.
 * Float types store `(v - inter) / slope` (NaN and Inf kept). A slope of 0
 * or a non-finite slope means unscaled.
 */
export function encodeVoxels(
  src: Float32Array,
  datatype: number,
  slope: number,
  inter: number,
  out: Uint8Array,
): void {
  const t = datatypeInfo(datatype, "output datatype");
  const n = src.length;
  if (out.length < n * t.bytes) {
    throw new RangeError(
      `Cannot encode ${n} voxels: ${out.length} bytes of room, ${n * t.bytes} needed`,
    );
  }
  let s = slope;
  let b = inter;
  if (s === 0 || !Number.isFinite(s)) {
    s = 1;
    b = 0;
  }
  if (!Number.isFinite(b)) b = 0;
  const inv = 1 / s;
  const lo = t.min;
  const hi = t.max;
  const aligned = PLATFORM_LITTLE_ENDIAN && out.byteOffset % t.bytes === 0;
  const buf = out.buffer as ArrayBuffer;
  const off = out.byteOffset;

  if (!t.integer) {
    if (aligned) {
      const v = datatype === DT.FLOAT32
        ? new Float32Array(buf, off, n)
        : new Float64Array(buf, off, n);
      if (s === 1 && b === 0) v.set(src);
      else for (let i = 0; i < n; i++) v[i] = (src[i]! - b) * inv;
      return;
    }
    const dv = new DataView(buf, off, n * t.bytes);
    if (datatype === DT.FLOAT32) {
      for (let i = 0; i < n; i++) dv.setFloat32(4 * i, (src[i]! - b) * inv, true);
    } else {
      for (let i = 0; i < n; i++) dv.setFloat64(8 * i, (src[i]! - b) * inv, true);
    }
    return;
  }

  if (aligned || t.bytes === 1) {
    let v: Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
    switch (datatype) {
      case DT.UINT8:
        v = new Uint8Array(buf, off, n);
        break;
      case DT.INT8:
        v = new Int8Array(buf, off, n);
        break;
      case DT.INT16:
        v = new Int16Array(buf, off, n);
        break;
      case DT.UINT16:
        v = new Uint16Array(buf, off, n);
        break;
      case DT.INT32:
        v = new Int32Array(buf, off, n);
        break;
      default:
        v = new Uint32Array(buf, off, n);
    }
    for (let i = 0; i < n; i++) {
      let x = Math.floor((src[i]! - b) * inv + 0.5);
      if (x < lo) x = lo;
      else if (x > hi) x = hi;
      else if (x !== x) x = 0; // NaN
      v[i] = x;
    }
    return;
  }
  const dv = new DataView(buf, off, n * t.bytes);
  for (let i = 0; i < n; i++) {
    let x = Math.floor((src[i]! - b) * inv + 0.5);
    if (x < lo) x = lo;
    else if (x > hi) x = hi;
    else if (x !== x) x = 0;
    switch (datatype) {
      case DT.INT16:
        dv.setInt16(2 * i, x, true);
        break;
      case DT.UINT16:
        dv.setUint16(2 * i, x, true);
        break;
      case DT.INT32:
        dv.setInt32(4 * i, x, true);
        break;
      default:
        dv.setUint32(4 * i, x, true);
    }
  }
}

/** Slope and intercept for {@link encodeVoxels}. */
export interface Scaling {
  /** scl_slope (exactly representable as float32, as the header stores it). */
  slope: number;
  /** scl_inter (float32-exact). */
  inter: number;
}

/**
 * Slope and intercept so that values in [min, max] fit `datatype` without
 * clipping. Float types, and integer types whose range already holds
 * [min, max], get slope 1, intercept 0 (integer data stays exact). Otherwise
 * the intercept is 0 when the type can hold both signs of the range (so 0
 * stays exactly 0), else min; the slope spreads the range over the type's
 * full range. Non-finite or empty ranges give slope 1, intercept 0.
 */
export function chooseScaling(datatype: number, min: number, max: number): Scaling {
  const t = datatypeInfo(datatype, "output datatype");
  if (!t.integer || !Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    return { slope: 1, inter: 0 };
  }
  if (min >= t.min && max <= t.max) return { slope: 1, inter: 0 };
  let inter = 0;
  let slope: number;
  if (min >= 0 || t.min < 0) {
    slope = Math.max(max > 0 ? max / t.max : 0, min < 0 ? min / t.min : 0);
  } else {
    // unsigned type, negative values: shift the range to start at the type's 0
    inter = Math.fround(min);
    if (inter > min) inter = Math.fround(min - Math.abs(min) * 2 ** -22);
    slope = (max - inter) / t.max;
  }
  // The header stores float32: round up so that the range still fits after rounding.
  let s = Math.fround(slope);
  while ((max - inter) / s > t.max || (min - inter) / s < t.min) {
    s = Math.fround(s * (1 + 2 ** -23));
  }
  return { slope: s, inter };
}
