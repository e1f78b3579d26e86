/**
 * The web app in a real browser: `deno task serve`'s entry (infra/deno/serve.ts
 * under `deno serve`, a real KV file and store folder, a bearer token) on a
 * free port, driven by Debian's Chromium (headless) through playwright-core.
 * A user enters the token, uploads the sample run through the file input,
 * watches the job finish in the list and reads its page; the numbers the page
 * shows are checked against the job's `_motion.tsv`, fetched through the API.
 * A broken file shows the CLI's own message. Servers and browsers are stopped.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { assert, assertClose, assertEquals } from "../helpers/assert.ts";
import { ROOT, runCli, SAMPLE, tempDir } from "../helpers/cli.ts";
import { randomBytes } from "../helpers/corrupt_files.ts";
import { type Server, startServer } from "../helpers/server.ts";
import { simulateRun } from "../helpers/simulate.ts";
import { syntheticHeader } from "../helpers/synthetic_header.ts";
import { encodeNifti } from "../../shared/nifti/read.ts";
import type { JobStatus } from "../../orchestrator/job_service.ts";

const TOKEN = "browser-test-token";
const CHROMIUM = "/usr/bin/chromium";
/** Debian's Chromium (`.ci/run` installs it); without it these tests are skipped, and say so. */
const HAVE_CHROMIUM = await Deno.stat(CHROMIUM).then(() => true, () => false);
if (!HAVE_CHROMIUM) {
  console.warn(
    `web_page_test: skipped: no ${CHROMIUM} (apt-get install -y chromium, as .ci/run does)`,
  );
}
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A self-contained page like the report (style, a PNG data URI), for a job without one. */
const STAND_IN_REPORT = `<!doctype html><html><head><style>h1 { color: #123456; }</style>
</head><body><h1>report</h1><img alt="1 pixel" src="data:image/png;base64,${"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}"></body></html>`;

interface Session {
  dir: string;
  server: Server;
  browser: Browser;
  page: Page;
  /** Script errors and CSP violations the page reported. */
  problems: string[];
}

/** A server with a token and a browser page with downloads on; `fn` runs, then both stop. */
async function session(fn: (s: Session) => Promise<void>): Promise<void> {
  const dir = await tempDir("realign-browser-");
  const server = await startServer(
    "infra/deno/serve.ts",
    ["--store", `${dir}/store`, "--no-watch", "--cron", "off", "--workers", "2"],
    { REALIGN_TOKEN: TOKEN, INIT_CWD: dir },
  );
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({
      acceptDownloads: true,
      viewport: { width: 1100, height: 900 },
    });
    const page = await context.newPage();
    page.setDefaultTimeout(20000);
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (/Content.Security.Policy|Uncaught/i.test(m.text())) problems.push(m.text());
    });
    await fn({ dir, server, browser, page, problems });
    assertEquals(problems, [], "script errors or CSP violations on the page");
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.stack : e}\nserver log:\n${server.log()}`);
  } finally {
    await browser?.close();
    await server.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function api(s: Session, path: string): Promise<Response> {
  const r = await fetch(`${s.server.url}${path}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assertEquals(r.status, 200, `GET ${path}`);
  return r;
}

function objectPath(key: string): string {
  return `/v1/objects/${key.split("/").map(encodeURIComponent).join("/")}`;
}

/** Open the list page, see that it asks for the token, and enter it. */
async function signIn(s: Session): Promise<void> {
  await s.page.goto(`${s.server.url}/`);
  await s.page.locator("#auth-msg").waitFor({ state: "visible" }); // the API said 401
  await s.page.fill("#token", TOKEN);
  await s.page.click("#token-form button");
  await s.page.locator("#auth-msg").waitFor({ state: "hidden" });
}

/** Upload through the file input; the job id the page reports. */
async function uploadFile(s: Session, path: string): Promise<string> {
  await s.page.setInputFiles("#file", path);
  const msg = s.page.locator("#up-msg[data-job]");
  await msg.waitFor();
  const id = await msg.getAttribute("data-job");
  assert(id && /^[0-9a-f]{16,}$/.test(id), `job id from the page: ${id}`);
  return id;
}

/** What the page should show, computed here from the `_motion.tsv` text. */
function expectedSummary(tsv: string) {
  const lines = tsv.trim().split("\n");
  const head = lines[0]!.split("\t");
  const rows = lines.slice(1).map((l) => l.split("\t").map(Number));
  const col = (name: string) => {
    const i = head.indexOf(name);
    assert(i >= 0, `_motion.tsv has no ${name} column: ${head.join(" ")}`);
    return rows.map((r) => r[i]!);
  };
  const fd = col("framewise_displacement");
  const trans = ["trans_x", "trans_y", "trans_z"].flatMap(col).map(Math.abs);
  const rot = ["rot_x", "rot_y", "rot_z"].flatMap(col).map(Math.abs);
  const later = fd.slice(1);
  return {
    frames: rows.length,
    maxFd: Math.max(...fd),
    meanFd: later.reduce((a, b) => a + b, 0) / later.length,
    maxTrans: Math.max(...trans),
    maxRotDeg: Math.max(...rot) * 180 / Math.PI,
    spikes: fd.filter((v) => v > 0.5).length,
    outliers: col("motion_outlier").filter((v) => v === 1).length,
  };
}

/** Record, in the page, every text of `#up-msg` and every state row of the list, as shown. */
const RECORDER = `(() => {
  const seen = (globalThis.seen = []);
  const uploads = (globalThis.uploads = []);
  new MutationObserver(() => {
    for (const tr of document.querySelectorAll("#jobs-body tr")) {
      const p = tr.querySelector(".progress").dataset;
      const s = tr.dataset.state + " " + p.phase + " " + p.done + "/" + p.total;
      if (seen[seen.length - 1] !== s) seen.push(s);
    }
  }).observe(document.getElementById("jobs-body"), { childList: true });
  new MutationObserver(() => uploads.push(document.getElementById("up-msg").textContent))
    .observe(document.getElementById("up-msg"), { childList: true, characterData: true,
      subtree: true });
})()`;

async function shownNumber(page: Page, id: string): Promise<number> {
  const text = (await page.textContent(`#s-${id}`)) ?? "";
  const v = parseFloat(text);
  assert(Number.isFinite(v), `#s-${id} shows a number: "${text}"`);
  return v;
}

Deno.test({
  name: "web page: upload the sample, watch it finish, check numbers, plot and downloads",
  ignore: !HAVE_CHROMIUM,
}, async () => {
  await session(async (s) => {
    const { page } = s;
    // the page is public, the API is not
    const pub = await fetch(`${s.server.url}/`);
    assertEquals([pub.status, pub.headers.get("content-type")], [200, "text/html; charset=utf-8"]);
    assert((await pub.text()).includes(`id="file"`), "the list page");
    const denied = await fetch(`${s.server.url}/v1/jobs`);
    assertEquals(denied.status, 401);
    await denied.body?.cancel();
    await signIn(s);
    await page.locator("#no-jobs").waitFor({ state: "visible" });
    // record every state the list shows, as it shows it (the same document throughout)
    await page.evaluate(RECORDER);
    const t0 = Date.now();
    const id = await uploadFile(s, SAMPLE);
    const row = page.locator(`tr[data-job="${id}"]`);
    await row.waitFor();
    // the list updates by itself: the same document (no reload) sees the job end
    await page.locator(`tr[data-job="${id}"][data-state="done"]`).waitFor({ timeout: 45000 });
    console.log(`upload to done in the list: ${Date.now() - t0} ms`);
    const seen = await page.evaluate<string[]>("globalThis.seen");
    console.log(`states the list showed: ${seen.join(", ")}`);
    assert(seen.length >= 2 && !seen[0]!.startsWith("done"), `seen before done: ${seen}`);
    assertEquals(seen[seen.length - 1], "done gather 20/20"); // the phase stays the last one run
    assertEquals(
      (await row.locator(".name a").textContent())?.trim(),
      "real_fmri_17x21x3x20.nii.gz",
    );
    assertEquals((await row.locator(".frames").textContent())?.trim(), "20 / 20 frames");
    await page.screenshot({ path: `${ROOT}/test/out/web_list_page.png` });

    await row.locator(".name a").click();
    await page.waitForURL(`**/jobs/${id}`);
    await page.locator("body[data-ready='1']").waitFor();
    assertEquals(await page.textContent("#state"), "done");
    assertEquals(await page.textContent("#name"), "real_fmri_17x21x3x20.nii.gz");

    const status: JobStatus = await (await api(s, `/v1/jobs/${id}`)).json();
    assertEquals(status.state, "done");
    const outputs = status.outputs as Record<string, string>;

    // the numbers shown equal those of the job's _motion.tsv
    const tsv = await (await api(s, objectPath(outputs.motion!))).text();
    const want = expectedSummary(tsv);
    assertEquals(want.frames, 20);
    assertEquals(await shownNumber(page, "frames"), 20);
    assertEquals(await shownNumber(page, "spikes"), want.spikes);
    assertEquals(await shownNumber(page, "outliers"), want.outliers);
    const half = 0.0005 + 1e-9; // shown with 3 decimals
    assertClose(await shownNumber(page, "max-fd"), want.maxFd, half, "max FD");
    assertClose(await shownNumber(page, "mean-fd"), want.meanFd, half, "mean FD");
    assertClose(await shownNumber(page, "max-trans"), want.maxTrans, half, "max translation");
    assertClose(await shownNumber(page, "max-rot"), want.maxRotDeg, half, "max rotation (deg)");
    assert(want.maxFd > 0.001, `the sample moves: max FD ${want.maxFd}`);
    console.log(`shown: max FD ${want.maxFd.toFixed(3)} mm over ${want.frames} frames`);

    // the motion plot, inline: every trace (polyline or path) of the SVG the job wrote
    const svg = await (await api(s, objectPath(outputs.plot!))).text();
    const traces = svg.match(/<(?:path|polyline)\b[^>]*>/g) ?? [];
    assert(traces.length >= 7, `the plot has 6 parameter traces and FD: ${traces.length}`);
    const shown = page.locator("#plot svg :is(path, polyline)");
    assertEquals(await shown.count(), traces.length);
    for (let i = 0; i < traces.length; i++) {
      const data = await shown.nth(i).evaluate((e) =>
        e.getAttribute("d") ?? e.getAttribute("points")
      );
      assert(data && data.length > 20 && traces[i]!.includes(data), `trace ${i} is the job's`);
    }

    // a link per output, to the object's API path, named by its file
    const links = page.locator("#outputs a");
    assertEquals(await links.count(), Object.keys(outputs).length);
    for (const [kind, key] of Object.entries(outputs)) {
      const a = page.locator(`#outputs a[data-kind="${kind}"]`);
      assertEquals(await a.getAttribute("href"), objectPath(key));
      assertEquals(await a.textContent(), key.slice(key.lastIndexOf("/") + 1));
    }
    // downloading sends the token: the saved file is the job's _motion.tsv
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click(`#outputs a[data-kind="motion"]`),
    ]);
    assertEquals(download.suggestedFilename(), "real_fmri_17x21x3x20_motion.tsv");
    const saved = await download.path();
    assertEquals(await Deno.readTextFile(saved), tsv);

    const shot = `${ROOT}/test/out/web_job_page.png`;
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshots: ${shot}, ${ROOT}/test/out/web_list_page.png`);

    // the report, when the job has one, in a sandboxed frame; without one (a pipeline
    // version with no report), a stand-in shows the frame works under the page's CSP
    assertEquals(await page.locator("#report iframe").count(), outputs.report ? 1 : 0);
    if (!outputs.report) await page.evaluate(`showReport(${JSON.stringify(STAND_IN_REPORT)})`);
    const report = page.frameLocator("#report iframe");
    await report.locator("img").first().waitFor();
    const widths = await report.locator("img").evaluateAll(
      (imgs) =>
        Promise.all(imgs.map((e) => {
          const img = e as unknown as { decode(): Promise<void>; naturalWidth: number };
          return img.decode().then(() => img.naturalWidth, () => 0); // 0: blocked or broken
        })),
    );
    assert(widths.length > 0 && widths.every((w) => w > 0), `report images load: ${widths}`);
    assertEquals(await page.locator("#report iframe").getAttribute("sandbox"), "");
  });
});

Deno.test({
  name: "web page: a broken file dropped on the page shows the CLI's message",
  ignore: !HAVE_CHROMIUM,
}, async () => {
  await session(async (s) => {
    const bytes = randomBytes(100, 7);
    await Deno.writeFile(`${s.dir}/bad.nii`, bytes);
    const cli = runCli(["bad.nii", "--store", "cli-store"], s.dir);
    await signIn(s);
    // drag and drop: a drop event carrying the file, as a browser fires it
    const dataTransfer = await s.page.evaluateHandle(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(${JSON.stringify([...bytes])})], "bad.nii"));
      return dt;
    })()`);
    await s.page.dispatchEvent("#drop", "drop", { dataTransfer });
    const msg = s.page.locator("#up-msg[data-job]");
    await msg.waitFor();
    const id = (await msg.getAttribute("data-job"))!;
    const row = s.page.locator(`tr[data-job="${id}"][data-state="failed"]`);
    await row.waitFor({ timeout: 30000 });
    const listed = (await row.locator(".error").textContent()) ?? "";

    const r = await cli;
    assertEquals(r.code, 2, r.stderr);
    assertEquals(r.stderr.trim(), `realign: ${listed}`);
    assert(listed.startsWith("bad.nii: "), listed);

    await row.locator(".name a").click();
    await s.page.locator("body[data-ready='1']").waitFor();
    assertEquals(await s.page.textContent("#state"), "failed");
    assertEquals(await s.page.textContent("#error"), listed);
    assert(await s.page.locator("#error").isVisible(), "the message is visible");
    assertEquals(await s.page.locator("#summary-box").isVisible(), false);
    await s.page.screenshot({ path: `${ROOT}/test/out/web_job_failed.png` });
  });
});

Deno.test({
  name: "web page: a 50 MB simulated run shows upload and frame progress, and its true motion",
  ignore: !HAVE_CHROMIUM,
}, async () => {
  // NF frames (enough that the list, polled each second, sees a phase mid-way): a slow +x drift
  // (0.01 mm a frame) and one frame turned 1.2° about z
  const NF = 160;
  const motions = Array.from({ length: NF }, (_, t) => [0.01 * t, 0, 0, 0, 0, 0]);
  motions[30] = [0, 0, 0, 0, 0, 1.2];
  const tSim = Date.now();
  const sim = await simulateRun({
    dims: [44, 52, 36],
    voxelSize: [3.5, 3.5, 4],
    motions,
    noise: 0.01,
    seed: 11,
    subsample: 1,
  });
  console.log(`simulated in ${Date.now() - tSim} ms`);
  const header = syntheticHeader([44, 52, 36, NF], sim.affine, { tr: 2 });
  const bytes = await encodeNifti(header, sim.data, { datatype: 16 }, false);
  // truth: |parameters| of T(t)⁻¹ are those of T(t) for a pure shift or a pure turn
  const rad = Math.PI / 180;
  const fd = motions.map((m, t) => {
    if (t === 0) return 0;
    const p = motions[t - 1]!;
    let d = 0;
    for (let k = 0; k < 3; k++) {
      d += Math.abs(m[k]! - p[k]!) + 50 * rad * Math.abs(m[k + 3]! - p[k + 3]!);
    }
    return d;
  });
  await session(async (s) => {
    const { page } = s;
    const path = `${s.dir}/sim_bold.nii`;
    await Deno.writeFile(path, bytes);
    await signIn(s);
    await page.evaluate(RECORDER);
    // a slow link (40 MB/s up), so that the upload takes about half a second
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 40 * 1024 * 1024,
    });
    const t0 = Date.now();
    const id = await uploadFile(s, path);
    const tUp = Date.now() - t0;
    await page.locator(`tr[data-job="${id}"][data-state="done"]`).waitFor({ timeout: 50000 });
    const tDone = Date.now() - t0;
    const uploads = await page.evaluate<string[]>("globalThis.uploads");
    const seen = await page.evaluate<string[]>("globalThis.seen");
    console.log(`${(bytes.length / 1e6).toFixed(1)} MB uploaded in ${tUp} ms, done in ${tDone} ms`);
    console.log(`upload messages: ${uploads.join(" | ")}`);
    console.log(`states the list showed: ${seen.join(", ")}`);
    const partial = uploads.filter((m) => / \((\d+)%\)$/.test(m) && !/ \(100%\)$/.test(m));
    assert(partial.length >= 1, "the upload showed its progress before it ended");
    const running = seen.filter((x) =>
      new RegExp(`^running (estimate|reslice) \\d+/${NF}$`).test(x)
    );
    assert(running.length >= 1, `frame progress shown while running: ${seen}`);
    assertEquals(seen[seen.length - 1], `done gather ${NF}/${NF}`);

    await page.goto(`${s.server.url}/jobs/${id}`);
    await page.locator("body[data-ready='1']").waitFor();
    assertEquals(await shownNumber(page, "frames"), NF);
    assertClose(await shownNumber(page, "max-trans"), 0.01 * (NF - 1), 0.08, "largest translation");
    assertClose(await shownNumber(page, "max-rot"), 1.2, 0.1, "largest rotation (deg)");
    assertClose(await shownNumber(page, "max-fd"), Math.max(...fd), 0.15, "max FD");
    assertEquals(await shownNumber(page, "spikes"), fd.filter((v) => v > 0.5).length);
    assertEquals(fd.filter((v) => v > 0.5).length, 2); // into and out of the turn
    const shown = await page.locator("#summary").innerText();
    console.log(`shown: ${shown.replace(/\s*\n\s*/g, " | ")}`);
    console.log(
      `truth: max FD ${Math.max(...fd).toFixed(3)} mm, translation ${
        (0.01 * (NF - 1)).toFixed(3)
      } mm, 1.2°`,
    );
    await page.screenshot({ path: `${ROOT}/test/out/web_job_page_simulated.png`, fullPage: true });
  });
});
