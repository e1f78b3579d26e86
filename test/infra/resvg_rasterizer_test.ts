/**
 * The resvg rasterizer (real wasm, real bundled font): `_motion.png` is a
 * valid PNG at twice the SVG's size, with the plot's lines and its text where
 * the SVG puts them, and nothing there when the text is taken out.
 */
import { resvgRasterizer } from "../../infra/deno/resvg_rasterizer.ts";
import { WorkerRasterizer } from "../../infra/deno/worker_rasterizer.ts";
import { motionPlotSvg } from "../../shared/motion/plot_svg.ts";
import { assert, assertBetween, assertEquals, assertRejects } from "../helpers/assert.ts";
import { type Decoded, decodePng } from "../helpers/png_decode.ts";

const LEFT = 76, PLOT_W = 664, TOP = 46, PANEL_H = 150;

function plot(): string {
  return motionPlotSvg({
    params: [[0, 0, 0, 0, 0, 0], [1, 0.2, 0, 0.01, 0, 0], [0.4, 0, -0.3, 0, 0.005, 0]],
    fd: [0, 1.6, 0.9],
    tr: 2,
    title: "sub-01 motion",
  });
}

/** How many pixels in the box [x0, x1) × [y0, y1) pass `test(r, g, b, a)`. */
function count(
  d: Decoded,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  test: (r: number, g: number, b: number, a: number) => boolean,
): number {
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * d.width + x) * 4;
      const p = d.pixels;
      if (test(p[i]!, p[i + 1]!, p[i + 2]!, p[i + 3]!)) n++;
    }
  }
  return n;
}

const dark = (r: number, g: number, b: number) => r < 110 && g < 110 && b < 110;
const red = (r: number, g: number, b: number) => r > 170 && g < 120 && b < 120;

Deno.test("resvg: the motion plot as PNG, with its threshold line and text in the bundled font", async () => {
  const svg = plot();
  const svgHeight = Number(svg.match(/<svg[^>]* height="(\d+)"/)![1]);
  const d = decodePng(await resvgRasterizer.svgToPng(svg, { scale: 2 }));
  assertEquals([d.width, d.height, d.colourType], [1720, 2 * svgHeight, 6]);
  const at = (x: number, y: number) =>
    Array.from(d.pixels.subarray((y * d.width + x) * 4, (y * d.width + x) * 4 + 4));
  assertEquals(at(4, 4), [255, 255, 255, 255], "white background, opaque");
  // inside the first panel, away from lines: the panel's #fafafa
  assertEquals(at(2 * (LEFT + PLOT_W) - 6, 2 * (TOP + PANEL_H) - 30), [250, 250, 250, 255]);

  // the dashed FD threshold (6 on, 4 off) in red across the FD panel
  const ty = Number(svg.match(/<line class="threshold"[^>]* y1="([\d.]+)"/)![1]);
  let best = 0;
  for (let y = Math.floor(2 * ty) - 1; y <= Math.ceil(2 * ty) + 1; y++) {
    best = Math.max(best, count(d, 2 * LEFT, 2 * (LEFT + PLOT_W), y, y + 1, red));
  }
  assertBetween(best / (2 * PLOT_W), 0.45, 0.75, "dash pattern covers about 60 % of the row");

  // the y label "translation (mm)", rotated, centred at x = 24, y = 121 (SVG units)
  const label = (png: Decoded) => count(png, 2 * 12, 2 * 36, 2 * 61, 2 * 181, dark);
  const title = (png: Decoded) => count(png, 2 * 330, 2 * 530, 2 * 8, 2 * 30, dark);
  const xticks = (png: Decoded) =>
    count(
      png,
      2 * LEFT - 20,
      2 * (LEFT + PLOT_W) + 20,
      2 * (TOP + 3 * PANEL_H + 56) + 12,
      2 * (TOP + 3 * PANEL_H + 56) + 36,
      dark,
    );
  assert(label(d) > 150, `label pixels: ${label(d)}`);
  assert(title(d) > 300, `title pixels: ${title(d)}`);
  assert(xticks(d) > 30, `tick label pixels: ${xticks(d)}`);

  const bare = decodePng(
    await resvgRasterizer.svgToPng(svg.replace(/<text[\s\S]*?<\/text>/g, ""), { scale: 2 }),
  );
  assertEquals([label(bare), title(bare), xticks(bare)], [0, 0, 0], "no text, no ink there");
  // the lines are still there without the text
  assertEquals(
    count(bare, 2 * LEFT, 2 * (LEFT + PLOT_W), Math.round(2 * ty), Math.round(2 * ty) + 1, red) > 0,
    true,
  );
});

Deno.test("resvg: any font family falls back to the bundled font; scale 1 is the SVG's size", async () => {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">` +
    `<text x="4" y="28" font-family="NoSuchFont, serif" font-size="24">Hg 42</text></svg>`;
  const d = decodePng(await resvgRasterizer.svgToPng(svg));
  assertEquals([d.width, d.height], [120, 40]);
  assert(count(d, 0, 120, 0, 40, dark) > 100, "the text is drawn");
  assertEquals(count(d, 100, 120, 0, 40, dark), 0, "nothing right of the text");
});

Deno.test("resvg: a bad scale or SVG is an error", async () => {
  await assertRejects(() => resvgRasterizer.svgToPng(plot(), { scale: 0 }), RangeError, "scale");
  await assertRejects(() => resvgRasterizer.svgToPng("not svg"), Error);
});

Deno.test("the worker rasterizer draws the same PNG in its own Web Worker, and passes errors back", async () => {
  const worker = new WorkerRasterizer();
  try {
    await worker.warm(); // loads resvg in the worker; renders nothing
    const svg = plot();
    const [a, b] = await Promise.all([
      worker.svgToPng(svg, { scale: 2 }),
      worker.svgToPng(svg, { scale: 1 }),
    ]);
    assertEquals(a, await resvgRasterizer.svgToPng(svg, { scale: 2 }));
    assertEquals(decodePng(b).width, 860, "each request gets its own image");
    await assertRejects(() => worker.svgToPng(svg, { scale: -1 }), RangeError, "scale");
    await assertRejects(() => worker.svgToPng("not svg"), Error);
    await worker.close();
    // a later call starts a new worker
    assertEquals(await worker.svgToPng(svg, { scale: 2 }), a);
  } finally {
    await worker.close();
  }
});
