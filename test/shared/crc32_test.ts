/**
 * CRC-32 against the standard check value, a bit-by-bit reference (every
 * tail length of the slicing-by-8 loop), and crc32Combine against the CRC of
 * the concatenation for random splits, empty parts included, and lengths
 * past 2^32.
 */
import { crc32, crc32Combine } from "../../shared/crc32.ts";
import { assertEquals, assertThrows } from "../helpers/assert.ts";

/** Bit-at-a-time CRC-32 (the definition, no tables). */
function crcBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

Deno.test("crc32: standard check values", () => {
  const enc = new TextEncoder();
  assertEquals(crc32(enc.encode("123456789")), 0xcbf43926);
  assertEquals(crc32(new Uint8Array(0)), 0);
  assertEquals(crc32(enc.encode("a")), 0xe8b7be43);
  assertEquals(crc32(enc.encode("The quick brown fox jumps over the lazy dog")), 0x414fa339);
  // 32 zero bytes and 32 0xff bytes (RFC 3720 uses CRC-32C; these are the IEEE values).
  assertEquals(crc32(new Uint8Array(32)), 0x190a55ad);
  assertEquals(crc32(new Uint8Array(32).fill(0xff)), 0xff6cab0b);
});

Deno.test("crc32: equals the bitwise definition for every length 0..70 and offset", () => {
  const data = randomBytes(100, 7);
  for (let start = 0; start < 9; start++) {
    for (let n = 0; n <= 70; n++) {
      const b = data.subarray(start, start + n);
      assertEquals(crc32(b), crcBitwise(b), `start ${start}, length ${n}`);
    }
  }
});

Deno.test("crc32: continues from a previous CRC", () => {
  const data = randomBytes(1000, 11);
  for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
    const c = crc32(data.subarray(cut), crc32(data.subarray(0, cut)));
    assertEquals(c, crc32(data), `cut at ${cut}`);
  }
});

Deno.test("crc32Combine: equals the CRC of the concatenation for random splits", () => {
  const data = randomBytes(5000, 3);
  const whole = crc32(data);
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  for (let trial = 0; trial < 50; trial++) {
    // 1..8 cuts, duplicates allowed, so some parts are empty.
    const cuts = [0, data.length];
    const k = 1 + rand(8);
    for (let j = 0; j < k; j++) cuts.push(rand(data.length + 1));
    if (trial % 5 === 0) cuts.push(0, data.length); // empty first and last parts
    cuts.sort((a, b) => a - b);
    let c = 0;
    for (let j = 0; j + 1 < cuts.length; j++) {
      const part = data.subarray(cuts[j]!, cuts[j + 1]!);
      c = crc32Combine(c, crc32(part), part.length);
    }
    assertEquals(c, whole, `cuts ${cuts.join(",")}`);
  }
  // Combining with an empty part leaves the CRC unchanged; combining onto 0 keeps crc2.
  assertEquals(crc32Combine(whole, 0, 0), whole);
  assertEquals(crc32Combine(0, whole, data.length), whole);
});

Deno.test("crc32Combine: lengths past 2^32 and up to 2^53 are associative", () => {
  // combine(a,b,Lb) then c: a·x^(8(Lb+Lc)) ⊕ b·x^(8Lc) ⊕ c, whichever way it is grouped,
  // so a length past 2^32 is checked against the sum of two lengths below it.
  const a = 0x12345678, b = 0x9abcdef0, c = 0x0fedcba9;
  const pairs: [number, number][] = [
    [0xffffffff, 1],
    [0xfffffff0, 0x20],
    [3_000_000_000, 3_000_000_000],
    [2 ** 52, 2 ** 52 - 1],
    [123_456_789_012, 987_654_321],
  ];
  for (const [lb, lc] of pairs) {
    const left = crc32Combine(crc32Combine(a, b, lb), c, lc);
    const right = crc32Combine(a, crc32Combine(b, c, lc), lb + lc);
    assertEquals(left, right, `Lb ${lb}, Lc ${lc}`);
  }
  // And a small case of the same identity with real data for contrast.
  const d = randomBytes(300, 5);
  const ab = crc32Combine(crc32(d.subarray(0, 100)), crc32(d.subarray(100, 250)), 150);
  assertEquals(crc32Combine(ab, crc32(d.subarray(250)), 50), crc32(d));
});

Deno.test("crc32Combine: rejects a length that is not a non-negative safe integer", () => {
  assertThrows(() => crc32Combine(0, 0, -1), RangeError, "len2");
  assertThrows(() => crc32Combine(0, 0, 1.5), RangeError, "len2");
  assertThrows(() => crc32Combine(0, 0, 2 ** 53), RangeError, "len2");
});
