/**
 * Choosing the bucket from settings: `s3://` URLs and the S3 variables
 * (R2, AWS, a local path-style server), the errors a user can cause, and
 * `serveConfig`'s `--bucket`/`REALIGN_BUCKET` (the folder stays the default).
 */
import { assertEquals, assertThrows } from "../helpers/assert.ts";
import { s3ConfigFromEnv } from "../../infra/deno/open_bucket.ts";
import { serveConfig } from "../../infra/deno/serve_config.ts";

const from = (vars: Record<string, string>) => (k: string) => vars[k];

Deno.test("S3 settings: R2 from outside Workers, AWS, a local path-style server", () => {
  assertEquals(
    s3ConfigFromEnv(
      "s3://realign/lab/",
      from({
        S3_ENDPOINT: "https://abc123.r2.cloudflarestorage.com",
        AWS_ACCESS_KEY_ID: "id",
        AWS_SECRET_ACCESS_KEY: "secret",
      }),
    ),
    {
      bucket: "realign",
      prefix: "lab",
      region: "auto",
      endpoint: "https://abc123.r2.cloudflarestorage.com",
      forcePathStyle: false,
      accessKeyId: "id",
      secretAccessKey: "secret",
    },
  );
  // AWS: no endpoint, the region given or us-east-1; keys left to the SDK's chain when absent
  assertEquals(s3ConfigFromEnv("s3://lab-runs", from({ AWS_REGION: "eu-west-1" })), {
    bucket: "lab-runs",
    prefix: "",
    region: "eu-west-1",
    forcePathStyle: false,
  });
  assertEquals(s3ConfigFromEnv("s3://bkt/x", from({})).region, "us-east-1");
  const local = s3ConfigFromEnv(
    "s3://bkt/x",
    from({
      S3_ENDPOINT: "http://127.0.0.1:9000",
      S3_FORCE_PATH_STYLE: "1",
      AWS_REGION: "us-east-1",
    }),
  );
  assertEquals([local.endpoint, local.forcePathStyle, local.region], [
    "http://127.0.0.1:9000",
    true,
    "us-east-1",
  ]);
  assertThrows(() => s3ConfigFromEnv("b/x", from({})), Error, "--bucket: must be s3://");
  assertThrows(
    () => s3ConfigFromEnv("s3://bkt", from({ S3_ENDPOINT: "r2.example" })),
    Error,
    "S3_ENDPOINT: must be an http(s) URL",
  );
  assertThrows(
    () => s3ConfigFromEnv("s3://bkt", from({ S3_FORCE_PATH_STYLE: "yes" })),
    Error,
    "S3_FORCE_PATH_STYLE",
  );
});

Deno.test("serveConfig: the folder by default, --bucket for S3", () => {
  const before = Deno.env.get("REALIGN_BUCKET");
  Deno.env.delete("REALIGN_BUCKET");
  try {
    assertEquals(serveConfig(["--store", "/tmp/realign-x"]).s3, null);
    const cfg = serveConfig(["--store", "/tmp/realign-x", "--bucket", "s3://runs/a/b"]);
    assertEquals([cfg.s3?.bucket, cfg.s3?.prefix, cfg.layout.kvPath], [
      "runs",
      "a/b",
      "/tmp/realign-x/jobs.sqlite",
    ]);
  } finally {
    if (before !== undefined) Deno.env.set("REALIGN_BUCKET", before);
  }
});
