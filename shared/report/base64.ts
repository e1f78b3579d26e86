/**
 * Standard base64 (RFC 4648 §4, with `=` padding) of a byte array, for
 * `data:` URIs. Writes ASCII bytes into one buffer and decodes it once, so a
 * megabyte image costs no per-character string building (`btoa` needs a
 * "binary string" first, built a character at a time).
 *
 * @example
 * ```ts
 * import { base64Encode } from "./base64.ts";
 *
 * if (base64Encode(new TextEncoder().encode("Man")) !== "TWFu") throw new Error();
 * ```
 *
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const CODES: Uint8Array = new TextEncoder().encode(ALPHABET);
const PAD = 61; // "="

/** The base64 text of `bytes`. */
export function base64Encode(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  const c = CODES;
  let i = 0, o = 0;
  const whole = n - (n % 3);
  for (; i < whole; i += 3, o += 4) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o] = c[v >>> 18]!;
    out[o + 1] = c[(v >>> 12) & 63]!;
    out[o + 2] = c[(v >>> 6) & 63]!;
    out[o + 3] = c[v & 63]!;
  }
  if (n - whole === 1) {
    const v = bytes[i]! << 16;
    out[o] = c[v >>> 18]!;
    out[o + 1] = c[(v >>> 12) & 63]!;
    out[o + 2] = PAD;
    out[o + 3] = PAD;
  } else if (n - whole === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out[o] = c[v >>> 18]!;
    out[o + 1] = c[(v >>> 12) & 63]!;
    out[o + 2] = c[(v >>> 6) & 63]!;
    out[o + 3] = PAD;
  }
  return new TextDecoder().decode(out);
}
