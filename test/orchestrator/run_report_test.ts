/**
 * `writeReport` on a hand-made 4×4×2 run whose images are known voxel by
 * voxel: the mosaics in the page are the volumes' pixels in the "before"
 * window, the summary is the motion table's numbers, the plot is inline and
 * also written as SVG and PNG. Real folder stores, the real rasterizer.
 */
import { resvgRasterizer } from "../../infra/deno/resvg_rasterizer.ts";
import { zlibCompression } from "../../infra/deno/zlib_compression.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";
import { writeReport } from "../../orchestrator/run_report.ts";
import { outputNames } from "../../orchestrator/output_names.ts";
import { jobKeys } from "../../orchestrator/stage.ts";
import { DEFAULT_OPTIONS, PIPELINE_VERSION, type RunLayout } from "../../shared/job.ts";
import { ReportPart } from "../../shared/report/report_part.ts";
import { assert, assertClose, assertEquals } from "../helpers/assert.ts";
import { decodePng } from "../helpers/png_decode.ts";
import { dataValue, imageOf } from "../helpers/report_page.ts";

const [NX, NY, NZ, NT] = [4, 4, 2, 3];
const N3 = NX * NY * NZ;

Deno.test("writeReport: known mosaics, summary from the motion numbers, plot as SVG and PNG", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-report-" });
  const objects = new LocalFolderStore(`${dir}/objects`);
  const outputs = new LocalFolderStore(`${dir}/out`);
  const id = "hand";
  const keys = jobKeys(id);
  // V = 1..32 in NIfTI order; W = x + 1; raw frame t = V + (t - 1) · W (mean V, SD W)
  const v = new Float32Array(N3).map((_, i) => i + 1);
  const w = new Float32Array(N3).map((_, i) => (i % NX) + 1);
  const brain = new Uint8Array(N3).map((_, i) => (i % NX > 0 ? 1 : 0)); // x = 0 is not brain
  const ranges = [{ start: 0, end: 2 }, { start: 2, end: 3 }];
  for (const r of ranges) {
    const p = new ReportPart(brain, r.end - r.start);
    for (let t = r.start; t < r.end; t++) {
      const raw = v.map((x, i) => x + (t - 1) * w[i]!);
      p.add(raw, v.map((x) => x + 10 * t), t - r.start);
    }
    await objects.put(keys.sums("report", r.start, r.end), p.bytes());
  }
  const deg = Math.PI / 180;
  const params = [[0, 0, 0, 0, 0, 0], [0.3, -0.6, 0, 0, 0.4 * deg, 0], [0.1, 0, 0.2, -deg, 0, 0]];
  const fd = [0, 0.75, 0.55];
  const names = outputNames("hand", true);
  const layout: RunLayout = {
    dims: [NX, NY, NZ, NT],
    datatype: 16,
    bytesPerVoxel: 4,
    littleEndian: true,
    voxOffset: 352,
    slope: 1,
    inter: 0,
    affine: [3, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4, 0, 0, 0, 0, 1],
    voxelSize: [3, 3, 4],
  };
  await writeReport({
    id,
    layout,
    ranges,
    options: { ...DEFAULT_OPTIONS, compress: true },
    title: "hand",
    tr: 2,
    params,
    fd,
    outlier: [0, 1, 0],
    fdThreshold: 0.5,
    stdDvarsThreshold: 1.5,
    stats: {
      mean: v,
      sd: w.map((x) => x / 2),
      dvars: [0, 3, 5],
      stdDvars: [0, 1.2, 1.4],
    },
    brain,
    names,
  }, { objects, outputs, rasterizer: resvgRasterizer, compression: zlibCompression });

  const html = new TextDecoder().decode((await outputs.get(names.report))!);
  // summary: the motion table's numbers
  assertEquals(dataValue(html, "frames"), "3");
  assertEquals(dataValue(html, "voxel-size"), "3 3 4");
  assertEquals(dataValue(html, "tr"), "2");
  assertEquals(dataValue(html, "reference"), "frame 0 (the first)");
  assertClose(Number(dataValue(html, "mean-fd")), 1.3 / 3, 1e-15);
  assertEquals(Number(dataValue(html, "max-fd")), 0.75);
  assertEquals(dataValue(html, "outliers"), "1");
  assert(html.includes('data-frames="1"'), "frame 1 listed");
  assertEquals(Number(dataValue(html, "max-translation")), 0.6);
  assertClose(Number(dataValue(html, "max-rotation")), 1, 1e-12);
  assertEquals(dataValue(html, "version"), PIPELINE_VERSION);
  assert(/<tr data-setting="interp_reslice"><th>[^<]*<\/th><td data-value="4">/.test(html));

  // self-contained: no external URL anywhere; the plot inline with every series
  assertEquals(html.match(/https?:\/\//g), null, "no http(s) URL");
  assert(!/(src|href)\s*=\s*["']?(?!data:)[a-z]+:/i.test(html), "only data: URIs");
  const plot = html.slice(html.indexOf('<div id="motion-plot">'));
  for (const s of ["trans_x", "rot_z", "framewise_displacement", "dvars"]) {
    assert(plot.includes(`<polyline class="series ${s}"`), `plot series ${s}`);
  }

  // mosaics: slices z = 0, 1 side by side (gap 2), row 0 = y 3, window = the "before"
  // image's 2nd..98th percentile of its non-zero voxels
  const expect = (vol: Float32Array, lo: number, hi: number) => {
    const px = new Uint8Array(10 * 4);
    for (let z = 0; z < 2; z++) {
      for (let r = 0; r < 4; r++) {
        for (let x = 0; x < 4; x++) {
          const g = (vol[x + 4 * (3 - r) + 16 * z]! - lo) * 255 / (hi - lo);
          px[r * 10 + z * 6 + x] = Math.max(0, Math.min(255, Math.round(g)));
        }
      }
    }
    return px;
  };
  const meanBefore = imageOf(html, "mean-before");
  assertEquals([meanBefore.width, meanBefore.height, meanBefore.colourType], [10, 4, 0]);
  assertEquals(meanBefore.pixels, expect(v, 2, 31), "mean before = V in [2, 31]");
  assertEquals(meanBefore.pixels[0], 97, "x 0, y 3, z 0: V = 13 → (13 − 2) · 255 / 29");
  assertEquals(meanBefore.pixels[3 * 10 + 6 + 3], 158, "x 3, y 0, z 1: V = 20");
  assertEquals(imageOf(html, "mean-after").pixels, meanBefore.pixels, "the same volume");
  // SD before = W (1..4, percentiles 1 and 4); after = W / 2 in the same window
  const stdBefore = imageOf(html, "std-before");
  assertEquals(stdBefore.pixels, expect(w, 1, 4));
  assertEquals(imageOf(html, "std-after").pixels, expect(w.map((x) => x / 2), 1, 4));
  assertEquals(stdBefore.pixels[3], 255, "W = 4 is white");
  assertEquals(imageOf(html, "std-after").pixels[1], 0, "W / 2 = 1 is black");

  // carpet: one row per brain voxel (24 ≤ 600), one column per frame; each series
  // rises by 10 a frame: detrended, it is flat, so mid grey
  const carpet = imageOf(html, "carpet");
  assertEquals([carpet.width, carpet.height], [3, 24]);
  assert(carpet.pixels.every((p) => p === 128), "flat after detrending");

  const svg = new TextDecoder().decode((await outputs.get(names.plot))!);
  assert(svg.startsWith("<svg") && svg.includes('class="series dvars"'), "SVG with DVARS");
  const png = decodePng((await outputs.get(names.png))!);
  assertEquals(png.width, 1720);
  assertEquals(png.height, 2 * Number(svg.match(/ height="(\d+)"/)![1]));
  await Deno.remove(dir, { recursive: true });
});
