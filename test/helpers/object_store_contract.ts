/**
 * The {@link ObjectStore} port's contract as one suite of `Deno.test`s, run
 * against every adapter that can run here (the local folder, an S3-compatible
 * server): whole and ranged reads, absent keys, byte and stream puts (a
 * stream longer than several multipart parts, one shorter than a part, an
 * empty one), a failing stream that leaves nothing under the key (nor
 * replaces what was there), listing by prefix a page at a time, delete.
 *
 * @module
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { deletePrefix, listAll, type ObjectStore } from "../../shared/ports/object_store.ts";

/** A store opened for one test, with the facts the suite needs. */
export interface ContractStore {
  store: ObjectStore;
  /** Objects per `list` page. */
  pageSize: number;
  close(): Promise<void>;
}

/** Deterministic test bytes: byte i is `(i * 31 + seed) % 251` (251 is prime: no short period). */
export function pattern(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) % 251;
  return out;
}

/** `bytes` as a stream of `chunk`-sized pieces (the last shorter). */
export function streamOf(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

/** `bytes` as a stream that errors after delivering them. */
export function failingStream(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.error(new Error("upload cut off"));
      c.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

/** Same bytes, or a message naming the first difference (no per-byte assert on MiBs). */
export function assertSameBytes(actual: Uint8Array | null, expected: Uint8Array, what: string) {
  assert(actual !== null, `${what}: absent`);
  assertEquals(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      throw new Error(`${what}: byte ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

async function readAll(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/**
 * Register the contract tests for one adapter. `bigStream` is the byte length
 * of the long stream put: for a multipart adapter, more than two parts.
 */
export function objectStoreContract(
  name: string,
  open: () => Promise<ContractStore>,
  opts: { bigStream: number },
): void {
  const test = (what: string, fn: (c: ContractStore) => Promise<void>) =>
    Deno.test(`${name}: ${what}`, async () => {
      const c = await open();
      try {
        await fn(c);
      } finally {
        await c.close();
      }
    });

  test("bytes put, whole and ranged get, head, absent keys, overwrite", async ({ store }) => {
    const bytes = pattern(1000);
    await store.put("a/b/obj.bin", bytes);
    assertSameBytes(await store.get("a/b/obj.bin"), bytes, "whole");
    assertEquals(await store.head("a/b/obj.bin"), { key: "a/b/obj.bin", size: 1000 });
    assertSameBytes(
      await store.get("a/b/obj.bin", { offset: 0, length: 1 }),
      bytes.slice(0, 1),
      "first",
    );
    assertSameBytes(
      await store.get("a/b/obj.bin", { offset: 999, length: 1 }),
      bytes.slice(999),
      "last byte",
    );
    assertSameBytes(
      await store.get("a/b/obj.bin", { offset: 313, length: 400 }),
      bytes.slice(313, 713),
      "middle",
    );
    assertSameBytes(
      await store.get("a/b/obj.bin", { offset: 0, length: 1000 }),
      bytes,
      "range = whole",
    );
    assertEquals((await store.get("a/b/obj.bin", { offset: 500, length: 0 }))?.length, 0);
    // a buffer to read into (the store may use it or its own): the bytes are the range either way
    const into = new Uint8Array(500).fill(0xee);
    assertSameBytes(
      await store.get("a/b/obj.bin", { offset: 100, length: 300, into }),
      bytes.slice(100, 400),
      "range read into a buffer",
    );
    await assertRejects(() => store.get("a/b/obj.bin", { offset: 990, length: 20 }), RangeError);
    assertSameBytes(await readAll((await store.getStream("a/b/obj.bin"))!), bytes, "stream");

    assertEquals(await store.get("a/b/none"), null);
    assertEquals(await store.get("a/b/none", { offset: 0, length: 4 }), null);
    assertEquals(await store.getStream("a/b/none"), null);
    assertEquals(await store.head("a/b/none"), null);

    const next = pattern(10, 99);
    await store.put("a/b/obj.bin", next);
    assertSameBytes(await store.get("a/b/obj.bin"), next, "overwritten");
    assertEquals((await store.head("a/b/obj.bin"))?.size, 10);
    await store.put("a/empty", new Uint8Array(0));
    assertEquals(await store.head("a/empty"), { key: "a/empty", size: 0 });
    assertEquals((await store.get("a/empty"))?.length, 0);
  });

  test(`stream put of ${opts.bigStream} bytes in uneven chunks, a short and an empty stream`, async ({ store }) => {
    const big = pattern(opts.bigStream, 3);
    await store.put("s/big", streamOf(big, 65537));
    assertEquals(await store.head("s/big"), { key: "s/big", size: big.length });
    assertSameBytes(await store.get("s/big"), big, "big");
    assertSameBytes(await readAll((await store.getStream("s/big"))!), big, "big stream");
    const at = big.length - 5000;
    assertSameBytes(
      await store.get("s/big", { offset: at, length: 5000 }),
      big.slice(at),
      "big tail",
    );

    const small = pattern(70000, 5);
    await store.put("s/small", streamOf(small, 4096));
    assertSameBytes(await store.get("s/small"), small, "small");
    await store.put("s/empty", streamOf(new Uint8Array(0), 1));
    assertEquals(await store.head("s/empty"), { key: "s/empty", size: 0 });
  });

  test("a failing stream leaves no object, and does not replace an old one", async ({ store }) => {
    const bytes = pattern(opts.bigStream, 11);
    await assertRejects(() => store.put("f/cut", failingStream(bytes, 1 << 20)), "upload cut off");
    assertEquals(await store.head("f/cut"), null);
    assertEquals(await store.get("f/cut"), null);
    await assertRejects(() => store.put("f/short", failingStream(pattern(1000), 100)));
    assertEquals(await store.head("f/short"), null);
    assertEquals(await listAll(store, "f/"), []);

    const old = pattern(500, 1);
    await store.put("f/old", old);
    await assertRejects(() => store.put("f/old", failingStream(bytes, 1 << 20)));
    assertSameBytes(await store.get("f/old"), old, "old object");
  });

  test("list by prefix a page at a time, in key order; delete; deletePrefix", async (c) => {
    const { store, pageSize } = c;
    const n = 2 * pageSize + 1;
    const keys = Array.from({ length: n }, (_, i) => `l/k${String(i).padStart(5, "0")}`);
    const sizes = new Map(keys.map((k, i) => [k, i % 7]));
    // writes in reverse order, so key order is not write order
    for (let i = n - 1; i >= 0; i -= 8) {
      await Promise.all(
        keys.slice(Math.max(0, i - 7), i + 1).map((k) => store.put(k, pattern(sizes.get(k)!))),
      );
    }
    await store.put("l/sub/x", pattern(3));
    await store.put("lx", pattern(2));
    await store.put("m/k00000", pattern(2));

    const first = await store.list("l/");
    assertEquals(first.objects.length, pageSize);
    assert(first.cursor !== undefined, "first page has a cursor");
    assertEquals(first.objects[0], { key: "l/k00000", size: 0 });
    const second = await store.list("l/", first.cursor);
    assertEquals(second.objects[0]?.key, keys[pageSize]);

    const all = await listAll(store, "l/");
    assertEquals(all, [...keys.map((key) => ({ key, size: sizes.get(key)! })), {
      key: "l/sub/x",
      size: 3,
    }]);
    assertEquals((await listAll(store, "l")).length, n + 2); // "lx" too
    assertEquals((await listAll(store, "l/k0000")).map((o) => o.key), keys.slice(0, 10));
    assertEquals(await listAll(store, "nothing/"), []);

    await store.delete("lx");
    await store.delete("lx"); // absent: not an error
    await store.delete("never/was");
    assertEquals(await store.head("lx"), null);
    await deletePrefix(store, "l/");
    assertEquals(await listAll(store, "l"), []);
    assertEquals(await listAll(store, "m/"), [{ key: "m/k00000", size: 2 }]);
  });
}
