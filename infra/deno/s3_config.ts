/**
 * The S3 bucket's settings and `s3://` URLs: plain data without the SDK, so
 * a process or Web Worker that uses the local folder never loads it
 * (`open_bucket.ts` imports the S3 store only for an S3 bucket).
 *
 * @module
 */

/** Multipart part size: every part but the last has exactly this many bytes. */
export const S3_PART_SIZE = 8 * 1024 * 1024;
/** The smallest part S3 and R2 accept (all but the last). */
export const S3_MIN_PART_SIZE = 5 * 1024 * 1024;

/**
 * Where the bucket is and how to reach it: plain data, so it can be handed to
 * a Web Worker. Credentials left out are found by the SDK's default chain
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `~/.aws/…`).
 */
export interface S3StoreConfig {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/`; "" for none. */
  prefix: string;
  region: string;
  /** e.g. `https://<account>.r2.cloudflarestorage.com`; none for AWS S3. */
  endpoint?: string;
  /** `http://host:port/bucket/key` instead of `http://bucket.host:port/key` (local servers). */
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Multipart part size in bytes (default {@link S3_PART_SIZE}, at least 5 MiB). */
  partSize?: number;
  /** Objects per `list` page (default 1000, S3's most). */
  pageSize?: number;
}

/**
 * Parse `s3://name` or `s3://name/some/prefix` into bucket and prefix.
 *
 * @example Bucket and prefix
 * ```ts
 * import { parseS3Url } from "./s3_config.ts";
 * const { bucket, prefix } = parseS3Url("s3://lab-data/realign/");
 * if (bucket !== "lab-data" || prefix !== "realign") throw new Error("wrong parse");
 * ```
 */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = url.match(/^s3:\/\/([^/]+)\/*(.*)$/);
  if (!m || !/^[a-z0-9][a-z0-9.\-_]{2,62}$/.test(m[1]!)) {
    throw new Error(
      `--bucket: must be s3://<bucket>[/<prefix>] with a valid bucket name, current value is "${url}"`,
    );
  }
  return { bucket: m[1]!, prefix: m[2]!.replace(/\/+$/, "") };
}
