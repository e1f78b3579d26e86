/**
 * The compression port. Decompression of whole gzip inputs, and deflate of one
 * slab ending in a sync flush, so that slabs concatenate into one gzip member
 * (see `gzip_assemble.ts`).
 *
 * @module
 */

export interface Compression {
  /** A transform that gunzips a (possibly multi-member) gzip stream. */
  gunzip(): TransformStream<Uint8Array, Uint8Array>;
  /** Raw deflate of `bytes`, ending with a sync flush (byte-aligned, not final). */
  deflateSync(bytes: Uint8Array, level?: number): Promise<Uint8Array>;
}

