/**
 * Stored Float64 sums (partial sums, report parts) read back without a copy.
 *
 * @module
 */
/** `bytes` as little-endian Float64 values: a view when aligned, else a copy. */
export function float64View(bytes: Uint8Array): Float64Array {
  if (bytes.byteOffset % 8 === 0 && bytes.byteLength % 8 === 0) {
    return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  }
  return new Float64Array(bytes.slice().buffer);
}
