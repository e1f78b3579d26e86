/**
 * The run report's outputs, written at gather: the motion plot as
 * `_motion.svg` and `_motion.png` (rasterised by the {@link Rasterizer}
 * port, text in the adapter's bundled font) and `_report.html`, one
 * self-contained page.
 *
 * Nothing here passes over the 4-D run: the "after" mean and SD come from the
 * slabs' partial sums (`RunStats`), the "before" mean and SD and the carpet
 * rows from the slabs' report parts (`shared/report/report_part.ts`), read
 * one slab at a time.
 *
 * @module
 */
import type { FrameRange, JobOptions, OutputKind, RunLayout } from "../shared/job.ts";
import { PIPELINE_VERSION } from "../shared/job.ts";
import { motionPlotSvg } from "../shared/motion/plot_svg.ts";
import type { Compression } from "../shared/ports/compression.ts";
import type { ObjectStore } from "../shared/ports/object_store.ts";
import type { Rasterizer } from "../shared/ports/rasterizer.ts";
import { carpetImage } from "../shared/report/carpet.ts";
import { robustWindow, sliceMosaic } from "../shared/report/mosaic.ts";
import { type PngImage, zlibPngEncoder } from "../shared/report/png.ts";
import { carpetRows, ReportSum } from "../shared/report/report_part.ts";
import { float64View } from "../shared/float64_view.ts";
import { reportHtml } from "../shared/report/report_html.ts";
import { motionSummary } from "../shared/report/run_summary.ts";
import type { RunStats } from "../shared/slab_stats.ts";
import { jobKeys } from "./stage.ts";

/** Pixels per SVG unit of `_motion.png` (860 units wide → 1720 px). */
export const PLOT_PNG_SCALE = 2;

/** What the report is made of; the motion numbers are those of `_motion.tsv`. */
export interface ReportInput {
  id: string;
  layout: RunLayout;
  ranges: FrameRange[];
  options: JobOptions;
  title: string;
  /** Seconds, or null when unknown. */
  tr: number | null;
  params: number[][];
  fd: number[];
  /** 0/1 per frame, the `motion_outlier` column. */
  outlier: number[];
  fdThreshold: number;
  stdDvarsThreshold: number;
  /** The realigned run's statistics (mean, SD, DVARS). */
  stats: RunStats;
  /** The brain mask the DVARS were taken over; the carpet's rows are its voxels. */
  brain: Uint8Array;
  names: Record<OutputKind, string>;
}

/** Where the report reads parts and writes outputs. */
export interface ReportPorts {
  objects: ObjectStore;
  outputs: ObjectStore;
  rasterizer: Rasterizer;
  /** The runtime's deflate, for the report's PNG images. */
  compression: Compression;
}

/** The reference, in words. */
export function referenceText(ref: JobOptions["ref"]): string {
  if (ref === "mean") return "mean of the realigned frames (two passes)";
  if (ref === "first") return "frame 0 (the first)";
  return `frame ${ref}`;
}

/** A before/after pair of mosaics in one grey window (the "before" image's). */
function mosaicPair(
  before: Float32Array,
  after: Float32Array,
  dims: [number, number, number],
  png: (img: PngImage) => Promise<Uint8Array>,
): Promise<Uint8Array[]> {
  const window = robustWindow(before);
  return Promise.all([before, after].map((v) => {
    const m = sliceMosaic(v, dims, { window });
    return png({ width: m.width, height: m.height, channels: 1, pixels: m.pixels });
  }));
}

/**
 * Write `_motion.svg` and start rendering `_motion.png` (in the rasterizer's
 * own worker, where it has one): the SVG, and the PNG's write to await.
 */
export async function writePlot(
  inp: ReportInput,
  ports: ReportPorts,
): Promise<{ svg: string; png: Promise<void> }> {
  const summary = motionSummary(inp.params, inp.fd, inp.outlier);
  const svg = motionPlotSvg({
    params: inp.params,
    fd: inp.fd,
    tr: inp.tr,
    title: inp.title,
    fdThreshold: inp.fdThreshold,
    dvars: inp.stats.dvars,
    outliers: summary.outliers,
  });
  await ports.outputs.put(inp.names.plot, new TextEncoder().encode(svg));
  const png = ports.rasterizer.svgToPng(svg, { scale: PLOT_PNG_SCALE })
    .then((bytes) => ports.outputs.put(inp.names.png, bytes));
  png.catch(() => {}); // awaited by the caller; not an unhandled rejection meanwhile
  return { svg, png };
}

/** Write `_motion.svg`, `_motion.png` and `_report.html`. */
export async function writeReport(inp: ReportInput, ports: ReportPorts): Promise<void> {
  const plot = await writePlot(inp, ports);
  await writeReportHtml(inp, plot.svg, ports);
  await plot.png;
}

/** Write `_report.html`, with the motion plot's `svg` inside. */
export async function writeReportHtml(
  inp: ReportInput,
  svg: string,
  ports: ReportPorts,
): Promise<void> {
  const [nx, ny, nz, nt] = inp.layout.dims;
  const n3 = nx * ny * nz;
  const keys = jobKeys(inp.id);
  const summary = motionSummary(inp.params, inp.fd, inp.outlier);
  const brain = inp.brain;
  const rows = carpetRows(brain).length;
  const sum = new ReportSum(n3, nt, rows); // one slab's part held at a time
  for (const r of inp.ranges) {
    const bytes = await ports.objects.get(keys.sums("report", r.start, r.end));
    if (!bytes) throw new Error(`Cannot write the report: part ${r.start}-${r.end} is missing`);
    sum.add(float64View(bytes), r.end - r.start);
  }
  const before = sum.finish();
  const dims: [number, number, number] = [nx, ny, nz];
  const png = zlibPngEncoder(ports.compression);
  const c = rows > 0
    ? carpetImage(before.carpet, rows, nt)
    : { width: nt, height: 1, pixels: new Uint8Array(nt).fill(128) };
  const [[meanBefore, meanAfter], [stdBefore, stdAfter], carpet] = await Promise.all([
    mosaicPair(before.meanBefore, inp.stats.mean, dims, png),
    mosaicPair(before.stdBefore, inp.stats.sd, dims, png),
    png({ width: c.width, height: c.height, channels: 1, pixels: c.pixels }),
  ]);

  const o = inp.options;
  const html = reportHtml({
    title: inp.title,
    summary: {
      frames: nt,
      voxelSize: inp.layout.voxelSize,
      tr: inp.tr,
      reference: referenceText(o.ref),
      ...summary,
      settings: {
        ref: String(o.ref),
        interp_estimate: o.interpEstimate,
        interp_reslice: o.interpReslice,
        fwhm_mm: o.fwhm,
        sep_mm: o.sep,
        mask: o.mask,
        dtype: o.dtype,
        compress: o.compress ?? "as input",
        fd_threshold_mm: inp.fdThreshold,
        std_dvars_threshold: inp.stdDvarsThreshold,
      },
      version: PIPELINE_VERSION,
    },
    motionSvg: svg,
    images: { meanBefore, meanAfter, stdBefore, stdAfter, carpet },
    maskNote: `automask of the registration target` +
      (o.mask ? " within the voxels every frame covers" : "") +
      ` (${brain.reduce((a, b) => a + b, 0)} voxels; the carpet samples ${rows} of them)`,
  });
  await ports.outputs.put(inp.names.report, new TextEncoder().encode(html));
}
