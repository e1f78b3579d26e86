/**
 * The bucket of the Deno entries: the local store folder (the default) or an
 * S3-compatible bucket (`--bucket s3://name/prefix`), read from plain
 * settings so the same choice can be handed to each Web Worker.
 *
 * | variable | meaning |
 * | --- | --- |
 * | `S3_ENDPOINT` | the S3 API's URL; none for AWS S3. R2: `https://<account>.r2.cloudflarestorage.com` |
 * | `AWS_REGION` | the region; default `auto` with an endpoint (R2), else `us-east-1` |
 * | `S3_FORCE_PATH_STYLE` | `1`: `http://host/bucket/key` addressing (MinIO, local servers) |
 * | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` | credentials; else the SDK's default chain |
 *
 * @module
 */
import type { ObjectStore } from "../../shared/ports/object_store.ts";
import { LocalFolderStore } from "./local_object_store.ts";
import { parseS3Url, type S3StoreConfig } from "./s3_config.ts";

/** The S3 settings for `url` (`s3://name[/prefix]`) from environment variables. */
export function s3ConfigFromEnv(
  url: string,
  env: (name: string) => string | undefined,
): S3StoreConfig {
  const { bucket, prefix } = parseS3Url(url);
  const endpoint = env("S3_ENDPOINT");
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new Error(`S3_ENDPOINT: must be an http(s) URL, current value is "${endpoint}"`);
  }
  const pathStyle = env("S3_FORCE_PATH_STYLE");
  if (pathStyle !== undefined && !["0", "1", "true", "false"].includes(pathStyle)) {
    throw new Error(`S3_FORCE_PATH_STYLE: must be 1 or 0, current value is "${pathStyle}"`);
  }
  const accessKeyId = env("AWS_ACCESS_KEY_ID");
  const secretAccessKey = env("AWS_SECRET_ACCESS_KEY");
  return {
    bucket,
    prefix,
    region: env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? (endpoint ? "auto" : "us-east-1"),
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: pathStyle === "1" || pathStyle === "true",
    ...(accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : {}),
  };
}

/**
 * The S3 bucket when `s3` is given, else the folder `objectsDir`. The S3
 * store (and its SDK, a large module graph) is loaded only for an S3 bucket.
 */
export async function openBucket(
  objectsDir: string,
  s3: S3StoreConfig | null | undefined,
): Promise<ObjectStore> {
  if (!s3) return new LocalFolderStore(objectsDir);
  const { S3ObjectStore } = await import("./s3_object_store.ts");
  return new S3ObjectStore(s3);
}
