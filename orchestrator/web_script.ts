/**
 * The browser side of the web pages (see `web_pages.ts`): plain scripts,
 * inlined into the pages, no framework and no external URL. They call the
 * `/v1` API with `fetch`/`XMLHttpRequest`, sending `Authorization: Bearer`
 * with the token the user typed (kept in `localStorage`), and build every
 * piece of text from the API with `textContent`, never as HTML.
 *
 * Written without template literals, so that the scripts can live in
 * template strings here without interpolating anything by accident.
 *
 * @module
 */

/** Helpers both pages use: the token, API calls, DOM building, polling, labels. */
export const COMMON_SCRIPT = `"use strict";
const TOKEN_KEY = "realign-token";
const $ = (id) => document.getElementById(id);
function getToken() {
  try { return localStorage.getItem(TOKEN_KEY) || ""; } catch (_) { return ""; }
}
function authState(ok) {
  const m = $("auth-msg");
  if (m) m.hidden = ok;
}
async function api(path, init) {
  const opts = Object.assign({}, init || {});
  const headers = new Headers(opts.headers || {});
  const t = getToken();
  if (t) headers.set("authorization", "Bearer " + t);
  opts.headers = headers;
  const r = await fetch(path, opts);
  authState(r.status !== 401);
  return r;
}
function el(tag, props, kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined) continue;
    if (k === "text") e.textContent = String(v);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, String(v));
  }
  for (const c of kids || []) if (c !== null && c !== undefined) e.append(c);
  return e;
}
function jobHref(id) { return "/jobs/" + encodeURIComponent(id); }
function objectHref(key) { return "/v1/objects/" + key.split("/").map(encodeURIComponent).join("/"); }
function baseName(key) { return key.slice(key.lastIndexOf("/") + 1); }
function bytes(n) {
  if (!(n >= 0)) return "";
  const u = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i === 0 ? String(n) : n.toFixed(1)) + " " + u[i];
}
const PHASES = {
  queued: "waiting", stage: "staging", estimate: "estimating", mean: "building the mean",
  estimate2: "estimating (against the mean)", reslice: "reslicing", gather: "writing outputs",
};
/** "estimating", "12 / 20 frames" and a progress bar for a job status. */
function progressCell(st) {
  const p = st.progress || { phase: "queued", done: 0, total: 0 };
  const label = st.state === "done" ? "done" : st.state === "failed" ? "stopped while " +
    (PHASES[p.phase] || p.phase) : PHASES[p.phase] || p.phase;
  const kids = [el("span", { class: "phase", text: label })];
  if (p.total > 0) {
    kids.push(el("progress", { max: p.total, value: p.done }));
    kids.push(el("span", { class: "frames", text: p.done + " / " + p.total + " frames" }));
  }
  return el("div", { class: "progress", "data-phase": p.phase, "data-done": p.done,
    "data-total": p.total }, kids);
}
function initToken(onChange) {
  const input = $("token");
  input.value = getToken();
  $("token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    try { localStorage.setItem(TOKEN_KEY, input.value.trim()); } catch (_) { /* private mode */ }
    $("token-note").textContent = input.value.trim() ? "token saved" : "token cleared";
    onChange();
  });
}
/** Call fn every ms until it returns false; a network error waits longer and shows. */
function poll(fn, ms) {
  const tick = async () => {
    if (document.hidden) return void setTimeout(tick, ms); // nobody looks: no requests
    let again = true;
    try {
      again = (await fn()) !== false;
      $("net-msg").hidden = true;
    } catch (e) {
      $("net-msg").hidden = false;
      $("net-msg").textContent = "Cannot reach the server: " + (e && e.message || e);
    }
    if (again) setTimeout(tick, ms);
  };
  tick();
}
`;

/** The list page: upload by drop or file input (with progress), jobs polled each second. */
export const INDEX_SCRIPT = `
function upload(file) {
  return new Promise((resolve) => {
    const bar = $("up-bar");
    const msg = $("up-msg");
    const ref = $("ref").value;
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", "/v1/inbox/" + encodeURIComponent(file.name) +
      (ref === "first" ? "" : "?ref=" + encodeURIComponent(ref)));
    const t = getToken();
    if (t) xhr.setRequestHeader("authorization", "Bearer " + t);
    bar.hidden = false;
    bar.max = file.size || 1;
    bar.value = 0;
    msg.textContent = "Uploading " + file.name + " (" + bytes(file.size) + ")";
    msg.className = "";
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      bar.max = e.total;
      bar.value = e.loaded;
      msg.textContent = "Uploading " + file.name + ": " + bytes(e.loaded) + " of " +
        bytes(e.total) + " (" + Math.floor(100 * e.loaded / e.total) + "%)";
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      authState(xhr.status !== 401);
      if (xhr.status === 202 && body.job) {
        bar.value = bar.max;
        msg.replaceChildren("Uploaded " + file.name + ": job ",
          el("a", { href: jobHref(body.job), text: body.job.slice(0, 12) }));
        msg.dataset.job = body.job;
      } else {
        msg.textContent = file.name + ": " + (body.error || "upload failed (HTTP " + xhr.status + ")");
        msg.className = "error";
      }
      refresh();
      resolve();
    };
    xhr.onerror = () => {
      msg.textContent = file.name + ": upload failed (network error)";
      msg.className = "error";
      resolve();
    };
    xhr.send(file);
  });
}
async function uploadAll(files) {
  for (const f of files) await upload(f);
}
function jobRow(st) {
  const name = el("td", { class: "name" }, [el("a", { href: jobHref(st.id), text: st.input.name })]);
  if (st.error) name.append(el("div", { class: "error", text: st.error.message }));
  return el("tr", { "data-job": st.id, "data-state": st.state }, [
    name,
    el("td", {}, [el("span", { class: "state state-" + st.state, text: st.state })]),
    el("td", {}, [progressCell(st)]),
    el("td", { class: "size", text: bytes(st.input.size) }),
    el("td", { class: "when", text: new Date(st.created).toLocaleString() }),
  ]);
}
let lastJobs = "";
async function refresh() {
  const r = await api("/v1/jobs");
  if (r.status === 401) return true;
  if (!r.ok) throw new Error("GET /v1/jobs: HTTP " + r.status);
  const text = await r.text();
  if (text === lastJobs) return true; // unchanged: keep the rows (and any focus or selection)
  lastJobs = text;
  const jobs = JSON.parse(text).jobs || [];
  $("jobs-body").replaceChildren(...jobs.map(jobRow));
  $("no-jobs").hidden = jobs.length > 0;
  return true;
}
initToken(refresh);
const drop = $("drop");
$("file").addEventListener("change", (e) => {
  uploadAll([...e.target.files]).then(() => { e.target.value = ""; });
});
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  uploadAll([...e.dataTransfer.files]);
});
poll(refresh, 1000);
`;

/** One job's page: state and progress polled until it ends, then outputs, numbers, plot, report. */
export const JOB_SCRIPT = `
const JOB = document.body.dataset.job;
const KIND_LABELS = {
  realigned: "realigned run", mean: "mean image", motion: "motion table (BIDS)",
  rp: "SPM parameters", xfm: "per-frame matrices", plot: "motion plot", report: "report",
};
let shown = false;
/**
 * Numbers of a _motion.tsv: frames, FD (max, mean over frames 1..n-1, frames above 0.5 mm),
 * largest translation and rotation, and the motion_outlier column's count (-1 without one).
 */
function motionSummary(text) {
  const lines = text.split("\\n").filter((l) => l.trim() !== "");
  const head = lines[0].split("\\t");
  const rows = lines.slice(1).map((l) => l.split("\\t").map(Number));
  const col = (n) => head.indexOf(n);
  const fd = col("framewise_displacement");
  const out = col("motion_outlier");
  let maxFd = 0, sumFd = 0, nFd = 0, maxT = 0, maxR = 0, spikes = 0, outliers = 0;
  rows.forEach((r, t) => {
    const f = r[fd];
    if (Number.isFinite(f)) {
      maxFd = Math.max(maxFd, f);
      if (t > 0) { sumFd += f; nFd++; }
    }
    for (const c of ["trans_x", "trans_y", "trans_z"]) {
      const v = Math.abs(r[col(c)]);
      if (Number.isFinite(v)) maxT = Math.max(maxT, v);
    }
    for (const c of ["rot_x", "rot_y", "rot_z"]) {
      const v = Math.abs(r[col(c)]);
      if (Number.isFinite(v)) maxR = Math.max(maxR, v);
    }
    if (f > 0.5) spikes++;
    if (r[out] === 1) outliers++;
  });
  return { frames: rows.length, maxFd: maxFd, meanFd: nFd > 0 ? sumFd / nFd : 0,
    maxTrans: maxT, maxRotDeg: maxR * 180 / Math.PI, spikes: spikes,
    outliers: out >= 0 ? outliers : -1 };
}
function showSummary(s) {
  const items = [
    ["frames", "Frames", String(s.frames)],
    ["max-fd", "Max framewise displacement", s.maxFd.toFixed(3) + " mm"],
    ["mean-fd", "Mean framewise displacement", s.meanFd.toFixed(3) + " mm"],
    ["max-trans", "Largest translation", s.maxTrans.toFixed(3) + " mm"],
    ["max-rot", "Largest rotation", s.maxRotDeg.toFixed(3) + "\\u00b0"],
    ["spikes", "Frames with FD above 0.5 mm", String(s.spikes)],
  ];
  if (s.outliers >= 0) {
    items.push(["outliers", "Outlier frames (FD > 0.5 mm or standardised DVARS > 1.5)",
      String(s.outliers)]);
  }
  $("summary").replaceChildren(...items.flatMap(([id, label, value]) =>
    [el("dt", { text: label }), el("dd", { id: "s-" + id, text: value })]));
  $("summary-box").hidden = false;
}
/** The plot's SVG, inline, with scripts, event handlers and outside links removed. */
function showPlot(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg" || doc.getElementsByTagName("parsererror").length > 0) {
    $("plot").textContent = "The motion plot could not be read.";
    return;
  }
  for (const n of svg.querySelectorAll("script, foreignObject")) n.remove();
  for (const n of [svg, ...svg.querySelectorAll("*")]) {
    for (const a of [...n.attributes]) {
      if (/^on/i.test(a.name) || (/href$/i.test(a.name) && !a.value.startsWith("#"))) {
        n.removeAttribute(a.name);
      }
    }
  }
  $("plot").replaceChildren(document.importNode(svg, true));
  $("plot-box").hidden = false;
}
function showReport(html) {
  const frame = el("iframe", { id: "report-frame", sandbox: "", title: "Report" });
  frame.srcdoc = html;
  $("report").replaceChildren(frame);
  $("report-box").hidden = false;
}
async function download(ev) {
  if (!getToken()) return; // a plain link works without a token
  ev.preventDefault();
  const a = ev.currentTarget;
  const r = await api(a.getAttribute("href"));
  if (!r.ok) { a.parentNode.append(el("span", { class: "error", text: " HTTP " + r.status })); return; }
  const url = URL.createObjectURL(await r.blob());
  const tmp = el("a", { href: url, download: a.getAttribute("download") });
  document.body.append(tmp);
  tmp.click();
  tmp.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
function showOutputs(outputs) {
  const items = Object.entries(outputs).map(([kind, key]) => {
    const a = el("a", { href: objectHref(key), download: baseName(key), "data-kind": kind,
      text: baseName(key) });
    a.addEventListener("click", download);
    return el("li", {}, [a, " \\u2014 " + (KIND_LABELS[kind] || kind)]);
  });
  $("outputs").replaceChildren(...items);
  $("outputs-box").hidden = items.length === 0;
}
async function text(key) {
  const r = await api(objectHref(key));
  if (!r.ok) throw new Error("GET " + key + ": HTTP " + r.status);
  return r.text();
}
async function showResults(st) {
  const o = st.outputs;
  showOutputs(o);
  if (o.motion) showSummary(motionSummary(await text(o.motion)));
  if (o.plot && o.plot.endsWith(".svg")) showPlot(await text(o.plot));
  if (o.report) showReport(await text(o.report));
  document.body.dataset.ready = "1";
}
async function refresh() {
  const r = await api("/v1/jobs/" + encodeURIComponent(JOB));
  if (r.status === 401) return true;
  if (r.status === 404) {
    $("state").textContent = "no such job (yet)";
    return true;
  }
  if (!r.ok) throw new Error("GET /v1/jobs/" + JOB + ": HTTP " + r.status);
  const st = await r.json();
  document.title = st.input.name + " \\u2014 realign";
  $("name").textContent = st.input.name;
  $("facts").textContent = bytes(st.input.size) + ", pipeline " + st.version + ", started " +
    new Date(st.created).toLocaleString();
  $("state").textContent = st.state;
  $("state").className = "state state-" + st.state;
  document.body.dataset.state = st.state;
  $("progress").replaceChildren(progressCell(st));
  $("error").hidden = !st.error;
  $("error").textContent = st.error ? st.error.message : "";
  if (st.state === "done" && !shown) {
    await showResults(st);
    shown = true;
  } else if (st.state === "failed") {
    showOutputs(st.outputs || {});
    document.body.dataset.ready = "1";
  }
  return st.state !== "done" && st.state !== "failed";
}
let polling = false;
function start() {
  if (polling) return;
  polling = true;
  poll(async () => {
    const more = await refresh();
    if (!more) polling = false;
    return more;
  }, 1000);
}
initToken(start);
start();
`;
