/**
 * The node:zlib compression adapter: sync-flushed raw deflate, gzip assembled
 * from its parts (alone and mixed with the pako adapter's) read back by
 * DecompressionStream, by this adapter's gunzip and by an external reader
 * (python3's gzip module), multi-member input, and broken input.
 */
import zlib from "node:zlib";
import { crc32 } from "../../shared/crc32.ts";
import {
  assembleGzip,
  deflatePart,
  GZIP_FINAL_EMPTY_BLOCK,
  type GzipPart,
} from "../../shared/gzip_assemble.ts";
import { pakoCompression } from "../../shared/pako_compression.ts";
import type { Compression } from "../../shared/ports/compression.ts";
import { zlibCompression } from "../../infra/deno/zlib_compression.ts";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";

const RUN = new URL("../data/real_fmri_17x21x3x20.nii.gz", import.meta.url);

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

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

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

function gunzipWith(c: Compression, gz: Uint8Array, chunk = 4096): Promise<Uint8Array> {
  return collect(chunked(gz, chunk).pipeThrough(c.gunzip()));
}

function gunzipWeb(gz: Uint8Array): Promise<Uint8Array> {
  return collect(chunked(gz, 4096).pipeThrough(new DecompressionStream("gzip")));
}

async function sha256(b: Uint8Array): Promise<string> {
  const h = await crypto.subtle.digest("SHA-256", b.slice().buffer);
  return Array.from(new Uint8Array(h), (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Length and SHA-256 of the file's contents as python3's gzip module reads them. */
async function pythonGunzip(path: string): Promise<{ length: number; sha256: string }> {
  const script = "import gzip,hashlib,sys\n" +
    "d=gzip.open(sys.argv[1]).read()\n" +
    "print(len(d), hashlib.sha256(d).hexdigest())";
  const out = await new Deno.Command("python3", { args: ["-c", script, path] }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) throw new Error(`python3 failed: ${new TextDecoder().decode(out.stderr)}`);
  const [length, hash] = text.split(" ");
  return { length: Number(length), sha256: hash! };
}

/** The real run, decompressed; its header (vox_offset bytes) and frames. */
async function realRun(): Promise<{ header: Uint8Array; frames: Uint8Array[] }> {
  const raw = new Uint8Array(zlib.gunzipSync(await Deno.readFile(RUN)));
  const view = new DataView(raw.buffer, raw.byteOffset);
  const voxOffset = view.getFloat32(108, true);
  const [nx, ny, nz, nt] = [1, 2, 3, 4].map((k) => view.getInt16(40 + 2 * k, true));
  const frameBytes = nx! * ny! * nz! * 2;
  assertEquals([nx, ny, nz, nt, raw.length], [17, 21, 3, 20, voxOffset + frameBytes * 20]);
  const frames: Uint8Array[] = [];
  for (let t = 0; t < nt!; t++) {
    frames.push(raw.subarray(voxOffset + t * frameBytes, voxOffset + (t + 1) * frameBytes));
  }
  return { header: raw.subarray(0, voxOffset), frames };
}

/** Frame ranges by the design's rule (range 0 takes the remainder). */
function ranges(n: number, size: number): [number, number][] {
  const unit = Math.floor(n / size), remain = n % size;
  const out: [number, number][] = [];
  for (let r = 0; r < size; r++) {
    out.push([r === 0 ? 0 : r * unit + remain, (r + 1) * unit + remain]);
  }
  return out;
}

Deno.test("zlib deflateSync: raw deflate ending in a sync flush, inflates back", async () => {
  const { frames } = await realRun();
  const data = concat(frames);
  for (const bytes of [new Uint8Array(0), data.subarray(0, 1), data]) {
    for (const level of [1, 2, 3, 6]) {
      const d = await zlibCompression.deflateSync(bytes, level);
      assertEquals(Array.from(d.subarray(d.length - 4)), [0, 0, 255, 255], `level ${level}`);
      const back = zlib.inflateRawSync(concat([d, GZIP_FINAL_EMPTY_BLOCK]));
      assertBytes(new Uint8Array(back), bytes, `level ${level}, ${bytes.length} bytes`);
    }
  }
  // This tiny run is all brain and noise (level 6 saves only ~4%); the default level stays
  // within 2% of level 6's size and below the raw size.
  const d = await zlibCompression.deflateSync(data);
  const d6 = await zlibCompression.deflateSync(data, 6);
  assert(d.length < data.length && d.length < d6.length * 1.02, `sizes ${d.length}, ${d6.length}`);
  await assertRejects(() => zlibCompression.deflateSync(data, 11), RangeError);
});

Deno.test("zlib gunzip: the real run, fed in small and large chunks", async () => {
  const gz = await Deno.readFile(RUN);
  const expected = new Uint8Array(zlib.gunzipSync(gz));
  for (const chunk of [7, 4096, gz.length]) {
    assertBytes(await gunzipWith(zlibCompression, gz, chunk), expected, `chunks of ${chunk}`);
  }
  assertBytes(await gunzipWith(pakoCompression, gz), expected, "pako adapter");
});

for (const slabCount of [1, 3, 10]) {
  Deno.test(`real run as header + ${slabCount} slabs: zlib, pako and mixed parts, three readers`, async () => {
    const { header, frames } = await realRun();
    const expected = concat([header, ...frames]);
    const dir = await Deno.makeTempDir({ prefix: "gzip_assemble_" });
    try {
      const makers: [string, (k: number) => Compression][] = [
        ["zlib", () => zlibCompression],
        ["pako", () => pakoCompression],
        ["mixed", (k) => (k % 2 === 0 ? zlibCompression : pakoCompression)],
      ];
      for (const [name, adapter] of makers) {
        const parts: GzipPart[] = [await deflatePart(adapter(1), header)];
        for (const [k, [start, end]] of ranges(frames.length, slabCount).entries()) {
          const slab = concat(frames.slice(start, end));
          const d = await adapter(k).deflateSync(slab);
          parts.push({ deflated: d, crc32: crc32(slab), rawLength: slab.length });
        }
        // Served like slab objects from a store: one stream per part, fetched lazily.
        const gz = await collect(
          assembleGzip(parts.length, (i) => ({
            ...parts[i]!,
            deflated: chunked(parts[i]!.deflated as Uint8Array, 1500),
          })),
        );
        assertBytes(await gunzipWeb(gz), expected, `${name}: DecompressionStream`);
        assertBytes(await gunzipWith(zlibCompression, gz, 999), expected, `${name}: zlib gunzip`);
        assertBytes(new Uint8Array(zlib.gunzipSync(gz)), expected, `${name}: zlib.gunzipSync`);
        const path = `${dir}/${name}.nii.gz`;
        await Deno.writeFile(path, gz);
        const py = await pythonGunzip(path);
        assertEquals(
          py,
          { length: expected.length, sha256: await sha256(expected) },
          `${name}: python3`,
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("multi-member gzip: read whole by the zlib adapter, never cut short by the pako one", async () => {
  const { header, frames } = await realRun();
  const a = concat([header, ...frames.slice(0, 7)]);
  const b = concat(frames.slice(7));
  const gz = concat([zlib.gzipSync(a), zlib.gzipSync(b), zlib.gzipSync(new Uint8Array(0))]);
  for (const chunk of [13, 100_000]) {
    assertBytes(await gunzipWith(zlibCompression, gz, chunk), concat([a, b]), `chunks of ${chunk}`);
  }
  // The pure adapter reads one member only: it must fail loudly, not return member 1 alone.
  let got: Uint8Array | null = null;
  try {
    got = await gunzipWith(pakoCompression, gz);
  } catch {
    got = null;
  }
  if (got !== null) assertBytes(got, concat([a, b]), "pako adapter returned data, so all of it");
});

Deno.test("broken gzip input errors the gunzip stream (both adapters)", async () => {
  const gz = await Deno.readFile(RUN);
  const truncated = gz.subarray(0, Math.floor(gz.length * 0.6));
  const noTrailer = gz.subarray(0, gz.length - 4);
  const corrupt = gz.slice();
  corrupt[Math.floor(gz.length / 2)]! ^= 0x55;
  const notGzip = new TextEncoder().encode("this is not a gzip file at all");
  for (const [name, c] of [["zlib", zlibCompression], ["pako", pakoCompression]] as const) {
    await assertRejects(() => gunzipWith(c, truncated), undefined, undefined, `${name} truncated`);
    await assertRejects(() => gunzipWith(c, noTrailer), undefined, undefined, `${name} no trailer`);
    await assertRejects(() => gunzipWith(c, corrupt), undefined, undefined, `${name} corrupt`);
    await assertRejects(() => gunzipWith(c, notGzip), undefined, undefined, `${name} not gzip`);
  }
  const err = await assertRejects(() => gunzipWith(zlibCompression, truncated));
  assert(/unexpected end|end of file/i.test(err.message), `zlib says why: ${err.message}`);
});

Deno.test("zlib gunzip: cancelling the output mid-stream stops cleanly", async () => {
  const big = zlib.gzipSync(new Uint8Array(8 << 20)); // 8 MiB of zeros, ~8 KB compressed
  const reader = chunked(big, 1024).pipeThrough(zlibCompression.gunzip()).getReader();
  const first = await reader.read();
  assert(!first.done && first.value.length > 0 && first.value.every((b) => b === 0));
  await reader.cancel("enough");
  await new Promise((r) => setTimeout(r, 20)); // an enqueue after cancel would throw here
  // And the adapter still works afterwards (each gunzip() is independent).
  const gz = zlib.gzipSync(new TextEncoder().encode("still fine"));
  assertEquals(new TextDecoder().decode(await gunzipWith(zlibCompression, gz)), "still fine");
});
