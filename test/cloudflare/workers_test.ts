/**
 * The Cloudflare stack in the real runtime: `wrangler dev --local` (workerd,
 * local R2, Queues, Durable Objects), started on a free port with its state
 * in a temporary folder, driven over the HTTP API as a user would.
 *
 * 1. An upload (`PUT /v1/inbox/…`) and the R2 notification Cloudflare would
 *    deliver (`POST /v1/events/r2`) run the job through the task queue; its
 *    outputs match the local CLI's on the same input (parameters within
 *    1e-4 mm / rad, images within 1e-4 relative).
 * 2. A task that fails on its input (a blank frame) fails the job at once,
 *    with the frame and the range, without retries.
 * 3. A 17.5 MiB upload is stored by R2 multipart in equal 8 MiB parts and a
 *    shorter last one (read from the persisted local R2), and reads back whole.
 * 4. The cron handler (`GET /__scheduled`) reprocesses a job made by an older
 *    pipeline version and a job that failed internally, and leaves finished
 *    current jobs and jobs that failed on their input alone. The old version
 *    and the internal failure are written into the persisted Durable Object
 *    SQLite while wrangler is stopped (the only way to age a job here);
 *    everything else is real.
 * 5. workerd is killed in the middle of a job's reslice phase; after a restart
 *    the job's watchdog alarm resumes it: estimation is not redone, finished
 *    reslice ranges are skipped, and the outputs are right (the run repeats two
 *    frames, so every even frame's parameters equal frame 0's, every odd frame's
 *    frame 1's).
 *
 * Skipped (with a message) when `npm ci --prefix infra/cloudflare` has not run.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../helpers/assert.ts";
import { decodePng } from "../helpers/png_decode.ts";
import { ROOT, runCli, SAMPLE, tempDir } from "../helpers/cli.ts";
import { encodeNifti, readNifti } from "../../shared/nifti/read.ts";
import { PIPELINE_VERSION } from "../../shared/job.ts";
import { freePort, startWrangler, type WranglerDev } from "../../infra/cloudflare/dev.ts";

const TOKEN = crypto.randomUUID();
const AUTH = { authorization: `Bearer ${TOKEN}` };

const installed = await Deno.stat(`${ROOT}/infra/cloudflare/node_modules/wrangler/package.json`)
  .then(() => true, () => false);
if (!installed) console.warn("workers_test: skipped: run `npm ci --prefix infra/cloudflare`");

interface Status {
  state: string;
  progress: { phase: string; done: number; total: number };
  outputs: Record<string, string>;
  error?: { message: string; kind: string; range?: string };
  version: string;
  updated: string;
  input: { key: string; name: string; size: number };
}

async function api(dev: WranglerDev, method: string, path: string, body?: BodyInit) {
  // A timeout, so a wedged workerd fails the test instead of hanging it.
  const r = await fetch(`${dev.url}${path}`, {
    method,
    headers: AUTH,
    signal: AbortSignal.timeout(30_000),
    ...(body ? { body } : {}),
  });
  const text = await r.text();
  return { status: r.status, json: text.startsWith("{") ? JSON.parse(text) : text };
}

async function waitFor(dev: WranglerDev, id: string, states: string[]): Promise<Status> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { json } = await api(dev, "GET", `/v1/jobs/${id}`);
    const s = json as Status;
    if (states.includes(s.state)) return s;
    if (Date.now() > deadline) {
      throw new Error(`job ${id} is ${JSON.stringify(s)} after 60 s\n${dev.log().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function download(dev: WranglerDev, key: string): Promise<Uint8Array> {
  const r = await fetch(`${dev.url}/v1/objects/${key}`, { headers: AUTH });
  assertEquals(r.status, 200, `GET ${key}`);
  return new Uint8Array(await r.arrayBuffer());
}

function numbers(text: string): number[][] {
  return text.trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  assertEquals(a.length, b.length, "rows");
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    assertEquals(a[i]!.length, b[i]!.length, `columns of row ${i}`);
    for (let j = 0; j < a[i]!.length; j++) d = Math.max(d, Math.abs(a[i]![j]! - b[i]![j]!));
  }
  return d;
}

function relativeDiff(a: Float32Array, b: Float32Array): number {
  assertEquals(a.length, b.length, "voxels");
  let d = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return d / scale;
}

/** Change a stored job record in the persisted Durable Object SQLite (wrangler stopped). */
function editRecord(persist: string, id: string, patch: Record<string, unknown>): void {
  const dir = `${persist}/v3/do/realign-JobObject`;
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".sqlite") || e.name === "metadata.sqlite") continue;
    const db = new DatabaseSync(`${dir}/${e.name}`);
    try {
      const row = db.prepare("SELECT record FROM job").get() as { record: string } | undefined;
      if (!row || JSON.parse(row.record).id !== id) continue;
      const rec = { ...JSON.parse(row.record), ...patch };
      db.prepare("UPDATE job SET record = ?").run(JSON.stringify(rec));
      return;
    } finally {
      db.close();
    }
  }
  throw new Error(`no Durable Object holds job ${id}`);
}

/** Sizes of the parts the local R2 stored for `key` (its persisted SQLite; wrangler stopped). */
function multipartParts(persist: string, key: string): number[] {
  const dir = `${persist}/v3/r2/miniflare-R2BucketObject`;
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".sqlite") || e.name === "metadata.sqlite") continue;
    const db = new DatabaseSync(`${dir}/${e.name}`);
    try {
      const rows = db.prepare(
        `SELECT p.size AS size FROM _mf_multipart_parts p JOIN _mf_multipart_uploads u
         ON p.upload_id = u.upload_id WHERE u.key = ? AND u.state = 1 ORDER BY p.part_number`,
      ).all(key) as { size: number }[];
      if (rows.length > 0) return rows.map((r) => r.size);
    } finally {
      db.close();
    }
  }
  return [];
}

Deno.test({
  name: "Workers in workerd: upload + R2 event run a job like the CLI; cron reprocesses",
  ignore: !installed,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const dir = await tempDir("realign-workers-");
  const persist = `${dir}/state`;
  const input = `${dir}/cli/run_bold.nii.gz`;
  await Deno.mkdir(`${dir}/cli`);
  await Deno.copyFile(SAMPLE, input);
  const bytes = await Deno.readFile(SAMPLE);
  const cli = runCli([input, "--quiet", "--store", `${dir}/cli/store`], dir);
  let dev = await startWrangler({ port: freePort(), persistTo: persist, token: TOKEN });
  try {
    const ids: Record<string, string> = {};
    await t.step("upload, R2 event, job through the queue, outputs as the CLI's", async () => {
      const anon = await fetch(`${dev.url}/v1/jobs/0`);
      await anon.body?.cancel();
      assertEquals(anon.status, 401, "no token, no API");
      const unknown = await api(dev, "GET", "/v1/jobs/0123456789abcdef0123");
      assertEquals(unknown.status, 404, "no such job");

      const put = await api(dev, "PUT", "/v1/inbox/run_bold.nii.gz", bytes);
      assertEquals(put.status, 202, JSON.stringify(put.json));
      // the notification R2 would put on the inbox queue for that upload
      const event = {
        account: "local",
        action: "PutObject",
        bucket: "realign",
        object: { key: "inbox/run_bold.nii.gz", size: bytes.length, eTag: "local" },
        eventTime: new Date().toISOString(),
      };
      const ev = await api(dev, "POST", "/v1/events/r2", JSON.stringify(event));
      assertEquals(ev.status, 202);
      assertEquals(ev.json.job, put.json.job, "the upload and its event are the same job");
      const ignored = await api(
        dev,
        "POST",
        "/v1/events/r2",
        JSON.stringify({ ...event, action: "DeleteObject" }),
      );
      assertEquals(ignored.status, 200);
      assertEquals(ignored.json.ignored, "action DeleteObject");
      ids.done = put.json.job;

      // more jobs for the cron step, running alongside: different options, different ids
      for (const [name, query] of [["old", "interp=1"], ["crashed", "fwhm=4"], ["bad", "ref=25"]]) {
        const r = await api(dev, "PUT", `/v1/inbox/${name}_bold.nii.gz?${query}`, bytes);
        assertEquals(r.status, 202, JSON.stringify(r.json));
        ids[name!] = r.json.job;
      }
      // frame 7 blank: its estimate task fails with a RegistrationError (the user's problem)
      const sample = await readNifti(bytes, "sample");
      const n3 = sample.data.length / 20;
      sample.data.fill(0, 7 * n3, 8 * n3);
      const blank = (await encodeNifti(sample.header, sample.data, {}, true)).slice();
      const b = await api(dev, "PUT", "/v1/inbox/blank_bold.nii.gz", blank);
      assertEquals(b.status, 202, JSON.stringify(b.json));
      ids.blank = b.json.job;
      assertEquals(new Set(Object.values(ids)).size, 5, "five distinct jobs");

      const s = await waitFor(dev, ids.done, ["done", "failed"]);
      assertEquals(s.state, "done", JSON.stringify(s));
      assertEquals(s.progress.done, 20);
      assertEquals(s.progress.total, 20);
      assertEquals(s.input, {
        key: "inbox/run_bold.nii.gz",
        name: "run_bold.nii.gz",
        size: bytes.length,
      });
      const got = await cli;
      assertEquals(got.code, 0, got.stderr);
      const local = (name: string) => Deno.readFile(`${dir}/cli/${name}`);
      const dec = new TextDecoder();
      assertEquals(s.outputs.rp, `outputs/${ids.done}/run_rp.txt`);
      const rp = numbers(dec.decode(await download(dev, s.outputs.rp!)));
      assertEquals(rp.length, 20);
      const dRp = maxAbsDiff(rp, numbers(dec.decode(await local("run_rp.txt"))));
      assert(dRp <= 1e-4, `rp.txt differs from the CLI's by ${dRp}`);
      assert(Math.max(...rp.slice(1).map((r) => Math.abs(r[0]!))) > 1e-3, "real motion found");
      const xfm = numbers(dec.decode(await download(dev, s.outputs.xfm!)));
      const dXfm = maxAbsDiff(xfm, numbers(dec.decode(await local("run_xfm.tsv"))));
      assert(dXfm <= 1e-4, `xfm.tsv differs from the CLI's by ${dXfm}`);
      const tsv = dec.decode(await download(dev, s.outputs.motion!)).trim().split("\n");
      assertEquals(tsv.length, 21, "header + 20 frames");
      const img = await readNifti(await download(dev, s.outputs.realigned!), "workers");
      const ref = await readNifti(await local("run_desc-realigned_bold.nii.gz"), "cli");
      const dImg = relativeDiff(img.data, ref.data);
      assert(dImg <= 1e-4, `realigned image differs by ${dImg} (relative)`);
      const mean = await readNifti(await download(dev, s.outputs.mean!), "workers", {
        allow3d: true,
      });
      const meanRef = await readNifti(await local("run_desc-mean_bold.nii.gz"), "cli", {
        allow3d: true,
      });
      const dMean = relativeDiff(mean.data, meanRef.data);
      assert(dMean <= 1e-4, `mean image differs by ${dMean} (relative)`);
      // the PNG plot (resvg's wasm and the font bundled into the Worker) and the HTML report
      const png = await download(dev, s.outputs.png!);
      assertEquals([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], "PNG signature");
      assert(png.length > 5000, `a real plot, not an empty image: ${png.length} bytes`);
      // the same image as the CLI's (each runtime's zlib deflates it: the bytes may differ)
      const [plot, plotRef] = [decodePng(png), decodePng(await local("run_motion.png"))];
      assertEquals([plot.width, plot.height], [plotRef.width, plotRef.height], "the CLI's size");
      assert(
        plot.pixels.every((v, i) => v === plotRef.pixels[i]),
        "the same pixels as the CLI's PNG",
      );
      const html = dec.decode(await download(dev, s.outputs.report!));
      assert(/^<!doctype html>/i.test(html), "an HTML report");
      assert(html.includes("data:image/png;base64,"), "the report embeds its images");
      console.log(
        `workers vs CLI: rp ${dRp.toExponential(2)}, xfm ${dXfm.toExponential(2)}, ` +
          `image ${dImg.toExponential(2)}, mean ${dMean.toExponential(2)} (relative)`,
      );
    });

    await t.step("a task's input error fails the job at once, naming frame and range", async () => {
      const s = await waitFor(dev, ids.blank!, ["done", "failed"]);
      assertEquals(s.state, "failed");
      assertEquals(s.error?.kind, "input");
      assert(/frame 7\b.*blank/.test(s.error?.message ?? ""), s.error?.message);
      const range = /^(\d+)-(\d+)$/.exec(s.error?.range ?? "");
      assert(range && Number(range[1]) <= 7 && 7 < Number(range[2]), `range ${s.error?.range}`);
    });

    await t.step("a 17.5 MiB upload is stored by R2 multipart and comes back whole", async () => {
      // three parts: 8 MiB, 8 MiB, 1.5 MiB (R2: all parts but the last the same size, ≥ 5 MiB)
      const big = new Uint8Array(17.5 * 1024 * 1024);
      let x = 0x9e3779b9;
      for (let i = 0; i < big.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        big[i] = x & 0xff;
      }
      const put = await api(dev, "PUT", "/v1/inbox/junk.nii", big);
      assertEquals(put.status, 202, JSON.stringify(put.json));
      ids.junk = put.json.job;
      const back = await download(dev, "inbox/junk.nii");
      assertEquals(back.length, big.length, "size");
      let same = true;
      for (let i = 0; i < big.length && same; i++) same = back[i] === big[i];
      assert(same, "the bytes read back are the bytes uploaded");
      const s = await waitFor(dev, ids.junk!, ["done", "failed"]);
      assertEquals(s.state, "failed");
      assertEquals(s.error?.kind, "input", "not a NIfTI file: the user's problem");
      assert(/^junk\.nii: /.test(s.error?.message ?? ""), s.error?.message);
    });

    await t.step("cron: old-version and internally failed jobs rerun, others stay", async () => {
      for (const k of ["old", "crashed"]) {
        assertEquals((await waitFor(dev, ids[k]!, ["done"])).state, "done");
      }
      const bad = await waitFor(dev, ids.bad!, ["failed"]);
      assertEquals(bad.error?.kind, "input");
      assert(/--ref/.test(bad.error?.message ?? ""), bad.error?.message);
      const before = (await waitFor(dev, ids.done!, ["done"])).updated;
      await dev.stop();
      const parts = multipartParts(persist, "inbox/junk.nii");
      const MiB = 1024 * 1024;
      assertEquals(parts, [8 * MiB, 8 * MiB, 1.5 * MiB], "equal parts, a shorter last one");
      editRecord(persist, ids.old!, { version: "0.1.0" });
      editRecord(persist, ids.crashed!, {
        state: "failed",
        error: { message: "function crashed", kind: "internal" },
      });
      dev = await startWrangler({
        port: freePort(),
        persistTo: persist,
        token: TOKEN,
        testScheduled: true,
        vars: { WATCHDOG_SECONDS: "3" },
      });
      assertEquals((await api(dev, "GET", `/v1/jobs/${ids.old}`)).json.version, "0.1.0");
      const cron = await fetch(`${dev.url}/__scheduled`);
      assertEquals(cron.status, 200, await cron.text());
      let line: RegExpMatchArray | null = null;
      for (let i = 0; i < 50 && !line; i++) {
        // the handler's log line reaches wrangler's stdout a moment after the response
        line = dev.log().match(/realign: reprocess (\{.*\})/);
        if (!line) await new Promise((r) => setTimeout(r, 100));
      }
      assert(line, `no reprocess line in the log:\n${dev.log().slice(-2000)}`);
      const report = JSON.parse(line[1]!) as { rerun: string[]; skipped: string[]; errors: [] };
      assertEquals(report.rerun.sort(), [ids.old!, ids.crashed!].sort(), "rerun");
      assertEquals(
        report.skipped.sort(),
        [ids.done!, ids.bad!, ids.junk!, ids.blank!].sort(),
        "left alone",
      );
      assertEquals(report.errors, []);
      const old = await waitFor(dev, ids.old!, ["done", "failed"]);
      assertEquals(old.state, "done");
      assertEquals(old.version, PIPELINE_VERSION, "rerun by this pipeline version");
      const crashed = await waitFor(dev, ids.crashed!, ["done", "failed"]);
      assertEquals(crashed.state, "done");
      assertEquals(crashed.error, undefined, "the earlier failure is gone");
      const done = await waitFor(dev, ids.done!, ["done"]);
      assertEquals(done.updated, before, "a finished current job is not touched");
      const still = await waitFor(dev, ids.bad!, ["failed"]);
      assertEquals(still.updated, bad.updated, "an input failure is not retried");
    });

    await t.step("a job whose isolate dies mid-run is resumed by its watchdog alarm", async () => {
      // 40 frames: the two frames of a real 128×96×24 run, alternating (frame 2k is frame 0)
      const src = await readNifti(
        await Deno.readFile(`${ROOT}/test/data/real_fmri_128x96x24x2.nii.gz`),
        "src",
      );
      const n3 = src.data.length / 2, nt = 40;
      const data = new Float32Array(n3 * nt);
      for (let f = 0; f < nt; f++) {
        data.set(src.data.subarray((f % 2) * n3, (f % 2 + 1) * n3), f * n3);
      }
      const dims = [...src.header.dims];
      dims[4] = nt;
      const long = (await encodeNifti(src.header, data, { dims }, true)).slice();
      const put = await api(dev, "PUT", "/v1/inbox/long_bold.nii.gz", long);
      assertEquals(put.status, 202, JSON.stringify(put.json));
      const id = put.json.job as string;
      let at: Status | null = null;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const s = (await api(dev, "GET", `/v1/jobs/${id}`)).json as Status;
        if (s.state !== "running" && s.state !== "queued") {
          throw new Error(`job ended early: ${JSON.stringify(s)}`);
        }
        if (s.progress.phase === "reslice" && s.progress.done >= 5) {
          at = s;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      assert(at, "the job reached its reslice phase");
      await dev.stop(); // workerd goes down mid-reslice: the isolate running register() is gone
      dev = await startWrangler({
        port: freePort(),
        persistTo: persist,
        token: TOKEN,
        vars: { WATCHDOG_SECONDS: "3" },
      });
      const s = await waitFor(dev, id, ["done", "failed"]);
      assertEquals(s.state, "done", JSON.stringify(s));
      const ran = dev.log().match(/QUEUE realign-tasks /g)?.length ?? 0;
      console.log(
        `killed at ${at.progress.phase} ${at.progress.done}/${at.progress.total}; ` +
          `after the restart ${ran} slab task(s) ran (a whole job: 16)`,
      );
      // 8 ranges (WORKERS_CONCURRENCY) per phase: finished estimation is not redone, and
      // reslice ranges finished before the kill are skipped
      assert(ran >= 1 && ran <= 8, `${ran} slab tasks ran after the restart`);
      const rp = numbers(new TextDecoder().decode(await download(dev, s.outputs.rp!)));
      assertEquals(rp.length, nt);
      for (let f = 2; f < nt; f++) {
        const d = maxAbsDiff([rp[f]!], [rp[f % 2]!]);
        assert(d <= 1e-6, `frame ${f} repeats frame ${f % 2} but its parameters differ by ${d}`);
      }
    });
  } finally {
    await dev.stop();
    await cli.catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
