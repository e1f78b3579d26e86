/**
 * The motion plot: one self-contained SVG (no external fonts, styles or
 * scripts) with three stacked panels sharing the frame axis — translations
 * (mm), rotations (degrees) and framewise displacement (mm) with its
 * threshold dashed and the frames above it marked; with `dvars`, a fourth
 * panel of DVARS. Frames listed in `outliers` are shaded across every panel
 * (`<rect class="outlier">`).
 *
 * Each data series is a `<polyline class="series <name>">` (`trans_x`,
 * `trans_y`, `trans_z`, `rot_x`, `rot_y`, `rot_z`, `framewise_displacement`);
 * a series of more than {@link MAX_POINTS} frames is reduced to the minimum
 * and maximum of each of `MAX_POINTS / 2` buckets, so spikes survive.
 *
 * @module
 */

/** Most points drawn per series. */
export const MAX_POINTS = 2000;

/** What {@link motionPlotSvg} draws. */
export interface MotionPlotInput {
  /** Six parameters per frame: x y z (mm), pitch roll yaw (rad). */
  params: readonly ArrayLike<number>[];
  /** Framewise displacement per frame (mm). */
  fd: ArrayLike<number>;
  /** Repetition time in seconds, when known: adds a time axis. */
  tr: number | null;
  title: string;
  /** FD above this (mm) is marked; default 0.5. */
  fdThreshold?: number;
  /** DVARS per frame (intensity units, first 0): drawn as a fourth panel when given. */
  dvars?: ArrayLike<number>;
  /** Frames flagged as motion outliers (from 0), shaded in every panel. */
  outliers?: readonly number[];
}

const W = 860;
const LEFT = 76;
const RIGHT = 120;
const PLOT_W = W - LEFT - RIGHT;
const TOP = 46;
const PANEL_H = 150;
const GAP = 28;
const COLORS = ["#1f77b4", "#2ca02c", "#d62728"];
const FD_COLOR = "#444444";
const SPIKE_COLOR = "#d62728";

/** Escape text for SVG/XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) =>
      c === "&"
        ? "&amp;"
        : c === "<"
        ? "&lt;"
        : c === ">"
        ? "&gt;"
        : c === '"'
        ? "&quot;"
        : "&#39;",
  );
}

/** A coordinate with at most two decimals. */
function px(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(r === 0 ? 0 : r);
}

/** A number in at most 4 significant digits, without trailing zeros (`0.5`, `2.25`, `1200`). */
function compact(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** A "nice" step (1, 2 or 5 × 10^k) near `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** Axis limits widened to whole nice steps, and the ticks between them. */
export function niceAxis(
  lo: number,
  hi: number,
  maxTicks = 6,
  minStep = 0,
): { lo: number; hi: number; step: number; ticks: number[] } {
  if (!(hi > lo)) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.5 : 1;
    lo -= d;
    hi += d;
  }
  const step = Math.max(niceStep((hi - lo) / Math.max(1, maxTicks - 1)), minStep);
  const a = Math.floor(lo / step + 1e-9) * step;
  const b = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  const count = Math.round((b - a) / step);
  for (let i = 0; i <= count; i++) ticks.push(a + i * step);
  return { lo: a, hi: b, step, ticks };
}

/** A tick value with just the decimals its step needs (`0.25`, `-1.5`, `100`). */
export function formatTick(v: number, step: number): string {
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  const s = v.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/**
 * Frame indices to draw for one series: all of them up to `maxPoints`, else
 * the minimum and maximum of each of `maxPoints / 2` buckets, in frame order.
 */
export function downsampleIndices(values: ArrayLike<number>, maxPoints = MAX_POINTS): number[] {
  const n = values.length;
  const out: number[] = [];
  if (n <= maxPoints) {
    for (let i = 0; i < n; i++) out.push(i);
    return out;
  }
  const buckets = Math.floor(maxPoints / 2);
  for (let b = 0; b < buckets; b++) {
    const s = Math.floor((b * n) / buckets), e = Math.floor(((b + 1) * n) / buckets);
    let iMin = s, iMax = s;
    for (let i = s + 1; i < e; i++) {
      if (values[i]! < values[iMin]!) iMin = i;
      if (values[i]! > values[iMax]!) iMax = i;
    }
    if (iMin === iMax) out.push(iMin);
    else out.push(Math.min(iMin, iMax), Math.max(iMin, iMax));
  }
  return out;
}

interface Panel {
  y0: number;
  ylo: number;
  yhi: number;
}

function yOf(p: Panel, v: number): number {
  return p.y0 + PANEL_H - ((v - p.ylo) / (p.yhi - p.ylo)) * PANEL_H;
}

function checkInput(input: MotionPlotInput): void {
  const { params, fd, tr } = input;
  const threshold = input.fdThreshold ?? 0.5;
  if (params.length === 0) {
    throw new RangeError("Cannot plot motion: there are no frames, current value is 0");
  }
  if (fd.length !== params.length) {
    throw new RangeError(
      `Cannot plot motion: fd must have one value per frame (${params.length}), ` +
        `current value is ${fd.length}`,
    );
  }
  params.forEach((p, t) => {
    if (p.length !== 6) {
      throw new RangeError(
        `Cannot plot motion: frame ${t} must have 6 parameters, current value is ${p.length}`,
      );
    }
  });
  if (tr !== null && !(Number.isFinite(tr) && tr > 0)) {
    throw new RangeError(`Cannot plot motion: tr must be positive or null, current value is ${tr}`);
  }
  if (input.dvars !== undefined && input.dvars.length !== params.length) {
    throw new RangeError(
      `Cannot plot motion: dvars must have one value per frame (${params.length}), ` +
        `current value is ${input.dvars.length}`,
    );
  }
  if (!(Number.isFinite(threshold) && threshold > 0)) {
    throw new RangeError(
      `Cannot plot motion: fdThreshold must be positive, current value is ${threshold}`,
    );
  }
}

/**
 * The motion plot as an SVG document (a string beginning with `<svg`).
 *
 * @example
 * ```ts
 * import { motionPlotSvg } from "./plot_svg.ts";
 * const svg = motionPlotSvg({
 *   params: [[0, 0, 0, 0, 0, 0], [-2, 0, 0, 0, 0, 0]],
 *   fd: [0, 2],
 *   tr: 2,
 *   title: "sub-01",
 * });
 * svg.startsWith("<svg"); // true
 * ```
 */
export function motionPlotSvg(input: MotionPlotInput): string {
  checkInput(input);
  const { params, fd, tr, title } = input;
  const threshold = input.fdThreshold ?? 0.5;
  const n = params.length;
  // The frame axis spans the data exactly (0 .. n-1); its ticks are the nice steps inside.
  const xMax = Math.max(n - 1, 1);
  const xStep = niceAxis(0, xMax, 8, 1).step;
  const xAxis = { step: xStep, ticks: [] as number[] };
  for (let t = 0; t <= xMax + 1e-9; t += xStep) xAxis.ticks.push(t);
  const xOf = (frame: number) => LEFT + (frame / xMax) * PLOT_W;

  const column = (k: number, scale: number): Float64Array => {
    const c = new Float64Array(n);
    for (let t = 0; t < n; t++) c[t] = params[t]![k]! * scale;
    return c;
  };
  const deg = 180 / Math.PI;
  const trans = [0, 1, 2].map((k) => column(k, 1));
  const rots = [3, 4, 5].map((k) => column(k, deg));
  const fdv = Float64Array.from(fd as ArrayLike<number>);

  const parts: string[] = [];
  const panels = input.dvars !== undefined ? 4 : 3;
  const bottom = TOP + panels * PANEL_H + (panels - 1) * GAP;
  const height = bottom + (tr === null ? 44 : 60);
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" ` +
      `viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(`<title>${escapeXml(title)}</title>`);
  parts.push(
    `<rect class="background" x="0" y="0" width="${W}" height="${height}" fill="#ffffff"/>`,
  );
  parts.push(
    `<text class="title" x="${W / 2}" y="24" text-anchor="middle" font-size="15" ` +
      `font-weight="bold">${escapeXml(title)}</text>`,
  );

  const range = (series: ArrayLike<number>[], extra: number[]) => {
    let lo = Infinity, hi = -Infinity;
    for (const v of extra) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    for (const s of series) {
      for (let i = 0; i < s.length; i++) {
        const v = s[i]!;
        if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      }
    }
    return [lo, hi] as const;
  };

  const drawPanel = (
    index: number,
    label: string,
    series: { name: string; label: string; color: string; values: ArrayLike<number> }[],
    extraRange: number[],
  ): Panel => {
    const y0 = TOP + index * (PANEL_H + GAP);
    const [lo, hi] = range(series.map((s) => s.values), extraRange);
    const yAxis = niceAxis(lo, hi, 5);
    const panel = { y0, ylo: yAxis.lo, yhi: yAxis.hi };
    parts.push(`<g class="panel ${series.length === 1 ? series[0]!.name : label.split(" ")[0]}">`);
    parts.push(
      `<rect x="${LEFT}" y="${y0}" width="${PLOT_W}" height="${PANEL_H}" fill="#fafafa" ` +
        `stroke="#999999" stroke-width="1"/>`,
    );
    for (const t of yAxis.ticks) {
      const y = px(yOf(panel, t));
      parts.push(
        `<line class="grid" x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${y}" y2="${y}" ` +
          `stroke="${t === 0 ? "#bbbbbb" : "#e6e6e6"}" stroke-width="1"/>`,
      );
      parts.push(
        `<text class="ytick" x="${LEFT - 6}" y="${y}" text-anchor="end" ` +
          `dominant-baseline="middle">${formatTick(t, yAxis.step)}</text>`,
      );
    }
    for (const t of xAxis.ticks) {
      const x = px(xOf(t));
      parts.push(
        `<line class="grid" x1="${x}" x2="${x}" y1="${y0}" y2="${y0 + PANEL_H}" ` +
          `stroke="#eeeeee" stroke-width="1"/>`,
      );
    }
    const cy = px(y0 + PANEL_H / 2);
    parts.push(
      `<text class="ylabel" x="${LEFT - 52}" y="${cy}" text-anchor="middle" ` +
        `transform="rotate(-90 ${LEFT - 52} ${cy})">${escapeXml(label)}</text>`,
    );
    series.forEach((s, i) => {
      const idx = downsampleIndices(s.values);
      const pts: string[] = [];
      for (const t of idx) {
        const v = s.values[t]!;
        if (Number.isFinite(v)) pts.push(`${px(xOf(t))},${px(yOf(panel, v))}`);
      }
      parts.push(
        `<polyline class="series ${s.name}" fill="none" stroke="${s.color}" ` +
          `stroke-width="1.3" stroke-linejoin="round" points="${pts.join(" ")}"/>`,
      );
      const ly = y0 + 14 + i * 18;
      const lx = LEFT + PLOT_W + 12;
      parts.push(
        `<g class="legend ${s.name}"><line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" ` +
          `stroke="${s.color}" stroke-width="2"/><text x="${lx + 26}" y="${ly}" ` +
          `dominant-baseline="middle">${escapeXml(s.label)}</text></g>`,
      );
    });
    parts.push("</g>");
    return panel;
  };

  drawPanel(0, "translation (mm)", [
    { name: "trans_x", label: "x", color: COLORS[0]!, values: trans[0]! },
    { name: "trans_y", label: "y", color: COLORS[1]!, values: trans[1]! },
    { name: "trans_z", label: "z", color: COLORS[2]!, values: trans[2]! },
  ], [0]);
  drawPanel(1, "rotation (°)", [
    { name: "rot_x", label: "pitch", color: COLORS[0]!, values: rots[0]! },
    { name: "rot_y", label: "roll", color: COLORS[1]!, values: rots[1]! },
    { name: "rot_z", label: "yaw", color: COLORS[2]!, values: rots[2]! },
  ], [0]);
  const fdPanel = drawPanel(2, "FD (mm)", [
    { name: "framewise_displacement", label: "FD", color: FD_COLOR, values: fdv },
  ], [0, threshold * 1.2]);
  if (input.dvars !== undefined) {
    drawPanel(3, "DVARS", [
      {
        name: "dvars",
        label: "DVARS",
        color: FD_COLOR,
        values: Float64Array.from(input.dvars as ArrayLike<number>),
      },
    ], [0]);
  }
  // Outlier frames: a light band, one frame wide, across every panel.
  const band = Math.max(1, PLOT_W / xMax);
  const shaded = (input.outliers ?? []).filter((t) => Number.isInteger(t) && t >= 0 && t < n);
  const bands: string[] = [];
  for (const t of shaded) {
    const x = Math.max(LEFT, xOf(t) - band / 2);
    const w = Math.min(LEFT + PLOT_W, xOf(t) + band / 2) - x;
    for (let i = 0; i < panels; i++) {
      bands.push(
        `<rect class="outlier" x="${px(x)}" y="${TOP + i * (PANEL_H + GAP)}" width="${px(w)}" ` +
          `height="${PANEL_H}" fill="${SPIKE_COLOR}" fill-opacity="0.12"/>`,
      );
    }
  }
  parts.push(`<g class="outliers" data-count="${shaded.length}">${bands.join("")}</g>`);

  // Threshold and the frames above it, in the FD panel.
  const ty = px(yOf(fdPanel, threshold));
  parts.push(
    `<line class="threshold" x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${ty}" y2="${ty}" ` +
      `stroke="${SPIKE_COLOR}" stroke-width="1" stroke-dasharray="6 4"/>`,
  );
  let spikes = 0;
  const marks: string[] = [];
  for (let t = 0; t < n; t++) {
    if (fdv[t]! > threshold) {
      spikes++;
      marks.push(
        `<circle cx="${px(xOf(t))}" cy="${px(yOf(fdPanel, fdv[t]!))}" r="2.5" ` +
          `fill="${SPIKE_COLOR}"/>`,
      );
    }
  }
  parts.push(`<g class="spikes" data-count="${spikes}">${marks.join("")}</g>`);
  parts.push(
    `<text class="threshold-label" x="${LEFT + PLOT_W + 12}" y="${px(fdPanel.y0 + 50)}" ` +
      `fill="${SPIKE_COLOR}">FD &gt; ${compact(threshold)} mm: ${spikes}</text>`,
  );

  // Shared x axis under the bottom panel: frames, and seconds when TR is known.
  for (const t of xAxis.ticks) {
    const x = px(xOf(t));
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 4}" stroke="#999999"/>` +
        `<text class="xtick" x="${x}" y="${bottom + 15}" text-anchor="middle">` +
        `${formatTick(t, xAxis.step)}</text>`,
    );
    if (tr !== null) {
      parts.push(
        `<text class="xtick-seconds" x="${x}" y="${bottom + 29}" text-anchor="middle" ` +
          `fill="#777777">${compact(t * tr)} s</text>`,
      );
    }
  }
  parts.push(
    `<text class="xlabel" x="${LEFT + PLOT_W / 2}" y="${height - 8}" text-anchor="middle">` +
      `${tr === null ? "frame" : `frame (time in s, TR ${compact(tr)} s)`}` +
      `</text>`,
  );
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
