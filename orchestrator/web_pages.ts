/**
 * The web app the HTTP API serves beside `/v1`: a list page at `/` (upload a
 * run by drop or file input, watch every job's state and progress) and a job
 * page at `/jobs/<id>` (state, the CLI's error message, summary numbers from
 * `_motion.tsv`, the motion plot, the report, and a download link per
 * output). Pure: functions returning HTML strings and responses, the same on
 * Deno and on Workers.
 *
 * The pages are public, static HTML; all job data comes from the `/v1` API,
 * fetched by the inline script with the bearer token the user enters. CSS and
 * script are inline and nothing loads from elsewhere; a Content-Security-Policy
 * with a fresh nonce per response allows only the page's own script, so text
 * from a job (a file name, an error) can never run as code. Every string the
 * server puts into a page is escaped with {@link escapeHtml}.
 *
 * | route | page |
 * | --- | --- |
 * | `GET /` | {@link indexPage} |
 * | `GET /jobs/<id>` | {@link jobPage} |
 *
 * @module
 */
import { COMMON_SCRIPT, INDEX_SCRIPT, JOB_SCRIPT } from "./web_script.ts";

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Text safe inside HTML content and quoted attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./web_pages.ts";
 * escapeHtml(`<a href="x">'&'</a>`);
 * // "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1d2228; --muted: #5d6670; --line: #d5dae0;
  --bg: #fff; --panel: #f5f7f9; --ok: #16794a; --bad: #b3261e; --run: #1f5fae; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ec; --muted: #9aa4ae; --line: #3a424a;
  --bg: #15191d; --panel: #1e2328; --ok: #4cc38a; --bad: #ff8a80; --run: #7ab0ff; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 3rem; font: 15px/1.45 system-ui,
  sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center;
  justify-content: space-between; border-bottom: 1px solid var(--line); padding-bottom: .5rem; }
header h1 { font-size: 1.3rem; margin: 0; }
header h1 a { color: inherit; text-decoration: none; }
form#token-form { display: flex; gap: .4rem; align-items: center; font-size: .9rem; }
input, select, button { font: inherit; }
#token { width: 14rem; }
.note { color: var(--muted); font-size: .85rem; }
.banner { background: var(--panel); border-left: 4px solid var(--bad); padding: .5rem .8rem;
  margin: .8rem 0; }
section { margin-top: 1.5rem; }
h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
#drop { display: block; border: 2px dashed var(--line); border-radius: 8px; padding: 1.5rem;
  text-align: center; background: var(--panel); cursor: pointer; }
#drop.over { border-color: var(--run); }
#up-bar { width: 100%; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
td.size, td.when { white-space: nowrap; color: var(--muted); font-size: .9rem; }
.state { font-weight: 600; }
.state-done { color: var(--ok); } .state-failed { color: var(--bad); }
.state-running, .state-queued { color: var(--run); }
.progress { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.progress progress { width: 8rem; }
.frames { font-variant-numeric: tabular-nums; color: var(--muted); font-size: .9rem; }
.error { color: var(--bad); white-space: pre-wrap; }
#error { background: var(--panel); border-left: 4px solid var(--bad); padding: .6rem .8rem; }
dl#summary { display: grid; grid-template-columns: max-content auto; gap: .2rem 1.2rem;
  margin: 0; }
dl#summary dt { color: var(--muted); }
dl#summary dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: 600; }
#plot svg { max-width: 100%; height: auto; background: #fff; border: 1px solid var(--line); }
#report iframe { width: 100%; height: 80vh; border: 1px solid var(--line); background: #fff; }
ul#outputs { padding-left: 1.2rem; }
`;

function page(title: string, nonce: string, body: string, script: string, attrs = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body${attrs}>
<header>
<h1><a href="/">realign</a></h1>
<form id="token-form">
<label for="token">API token</label>
<input id="token" type="password" autocomplete="off" placeholder="bearer token">
<button type="submit">Save</button>
<span id="token-note" class="note"></span>
</form>
</header>
<p id="auth-msg" class="banner" hidden>This server needs an API token: enter it above and press Save.</p>
<p id="net-msg" class="banner" hidden></p>
${body}
<script nonce="${escapeHtml(nonce)}">${COMMON_SCRIPT}${script}</script>
</body>
</html>
`;
}

/**
 * The list page: upload (drop zone and file input, upload progress, a choice
 * of registration target) and the jobs with live state and progress.
 */
export function indexPage(nonce: string): string {
  return page(
    "realign",
    nonce,
    `<section>
<h2>Upload a run</h2>
<label id="drop" for="file">Drop a 4-D NIfTI run (.nii or .nii.gz) here, or choose one:
<input id="file" type="file" accept=".nii,.gz,.nii.gz" multiple></label>
<p><label for="ref">Register to</label>
<select id="ref"><option value="first">the first frame</option>
<option value="mean">the mean (two passes)</option></select></p>
<progress id="up-bar" value="0" max="1" hidden></progress>
<p id="up-msg" aria-live="polite"></p>
</section>
<section>
<h2>Jobs</h2>
<table id="jobs"><thead><tr><th>Input</th><th>State</th><th>Progress</th><th>Size</th>
<th>Started</th></tr></thead><tbody id="jobs-body"></tbody></table>
<p id="no-jobs" class="note" hidden>No jobs yet.</p>
</section>`,
    INDEX_SCRIPT,
  );
}

/**
 * One job's page: its state and progress until it ends; then the summary
 * numbers, the motion plot, the report (when the job has one) and a download
 * link per output; or the job's error message.
 */
export function jobPage(id: string, nonce: string): string {
  const safe = escapeHtml(id);
  return page(
    `job ${id} — realign`,
    nonce,
    `<p><a href="/">← all jobs</a></p>
<section>
<h2 id="name">job ${safe}</h2>
<p class="note">job <code id="job-id">${safe}</code> · <span id="facts"></span></p>
<p><span id="state" class="state">loading…</span></p>
<div id="progress"></div>
<p id="error" class="error" role="alert" hidden></p>
</section>
<section id="summary-box" hidden><h2>Motion</h2><dl id="summary"></dl></section>
<section id="plot-box" hidden><h2>Motion plot</h2><div id="plot"></div></section>
<section id="outputs-box" hidden><h2>Outputs</h2><ul id="outputs"></ul></section>
<section id="report-box" hidden><h2>Report</h2><div id="report"></div></section>`,
    JOB_SCRIPT,
    ` data-job="${safe}"`,
  );
}

/** A fresh CSP nonce (128 random bits, base64). */
function newNonce(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...b));
}

function htmlResponse(html: string, nonce: string, status = 200): Response {
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "content-security-policy": [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'`,
        "style-src 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "frame-src 'self' blob: data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join("; "),
    },
  });
}

/**
 * The page for a request, or `null` when the path is not a page (the caller
 * goes on to the API). Pages need no token: they hold no data.
 *
 * @example
 * ```ts
 * import { webPage } from "./web_pages.ts";
 * const res = webPage(new Request("http://localhost/"));
 * // res?.status === 200, an HTML page; webPage(new Request("http://localhost/v1/jobs")) === null
 * ```
 */
export function webPage(request: Request): Response | null {
  const path = new URL(request.url).pathname;
  const isJob = path.startsWith("/jobs/");
  if (path !== "/" && path !== "/index.html" && path !== "/favicon.ico" && !isJob) return null;
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("use GET\n", { status: 405, headers: { allow: "GET, HEAD" } });
  }
  if (path === "/favicon.ico") return new Response(null, { status: 204 });
  const nonce = newNonce();
  if (!isJob) return htmlResponse(indexPage(nonce), nonce);
  let id: string | null;
  try {
    id = decodeURIComponent(path.slice("/jobs/".length));
  } catch {
    id = null;
  }
  if (!id || id.includes("/")) {
    return htmlResponse(
      page("no such page — realign", nonce, `<p>No such job. <a href="/">All jobs</a></p>`, ""),
      nonce,
      404,
    );
  }
  return htmlResponse(jobPage(id, nonce), nonce);
}
