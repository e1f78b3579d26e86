/**
 * One gzip member assembled from raw-deflate parts compressed apart (pigz's
 * trick). Each compute function deflates its own slab as raw deflate ending in
 * a *sync flush* (byte-aligned, no final block; see
 * {@link Compression.deflateSync}) and reports the slab's CRC-32 and length.
 * The orchestrator then streams
 *
 *     gzip header (10 bytes) · part 0 · part 1 · … · final empty block · trailer
 *
 * where the trailer is the CRC-32 of all uncompressed bytes (combined from the
 * parts' CRCs, {@link crc32Combine}) and their total length mod 2^32. The
 * result is one ordinary gzip member that every reader opens; parts are never
 * decompressed or re-read, and the whole output is never held in memory.
 *
 * Every part must end in a sync (or full) flush, i.e. with the bytes
 * `00 00 ff ff`: the assembler checks this, so a part deflated with
 * `Z_FINISH` (which would end the member early) or by a library whose flush is
 * not byte-aligned is an error, not a silently corrupt file.
 *
 * @example Fetch slab after slab from a store and stream the gzip
 * ```ts
 * import { assembleGzip, deflatePart, type GzipPart } from "./gzip_assemble.ts";
 * import type { Compression } from "./ports/compression.ts";
 *
 * async function writeNiiGz(
 *   compression: Compression,
 *   niftiHeader: Uint8Array,
 *   slabs: { key: string; crc32: number; rawLength: number }[],
 *   getStream: (key: string) => Promise<ReadableStream<Uint8Array>>,
 * ): Promise<ReadableStream<Uint8Array>> {
 *   const head = await deflatePart(compression, niftiHeader);
 *   return assembleGzip(slabs.length + 1, async (i): Promise<GzipPart> => {
 *     if (i === 0) return head;
 *     const s = slabs[i - 1]!;
 *     return { deflated: await getStream(s.key), crc32: s.crc32, rawLength: s.rawLength };
 *   });
 * }
 * ```
 *
 * @module
 */

import { crc32, crc32Combine } from "./crc32.ts";
import type { Compression } from "./ports/compression.ts";

/**
 * The deflate level adapters use when none is given. Measured on real int16
 * fMRI (18 MB; node:zlib in Deno 2.9): level 1 290 MB/s at ratio 0.386, level 2
 * 170 MB/s at 0.287, level 3 130–160 MB/s at 0.286, level 6 95 MB/s at 0.283.
 * Level 2 keeps almost all of level 6's ratio (noise does not reward longer
 * match searches) at 1.8× its speed. Level 1 is faster in Deno's zlib but its
 * output is a third larger there (pako's stock-zlib level 1 does not lose
 * this, so the level-1 trade depends on the zlib build); level 2 is a good
 * trade in both.
 */
export const DEFAULT_DEFLATE_LEVEL = 2;

/** Check a deflate level: an integer 0–9, or -1 for zlib's default (6). */
export function checkDeflateLevel(level: number): void {
  if (!Number.isInteger(level) || level < -1 || level > 9) {
    throw new RangeError(`Cannot deflate: level must be an integer from -1 to 9, got ${level}`);
  }
}

/** Size of {@link gzipHeader}'s output in bytes. */
export const GZIP_HEADER_SIZE = 10;
/** Size of {@link gzipTrailer}'s output in bytes. */
export const GZIP_TRAILER_SIZE = 8;

/**
 * A final, empty, fixed-Huffman deflate block (BFINAL=1, BTYPE=01, end-of-block
 * code), starting on a byte boundary as every sync-flushed part leaves it. It
 * ends the deflate stream after the last part; zlib ends an empty stream the
 * same way. Do not modify.
 */
export const GZIP_FINAL_EMPTY_BLOCK: Uint8Array = new Uint8Array([0x03, 0x00]);

/**
 * The 10-byte gzip member header: magic, CM=8 (deflate), no flags, `mtime`
 * (seconds since 1970; 0 means unknown, which keeps outputs byte-reproducible),
 * XFL=0, OS=255 (unknown).
 */
export function gzipHeader(mtime = 0): Uint8Array {
  if (!Number.isInteger(mtime) || mtime < 0 || mtime > 0xffffffff) {
    throw new RangeError(`Cannot write gzip header: mtime must be a uint32, got ${mtime}`);
  }
  const h = new Uint8Array(GZIP_HEADER_SIZE);
  h[0] = 0x1f;
  h[1] = 0x8b;
  h[2] = 8;
  new DataView(h.buffer).setUint32(4, mtime, true);
  h[9] = 255;
  return h;
}

/**
 * The 8-byte gzip trailer: CRC-32 of the uncompressed data and its length
 * (ISIZE) mod 2^32, both little-endian. `totalLength` may exceed 4 GiB.
 */
export function gzipTrailer(crc: number, totalLength: number): Uint8Array {
  if (!Number.isSafeInteger(totalLength) || totalLength < 0) {
    throw new RangeError(
      `Cannot write gzip trailer: totalLength must be a non-negative integer, got ${totalLength}`,
    );
  }
  const t = new Uint8Array(GZIP_TRAILER_SIZE);
  const v = new DataView(t.buffer);
  v.setUint32(0, crc >>> 0, true);
  v.setUint32(4, totalLength % 0x100000000, true);
  return t;
}

/** One part of the deflate stream and the facts about its uncompressed bytes. */
export interface GzipPart {
  /** Raw deflate data ending in a sync flush (`00 00 ff ff`); empty only when `rawLength` is 0. */
  deflated: Uint8Array | ReadableStream<Uint8Array>;
  /** CRC-32 of the part's uncompressed bytes ({@link crc32}). */
  crc32: number;
  /** Length of the part's uncompressed bytes. */
  rawLength: number;
  /** Length of `deflated`, when known: the streamed byte count is checked against it. */
  deflatedLength?: number | undefined;
}

/** Parts in order, as an (async) iterable of parts or of promises of parts. */
export type GzipPartSource =
  | Iterable<GzipPart | Promise<GzipPart>>
  | AsyncIterable<GzipPart>;

/** Options of {@link assembleGzip}. */
export interface AssembleGzipOptions {
  /** Header mtime, seconds since 1970 (default 0: unknown, reproducible output). */
  mtime?: number;
  /**
   * With a part getter: how many parts after the one being streamed are
   * requested early (default 1), so the next store request overlaps the
   * current transfer. Prefetched parts are cancelled if the output is.
   */
  lookahead?: number;
}

/**
 * Raw-deflate `bytes` with a sync flush and describe them as a part: the way
 * to make the part for the NIfTI header (or any bytes the orchestrator holds).
 */
export async function deflatePart(
  compression: Compression,
  bytes: Uint8Array,
  level?: number,
): Promise<GzipPart & { deflated: Uint8Array; deflatedLength: number }> {
  const deflated = await compression.deflateSync(bytes, level);
  return {
    deflated,
    crc32: crc32(bytes),
    rawLength: bytes.length,
    deflatedLength: deflated.length,
  };
}

/**
 * Stream one gzip member made of `parts`: header, each part's deflate data in
 * order, the final empty block, and the trailer with the combined CRC-32 and
 * total length. Nothing is read before the consumer reads, parts are taken one
 * at a time, and a part's stream is consumed as it is forwarded. Cancelling the
 * output cancels the part being streamed (and any prefetched one). A malformed
 * part (bad CRC or length value, a stream shorter or longer than its
 * `deflatedLength`, no trailing sync flush) errors the output stream.
 *
 * Two forms: `assembleGzip(parts)` with an (async) iterable, and
 * `assembleGzip(count, getPart)` where `getPart(i)` is called for i = 0 …
 * count−1 in order (with {@link AssembleGzipOptions.lookahead} parts requested
 * ahead of the one being streamed).
 */
export function assembleGzip(
  parts: GzipPartSource,
  options?: AssembleGzipOptions,
): ReadableStream<Uint8Array>;
export function assembleGzip(
  count: number,
  getPart: (index: number) => GzipPart | Promise<GzipPart>,
  options?: AssembleGzipOptions,
): ReadableStream<Uint8Array>;
export function assembleGzip(
  a: GzipPartSource | number,
  b?: ((index: number) => GzipPart | Promise<GzipPart>) | AssembleGzipOptions,
  c?: AssembleGzipOptions,
): ReadableStream<Uint8Array> {
  let source: AsyncIterable<GzipPart>;
  let options: AssembleGzipOptions;
  if (typeof a === "number") {
    if (typeof b !== "function") throw new TypeError("assembleGzip(count, getPart): no getPart");
    options = c ?? {};
    const lookahead = options.lookahead ?? 1;
    if (!Number.isSafeInteger(a) || a < 0) {
      throw new RangeError(`Cannot assemble gzip: count must be a non-negative integer, got ${a}`);
    }
    if (!Number.isSafeInteger(lookahead) || lookahead < 0) {
      throw new RangeError(`Cannot assemble gzip: lookahead must be >= 0, got ${lookahead}`);
    }
    source = fromGetter(a, b, lookahead);
  } else {
    options = (b as AssembleGzipOptions | undefined) ?? {};
    source = fromIterable(a);
  }
  const header = gzipHeader(options.mtime ?? 0);
  const chunks = assemble(source, header);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = await chunks.next();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      } catch (e) {
        controller.error(e);
        await chunks.return(undefined).catch(() => {});
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  }, { highWaterMark: 0 });
}

/** The output's chunks, in order. */
async function* assemble(
  source: AsyncIterable<GzipPart>,
  header: Uint8Array,
): AsyncGenerator<Uint8Array, void, undefined> {
  yield header;
  let crc = 0;
  let total = 0;
  let index = 0;
  for await (const part of source) {
    checkPart(part, index);
    const d = part.deflated;
    let count = 0;
    // Last four bytes seen, as one number (big-endian order of arrival).
    let tail = 0;
    if (d instanceof Uint8Array) {
      count = d.length;
      for (let k = Math.max(0, count - 4); k < count; k++) tail = ((tail << 8) | d[k]!) >>> 0;
      if (count > 0) yield d;
    } else {
      const reader = d.getReader();
      let finished = false;
      try {
        for (;;) {
          const r = await reader.read();
          if (r.done) break;
          const v = r.value;
          const n = v.length;
          if (n === 0) continue;
          count += n;
          for (let k = Math.max(0, n - 4); k < n; k++) tail = ((tail << 8) | v[k]!) >>> 0;
          yield v;
        }
        finished = true;
      } finally {
        if (!finished) await reader.cancel("gzip assembly stopped").catch(() => {});
        reader.releaseLock();
      }
    }
    if (part.deflatedLength !== undefined && count !== part.deflatedLength) {
      throw new Error(
        `Cannot assemble gzip: part ${index} has ${count} deflated bytes, expected ${part.deflatedLength}`,
      );
    }
    if (count === 0 ? part.rawLength !== 0 : count < 4 || tail !== 0x0000ffff) {
      throw new Error(
        `Cannot assemble gzip: part ${index} does not end in a deflate sync flush (00 00 ff ff)`,
      );
    }
    crc = crc32Combine(crc, part.crc32, part.rawLength);
    total += part.rawLength;
    index++;
  }
  yield GZIP_FINAL_EMPTY_BLOCK.slice();
  yield gzipTrailer(crc, total);
}

function checkPart(part: GzipPart, index: number): void {
  if (!Number.isInteger(part.crc32) || part.crc32 < 0 || part.crc32 > 0xffffffff) {
    throw new RangeError(
      `Cannot assemble gzip: part ${index} crc32 is not a uint32: ${part.crc32}`,
    );
  }
  if (!Number.isSafeInteger(part.rawLength) || part.rawLength < 0) {
    throw new RangeError(
      `Cannot assemble gzip: part ${index} rawLength is not a non-negative integer: ${part.rawLength}`,
    );
  }
}

async function* fromIterable(parts: GzipPartSource): AsyncGenerator<GzipPart, void, undefined> {
  // `for await` accepts both kinds and awaits promised parts of a sync iterable.
  for await (const part of parts) yield part;
}

async function* fromGetter(
  count: number,
  getPart: (index: number) => GzipPart | Promise<GzipPart>,
  lookahead: number,
): AsyncGenerator<GzipPart, void, undefined> {
  const pending: Promise<GzipPart>[] = [];
  let next = 0;
  try {
    while (next < count || pending.length > 0) {
      // Part i and the `lookahead` parts after it are requested before part i is streamed.
      while (next < count && pending.length <= lookahead) {
        const i = next++;
        const p = Promise.resolve().then(() => getPart(i));
        p.catch(() => {}); // a rejection is reported when awaited, not as unhandled
        pending.push(p);
      }
      yield await pending.shift()!;
    }
  } finally {
    for (const p of pending) {
      p.then((part) => {
        if (!(part.deflated instanceof Uint8Array)) part.deflated.cancel().catch(() => {});
      }, () => {});
    }
  }
}
