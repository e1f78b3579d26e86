/**
 * The compression port. Decompression of whole gzip inputs, and deflate of one
 * slab ending in a sync flush, so that slabs concatenate into one gzip member
 * (see `gzip_assemble.ts`). Adapters: `infra/deno/zlib_compression.ts`
 * (node:zlib, Deno and workerd with `nodejs_compat`) and
 * `shared/pako_compression.ts` (pure JS fallback).
 *
 * @module
 */

/** Gunzip and sync-flushed raw deflate, as a runtime provides them. */
export interface Compression {
  /**
   * A fresh transform that gunzips a gzip stream. The node:zlib adapter reads
   * multi-member gzip (concatenated members, bgzip); the pure adapter reads one
   * member and errors on more. Truncated, corrupt or non-gzip input errors the
   * stream (the error's message says why, e.g. "unexpected end of file"); the
   * caller turns that into an `InputError` naming the file.
   */
  gunzip(): TransformStream<Uint8Array, Uint8Array>;
  /**
   * Raw deflate of `bytes`, ending with a sync flush (byte-aligned, not final;
   * the output ends with `00 00 ff ff`), so outputs concatenate. `level` is
   * 0–9 (or -1 for zlib's 6); when omitted, `DEFAULT_DEFLATE_LEVEL` from
   * `gzip_assemble.ts`. A level out of range rejects with a `RangeError`.
   */
  deflateSync(bytes: Uint8Array, level?: number): Promise<Uint8Array>;
}
