/**
 * `_report.html` and `_motion.png` end to end through the CLI: on the shipped
 * sample run the page's summary is the motion table's, self-contained, with
 * the plot inline; on a simulated moved run the temporal SD in the brain is
 * lower after realignment than before, and the "before" mean mosaic is the
 * input's temporal mean.
 */
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";
import { jobKeys } from "../../orchestrator/stage.ts";
import { parseMotionTsv } from "../../shared/motion/motion_files.ts";
import { encodeNifti } from "../../shared/nifti/read.ts";
import { listAll } from "../../shared/ports/object_store.ts";
import { robustWindow, sliceMosaic, temporalMean } from "../../shared/report/mosaic.ts";
import { carpetRows, combineReportParts } from "../../shared/report/report_part.ts";
import { combineStats } from "../../shared/slab_stats.ts";
import { assert, assertClose, assertEquals } from "../helpers/assert.ts";
import { runCli, SAMPLE, tempDir } from "../helpers/cli.ts";
import { decodePng } from "../helpers/png_decode.ts";
import { dataValue, imageOf } from "../helpers/report_page.ts";
import { simulateRun } from "../helpers/simulate.ts";
import { syntheticHeader } from "../helpers/synthetic_header.ts";

Deno.test("CLI on the sample run: report and PNG written, summary = _motion.tsv, no network", async () => {
  const dir = await tempDir();
  await Deno.copyFile(SAMPLE, `${dir}/real_fmri_17x21x3x20.nii.gz`);
  const r = await runCli(["real_fmri_17x21x3x20.nii.gz", "--workers", "2"], dir);
  assertEquals(r.code, 0, r.stderr);
  const stem = `${dir}/real_fmri_17x21x3x20`;
  assert(r.stdout.includes(`${stem}_report.html\n`), "report listed");
  assert(r.stdout.includes(`${stem}_motion.png\n`), "PNG listed");
  const html = await Deno.readTextFile(`${stem}_report.html`);
  const tsv = parseMotionTsv(await Deno.readTextFile(`${stem}_motion.tsv`));

  const fd = tsv.columns.framewise_displacement!;
  const flagged = tsv.columns.motion_outlier!.flatMap((o, t) => (o === 1 ? [t] : []));
  const trans = Math.max(...tsv.params.flatMap((p) => p.slice(0, 3).map(Math.abs)));
  const rot = Math.max(...tsv.params.flatMap((p) => p.slice(3).map(Math.abs))) * 180 / Math.PI;
  // _motion.tsv keeps 8 significant digits
  const close = (id: string, want: number) =>
    assertClose(Number(dataValue(html, id)), want, 1e-7 * Math.max(1, Math.abs(want)), id);
  close("mean-fd", fd.reduce((a, b) => a + b, 0) / fd.length);
  close("max-fd", Math.max(...fd));
  close("max-translation", trans);
  close("max-rotation", rot);
  assertEquals(Number(dataValue(html, "outliers")), flagged.length);
  assert(html.includes(`data-frames="${flagged.join(" ")}"`), "outlier frames listed");
  assertEquals(dataValue(html, "frames"), "20");
  assertEquals(dataValue(html, "tr"), "2");

  assertEquals(html.match(/https?:\/\//g), null, "no http(s) URL");
  assert(!/(src|href)\s*=\s*["']?(?!data:)[a-z]+:/i.test(html), "only data: URIs");
  assert(!/<script|<link|@import|url\(/i.test(html), "no script, stylesheet link or CSS url()");
  const plot = html.slice(html.indexOf('<div id="motion-plot">'));
  for (const s of ["trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"]) {
    assert(plot.includes(`<polyline class="series ${s}"`), `plot series ${s}`);
  }
  assert(plot.includes('<polyline class="series framewise_displacement"'), "FD");
  assert(plot.includes('<polyline class="series dvars"'), "DVARS");
  assert(plot.includes('<line class="threshold"'), "FD threshold");
  for (const id of ["mean-before", "mean-after", "std-before", "std-after"]) {
    const img = imageOf(html, id);
    assertEquals([img.width, img.height], [2 * 17 + 2, 2 * 21 + 2], `${id}: 3 slices, 2 columns`);
  }
  assertEquals(imageOf(html, "carpet").width, 20);

  const png = decodePng(await Deno.readFile(`${stem}_motion.png`));
  assertEquals(png.width, 1720);
  const svg = await Deno.readTextFile(`${stem}_motion.svg`);
  assertEquals(png.height, 2 * Number(svg.match(/ height="(\d+)"/)![1]));
});

Deno.test("a simulated moved run: temporal SD in the brain is lower after realignment", async () => {
  const dims: [number, number, number] = [40, 48, 34];
  const motions = [
    [0, 0, 0, 0, 0, 0],
    [1.5, 0, 0, 0, 0, 0],
    [0, -1.2, 0.6, 0, 0, 1.5],
    [0.8, 0.8, 0, 2, 0, 0],
    [-1, 0, 1, 0, -1.5, 0],
    [0, 1.5, 0, 1, 1, -1],
  ];
  const sim = await simulateRun({ dims, voxelSize: [4, 4, 4.5], motions, noise: 0.01, seed: 7 });
  const dir = await tempDir();
  const header = syntheticHeader([...dims, motions.length], sim.affine, { tr: 2.5 });
  await Deno.writeFile(
    `${dir}/moved_bold.nii`,
    await encodeNifti(header, sim.data, { datatype: 16 }, false),
  );
  const r = await runCli(["moved_bold.nii", "--workers", "2", "--json"], dir);
  assertEquals(r.code, 0, r.stderr);
  const job = JSON.parse(r.stdout).job as string;

  // the parts the functions wrote, combined as gather does
  const objects = new LocalFolderStore(`${dir}/.realign/objects`);
  const keys = jobKeys(job);
  const brain = (await objects.get(keys.brain))!;
  const n3 = dims[0] * dims[1] * dims[2], nt = motions.length;
  const read = async (kind: string) => {
    const list = await listAll(objects, `${keys.base}/sums/${kind}/`);
    const ranges = list.map((o) => o.key.split("/").pop()!.split("-").map(Number))
      .sort((a, b) => a[0]! - b[0]!);
    const parts = await Promise.all(
      ranges.map(async ([s, e]) =>
        new Float64Array((await objects.get(keys.sums(kind, s!, e!)))!.slice().buffer)
      ),
    );
    return { parts, frames: ranges.map(([s, e]) => e! - s!) };
  };
  const rep = await read("report");
  assert(rep.parts.length >= 2, `at least two slabs, got ${rep.parts.length}`);
  const before = combineReportParts(rep.parts, rep.frames, n3, nt, carpetRows(brain).length);
  // every frame's raw voxels counted once (a slab's reads start a frame early, uncounted)
  let worstMean = 0;
  for (let i = 0; i < n3; i++) {
    let sum = 0;
    for (let t = 0; t < nt; t++) sum += sim.data[t * n3 + i]!;
    worstMean = Math.max(worstMean, Math.abs(before.meanBefore[i]! - sum / nt));
  }
  assert(worstMean < 1e-3, `raw mean off the input's by up to ${worstMean}`);
  const after = combineStats((await read("mean")).parts, n3, nt, brain);
  let sb = 0, sa = 0, count = 0;
  for (let i = 0; i < n3; i++) {
    if (brain[i] === 1 && sim.brainMask[i] === 1) {
      sb += before.stdBefore[i]!;
      sa += after.sd[i]!;
      count++;
    }
  }
  assert(count > 5000, `brain voxels: ${count}`);
  const noiseSd = 0.01 * sim.meanBrain;
  assert(sa < 0.5 * sb, `mean temporal SD in the brain: after ${sa / count}, before ${sb / count}`);
  assert(sa / count < 6 * noiseSd, `after ≈ noise: ${sa / count} vs noise ${noiseSd}`);

  // the page shows the same: its SD mosaics share a window, and "after" is darker
  const html = await Deno.readTextFile(`${dir}/moved_report.html`);
  const grey = (id: string) => {
    const p = imageOf(html, id).pixels;
    return p.reduce((a, b) => a + b, 0) / p.length;
  };
  assert(grey("std-after") < 0.6 * grey("std-before"), "SD after is darker");
  // the "before" mean mosaic is the input's temporal mean (Float32 sums vs Float64: ±1 grey)
  const mean = temporalMean(sim.data, [...dims, nt]);
  const want = sliceMosaic(mean, dims, { window: robustWindow(mean) });
  const got = imageOf(html, "mean-before");
  assertEquals([got.width, got.height], [want.width, want.height]);
  let worst = 0;
  for (let i = 0; i < want.pixels.length; i++) {
    worst = Math.max(worst, Math.abs(got.pixels[i]! - want.pixels[i]!));
  }
  assert(worst <= 1, `mean-before mosaic differs by ${worst} grey levels`);
  assertEquals(dataValue(html, "tr"), "2.5");
  assertEquals(dataValue(html, "voxel-size"), "4 4 4.5");
  await Deno.remove(dir, { recursive: true });
});
