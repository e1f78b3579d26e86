/**
 * The pure-JavaScript {@link Compression} adapter: the fallback for runtimes
 * without `node:zlib`. Deflate is pako's (a port of zlib; its sync flush
 * byte-aligns, so parts concatenate, see `gzip_assemble.ts`); gunzip is the
 * web-standard `DecompressionStream("gzip")`, native in Deno, browsers and
 * workerd.
 *
 * Limitation: `DecompressionStream` reads ONE gzip member. A multi-member
 * input (`cat a.gz b.gz`, bgzip output) makes the stream error ("failed to
 * write whole buffer" in Deno) instead of returning every member's bytes;
 * the `node:zlib` adapter reads such inputs. Truncated or corrupt input also
 * errors the stream; the caller turns that into an `InputError`.
 *
 * Measured on this machine (real int16 fMRI, 18 MB): deflate level 2 about
 * 50 MB/s (ratio 0.30; node:zlib is about 3× faster), level 6 about 20 MB/s;
 * `DecompressionStream` gunzip 270–430 MB/s of output.
 *
 * @example Raw deflate with a sync flush
 * ```ts
 * import { pakoCompression } from "./pako_compression.ts";
 *
 * const d = await pakoCompression.deflateSync(new Uint8Array(1000));
 * const tail = Array.from(d.subarray(d.length - 4));
 * if (tail.join() !== "0,0,255,255") throw new Error("not sync-flushed");
 * ```
 *
 * @module
 */

import pako from "pako";
import { checkDeflateLevel, DEFAULT_DEFLATE_LEVEL } from "./gzip_assemble.ts";
import type { Compression } from "./ports/compression.ts";

/** zlib's flush value for a sync flush. */
const Z_SYNC_FLUSH = 2;

/** The part of pako's `Deflate` class used here (pako ships no types). */
interface PakoDeflate {
  onData: (chunk: Uint8Array) => void;
  push(data: Uint8Array, flushMode: number): boolean;
  err: number;
  msg: string;
}
type PakoDeflateClass = new (
  options: { raw: boolean; level: number; chunkSize: number },
) => PakoDeflate;

const Deflate = (pako as { Deflate: PakoDeflateClass }).Deflate;

/** Raw deflate of `bytes` ending with a sync flush, by pako. */
export function pakoDeflateRawSync(bytes: Uint8Array, level = DEFAULT_DEFLATE_LEVEL): Uint8Array {
  checkDeflateLevel(level);
  // Output chunks of about half the input (at least 16 KiB, at most 1 MiB).
  const chunkSize = Math.min(1 << 20, Math.max(1 << 14, bytes.length >>> 1));
  const deflator = new Deflate({ raw: true, level, chunkSize });
  const chunks: Uint8Array[] = [];
  let total = 0;
  deflator.onData = (chunk) => {
    chunks.push(chunk);
    total += chunk.length;
  };
  deflator.push(bytes, Z_SYNC_FLUSH);
  if (deflator.err) throw new Error(`Cannot deflate: pako error ${deflator.err} ${deflator.msg}`);
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The pure adapter: pako deflate, `DecompressionStream` gunzip (single-member only). */
export const pakoCompression: Compression = {
  gunzip(): TransformStream<Uint8Array, Uint8Array> {
    // A GenericTransformStream has the same readable/writable pair `pipeThrough` uses.
    return new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>;
  },
  deflateSync(bytes: Uint8Array, level?: number): Promise<Uint8Array> {
    try {
      return Promise.resolve(pakoDeflateRawSync(bytes, level));
    } catch (e) {
      return Promise.reject(e);
    }
  },
};
