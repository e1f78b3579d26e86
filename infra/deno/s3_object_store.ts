/**
 * {@link ObjectStore} on an S3-compatible bucket through `@aws-sdk/client-s3`
 * (AWS S3, Cloudflare R2 from outside Workers, MinIO, a local test server).
 * Keys live under an optional prefix of the bucket (`s3://name/prefix`).
 *
 * Range reads are ranged `GetObject`s. A byte body is one `PutObject`; a
 * stream body of unknown length is a multipart upload whose parts all have
 * the same size ({@link S3_PART_SIZE}, ≥ 5 MiB as S3 and R2 require) except
 * the last, so at most one part is held in memory. A multipart object becomes
 * visible only on `CompleteMultipartUpload`, and an upload that fails is
 * aborted, so no partial object appears under a final name. A stream shorter
 * than one part is stored with a single `PutObject`.
 *
 * @module
 */
import { equalParts } from "../../shared/ports/equal_parts.ts";
import { S3_MIN_PART_SIZE, S3_PART_SIZE, type S3StoreConfig } from "./s3_config.ts";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type {
  ByteRange,
  ObjectBody,
  ObjectInfo,
  ObjectStore,
} from "../../shared/ports/object_store.ts";

export { parseS3Url, S3_MIN_PART_SIZE, S3_PART_SIZE, type S3StoreConfig } from "./s3_config.ts";

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === "NoSuchKey" || err?.name === "NotFound" ||
    err?.$metadata?.httpStatusCode === 404;
}

export class S3ObjectStore implements ObjectStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly #prefix: string;
  readonly #partSize: number;
  readonly #pageSize: number;

  constructor(config: S3StoreConfig) {
    const partSize = config.partSize ?? S3_PART_SIZE;
    if (!(partSize >= S3_MIN_PART_SIZE)) {
      throw new RangeError(
        `Cannot use part size ${partSize}: S3 parts must be at least 5 MiB`,
      );
    }
    this.bucket = config.bucket;
    this.#prefix = config.prefix ? `${config.prefix.replace(/^\/+|\/+$/g, "")}/` : "";
    this.#partSize = partSize;
    this.#pageSize = config.pageSize ?? 1000;
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      forcePathStyle: config.forcePathStyle ?? false,
      ...(config.accessKeyId && config.secretAccessKey
        ? {
          credentials: {
            accessKeyId: config.accessKeyId,
            secretAccessKey: config.secretAccessKey,
          },
        }
        : {}),
      // checksums only where S3 demands them: R2 and local servers reject some
      // of the SDK's default flexible-checksum (aws-chunked trailer) requests
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  #key(key: string): string {
    if (key === "" || key.startsWith("/") || key.split("/").some((s) => s === ".." || s === "")) {
      throw new RangeError(
        `Cannot use object key "${key}": it must be a relative path without ".."`,
      );
    }
    return this.#prefix + key;
  }

  async #getObject(key: string, range?: ByteRange) {
    const Key = this.#key(key);
    try {
      return await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key,
          ...(range ? { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {}),
        }),
      );
    } catch (e) {
      if (isNotFound(e)) return null;
      if ((e as { name?: string }).name === "InvalidRange" && range) {
        throw new RangeError(
          `Cannot read ${range.length} bytes at ${range.offset} of "${key}": the object ends before`,
        );
      }
      throw e;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array | null> {
    if (range && range.length === 0) {
      // "bytes=o-(o-1)" is no valid range: an empty read only needs the object to exist
      const info = await this.head(key);
      if (!info) return null;
      if (range.offset > info.size) {
        throw new RangeError(`Cannot read 0 bytes at ${range.offset} of "${key}": past its end`);
      }
      return new Uint8Array(0);
    }
    const out = await this.#getObject(key, range);
    if (!out) return null;
    const bytes = await out.Body!.transformToByteArray();
    if (!range || bytes.length === range.length) return bytes;
    // a server may answer a range with more than asked (HTTP lets it ignore
    // Range; some test servers mishandle "bytes=0-0"): cut out the range
    const start = out.ContentRange ? Number(/^bytes (\d+)-/.exec(out.ContentRange)?.[1]) : 0;
    const at = range.offset - start;
    if (at >= 0 && at + range.length <= bytes.length) {
      return bytes.subarray(at, at + range.length);
    }
    throw new RangeError(
      `Cannot read ${range.length} bytes at ${range.offset} of "${key}": got ${bytes.length}`,
    );
  }

  async getStream(key: string): Promise<ReadableStream<Uint8Array> | null> {
    const out = await this.#getObject(key);
    return out ? out.Body!.transformToWebStream() as ReadableStream<Uint8Array> : null;
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.#key(key) }),
      );
      return { key, size: out.ContentLength ?? 0 };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async put(key: string, body: ObjectBody): Promise<void> {
    const Key = this.#key(key);
    if (body instanceof Uint8Array) {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body }));
      return;
    }
    await this.#putStream(Key, body);
  }

  /** Multipart upload of a stream in equal parts (the last may be shorter). */
  async #putStream(Key: string, body: ReadableStream<Uint8Array>): Promise<void> {
    const size = this.#partSize;
    const Bucket = this.bucket;
    let uploadId: string | null = null;
    const parts: { ETag: string; PartNumber: number }[] = [];
    const sendPart = async (bytes: Uint8Array) => {
      uploadId ??= (await this.client.send(new CreateMultipartUploadCommand({ Bucket, Key })))
        .UploadId!;
      const PartNumber = parts.length + 1;
      const out = await this.client.send(
        new UploadPartCommand({ Bucket, Key, UploadId: uploadId, PartNumber, Body: bytes }),
      );
      parts.push({ ETag: out.ETag!, PartNumber });
    };
    try {
      for await (const part of equalParts(body, size)) {
        if (part.length === size) await sendPart(part);
        else if (uploadId === null) {
          // the whole stream fitted in one part
          await this.client.send(new PutObjectCommand({ Bucket, Key, Body: part }));
          return;
        } else if (part.length > 0) await sendPart(part);
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId: uploadId!,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (e) {
      if (uploadId !== null) {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId }))
          .catch(() => {});
      }
      throw e;
    }
  }

  async list(prefix: string, cursor?: string): Promise<{ objects: ObjectInfo[]; cursor?: string }> {
    const out = await this.client.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: this.#prefix + prefix,
        MaxKeys: this.#pageSize,
        ...(cursor ? { ContinuationToken: cursor } : {}),
      }),
    );
    const cut = this.#prefix.length;
    const objects = (out.Contents ?? []).map((o) => ({
      key: o.Key!.slice(cut),
      size: o.Size ?? 0,
    }));
    return out.IsTruncated && out.NextContinuationToken
      ? { objects, cursor: out.NextContinuationToken }
      : { objects };
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.#key(key) }));
  }

  /** Release the client's sockets. */
  close(): void {
    this.client.destroy();
  }
}
