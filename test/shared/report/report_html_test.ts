import { encodePng } from "../../../shared/report/png.ts";
import { escapeHtml, reportHtml, type ReportInput } from "../../../shared/report/report_html.ts";
import { motionPlotSvg } from "../../../shared/motion/plot_svg.ts";
import { base64Encode } from "../../../shared/report/base64.ts";
import { assert, assertEquals, assertThrows } from "../../helpers/assert.ts";

function png(value: number): Uint8Array {
  return encodePng({ width: 3, height: 2, channels: 1, pixels: new Uint8Array(6).fill(value) });
}

function input(over: Partial<ReportInput> = {}): ReportInput {
  const params = [[0, 0, 0, 0, 0, 0], [0.5, 0, 0, 0, 0, 0.01], [2, 0.1, 0, 0, 0, 0.02]];
  return {
    title: "sub-01_task-rest",
    summary: {
      frames: 3,
      voxelSize: [3, 3, 3.5],
      tr: 2.5,
      reference: "frame 0",
      meanFd: 0.123456789,
      maxFd: 1.75,
      outliers: [2],
      maxTranslation: 2,
      maxRotationDeg: 1.1459155902616465,
      settings: { interp: "bspline4", quality: 0.9, mean: false },
      version: "0.3.1",
    },
    motionSvg: motionPlotSvg({ params, fd: [0, 0.6, 1.75], tr: 2.5, title: "sub-01" }),
    images: {
      meanBefore: png(1),
      meanAfter: png(2),
      stdBefore: png(3),
      stdAfter: png(4),
      carpet: png(5),
    },
    maskNote: "automask of the mean image (clip level 412.5), 10234 voxels",
    ...over,
  };
}

/** The attributes of the element with `id`, from the page's text. */
function attrs(html: string, id: string): Record<string, string> {
  const m = html.match(new RegExp(`<[a-z]+ [^>]*id="${id}"[^>]*>`));
  assert(m, `element #${id} present`);
  const out: Record<string, string> = {};
  for (const a of m[0].matchAll(/([a-z-]+)="([^"]*)"/g)) out[a[1]!] = a[2]!;
  return out;
}

Deno.test("reportHtml is one self-contained page: inline SVG, five PNG data URIs, no URLs", () => {
  const inp = input();
  const html = reportHtml(inp);
  assert(html.startsWith("<!DOCTYPE html>"), "doctype");
  assert(html.includes('<div id="motion-plot"><svg '), "SVG inlined");
  assertEquals((html.match(/<polyline class="series /g) ?? []).length, 7, "seven series");
  const uris = [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) =>
    m[1]
  );
  assertEquals(uris, [
    base64Encode(inp.images.meanBefore),
    base64Encode(inp.images.meanAfter),
    base64Encode(inp.images.stdBefore),
    base64Encode(inp.images.stdAfter),
    base64Encode(inp.images.carpet),
  ]);
  assert(!/https?:\/\//.test(html), "no http:// or https:// reference");
  assert(!/<script|<link|@import|url\(/i.test(html), "no script, stylesheet link or CSS url()");
  assert(html.includes("@media print"), "print styles");
  for (const id of ["mean-before", "mean-after", "std-before", "std-after", "carpet"]) {
    assert(attrs(html, id).src?.startsWith("data:image/png;base64,"), `img #${id}`);
  }
});

Deno.test("reportHtml puts every summary number, full precision, in data-value", () => {
  const html = reportHtml(input());
  const value = (id: string) => attrs(html, id)["data-value"];
  assertEquals(value("frames"), "3");
  assertEquals(value("voxel-size"), "3 3 3.5");
  assertEquals(value("tr"), "2.5");
  assertEquals(value("reference"), "frame 0");
  assertEquals(value("mean-fd"), "0.123456789");
  assertEquals(value("max-fd"), "1.75");
  assertEquals(value("outliers"), "1");
  assertEquals(attrs(html, "outliers")["data-frames"], "2");
  assertEquals(value("max-translation"), "2");
  assertEquals(value("max-rotation"), "1.1459155902616465");
  assertEquals(value("version"), "0.3.1");
  assert(
    html.includes('id="mean-fd" data-value="0.123456789">0.123 <small>mm</small>'),
    "shown rounded",
  );
  assert(
    html.includes('<tr data-setting="quality"><th>quality</th><td data-value="0.9">0.9</td></tr>'),
  );
  assert(html.includes('<td data-value="false">false</td>'), "boolean setting");
  assert(html.includes("clip level 412.5"), "mask note");
  // Unknown TR and no outliers.
  const s = { ...input().summary, tr: null, outliers: [] };
  const h2 = reportHtml(input({ summary: s }));
  assertEquals(attrs(h2, "tr")["data-value"], "");
  assert(h2.includes(">unknown</td>"));
  assertEquals(attrs(h2, "outliers")["data-value"], "0");
  assertEquals(attrs(h2, "outlier-frames")["data-value"], "");
});

Deno.test("reportHtml escapes text: a title with <script> stays text", () => {
  const evil = `<script>alert("x")</script> & 'co'`;
  const html = reportHtml(input({
    title: evil,
    maskNote: "<b>not bold</b>",
    summary: { ...input().summary, reference: 'a"b', settings: { "<k>": "<v>" } },
  }));
  assert(!html.includes("<script"), "no script tag");
  assert(!html.includes("<b>not bold"), "mask note escaped");
  assert(html.includes(`<h1 id="title">${escapeHtml(evil)}</h1>`));
  assertEquals(
    escapeHtml(evil),
    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;",
  );
  assertEquals(attrs(html, "reference")["data-value"], "a&quot;b");
  assert(
    html.includes('<tr data-setting="&lt;k&gt;"><th>&lt;k&gt;</th><td data-value="&lt;v&gt;">'),
  );
});

Deno.test("reportHtml rejects an image that is not a PNG", () => {
  const bad = input();
  bad.images = { ...bad.images, stdAfter: new Uint8Array([0xff, 0xd8, 0xff]) };
  assertThrows(() => reportHtml(bad), RangeError, "stdAfter");
});
