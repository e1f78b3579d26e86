import {
  downsampleIndices,
  escapeXml,
  formatTick,
  MAX_POINTS,
  motionPlotSvg,
  niceAxis,
} from "../../../shared/motion/plot_svg.ts";
import { framewiseDisplacement } from "../../../shared/motion/framewise_displacement.ts";
import { assert, assertClose, assertEquals, assertThrows } from "../../helpers/assert.ts";

const SERIES = ["trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"];

/** Throws unless every tag is closed in order; returns the tags seen. */
function checkBalanced(svg: string): string[] {
  const stack: string[] = [];
  const seen: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g)) {
    const [, close, name, , self] = m;
    seen.push(name!);
    if (close) {
      const open = stack.pop();
      assertEquals(open, name, `</${name}> closes <${open}>`);
    } else if (!self) stack.push(name!);
  }
  assertEquals(stack, [], "unclosed tags");
  // No stray markup characters outside tags.
  const text = svg.replace(/<[^>]*>/g, "");
  assert(!text.includes("<") && !text.includes(">"), "stray < or > in text");
  for (const amp of text.matchAll(/&[^;\s]*;?/g)) {
    assert(/^&(amp|lt|gt|quot|#39);$/.test(amp[0]), `bad entity ${amp[0]}`);
  }
  return seen;
}

/** The points of the polyline with class `series <name>`. */
function points(svg: string, name: string): [number, number][] {
  const m = svg.match(new RegExp(`<polyline class="series ${name}"[^>]*points="([^"]*)"`));
  assert(m, `series ${name} is missing`);
  return m[1]!.split(" ").filter((s) => s).map((p) => p.split(",").map(Number) as [number, number]);
}

function attr(tag: string, name: string): number {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
  assert(m, `attribute ${name} missing in ${tag}`);
  return Number(m[1]);
}

function motion(n: number): number[][] {
  const out: number[][] = [];
  for (let t = 0; t < n; t++) {
    out.push([Math.sin(t / 7), 0.5 * Math.cos(t / 5), 0.01 * t, 0.001 * t, -0.002 * t, 0]);
  }
  return out;
}

Deno.test("motionPlotSvg: two frames, a +2 mm shift — balanced, six series + FD, threshold", () => {
  const params = [[0, 0, 0, 0, 0, 0], [-2, 0, 0, 0, 0, 0.0523599]];
  const fd = framewiseDisplacement(params);
  const svg = motionPlotSvg({ params, fd, tr: null, title: 'run <1> & "rest"' });
  assert(svg.startsWith("<svg"), "starts with <svg");
  assert(svg.trimEnd().endsWith("</svg>"), "ends with </svg>");
  assert(svg.includes('xmlns="http://www.w3.org/2000/svg"'), "namespace");
  const tags = checkBalanced(svg);
  assert(!tags.includes("script") && !tags.includes("image") && !tags.includes("style"));
  assert(!/url\(|@import|href=/.test(svg), "nothing external");
  assert(svg.includes("run &lt;1&gt; &amp; &quot;rest&quot;"), "escaped title");
  assert(!svg.includes("run <1>"), "raw title must not appear");
  for (const s of [...SERIES, "framewise_displacement"]) assertEquals(points(svg, s).length, 2, s);
  // trans_x falls from 0 to -2: its second point is lower (larger y); x spans the plot.
  const tx = points(svg, "trans_x");
  assert(tx[1]![1] > tx[0]![1], "trans_x goes down");
  assert(tx[1]![0] > tx[0]![0], "frames go right");
  // Flat series lie on the zero line of their panel; y of a point maps linearly.
  const ty = points(svg, "trans_y");
  assertClose(ty[0]![1], ty[1]![1], 0);
  assertClose(ty[0]![1], tx[0]![1], 0);
  // Threshold: one dashed line at 0.5 mm, between FD 0 (frame 0) and FD 4.618 (frame 1).
  const th = svg.match(/<line class="threshold"[^>]*>/);
  assert(th, "threshold line");
  assert(th[0].includes("stroke-dasharray"), "dashed");
  const fdPts = points(svg, "framewise_displacement");
  const y05 = attr(th[0], "y1");
  const slope = (fdPts[1]![1] - fdPts[0]![1]) / (fd[1]! - fd[0]!);
  assertClose(y05, fdPts[0]![1] + slope * 0.5, 0.02, "threshold at 0.5 mm");
  // Frame 1 (FD 4.618) is marked, frame 0 is not.
  const spikes = svg.match(/<g class="spikes" data-count="(\d+)">(.*?)<\/g>/);
  assert(spikes, "spike group");
  assertEquals(Number(spikes[1]), 1);
  const circles = [...spikes[2]!.matchAll(/<circle[^>]*>/g)];
  assertEquals(circles.length, 1);
  assertClose(attr(circles[0]![0], "cx"), fdPts[1]![0], 0.01);
  assertClose(attr(circles[0]![0], "cy"), fdPts[1]![1], 0.01);
});

Deno.test("motionPlotSvg: rotations are drawn in degrees, seconds axis with TR", () => {
  const params = [[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 3 * Math.PI / 180]];
  const svg = motionPlotSvg({ params, fd: framewiseDisplacement(params), tr: 2.5, title: "yaw" });
  checkBalanced(svg);
  const ticks = [...svg.matchAll(/<text class="ytick"[^>]*y="([^"]*)"[^>]*>([^<]*)</g)];
  // The rotation panel has a tick at 3 (degrees).
  const yaw = points(svg, "rot_z");
  const three = ticks.find((t) => t[2] === "3" && Math.abs(Number(t[1]) - yaw[1]![1]) < 0.01);
  assert(three, "the yaw line ends on the 3° tick");
  assert(svg.includes(">2.5 s<"), "the seconds axis shows frame 1 at 2.5 s");
  assert(svg.includes("TR 2.5 s"), "the x label names the TR");
});

Deno.test("motionPlotSvg: 180 and 2000 frames keep every point; 5000 are reduced", () => {
  for (const n of [180, 2000]) {
    const params = motion(n);
    const svg = motionPlotSvg({ params, fd: framewiseDisplacement(params), tr: 2, title: "t" });
    checkBalanced(svg);
    for (const s of SERIES) assertEquals(points(svg, s).length, n, `${s} at n=${n}`);
    const xs = points(svg, "trans_x").map((p) => p[0]);
    for (let i = 1; i < xs.length; i++) assert(xs[i]! >= xs[i - 1]!, "x increases");
  }
  const params = motion(5000);
  const fd = framewiseDisplacement(params);
  fd[3333] = 9; // a single spike must survive the reduction
  const svg = motionPlotSvg({ params, fd, tr: null, title: "long", fdThreshold: 0.9 });
  checkBalanced(svg);
  for (const s of [...SERIES, "framewise_displacement"]) {
    const k = points(svg, s).length;
    assert(k <= MAX_POINTS && k >= MAX_POINTS / 2, `${s}: ${k} points`);
  }
  const fdPts = points(svg, "framewise_displacement");
  const top = Math.min(...fdPts.map((p) => p[1]));
  const th = svg.match(/<line class="threshold"[^>]*>/)!;
  assert(top < attr(th[0], "y1") - 50, "the spike is drawn well above the threshold");
  assert(svg.includes('data-count="1"'), "one frame above 0.9 mm");
  assert(svg.length < 400_000, `size ${svg.length}`);
});

Deno.test("downsampleIndices, niceAxis, formatTick", () => {
  assertEquals(downsampleIndices([3, 1, 2]), [0, 1, 2]);
  const v = new Float64Array(10_000);
  v[1234] = 5;
  v[8000] = -5;
  const idx = downsampleIndices(v, 100);
  assert(idx.length <= 100, "at most maxPoints");
  assert(idx.includes(1234) && idx.includes(8000), "extremes kept");
  for (let i = 1; i < idx.length; i++) assert(idx[i]! > idx[i - 1]!, "frame order");
  const a = niceAxis(-0.13, 2.9, 5);
  assertEquals([a.lo, a.hi, a.step], [-1, 3, 1]);
  assertEquals(niceAxis(0, 0).ticks, [-1, -0.5, 0, 0.5, 1]);
  const b = niceAxis(0, 0.037, 5);
  assertClose([b.lo, b.hi, b.step], [0, 0.04, 0.01], 1e-15);
  assertEquals(formatTick(0.30000000000000004, 0.1), "0.3");
  assertEquals(formatTick(-0.0000001, 0.5), "0.0");
  assertEquals(formatTick(1500, 500), "1500");
  assertEquals(escapeXml(`a<b>&"c'`), "a&lt;b&gt;&amp;&quot;c&#39;");
});

Deno.test("motionPlotSvg: bad input is a RangeError", () => {
  assertThrows(() => motionPlotSvg({ params: [], fd: [], tr: null, title: "" }), RangeError);
  assertThrows(
    () => motionPlotSvg({ params: [[0, 0, 0, 0, 0, 0]], fd: [0, 1], tr: null, title: "" }),
    RangeError,
    "current value is 2",
  );
  assertThrows(
    () => motionPlotSvg({ params: [[0, 0, 0, 0, 0, 0]], fd: [0], tr: 0, title: "" }),
    RangeError,
    "tr",
  );
});

Deno.test("motionPlotSvg: a DVARS panel below FD, outlier frames shaded in every panel", () => {
  const params = [0, 1, 2, 3, 4].map(() => [0, 0, 0, 0, 0, 0]);
  const dvars = [0, 10, 40, 20, 10];
  const svg = motionPlotSvg({
    params,
    fd: [0, 0.1, 0.9, 0.2, 0.1],
    dvars,
    outliers: [2, 7], // 7 is beyond the run: ignored
    tr: 2,
    title: "t",
  });
  checkBalanced(svg);
  const p = points(svg, "dvars");
  assertEquals(p.length, 5);
  // DVARS panel is the fourth: top at 46 + 3 * (150 + 28) = 580, axis 0..40 over 150 px
  assertClose(p[0]![1], 580 + 150, 1e-9, "DVARS 0 at the panel's bottom");
  assertClose(p[2]![1], 580, 1e-9, "DVARS 40 at the panel's top");
  const fdY = Math.max(...points(svg, "framewise_displacement").map((q) => q[1]));
  assert(fdY < 580, "FD panel above DVARS");
  const bands = [
    ...svg.matchAll(/<rect class="outlier" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"/g),
  ];
  assertEquals(bands.length, 4, "one band per panel for the one outlier inside the run");
  assertEquals(bands.map((b) => Number(b[2])), [46, 224, 402, 580]);
  // frame 2 of 0..4 is the middle of the 664 px plot; the band is one frame (166 px) wide
  assertClose(Number(bands[0]![1]) + Number(bands[0]![3]) / 2, 76 + 332, 0.01, "band centre");
  assertClose(Number(bands[0]![3]), 166, 0.01, "band width");
  assert(/data-count="1"/.test(svg.match(/<g class="outliers"[^>]*>/)![0]), "outlier count");
  // the frame axis is under the DVARS panel
  const xt = svg.match(/<text class="xtick" x="[\d.]+" y="([\d.]+)"/);
  assertEquals(Number(xt![1]), 580 + 150 + 15);
  assertThrows(
    () => motionPlotSvg({ params, fd: [0, 0, 0, 0, 0], dvars: [0], tr: null, title: "t" }),
    RangeError,
    "dvars must have one value per frame",
  );
});
