import { assertEquals } from "../../helpers/assert.ts";
import { equalParts } from "../../../shared/ports/equal_parts.ts";

function streamOf(chunks: number[]): ReadableStream<Uint8Array> {
  let v = 0;
  return ReadableStream.from(chunks.map((n) => Uint8Array.from({ length: n }, () => v++ & 255)));
}

Deno.test("equalParts: full parts, then the remainder; bytes in order", async () => {
  for (
    const [chunks, want] of [
      [[3, 9, 1], [5, 5, 3]], // 13 bytes
      [[10], [5, 5, 0]], // an exact multiple ends with an empty remainder
      [[], [0]], // an empty stream is one empty remainder
      [[2, 2], [4]],
    ] as [number[], number[]][]
  ) {
    const parts: Uint8Array[] = [];
    for await (const p of equalParts(streamOf(chunks), 5)) parts.push(p.slice());
    assertEquals(parts.map((p) => p.length), want, `chunks ${chunks}`);
    const all = parts.flatMap((p) => Array.from(p));
    assertEquals(all, all.map((_, i) => i & 255), `chunks ${chunks}: bytes in order`);
  }
});

Deno.test("equalParts: a consumer that stops early cancels the stream", async () => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(new Uint8Array(4));
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const _ of equalParts(body, 8)) break;
  assertEquals(cancelled, true);
});
