/**
 * The HTTP API handler called in-process (no server), over the real adapters:
 * a folder bucket, Deno KV on a file, the Web Worker pool. The same handler
 * serves `deno serve` (test/e2e/serve_test.ts) and Workers.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { SAMPLE } from "../helpers/cli.ts";
import { randomBytes } from "../helpers/corrupt_files.ts";
import { handleApi } from "../../orchestrator/http_api.ts";
import { JobService, type JobStatus, outputPrefix } from "../../orchestrator/job_service.ts";
import { openRun } from "../../orchestrator/open_run.ts";
import { cliOptions } from "../../orchestrator/cli_options.ts";
import { requestOptions } from "../../orchestrator/request_options.ts";
import { DEFAULT_OPTIONS, PIPELINE_VERSION } from "../../shared/job.ts";
import { KvJobStore } from "../../infra/deno/kv_job_store.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";
import { WorkerPoolInvoker } from "../../infra/deno/worker_pool_invoker.ts";
import { zlibCompression } from "../../infra/deno/zlib_compression.ts";
import { resvgRasterizer } from "../../infra/deno/resvg_rasterizer.ts";
import { parseRpText } from "../../shared/motion/motion_files.ts";

const TOKEN = "s3cret-token";

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "realign-api-" });
  const kvPath = `${dir}/.jobs.sqlite`;
  const jobs = await KvJobStore.open(kvPath);
  const bucket = new LocalFolderStore(dir);
  const invoker = new WorkerPoolInvoker(2, { storeDir: dir, kvPath });
  const service = new JobService({
    ports: {
      objects: bucket,
      jobs,
      invoker,
      compression: zlibCompression,
      rasterizer: resvgRasterizer,
    },
    bucket,
  });
  const call = (path: string, init: RequestInit = {}, token: string | null = TOKEN) =>
    handleApi(
      new Request(`http://api${path}`, {
        ...init,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }),
      { service, bucket, token: TOKEN },
    );
  const close = async () => {
    await service.idle();
    await invoker.close();
    jobs.close();
  };
  return { dir, jobs, bucket, service, call, close };
}

async function waitFor(
  call: (p: string) => Promise<Response>,
  id: string,
  seconds = 60,
): Promise<JobStatus> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const s = await (await call(`/v1/jobs/${id}`)).json() as JobStatus;
    if (s.state === "done" || s.state === "failed") return s;
    if (Date.now() > until) throw new Error(`job ${id} still ${s.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("query options are checked by the CLI's rules, with the CLI's messages", () => {
  const o = requestOptions(new URLSearchParams("ref=mean&interp=1&mask=false&fwhm=6"));
  assertEquals([o.ref, o.interpEstimate, o.interpReslice, o.mask, o.fwhm], [
    "mean",
    1,
    1,
    false,
    6,
  ]);
  assertEquals(requestOptions(new URLSearchParams("ref=3")).ref, 3);
  assertEquals(requestOptions(new URLSearchParams("no-compress")).compress, false);
  for (
    const [q, raw] of [["ref=middle", { ref: "middle" }], ["interp=9", { interp: "9" }]] as const
  ) {
    let cli = "";
    try {
      cliOptions(raw, ["x.nii"], 1);
    } catch (e) {
      cli = (e as Error).message;
    }
    let http = "";
    try {
      requestOptions(new URLSearchParams(q));
    } catch (e) {
      http = (e as Error).message;
    }
    assert(cli !== "", "the CLI rejects it");
    assertEquals(http, cli);
  }
});

Deno.test("API: token, bad options, upload → done, outputs, duplicates, r2 events, bad files", async () => {
  const { jobs, bucket, call, close } = await setup();
  try {
    const sample = await Deno.readFile(SAMPLE);
    // no token, a wrong token → 401, nothing stored
    assertEquals((await call("/v1/jobs", {}, null)).status, 401);
    assertEquals((await call("/v1/jobs", {}, "wrong")).status, 401);
    const r401 = await call("/v1/inbox/a.nii.gz", { method: "PUT", body: sample }, null);
    assertEquals(r401.status, 401);
    assertEquals(await bucket.head("inbox/a.nii.gz"), null);
    // a bad option → 400 with the CLI's message, nothing stored
    const bad = await call("/v1/inbox/a.nii.gz?ref=middle", { method: "PUT", body: sample });
    assertEquals(bad.status, 400);
    assertEquals(
      (await bad.json()).error,
      '--ref: must be first, mean or a frame number, current value is "middle"',
    );
    assertEquals(await bucket.head("inbox/a.nii.gz"), null);

    // two uploads of the same run at once: one job id, one record
    const [a, b] = await Promise.all([
      call("/v1/inbox/run_bold.nii.gz?interp=1", { method: "PUT", body: sample }),
      call("/v1/inbox/run_bold.nii.gz?interp=1", { method: "PUT", body: sample }),
    ]);
    assertEquals([a.status, b.status], [202, 202]);
    const ja = (await a.json()).job as string;
    assertEquals((await b.json()).job, ja);
    assertEquals((await jobs.listJobs()).length, 1);
    const done = await waitFor(call, ja);
    assertEquals(done.state, "done", JSON.stringify(done.error));
    assertEquals(done.progress, { phase: "gather", done: 20, total: 20 });
    assertEquals(done.outputs.rp, `${outputPrefix(ja)}run_rp.txt`);
    const rpRes = await call(`/v1/objects/${done.outputs.rp}`);
    assertEquals(rpRes.status, 200);
    const rp = parseRpText(await rpRes.text());
    assertEquals(rp.length, 20);
    assertEquals(rp[0], [0, 0, 0, 0, 0, 0]);
    const img = await call(`/v1/objects/${done.outputs.realigned}`);
    const imgBytes = new Uint8Array(await img.arrayBuffer());
    assertEquals(imgBytes.length, (await bucket.head(done.outputs.realigned!))!.size);
    assertEquals([imgBytes[0], imgBytes[1]], [0x1f, 0x8b]);
    assertEquals((await call("/v1/objects/outputs/nope.txt")).status, 404);
    assertEquals((await call("/v1/objects/outputs%2F..%2F.jobs.sqlite")).status, 400);
    // the same upload again finds the finished job
    const again = await call("/v1/inbox/run_bold.nii.gz?interp=1", { method: "PUT", body: sample });
    assertEquals((await again.json()).job, ja);
    // POST /v1/jobs with the same input and options: the same id
    const posted = await call("/v1/jobs", {
      method: "POST",
      body: JSON.stringify({ input: "inbox/run_bold.nii.gz", options: { interp: 1 } }),
    });
    assertEquals([posted.status, (await posted.json()).job], [202, ja]);
    assertEquals((await jobs.listJobs()).length, 1);

    // R2 events: other actions and keys are ignored; an inbox put starts a default job
    await bucket.put("inbox/other_bold.nii.gz", sample.slice());
    await bucket.put("elsewhere/x.nii.gz", sample.slice());
    const ev = (action: string, key: string) =>
      call("/v1/events/r2", {
        method: "POST",
        body: JSON.stringify({
          action,
          bucket: "realign",
          object: { key, size: sample.length, eTag: "e" },
          eventTime: new Date().toISOString(),
        }),
      });
    assertEquals(
      (await (await ev("DeleteObject", "inbox/other_bold.nii.gz")).json()).ignored,
      "action DeleteObject",
    );
    assert("ignored" in await (await ev("PutObject", "elsewhere/x.nii.gz")).json());
    const started = await ev("PutObject", "inbox/other_bold.nii.gz");
    assertEquals(started.status, 202);
    const jo = (await started.json()).job as string;
    assert(jo !== ja, "default options are another job");
    // the same event delivered twice: the same job
    assertEquals(
      (await (await ev("CompleteMultipartUpload", "inbox/other_bold.nii.gz")).json()).job,
      jo,
    );
    const od = await waitFor(call, jo);
    assertEquals(od.state, "done");
    assertEquals(od.outputs.motion, `${outputPrefix(jo)}other_motion.tsv`);

    // a broken file: the job fails with kind "input" and openRun's (the CLI's) message
    const broken = sample.slice(0, 3000);
    const rb = await call("/v1/inbox/broken.nii.gz", { method: "PUT", body: broken });
    let expected = "";
    const stored = { name: "broken.nii.gz", store: bucket, key: "inbox/broken.nii.gz" };
    await openRun(stored, zlibCompression, DEFAULT_OPTIONS).catch((e) => expected = e.message);
    assert(expected.startsWith("broken.nii.gz: "), expected);
    const failed = await waitFor(call, (await rb.json()).job);
    assertEquals(failed.state, "failed");
    assertEquals(failed.error, { message: expected, kind: "input" });
    const noise = await call("/v1/inbox/noise.nii", {
      method: "PUT",
      body: randomBytes(500) as Uint8Array<ArrayBuffer>,
    });
    const nf = await waitFor(call, (await noise.json()).job);
    assertEquals(nf.error?.kind, "input");
    assert(nf.error!.message.startsWith("noise.nii: "), nf.error!.message);

    const list = await (await call("/v1/jobs")).json() as { jobs: JobStatus[] };
    assertEquals(list.jobs.length, 4);
    assertEquals(list.jobs.filter((j) => j.state === "done").length, 2);
  } finally {
    await close();
  }
});

Deno.test("reprocess reruns failed and old-version jobs, not a finished current one", async () => {
  const { jobs, bucket, service, call, close } = await setup();
  try {
    const sample = await Deno.readFile(SAMPLE);
    const r = await call("/v1/inbox/run.nii.gz?interp=1", { method: "PUT", body: sample });
    const id = (await r.json()).job as string;
    const first = await waitFor(call, id);
    assertEquals(first.state, "done");
    const rpBefore = await bucket.get(first.outputs.rp!);

    // nothing to do for a finished current job
    const none = await service.reprocess();
    assertEquals(none, { rerun: [], started: [], skipped: [id], errors: [] });

    // a job that failed for an internal reason is resumed and finishes
    const rec = (await jobs.getJob(id))!;
    await jobs.putJob({
      ...rec,
      state: "failed",
      outputs: {},
      error: { message: "worker lost", kind: "internal" },
    });
    for (const k of Object.values(first.outputs)) await bucket.delete(k);
    const again = await service.reprocess();
    assertEquals(again.rerun, [id]);
    await service.idle();
    const redone = (await service.status(id))!;
    assertEquals(redone.state, "done");
    assertEquals(redone.error, undefined);
    assertEquals(await bucket.get(redone.outputs.rp!), rpBefore);

    // a job made by an older pipeline version is run again under the current one
    const oldId = "0123456789abcdef0123";
    await jobs.createJob({
      ...rec,
      id: oldId,
      version: "0.0.1",
      state: "done",
      input: { ...rec.input },
      options: { ...rec.options, interpReslice: 2 },
    });
    // an input error is not retried
    const badId = "fedcba9876543210fedc";
    await jobs.createJob({
      ...rec,
      id: badId,
      state: "failed",
      error: { message: "x: the file is empty", kind: "input" },
    });
    // a job without an input key was not started by the service (a CLI run): left alone
    const cliId = "11111111111111111111";
    const { key: _k, ...cliInput } = rec.input as typeof rec.input & { key: string };
    await jobs.createJob({ ...rec, id: cliId, state: "done", input: cliInput, outputs: {} });
    const third = await service.reprocess();
    assertEquals(third.rerun.length, 1);
    const newId = third.rerun[0]!;
    assert(![id, oldId, badId].includes(newId), "a new id under the current version");
    assertEquals(third.skipped.sort(), [badId, cliId, id].sort());
    assertEquals((await jobs.getJob(cliId))?.state, "done");
    await service.idle();
    const fresh = (await service.status(newId))!;
    assertEquals(fresh.state, "done");
    assertEquals(fresh.version, PIPELINE_VERSION);
    // running it again finds the new job done: nothing reruns
    const fourth = await service.reprocess();
    assertEquals(fourth.rerun, []);
  } finally {
    await close();
  }
});
