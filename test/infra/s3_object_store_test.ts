/**
 * The object store contract on the S3 adapter against a real S3-compatible
 * server (s3rver on a free port, objects in a temporary folder), plus what
 * only S3 has: a long stream goes up as a multipart upload of equal parts
 * (the requests the client sends are recorded), a failed one is aborted, keys live under the configured prefix.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "../helpers/assert.ts";
import {
  assertSameBytes,
  failingStream,
  objectStoreContract,
  pattern,
  streamOf,
} from "../helpers/object_store_contract.ts";
import { startS3Server } from "../helpers/s3_server.ts";
import { parseS3Url, S3_MIN_PART_SIZE, S3ObjectStore } from "../../infra/deno/s3_object_store.ts";
import { HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";

const PART = S3_MIN_PART_SIZE;

objectStoreContract("S3 store", async () => {
  const server = await startS3Server();
  const store = new S3ObjectStore(server.config("runs/lab", { partSize: PART, pageSize: 7 }));
  return {
    store,
    pageSize: 7,
    close: async () => {
      store.close();
      await server.close();
    },
  };
}, { bigStream: 2 * PART + 12345 });

Deno.test("S3 store: multipart in equal parts, aborted on a stream error, keys under the prefix", async () => {
  const server = await startS3Server();
  const store = new S3ObjectStore(server.config("runs/lab", { partSize: PART }));
  try {
    // every request the client sends, as the server receives it
    const sent: { command: string; bytes: number }[] = [];
    store.client.middlewareStack.add((next, context) => (args) => {
      const body = (args.input as { Body?: unknown }).Body;
      sent.push({
        command: context.commandName ?? "",
        bytes: body instanceof Uint8Array ? body.length : -1,
      });
      return next(args);
    }, { step: "initialize" });

    const big = pattern(2 * PART + 777, 13);
    await store.put("job/out.nii", streamOf(big, 100000));
    assertSameBytes(await store.get("job/out.nii"), big, "multipart object");
    assertEquals(sent.splice(0), [
      { command: "CreateMultipartUploadCommand", bytes: -1 },
      { command: "UploadPartCommand", bytes: PART },
      { command: "UploadPartCommand", bytes: PART },
      { command: "UploadPartCommand", bytes: 777 },
      { command: "CompleteMultipartUploadCommand", bytes: -1 },
      { command: "GetObjectCommand", bytes: -1 },
    ]);
    const head = await store.client.send(
      new HeadObjectCommand({ Bucket: server.bucket, Key: "runs/lab/job/out.nii" }),
    );
    assertEquals(head.ContentLength, big.length);
    sent.length = 0;

    const small = pattern(PART - 1);
    await store.put("job/small", streamOf(small, 100000));
    assertEquals(sent.splice(0), [{ command: "PutObjectCommand", bytes: PART - 1 }]);

    await assertRejects(() => store.put("job/cut", failingStream(big, 1 << 20)), "cut off");
    assertEquals(sent.splice(0).map((s) => s.command), [
      "CreateMultipartUploadCommand",
      "UploadPartCommand",
      "UploadPartCommand",
      "AbortMultipartUploadCommand",
    ]);
    assertEquals(await store.head("job/cut"), null);

    const raw = await store.client.send(new ListObjectsV2Command({ Bucket: server.bucket }));
    assertEquals((raw.Contents ?? []).map((o) => o.Key).sort(), [
      "runs/lab/job/out.nii",
      "runs/lab/job/small",
    ]);
    const listed = await store.list("job/");
    assertEquals(listed.objects.map((o) => o.key), ["job/out.nii", "job/small"]);
  } finally {
    store.close();
    await server.close();
  }
});

Deno.test("S3 store: bucket URLs, bad keys and part sizes", async () => {
  assertEquals(parseS3Url("s3://lab-data"), { bucket: "lab-data", prefix: "" });
  assertEquals(parseS3Url("s3://lab-data/"), { bucket: "lab-data", prefix: "" });
  assertEquals(parseS3Url("s3://lab-data/a/b/"), { bucket: "lab-data", prefix: "a/b" });
  assertThrows(() => parseS3Url("lab-data"), Error, "--bucket");
  assertThrows(() => parseS3Url("s3://Bad_Bucket/x"), Error, "--bucket");
  assertThrows(() => parseS3Url("s3://ab/x"), Error, "--bucket"); // 3 to 63 characters
  assertThrows(
    () => new S3ObjectStore({ bucket: "b", prefix: "", region: "auto", partSize: PART - 1 }),
    RangeError,
    "5 MiB",
  );
  const store = new S3ObjectStore({ bucket: "b", prefix: "", region: "auto" });
  try {
    for (const k of ["", "/a", "a/../b", "a//b"]) {
      let err: unknown = null;
      await store.head(k).catch((e) => (err = e));
      assert(err instanceof RangeError, `key "${k}" refused`);
    }
  } finally {
    store.close();
  }
});
