/**
 * The run report, `<stem>_report.html`: one self-contained page (inline CSS,
 * the motion plot as inline SVG, the mosaics and carpet plot as base64 PNG
 * `data:` URIs; no script, no network), readable on a laptop and printable.
 *
 * Every summary number sits in an element with an `id` and its full-precision
 * value in `data-value` (the text shows it rounded), so a browser test can
 * compare the page with `_motion.tsv`:
 *
 * | id | data-value |
 * | --- | --- |
 * | `frames` | frame count |
 * | `voxel-size` | "x y z" in mm |
 * | `tr` | seconds, or "" when unknown |
 * | `reference` | the reference's description |
 * | `mean-fd`, `max-fd` | mm |
 * | `outliers` | how many frames; `data-frames` lists them, space-separated, from 0 |
 * | `max-translation` | mm |
 * | `max-rotation` | degrees |
 * | `version` | the pipeline version |
 *
 * Settings are rows `<tr data-setting="name">` whose `<td>` carries the
 * `data-value`. The plot is inside `#motion-plot`; the images are
 * `img#mean-before`, `#mean-after`, `#std-before`, `#std-after`, `#carpet`.
 * The SVG is inserted as given (it is ours, from `motionPlotSvg`), less an
 * XML declaration and its `xmlns` attributes, which HTML does not need.
 *
 * @example
 * ```ts
 * import { reportHtml } from "./report_html.ts";
 * import { encodePng } from "./png.ts";
 *
 * const png = encodePng({ width: 1, height: 1, channels: 1, pixels: new Uint8Array([9]) });
 * const html = reportHtml({
 *   title: "sub-01",
 *   summary: {
 *     frames: 2, voxelSize: [3, 3, 3], tr: 2, reference: "frame 0", meanFd: 0.1, maxFd: 0.2,
 *     outliers: [], maxTranslation: 0.3, maxRotationDeg: 0.1, settings: {}, version: "0.1.0",
 *   },
 *   motionSvg: "<svg></svg>",
 *   images: { meanBefore: png, meanAfter: png, stdBefore: png, stdAfter: png, carpet: png },
 *   maskNote: "automask of the mean image",
 * });
 * if (!html.includes('id="mean-fd" data-value="0.1"')) throw new Error("summary");
 * ```
 *
 * @module
 */

import { base64Encode } from "./base64.ts";
import { PNG_SIGNATURE } from "./png.ts";

/** The run's numbers, as the summary shows them. */
export interface ReportSummary {
  frames: number;
  /** mm. */
  voxelSize: readonly [number, number, number];
  /** Seconds, or null when the header does not say. */
  tr: number | null;
  /** What the frames were registered to ("frame 0", "mean of frames, 2 passes"). */
  reference: string;
  /** Framewise displacement, mm. */
  meanFd: number;
  maxFd: number;
  /** Frames flagged as motion outliers, from 0. */
  outliers: readonly number[];
  /** Largest absolute translation on any axis, mm. */
  maxTranslation: number;
  /** Largest absolute rotation about any axis, degrees. */
  maxRotationDeg: number;
  settings: Readonly<Record<string, string | number | boolean>>;
  version: string;
}

/** The five images, each a PNG file. */
export interface ReportImages {
  meanBefore: Uint8Array;
  meanAfter: Uint8Array;
  stdBefore: Uint8Array;
  stdAfter: Uint8Array;
  carpet: Uint8Array;
}

/** What {@link reportHtml} lays out. */
export interface ReportInput {
  title: string;
  summary: ReportSummary;
  /** The motion plot, an `<svg>` document (from `motionPlotSvg`). */
  motionSvg: string;
  images: ReportImages;
  /** How the brain mask was made, said under the carpet plot. */
  maskNote: string;
}

/** Most outlier frames listed in the text (all of them are in `data-frames`). */
const LISTED_OUTLIERS = 40;

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Full precision for `data-value`; "" for a missing or non-finite number. */
function dataNumber(v: number | null): string {
  return v !== null && Number.isFinite(v) ? String(v) : "";
}

/** A number shown with `digits` decimals, or "n/a". */
function fixed(v: number | null, digits: number): string {
  return v !== null && Number.isFinite(v) ? v.toFixed(digits) : "n/a";
}

/** At most 4 significant digits, no trailing zeros. */
function compact(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : "n/a";
}

function pngUri(name: string, png: Uint8Array): string {
  for (let i = 0; i < PNG_SIGNATURE.length; i++) {
    if (png[i] !== PNG_SIGNATURE[i]) {
      throw new RangeError(`Cannot write the report: image ${name} is not a PNG file`);
    }
  }
  return `data:image/png;base64,${base64Encode(png)}`;
}

/** The SVG ready to inline: no XML declaration, doctype or namespace attributes. */
function inlineSvg(svg: string): string {
  const s = svg.replace(/^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?/i, "");
  return s.replace(/<svg\b[^>]*>/, (tag) => tag.replace(/\s+xmlns(:[\w-]+)?="[^"]*"/g, ""));
}

const CSS = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6474; --line: #d9dde4; --bad: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1120px; padding: 24px 28px 40px; color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  background: #fff; }
h1 { font-size: 24px; margin: 0 0 2px; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.sub, figcaption, .note { color: var(--muted); font-size: 13px; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 10px;
  margin: 16px 0; }
.stat { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.stat .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.stat .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.stat .value small { font-size: 13px; font-weight: 400; color: var(--muted); }
.stat.flag .value { color: var(--bad); }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 500; color: var(--muted); width: 40%; }
td { font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
#motion-plot svg { display: block; width: 100%; max-width: 860px; height: auto; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin-bottom: 16px; }
figure { margin: 0; }
figure img { display: block; width: 100%; height: auto; background: #000; border-radius: 3px;
  image-rendering: pixelated; }
figcaption { margin-top: 4px; }
.carpet-wrap { position: relative; }
img#carpet { width: 100%; height: 360px; image-rendering: pixelated; }
.marks { position: relative; height: 8px; margin-bottom: 2px; }
.marks span { position: absolute; top: 0; width: 2px; height: 8px; margin-left: -1px; background: var(--bad); }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
@media (max-width: 720px) { .cols, .pair { grid-template-columns: 1fr; } }
@media print {
  @page { margin: 14mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  section, figure, .stats { break-inside: avoid; }
  .cols, .pair { grid-template-columns: 1fr 1fr; }
  img#carpet { height: 220px; }
  .marks span { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
`;

/** A stat box: label, the value element (id, data-value) and its unit. */
function stat(
  id: string,
  label: string,
  value: string,
  data: string,
  unit: string,
  flag = false,
): string {
  return `<div class="stat${flag ? " flag" : ""}"><div class="label">${escapeHtml(label)}</div>` +
    `<div class="value" id="${id}" data-value="${escapeHtml(data)}">${escapeHtml(value)}` +
    `${unit ? ` <small>${escapeHtml(unit)}</small>` : ""}</div></div>`;
}

/** A table row: header, then a cell with an id and data-value. */
function fact(id: string, label: string, value: string, data: string): string {
  return `<tr><th>${escapeHtml(label)}</th><td id="${id}" data-value="${escapeHtml(data)}">` +
    `${escapeHtml(value)}</td></tr>`;
}

function figure(id: string, uri: string, alt: string, caption: string): string {
  return `<figure><img id="${id}" alt="${escapeHtml(alt)}" src="${uri}">` +
    `<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

/**
 * The report page as one HTML string. Throws a `RangeError` if an image is
 * not a PNG file.
 */
export function reportHtml(input: ReportInput): string {
  const { title, summary: s, images } = input;
  const uri = {
    meanBefore: pngUri("meanBefore", images.meanBefore),
    meanAfter: pngUri("meanAfter", images.meanAfter),
    stdBefore: pngUri("stdBefore", images.stdBefore),
    stdAfter: pngUri("stdAfter", images.stdAfter),
    carpet: pngUri("carpet", images.carpet),
  };
  const outliers = [...s.outliers];
  const listed = outliers.slice(0, LISTED_OUTLIERS).join(", ");
  const more = outliers.length > LISTED_OUTLIERS
    ? ` and ${outliers.length - LISTED_OUTLIERS} more`
    : "";
  const vox = s.voxelSize;
  const settings = Object.keys(s.settings).sort().map((k) => {
    const v = String(s.settings[k]);
    return `<tr data-setting="${escapeHtml(k)}"><th>${escapeHtml(k)}</th>` +
      `<td data-value="${escapeHtml(v)}">${escapeHtml(v)}</td></tr>`;
  });
  const n = Math.max(1, s.frames);
  const marks = outliers.map((t) =>
    `<span style="left:${(((t + 0.5) / n) * 100).toFixed(3)}%" title="frame ${t}"></span>`
  ).join("");

  const parts = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="realign ${escapeHtml(s.version)}">`,
    `<title>${escapeHtml(title)} · realign report</title>`,
    `<style>${CSS}</style>`,
    "</head>",
    "<body>",
    "<header>",
    `<h1 id="title">${escapeHtml(title)}</h1>`,
    `<p class="sub">Rigid-body motion correction report · realign ${escapeHtml(s.version)}</p>`,
    "</header>",
    '<section id="summary">',
    "<h2>Summary</h2>",
    '<div class="stats">',
    stat("mean-fd", "Mean FD", fixed(s.meanFd, 3), dataNumber(s.meanFd), "mm"),
    stat("max-fd", "Max FD", fixed(s.maxFd, 3), dataNumber(s.maxFd), "mm"),
    `<div class="stat${
      outliers.length > 0 ? " flag" : ""
    }"><div class="label">Outlier frames</div>` +
    `<div class="value" id="outliers" data-value="${outliers.length}" ` +
    `data-frames="${outliers.join(" ")}">${outliers.length}` +
    ` <small>of ${escapeHtml(String(s.frames))}</small></div></div>`,
    stat(
      "max-translation",
      "Largest translation",
      fixed(s.maxTranslation, 2),
      dataNumber(s.maxTranslation),
      "mm",
    ),
    stat(
      "max-rotation",
      "Largest rotation",
      fixed(s.maxRotationDeg, 2),
      dataNumber(s.maxRotationDeg),
      "°",
    ),
    "</div>",
    '<div class="cols">',
    "<div>",
    "<table>",
    fact("frames", "Frames", String(s.frames), dataNumber(s.frames)),
    fact(
      "voxel-size",
      "Voxel size",
      `${vox.map(compact).join(" × ")} mm`,
      vox.map(dataNumber).join(" "),
    ),
    fact(
      "tr",
      "Repetition time",
      s.tr === null ? "unknown" : `${compact(s.tr)} s`,
      dataNumber(s.tr),
    ),
    fact("reference", "Reference", s.reference, s.reference),
    fact(
      "outlier-frames",
      "Outlier frames (from 0)",
      outliers.length === 0 ? "none" : listed + more,
      outliers.join(" "),
    ),
    fact("version", "realign version", s.version, s.version),
    "</table>",
    "</div>",
    "<div>",
    `<table id="settings"><tr><th colspan="2">Settings</th></tr>`,
    ...(settings.length > 0 ? settings : ['<tr><td colspan="2">defaults</td></tr>']),
    "</table>",
    "</div>",
    "</div>",
    "</section>",
    '<section id="motion">',
    "<h2>Motion</h2>",
    `<div id="motion-plot">${inlineSvg(input.motionSvg)}</div>`,
    '<p class="note">Parameters are relative to the first frame. FD: framewise displacement ' +
    "(Power 2012, rotations on a 50 mm sphere); frames above the dashed threshold are marked.</p>",
    "</section>",
    '<section id="before-after">',
    "<h2>Before and after realignment</h2>",
    '<p class="note">Axial slices from bottom to top, the same grey window before and after. ' +
    "Realignment works when the mean image gets sharper and the temporal standard deviation " +
    "gets darker, above all along the brain's edges.</p>",
    '<div class="pair">',
    figure("mean-before", uri.meanBefore, "Mean image before realignment", "Mean, before"),
    figure("mean-after", uri.meanAfter, "Mean image after realignment", "Mean, after"),
    "</div>",
    '<div class="pair">',
    figure("std-before", uri.stdBefore, "Temporal SD before realignment", "Temporal SD, before"),
    figure("std-after", uri.stdAfter, "Temporal SD after realignment", "Temporal SD, after"),
    "</div>",
    "</section>",
    '<section id="carpet-plot">',
    "<h2>Carpet plot (after realignment)</h2>",
    '<div class="carpet-wrap">',
    `<div class="marks" aria-label="outlier frames">${marks}</div>`,
    `<img id="carpet" alt="Carpet plot: brain voxels over time" src="${uri.carpet}">`,
    "</div>",
    '<p class="note">Rows are brain voxels, bottom of the brain at the top; columns are frames, ' +
    "left to right. Each voxel's series is detrended and scaled to its standard deviation, " +
    "−2 SD black to +2 SD white; red ticks mark outlier frames.</p>",
    `<p class="note" id="mask-note">Brain mask: ${escapeHtml(input.maskNote)}</p>`,
    "</section>",
    `<footer>realign ${escapeHtml(s.version)} · ${escapeHtml(title)}</footer>`,
    "</body>",
    "</html>",
  ];
  return parts.join("\n") + "\n";
}
