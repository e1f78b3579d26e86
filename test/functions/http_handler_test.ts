/**
 * The compute functions over HTTP, called in-process with real ports (folder
 * store, Deno KV): a real task captured from a real run (a recording wrapper
 * around the Web Worker pool, not a fake) is refused unsigned, stale or forged
 * — and leaves no trace — and runs when signed.
 */
import { resvgRasterizer } from "../../infra/deno/resvg_rasterizer.ts";
import { createHmac } from "node:crypto";
import { assert, assertEquals } from "../helpers/assert.ts";
import { SAMPLE } from "../helpers/cli.ts";
import { FUNCTIONS_PATH, handleFunctionRequest } from "../../functions/http_handler.ts";
import { register } from "../../orchestrator/register.ts";
import { DEFAULT_OPTIONS, type Task, type TaskResult } from "../../shared/job.ts";
import type { Invoker } from "../../shared/ports/invoker.ts";
import {
  MAX_SKEW_MS,
  SIGNATURE_HEADER,
  signRequest,
  verifyRequest,
} from "../../shared/request_signature.ts";
import { KvJobStore } from "../../infra/deno/kv_job_store.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";
import { WorkerPoolInvoker } from "../../infra/deno/worker_pool_invoker.ts";
import { zlibCompression } from "../../infra/deno/zlib_compression.ts";

const SECRET = "shared-secret-for-tests";

class Recording implements Invoker {
  readonly concurrency: number;
  tasks: Task[] = [];
  constructor(readonly inner: Invoker) {
    this.concurrency = inner.concurrency;
  }
  invoke(task: Task): Promise<TaskResult> {
    this.tasks.push(task);
    return this.inner.invoke(task);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

Deno.test("signatures: a round trip verifies; another body, secret or an old timestamp does not", async () => {
  const now = 1_800_000_000_000;
  const h = new Headers(await signRequest(SECRET, '{"a":1}', now));
  assertEquals(await verifyRequest(SECRET, h, '{"a":1}', now), null);
  assertEquals(await verifyRequest(SECRET, h, '{"a":1}', now + MAX_SKEW_MS), null);
  assertEquals(await verifyRequest(SECRET, h, '{"a":2}', now), "the signature does not match");
  assertEquals(await verifyRequest("other", h, '{"a":1}', now), "the signature does not match");
  assert(/5 minutes/.test((await verifyRequest(SECRET, h, '{"a":1}', now + MAX_SKEW_MS + 1))!));
  assert(/5 minutes/.test((await verifyRequest(SECRET, h, '{"a":1}', now - MAX_SKEW_MS - 1))!));
  assertEquals(await verifyRequest(SECRET, new Headers(), "{}", now), "the request is not signed");
  // the same digest as node's independent HMAC over "<timestamp>.<body>"
  const sig = (await signRequest("Jefe", "what do ya want for nothing?", 42))[SIGNATURE_HEADER];
  const node = createHmac("sha256", "Jefe").update("42.what do ya want for nothing?").digest("hex");
  assertEquals(sig, node);
});

Deno.test("functions endpoint: unsigned, stale and forged requests get 401 and run nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-fn-" });
  const kvPath = `${dir}/jobs.sqlite`;
  const jobs = await KvJobStore.open(kvPath);
  const objects = new LocalFolderStore(`${dir}/objects`);
  const pool = new Recording(new WorkerPoolInvoker(2, { storeDir: `${dir}/objects`, kvPath }));
  try {
    await objects.put("inbox/run.nii.gz", await Deno.readFile(SAMPLE));
    const input = { name: "run.nii.gz", store: objects, key: "inbox/run.nii.gz" };
    const summary = await register({
      input,
      options: DEFAULT_OPTIONS,
      outputs: new LocalFolderStore(`${dir}/out`),
    }, {
      objects,
      jobs,
      invoker: pool,
      compression: zlibCompression,
      rasterizer: resvgRasterizer,
    });
    const task = pool.tasks.find((t) => t.fn === "estimate")!;
    // forget the job's results (the staged frames and reference stay)
    await jobs.deleteJob(summary.job);
    const body = JSON.stringify(task);
    const ports = { objects, jobs, compression: zlibCompression };
    const post = async (headers: Record<string, string>, now?: number) =>
      await handleFunctionRequest(
        new Request(`http://fn${FUNCTIONS_PATH}`, { method: "POST", body, headers }),
        { ports, secret: SECRET, ...(now ? { now: () => now } : {}) },
      );
    const unsigned = await post({});
    const stale = await post(await signRequest(SECRET, body, Date.now() - MAX_SKEW_MS - 1000));
    const forged = await post(await signRequest("not-the-secret", body));
    const tampered = await post(await signRequest(SECRET, `${body} `));
    for (const r of [unsigned, stale, forged]) {
      assertEquals(r.status, 401);
      assertEquals((await r.json()).ok, false);
    }
    assertEquals(tampered.status, 401);
    assertEquals((await jobs.getTaskResults(summary.job, "estimate")).size, 0, "nothing ran");
    assertEquals(await jobs.progress(summary.job, "estimate"), 0);

    const ok = await post(await signRequest(SECRET, body));
    assertEquals(ok.status, 200);
    const answer = await ok.json();
    assertEquals([answer.result.start, answer.result.end], [task.start, task.end]);
    assertEquals((await jobs.getTaskResults(summary.job, "estimate")).size, 1);
    assertEquals(await jobs.progress(summary.job, "estimate"), task.end - task.start);
    const params = await jobs.getParams(summary.job, 1, task.start, task.end);
    assert(params.every((p) => p !== null && p.m.length === 12), "parameters stored");
  } finally {
    await pool.close();
    jobs.close();
  }
});
