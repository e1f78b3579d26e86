/**
 * `deno task serve` and `deno task functions` as real server processes on
 * free ports, with a real Deno KV file and a real store folder; the CLI as a
 * real subprocess for the reference numbers. Every server started is stopped.
 */
import { assert, assertClose, assertEquals } from "../helpers/assert.ts";
import { ROOT, SAMPLE, tempDir } from "../helpers/cli.ts";
import { type Server, startServer } from "../helpers/server.ts";
import type { JobStatus } from "../../orchestrator/job_service.ts";
import { jobId, sha256Hex } from "../../orchestrator/job_id.ts";
import { parseRpText } from "../../shared/motion/motion_files.ts";
import { DEFAULT_OPTIONS, type JobRecord, PIPELINE_VERSION } from "../../shared/job.ts";
import { signRequest } from "../../shared/request_signature.ts";
import { KvJobStore } from "../../infra/deno/kv_job_store.ts";

const TOKEN = "e2e-token";
const SECRET = "e2e-functions-secret";
const NAME = "real_fmri_17x21x3x20.nii.gz";
const STEM = "real_fmri_17x21x3x20";
const KINDS = ["realigned", "mean", "motion", "rp", "xfm", "plot"] as const;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function deno(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

/** `deno task register` in `cwd` (as INIT_CWD), with extra environment. */
function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return deno(["run", "-A", "--unstable-kv", `${ROOT}/infra/deno/main.ts`, ...args], {
    INIT_CWD: cwd,
    ...env,
  });
}

/**
 * The CLI's outputs for the sample with `--ref mean` and one worker (the
 * reference for every test; the worker count sets the frame ranges, and so
 * the gzip stream's flush points, never the numbers).
 */
let reference: Promise<Record<string, Uint8Array>> | null = null;
function cliReference(): Promise<Record<string, Uint8Array>> {
  reference ??= (async () => {
    const dir = await tempDir("realign-serve-cli-");
    await Deno.copyFile(SAMPLE, `${dir}/${NAME}`);
    const r = await cli([
      NAME,
      "--ref",
      "mean",
      "--workers",
      "1",
      "--out",
      "out",
      "--store",
      "s",
      "--json",
    ], dir);
    assertEquals(r.code, 0, r.stderr);
    const outputs = JSON.parse(r.stdout).outputs as Record<string, string>;
    const files: Record<string, Uint8Array> = {};
    for (const k of KINDS) files[k] = await Deno.readFile(outputs[k]!);
    return files;
  })();
  return reference;
}

function api(s: Server, path: string, init: RequestInit = {}, token: string | null = TOKEN) {
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  return fetch(`${s.url}${path}`, { ...init, headers });
}

async function status(s: Server, id: string): Promise<JobStatus> {
  const r = await api(s, `/v1/jobs/${id}`);
  assertEquals(r.status, 200);
  return await r.json();
}

async function finished(s: Server, id: string, seconds = 60): Promise<JobStatus> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const st = await status(s, id);
    if (st.state === "done" || st.state === "failed") return st;
    if (Date.now() > until) throw new Error(`job ${id} still ${st.state}:\n${s.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function download(s: Server, st: JobStatus): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const k of KINDS) {
    const r = await api(s, `/v1/objects/${st.outputs[k]}`);
    assertEquals(r.status, 200, `GET ${st.outputs[k]}`);
    files[k] = new Uint8Array(await r.arrayBuffer());
  }
  return files;
}

function sameParams(a: Uint8Array, b: Uint8Array, tol: number, what: string): void {
  const pa = parseRpText(new TextDecoder().decode(a));
  const pb = parseRpText(new TextDecoder().decode(b));
  assertEquals(pa.length, 20);
  assertEquals(pb.length, 20);
  for (let t = 0; t < 20; t++) {
    for (let k = 0; k < 6; k++) {
      assertClose(pa[t]![k]!, pb[t]![k]!, tol, `${what} frame ${t} [${k}]`);
    }
  }
}

function serveArgs(store: string, extra: string[] = []): string[] {
  return ["--store", store, "--workers", "2", ...extra];
}

Deno.test("serve: token, options, upload → the CLI's parameters, broken file, duplicates, R2 event, watched inbox", async () => {
  const ref = await cliReference();
  const store = await tempDir("realign-serve-");
  const s = await startServer("infra/deno/serve.ts", serveArgs(store), { REALIGN_TOKEN: TOKEN });
  try {
    const sample = await Deno.readFile(SAMPLE);
    assertEquals((await api(s, "/v1/jobs", {}, null)).status, 401);
    assertEquals((await api(s, "/v1/jobs", {}, "nope")).status, 401);
    const noAuth = await api(s, `/v1/inbox/${NAME}`, { method: "PUT", body: sample }, null);
    assertEquals(noAuth.status, 401);
    await noAuth.body?.cancel();

    // a bad option: 400 with the CLI's own message
    const bad = await api(s, `/v1/inbox/${NAME}?interp=9`, { method: "PUT", body: sample });
    assertEquals(bad.status, 400);
    const badCli = await cli([NAME, "--interp", "9"], store);
    assertEquals(badCli.code, 2);
    assertEquals(`realign: ${(await bad.json()).error}`, badCli.stderr.trim());

    // upload, poll, download: the CLI's parameters
    const put = await api(s, `/v1/inbox/${NAME}?ref=mean`, { method: "PUT", body: sample });
    assertEquals(put.status, 202);
    const { job } = await put.json();
    const st = await finished(s, job);
    assertEquals(st.state, "done", JSON.stringify(st.error));
    assertEquals(st.outputs.rp, `outputs/${job}/${STEM}_rp.txt`);
    const got = await download(s, st);
    sameParams(got.rp!, ref.rp!, 1e-4, "serve vs CLI");
    assertEquals(got.xfm, ref.xfm, "the same xfm file as the CLI's");
    assertEquals(got.realigned, await Deno.readFile(`${store}/objects/${st.outputs.realigned}`));

    // a broken file: the job fails with the CLI's message, kind "input"
    await Deno.writeFile(`${store}/broken.nii.gz`, sample.slice(0, 5000));
    const br = await api(s, "/v1/inbox/broken.nii.gz", {
      method: "PUT",
      body: sample.slice(0, 5000),
    });
    const bst = await finished(s, (await br.json()).job);
    assertEquals(bst.state, "failed");
    assertEquals(bst.error?.kind, "input");
    const brCli = await cli(["broken.nii.gz"], store);
    assertEquals(brCli.code, 2);
    assertEquals(`realign: ${bst.error?.message}`, brCli.stderr.trim());

    // two uploads of the same run at once: one job id, one record
    const dup = await Promise.all(
      [0, 1].map(() =>
        api(s, "/v1/inbox/dup_bold.nii.gz?interp=1", { method: "PUT", body: sample })
      ),
    );
    const ids = await Promise.all(dup.map(async (r) => (await r.json()).job as string));
    assertEquals(ids[0], ids[1]);
    assertEquals((await finished(s, ids[0]!)).state, "done");
    const all = (await (await api(s, "/v1/jobs")).json()).jobs as JobStatus[];
    assertEquals(all.filter((j) => j.input.name === "dup_bold.nii.gz").length, 1);
    assertEquals(all.filter((j) => j.id === ids[0]).length, 1);

    // an R2 event for an object already in the bucket starts its job
    await Deno.mkdir(`${store}/objects/inbox/r2`, { recursive: true });
    await Deno.writeFile(`${store}/objects/inbox/r2/event_bold.nii.gz`, sample);
    const event = (action: string) =>
      api(s, "/v1/events/r2", {
        method: "POST",
        body: JSON.stringify({
          action,
          bucket: "realign",
          object: { key: "inbox/r2/event_bold.nii.gz", size: sample.length, eTag: "x" },
          eventTime: new Date().toISOString(),
        }),
      });
    const ignored = await event("DeleteObject");
    assertEquals([ignored.status, (await ignored.json()).ignored], [200, "action DeleteObject"]);
    const ev = await event("PutObject");
    assertEquals(ev.status, 202);
    const est = await finished(s, (await ev.json()).job);
    assertEquals(est.state, "done");
    assertEquals(est.outputs.motion?.endsWith("/event_motion.tsv"), true);

    // a run dropped into the watched folder starts a job with the default options
    // (uncompressed, so other bytes than the runs above: a new job)
    const plain = new Uint8Array(
      await new Response(new Blob([sample]).stream().pipeThrough(new DecompressionStream("gzip")))
        .arrayBuffer(),
    );
    await Deno.mkdir(`${store}/inbox`, { recursive: true });
    await Deno.writeFile(`${store}/inbox/dropped_bold.nii`, plain);
    let dropped: JobStatus | undefined;
    for (let i = 0; i < 200 && !dropped; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const list = (await (await api(s, "/v1/jobs")).json()).jobs as JobStatus[];
      dropped = list.find((j) => j.input.name === "dropped_bold.nii");
    }
    assert(dropped, `no job for the dropped file:\n${s.log()}`);
    const dst = await finished(s, dropped.id);
    assertEquals(dst.state, "done");
    assertEquals(dst.input.key, "inbox/dropped_bold.nii");
    assertEquals(dst.outputs.realigned, `outputs/${dropped.id}/dropped_desc-realigned_bold.nii`);
  } finally {
    await s.stop();
  }
});

Deno.test("functions server: unsigned, stale, forged → 401; --functions-url gives the CLI's parameters", async () => {
  const ref = await cliReference();
  const store = await tempDir("realign-fn-");
  const fn = await startServer(
    "infra/deno/functions_server.ts",
    ["--store", store],
    { REALIGN_FUNCTIONS_SECRET: SECRET, DENO_JOBS: "2" },
    { parallel: true },
  );
  try {
    const url = `${fn.url}/v1/functions/run`;
    const body = JSON.stringify({ fn: "estimate", job: "x", start: 0, end: 1 });
    const send = async (headers: Record<string, string>) => {
      const r = await fetch(url, { method: "POST", body, headers });
      await r.body?.cancel();
      return r.status;
    };
    assertEquals(await send({}), 401, "unsigned");
    assertEquals(await send(await signRequest(SECRET, body, Date.now() - 6 * 60 * 1000)), 401);
    assertEquals(await send(await signRequest("forged", body)), 401);

    await Deno.copyFile(SAMPLE, `${store}/${NAME}`);
    const r = await cli(
      [
        NAME,
        "--ref",
        "mean",
        "--functions-url",
        fn.url,
        "--store",
        store,
        "--out",
        "out",
        "--json",
      ],
      store,
      { REALIGN_FUNCTIONS_SECRET: SECRET },
    );
    assertEquals(r.code, 0, r.stderr);
    const rp = await Deno.readFile(JSON.parse(r.stdout).outputs.rp);
    sameParams(rp, ref.rp!, 1e-4, "over HTTP vs local workers");
    // the server with --functions-url: the same parameters (the CLI's job in the shared
    // store is adopted: its outputs are written to the bucket too)
    const srv = await startServer(
      "infra/deno/serve.ts",
      ["--store", store, "--functions-url", fn.url, "--no-watch"],
      { REALIGN_FUNCTIONS_SECRET: SECRET },
    );
    try {
      const put = await api(srv, `/v1/inbox/${NAME}?ref=mean`, {
        method: "PUT",
        body: await Deno.readFile(SAMPLE),
      });
      const st = await finished(srv, (await put.json()).job);
      assertEquals(st.state, "done", JSON.stringify(st.error));
      assertEquals(st.outputs.rp, `outputs/${st.id}/${STEM}_rp.txt`);
      sameParams((await download(srv, st)).rp!, ref.rp!, 1e-4, "served over HTTP vs local");
      assert(/functions at http/.test(srv.log()), srv.log());
    } finally {
      await srv.stop();
    }
    // without the secret the CLI refuses to call the functions
    const noSecret = await cli(
      [NAME, "--functions-url", fn.url, "--store", store, "--force"],
      store,
    );
    assertEquals(noSecret.code, 1);
    assert(/REALIGN_FUNCTIONS_SECRET/.test(noSecret.stderr), noSecret.stderr);
  } finally {
    await fn.stop();
  }
});

Deno.test("a serve process killed mid-job resumes it on restart; then reprocess reruns failed and old jobs", async () => {
  const ref = await cliReference();
  const sample = await Deno.readFile(SAMPLE);
  let store = "";
  let killedIn = "";
  let id = "";
  // the sample's job is short: if a busy machine lets it finish unseen, try again afresh
  for (let attempt = 0; attempt < 3 && !killedIn; attempt++) {
    store = await tempDir("realign-kill-");
    const first = await startServer(
      "infra/deno/serve.ts",
      serveArgs(store, ["--workers", "1"]),
      {},
    );
    try {
      const put = await api(first, `/v1/inbox/${NAME}?ref=mean`, { method: "PUT", body: sample });
      id = (await put.json()).job;
      for (let i = 0; i < 5000 && !killedIn; i++) {
        const st = await status(first, id);
        const p = st.progress;
        if (st.state === "done") break;
        // after the first estimation pass (kept in KV), while the second pass or reslicing runs
        if (["estimate2", "reslice"].includes(p.phase) && p.done < p.total) {
          await first.stop("SIGKILL");
          killedIn = `${p.phase} ${p.done}/${p.total}`;
        }
      }
    } finally {
      await first.stop("SIGKILL");
    }
  }
  assert(killedIn !== "", "killed during estimate or reslice");
  if (Deno.env.get("SHOW_KILL")) console.log(`killed in ${killedIn}`);
  const kv = await KvJobStore.open(`${store}/jobs.sqlite`);
  const left = await kv.getJob(id);
  const pass1 = await kv.getTaskResults(id, "estimate");
  kv.close();
  assertEquals(left?.state, "running", `left behind after the kill in ${killedIn}`);
  assert(left?.phase === "estimate2" || left?.phase === "reslice", `phase ${left?.phase}`);
  assertEquals([...pass1.values()].reduce((n, r) => n + r.end - r.start, 0), 20, "pass 1 kept");

  const s = await startServer("infra/deno/serve.ts", serveArgs(store), {});
  try {
    const st = await finished(s, id);
    assertEquals(st.state, "done", JSON.stringify(st.error));
    assert(/resumed 1 unfinished/.test(s.log()), s.log());
    const got = await download(s, st);
    for (const k of KINDS) assertEquals(got[k], ref[k], `${k} identical to an uninterrupted run`);
  } finally {
    await s.stop();
  }

  // reprocess by hand: a failed job and an old-version job rerun, the finished current one not
  const hash = await sha256Hex(sample);
  const failedOpts = { ...DEFAULT_OPTIONS, interpReslice: 1, compress: true };
  const failedId = await jobId(hash, failedOpts);
  const now = new Date().toISOString();
  const base: JobRecord = {
    id: failedId,
    version: PIPELINE_VERSION,
    state: "failed",
    // the service's records name their input's key (JobRecord will carry it)
    input: { name: NAME, size: sample.length, hash, key: `inbox/${NAME}` } as JobRecord["input"],
    options: failedOpts,
    created: now,
    updated: now,
    error: { message: "lost a worker", kind: "internal" },
  };
  const db = await KvJobStore.open(`${store}/jobs.sqlite`);
  await db.createJob(base);
  await db.createJob({
    ...base,
    id: "00000000000000000000",
    version: "0.0.0",
    state: "done",
    options: { ...failedOpts, fwhm: 6 },
  });
  // a failed job from a CLI run sharing the store (no input key) is not the service's
  const { key: _k, ...cliInput } = base.input as JobRecord["input"] & { key: string };
  await db.createJob({ ...base, id: "11111111111111111111", input: cliInput });
  db.close();
  const r = await deno(["run", "-A", "--unstable-kv", "infra/deno/reprocess.ts", "--store", store]);
  assertEquals(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assertEquals(report.rerun.length, 2);
  assert(report.rerun.includes(failedId), "the failed job reran");
  assert(report.skipped.includes(id), "the finished current job was skipped");
  assert(report.skipped.includes("11111111111111111111"), "a CLI job is left alone");
  assert(!report.rerun.includes(id));
  for (const j of report.rerun) assertEquals(report.states[j], "done");
  const again = JSON.parse(
    (await deno([
      "run",
      "-A",
      "--unstable-kv",
      "infra/deno/reprocess.ts",
      "--store",
      store,
    ])).stdout,
  );
  assertEquals(again.rerun, [], "a second pass finds nothing to do");
  const after = await KvJobStore.open(`${store}/jobs.sqlite`);
  assertEquals((await after.getJob("11111111111111111111"))?.error?.message, "lost a worker");
  after.close();
});
