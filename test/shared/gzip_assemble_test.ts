/**
 * gzip assembly from sync-flushed raw-deflate parts (pure adapter only; the
 * node:zlib adapter, mixing, and an external reader are in
 * test/infra/zlib_compression_test.ts). Truth: the bytes the parts were made
 * from, read back by the web-standard DecompressionStream.
 */
import { crc32 } from "../../shared/crc32.ts";
import {
  assembleGzip,
  DEFAULT_DEFLATE_LEVEL,
  deflatePart,
  GZIP_FINAL_EMPTY_BLOCK,
  gzipHeader,
  type GzipPart,
  gzipTrailer,
} from "../../shared/gzip_assemble.ts";
import { pakoCompression } from "../../shared/pako_compression.ts";
import pako from "pako";
import { assert, assertEquals, assertRejects, assertThrows } from "../helpers/assert.ts";

/** Fast byte comparison with the first differing offset in the message. */
function assertBytes(actual: Uint8Array, expected: Uint8Array, msg: string): void {
  if (actual.length !== expected.length) {
    throw new Error(`${msg}: length ${actual.length}, expected ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      throw new Error(`${msg}: byte ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/** Noisy int16-like bytes: a smooth "image" plus noise, some zero background. */
function imageBytes(n: number, seed: number): Uint8Array {
  const v = new Int16Array(n >>> 1);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < v.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const inside = (i % 97) > 20;
    v[i] = inside ? 800 + Math.round(300 * Math.sin(i / 50)) + (s & 31) : 0;
  }
  const out = new Uint8Array(n);
  out.set(new Uint8Array(v.buffer));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A stream of `bytes` in chunks of `size`. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array<ArrayBuffer>> {
  let at = 0;
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function gunzipWeb(gz: Uint8Array): Promise<Uint8Array> {
  return collect(chunked(gz, 4096).pipeThrough(new DecompressionStream("gzip")));
}

/** Split `raw` into `n` uneven slabs (the frame-range rule: the first takes the remainder). */
function split(raw: Uint8Array, n: number): Uint8Array[] {
  const unit = Math.floor(raw.length / n), remain = raw.length % n;
  const out: Uint8Array[] = [];
  for (let r = 0; r < n; r++) {
    const start = r === 0 ? 0 : r * unit + remain;
    out.push(raw.subarray(start, (r + 1) * unit + remain));
  }
  return out;
}

Deno.test("gzipHeader and gzipTrailer: exact bytes", () => {
  assertEquals(Array.from(gzipHeader()), [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
  assertEquals(
    Array.from(gzipHeader(0x5f5e1000)),
    [0x1f, 0x8b, 8, 0, 0x00, 0x10, 0x5e, 0x5f, 0, 255],
  );
  assertThrows(() => gzipHeader(-1), RangeError);
  assertThrows(() => gzipHeader(2 ** 32), RangeError);
  assertEquals(Array.from(gzipTrailer(0xcbf43926, 9)), [0x26, 0x39, 0xf4, 0xcb, 9, 0, 0, 0]);
  // ISIZE is the length mod 2^32: 5 GiB + 3 → 1 GiB + 3.
  assertEquals(
    Array.from(gzipTrailer(0, 5 * 2 ** 30 + 3)),
    [0, 0, 0, 0, 3, 0, 0, 0x40],
  );
  assertThrows(() => gzipTrailer(0, -1), RangeError);
});

Deno.test("GZIP_FINAL_EMPTY_BLOCK ends a raw deflate stream with no output", async () => {
  const sync = await pakoCompression.deflateSync(new TextEncoder().encode("abc"));
  const raw = concat([sync, GZIP_FINAL_EMPTY_BLOCK]);
  const out = await collect(chunked(raw, 3).pipeThrough(new DecompressionStream("deflate-raw")));
  assertEquals(new TextDecoder().decode(out), "abc");
  // The empty final block alone is a complete, empty deflate stream.
  assertEquals(pako.inflateRaw(GZIP_FINAL_EMPTY_BLOCK).length, 0);
});

Deno.test("pako deflateSync: raw deflate ending in a sync flush, inflates back", async () => {
  for (const n of [0, 1, 352, 100_000]) {
    const raw = imageBytes(n, n + 1);
    for (const level of [1, DEFAULT_DEFLATE_LEVEL, 6]) {
      const d = await pakoCompression.deflateSync(raw, level);
      assertEquals(Array.from(d.subarray(d.length - 4)), [0, 0, 255, 255], `n ${n} level ${level}`);
      // Not final: a complete stream once the final empty block is appended.
      const whole = pako.inflateRaw(concat([d, GZIP_FINAL_EMPTY_BLOCK])) as Uint8Array;
      assertBytes(whole, raw, `n ${n} level ${level}`);
    }
  }
  await assertRejects(() => pakoCompression.deflateSync(new Uint8Array(4), 10), RangeError);
});

for (const count of [1, 3, 10]) {
  Deno.test(`assembleGzip: header + ${count} pako parts read back byte for byte`, async () => {
    const header = imageBytes(352, 99);
    const data = imageBytes(count * 40_000 + 1234, count);
    const slabs = split(data, count);
    const head = await deflatePart(pakoCompression, header);
    const parts: GzipPart[] = [head];
    for (const s of slabs) {
      const d = await pakoCompression.deflateSync(s);
      parts.push({ deflated: d, crc32: crc32(s), rawLength: s.length, deflatedLength: d.length });
    }
    const expected = concat([header, data]);

    // Iterable of byte parts.
    const gz = await collect(assembleGzip(parts));
    assertBytes(await gunzipWeb(gz), expected, "from an array of parts");
    const sizeSum = parts.reduce((n, p) => n + (p.deflatedLength ?? 0), 0);
    assertEquals(gz.length, 10 + sizeSum + 2 + 8, "size is header + parts + final block + trailer");

    // Getter form, parts as streams of odd-sized chunks: the same output bytes.
    const gz2 = await collect(
      assembleGzip(parts.length, async (i) => {
        await new Promise((r) => setTimeout(r, 0));
        const p = parts[i]!;
        return { ...p, deflated: chunked(p.deflated as Uint8Array, 777) };
      }),
    );
    assertBytes(gz2, gz, "getter form with streamed parts");

    // An async iterable works too.
    async function* gen(): AsyncGenerator<GzipPart> {
      for (const p of parts) yield p;
    }
    assertBytes(await collect(assembleGzip(gen())), gz, "async iterable form");
  });
}

Deno.test("assembleGzip: empty parts and no parts at all", async () => {
  const a = new TextEncoder().encode("hello, ");
  const b = new TextEncoder().encode("world");
  const empty = await deflatePart(pakoCompression, new Uint8Array(0));
  assertEquals(empty.rawLength, 0);
  const parts: GzipPart[] = [
    empty,
    await deflatePart(pakoCompression, a),
    { deflated: new Uint8Array(0), crc32: 0, rawLength: 0 }, // nothing at all
    empty,
    await deflatePart(pakoCompression, b),
    empty,
  ];
  const out = await gunzipWeb(await collect(assembleGzip(parts)));
  assertEquals(new TextDecoder().decode(out), "hello, world");
  // Zero parts: a valid gzip of nothing.
  const none = await collect(assembleGzip([]));
  assertEquals(none.length, 20);
  assertEquals((await gunzipWeb(none)).length, 0);
  assertEquals((await collect(assembleGzip(0, () => empty))).length, 20);
});

Deno.test("assembleGzip: the trailer carries the combined CRC, so a wrong part CRC is caught by the reader", async () => {
  const a = await deflatePart(pakoCompression, imageBytes(5000, 1));
  const good = await collect(assembleGzip([a, a]));
  const trailer = good.subarray(good.length - 8);
  const twice = concat([imageBytes(5000, 1), imageBytes(5000, 1)]);
  assertEquals(
    Array.from(trailer),
    Array.from(gzipTrailer(crc32(twice), twice.length)),
  );
  const bad = await collect(assembleGzip([a, { ...a, crc32: (a.crc32 ^ 1) >>> 0 }]));
  await assertRejects(() => gunzipWeb(bad));
});

Deno.test("assembleGzip: malformed parts error the output stream", async () => {
  const bytes = imageBytes(3000, 4);
  const good = await deflatePart(pakoCompression, bytes);
  // A part ended with Z_FINISH (a final block) would end the member early.
  const finished = pako.deflateRaw(bytes) as Uint8Array;
  await assertRejects(
    () => collect(assembleGzip([{ deflated: finished, crc32: crc32(bytes), rawLength: 3000 }])),
    "sync flush",
  );
  // A streamed part shorter than it claims (a truncated slab object).
  await assertRejects(
    () =>
      collect(assembleGzip([{
        ...good,
        deflated: chunked(good.deflated.subarray(0, good.deflated.length - 10), 100),
      }])),
    "expected",
  );
  // Empty deflate data for non-empty raw bytes.
  await assertRejects(
    () => collect(assembleGzip([{ deflated: new Uint8Array(0), crc32: 0, rawLength: 5 }])),
    "sync flush",
  );
  await assertRejects(() => collect(assembleGzip([{ ...good, crc32: -1 }])), RangeError);
  await assertRejects(() => collect(assembleGzip([{ ...good, rawLength: 1.5 }])), RangeError);
  // A failing getter (a missing slab) rejects the read with its own error.
  await assertRejects(
    () =>
      collect(assembleGzip(3, (i) => {
        if (i === 2) throw new Error("slab 2 missing");
        return good;
      })),
    "slab 2 missing",
  );
  assertThrows(() => assembleGzip(-1, () => good), RangeError);
});

Deno.test("assembleGzip: lazy, one part ahead, and cancel releases the parts", async () => {
  const bytes = imageBytes(20_000, 8);
  const good = await deflatePart(pakoCompression, bytes);
  const requested: number[] = [];
  const cancelled: number[] = [];
  const stream = assembleGzip(5, (i) => {
    requested.push(i);
    const body = chunked(good.deflated, 1000);
    const reader = body.getReader();
    // Wrap so that cancellation is observable.
    const wrapped = new ReadableStream<Uint8Array>({
      async pull(c) {
        const r = await reader.read();
        if (r.done) c.close();
        else c.enqueue(r.value);
      },
      cancel() {
        cancelled.push(i);
        return reader.cancel();
      },
    });
    return { ...good, deflated: wrapped };
  });
  await new Promise((r) => setTimeout(r, 5));
  assertEquals(requested, [], "nothing is requested before the first read");
  const reader = stream.getReader();
  const first = await reader.read();
  assertEquals(Array.from(first.value!), Array.from(gzipHeader()));
  await reader.read(); // first chunk of part 0
  await new Promise((r) => setTimeout(r, 5));
  assertEquals(requested, [0, 1], "part 0 streaming, part 1 prefetched");
  await reader.cancel();
  await new Promise((r) => setTimeout(r, 5));
  assertEquals(cancelled.sort(), [0, 1], "the streaming and the prefetched part are cancelled");
  assert(!requested.includes(2), "no part after the lookahead was requested");

  // lookahead 0: strictly one at a time.
  const seen: number[] = [];
  const s0 = assembleGzip(3, (i) => {
    seen.push(i);
    return good;
  }, { lookahead: 0 });
  const r0 = s0.getReader();
  await r0.read(); // header
  await r0.read(); // part 0
  assertEquals(seen, [0]);
  await r0.cancel();
});
