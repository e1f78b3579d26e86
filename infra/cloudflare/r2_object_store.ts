/**
 * {@link ObjectStore} on an R2 bucket binding. Range reads are R2 range gets;
 * a byte body is one `put`; a stream body of unknown length (the gathered
 * realigned image) is a multipart upload whose parts all have the same size
 * ({@link PART_SIZE}, ≥ 5 MiB as R2 requires) except the last. A multipart
 * object becomes visible only on `complete()`, and an upload that fails is
 * aborted, so no partial object appears under a final name. A stream shorter
 * than one part is stored with a single `put`.
 *
 * @module
 */
import { equalParts } from "../../shared/ports/equal_parts.ts";
import type {
  ByteRange,
  ObjectBody,
  ObjectInfo,
  ObjectStore,
} from "../../shared/ports/object_store.ts";

/** Multipart part size: every part but the last has exactly this many bytes. */
export const PART_SIZE = 8 * 1024 * 1024;
/** R2's smallest allowed part (all but the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

export class R2ObjectStore implements ObjectStore {
  readonly #bucket: R2Bucket;
  readonly #partSize: number;

  /** `partSize` (default {@link PART_SIZE}) must be at least 5 MiB. */
  constructor(bucket: R2Bucket, partSize = PART_SIZE) {
    if (!(partSize >= MIN_PART_SIZE)) {
      throw new RangeError(
        `Cannot use part size ${partSize}: R2 parts must be at least 5 MiB`,
      );
    }
    this.#bucket = bucket;
    this.#partSize = partSize;
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array | null> {
    const obj = await this.#bucket.get(key, range ? { range } : {});
    if (!obj) return null;
    const bytes = new Uint8Array(await obj.arrayBuffer());
    if (range && bytes.length !== range.length) {
      throw new RangeError(
        `Cannot read ${range.length} bytes at ${range.offset} of "${key}": got ${bytes.length}`,
      );
    }
    return bytes;
  }

  async getStream(key: string): Promise<ReadableStream<Uint8Array> | null> {
    const obj = await this.#bucket.get(key);
    return obj ? (obj.body as ReadableStream<Uint8Array>) : null;
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const obj = await this.#bucket.head(key);
    return obj ? { key, size: obj.size } : null;
  }

  async put(key: string, body: ObjectBody): Promise<void> {
    if (body instanceof Uint8Array) {
      await this.#bucket.put(key, body);
      return;
    }
    await this.#putStream(key, body);
  }

  /** Multipart upload of a stream in equal parts (the last may be shorter). */
  async #putStream(
    key: string,
    body: ReadableStream<Uint8Array>,
  ): Promise<void> {
    const size = this.#partSize;
    let upload: R2MultipartUpload | null = null;
    const parts: R2UploadedPart[] = [];
    try {
      for await (const part of equalParts(body, size)) {
        if (part.length === size) {
          upload ??= await this.#bucket.createMultipartUpload(key);
          parts.push(await upload.uploadPart(parts.length + 1, part));
        } else if (!upload) {
          await this.#bucket.put(key, part); // the whole stream fitted in one part
          return;
        } else if (part.length > 0) {
          parts.push(await upload.uploadPart(parts.length + 1, part));
        }
      }
      await upload!.complete(parts);
    } catch (e) {
      if (upload) await upload.abort().catch(() => {});
      throw e;
    }
  }

  async list(
    prefix: string,
    cursor?: string,
  ): Promise<{ objects: ObjectInfo[]; cursor?: string }> {
    const page = await this.#bucket.list({
      prefix,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    const objects = page.objects.map((o) => ({ key: o.key, size: o.size }));
    return page.truncated ? { objects, cursor: page.cursor } : { objects };
  }

  async delete(key: string): Promise<void> {
    await this.#bucket.delete(key);
  }
}
