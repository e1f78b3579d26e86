/**
 * Gather: the orchestrator alone turns the functions' results into the
 * outputs. The realigned image is byte streaming (a header, then the slabs in
 * frame order; for gzip, the slabs' deflate data inside one gzip member); the
 * mean comes from per-slab partial sums; motion files from the parameters;
 * the plot and the report from those and the slabs' report parts
 * (`run_report.ts`).
 *
 * @module
 */
import { crc32 } from "../shared/crc32.ts";
import { assembleGzip } from "../shared/gzip_assemble.ts";
import type {
  FrameRange,
  JobOptions,
  OutputEncoding,
  OutputKind,
  RunLayout,
  TaskResult,
} from "../shared/job.ts";
import { framewiseDisplacement, rmsDeviation } from "../shared/motion/framewise_displacement.ts";
import { type RunStats, StatsSum } from "../shared/slab_stats.ts";
import { float64View } from "../shared/float64_view.ts";
import { motionTsv, rpText, xfmTsv } from "../shared/motion/motion_files.ts";
import { forwardTransforms, motionParameters } from "../shared/motion/parameters.ts";
import type { NiftiHeader } from "../shared/nifti/header.ts";
import { trSeconds } from "../shared/nifti/header.ts";
import { encodeNifti } from "../shared/nifti/read.ts";
import { encodeNifti1Header } from "../shared/nifti/write_header.ts";
import type { Mat4 } from "../shared/rigid.ts";
import type { Compression } from "../shared/ports/compression.ts";
import type { ObjectStore } from "../shared/ports/object_store.ts";
import type { Rasterizer } from "../shared/ports/rasterizer.ts";
import { type ReportInput, writePlot, writeReportHtml } from "./run_report.ts";
import { jobKeys } from "./stage.ts";

export interface GatherInput {
  id: string;
  header: NiftiHeader;
  layout: RunLayout;
  encoding: OutputEncoding;
  ranges: FrameRange[];
  /** Reslice results in range order (CRC-32 and lengths for gzip). */
  results: TaskResult[];
  /** Corrections M(t) relative to the first frame. */
  corrections: Mat4[];
  /** Output file names by kind. */
  names: Record<OutputKind, string>;
  title: string;
  /** The job's options, as the report states them. */
  options: JobOptions;
}

export interface GatherPorts {
  objects: ObjectStore;
  outputs: ObjectStore;
  compression: Compression;
  /** Draws `_motion.png` from the plot's SVG. */
  rasterizer: Rasterizer;
}

/** A stream of the slabs' bytes in order, fetched one after another. */
function slabStream(
  objects: ObjectStore,
  keys: string[],
  head: Uint8Array,
): ReadableStream<Uint8Array> {
  let i = -1;
  let current: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (i < 0) {
          i = 0;
          controller.enqueue(head);
          return;
        }
        if (current) {
          const { value, done } = await current.read();
          if (!done) {
            controller.enqueue(value);
            return;
          }
          current = null;
          i++;
        }
        if (i >= keys.length) {
          controller.close();
          return;
        }
        const s = await objects.getStream(keys[i]!);
        if (!s) throw new Error(`Cannot gather: slab ${keys[i]} is missing`);
        current = s.getReader();
      }
    },
  });
}

/** The realigned 4-D image as a stream (uncompressed or one gzip member). */
async function realignedImage(
  inp: GatherInput,
  ports: GatherPorts,
): Promise<ReadableStream<Uint8Array>> {
  const keys = jobKeys(inp.id);
  const head = encodeNifti1Header(inp.header, {
    datatype: inp.encoding.datatype,
    sclSlope: inp.encoding.slope,
    sclInter: inp.encoding.inter,
    description: "realign: realigned",
  });
  const slabKeys = inp.ranges.map((r) => keys.slab(r.start, r.end));
  if (!inp.encoding.gzip) return slabStream(ports.objects, slabKeys, head);
  const headDeflated = await ports.compression.deflateSync(head);
  return assembleGzip(slabKeys.length + 1, async (i) => {
    if (i === 0) return { deflated: headDeflated, crc32: crc32(head), rawLength: head.length };
    const r = inp.results[i - 1]!;
    const body = await ports.objects.getStream(slabKeys[i - 1]!);
    if (!body || r.crc32 === undefined || r.rawLength === undefined) {
      throw new Error(`Cannot gather: slab ${slabKeys[i - 1]} is missing or has no checksum`);
    }
    return {
      deflated: body,
      crc32: r.crc32,
      rawLength: r.rawLength,
      deflatedLength: r.deflatedLength,
    };
  });
}

/** A frame is an outlier when FD exceeds this (mm, Power 2012)… */
export const FD_LIMIT = 0.5;
/** …or standardised DVARS exceeds this (Nichols 2013). */
export const STD_DVARS_LIMIT = 1.5;

/**
 * Add the slabs' partial sums into the run's mean, SD and DVARS (over the
 * `brain` voxels), one slab's at a time.
 */
async function runStats(
  inp: GatherInput,
  ports: GatherPorts,
  brain: Uint8Array,
): Promise<RunStats> {
  const [nx, ny, nz, nt] = inp.layout.dims;
  const keys = jobKeys(inp.id);
  const sum = new StatsSum(nx * ny * nz, nt);
  for (const r of inp.ranges) {
    const bytes = await ports.objects.get(keys.sums("mean", r.start, r.end));
    if (!bytes) throw new Error(`Cannot gather: partial sums of ${r.start}-${r.end} are missing`);
    sum.add(float64View(bytes));
  }
  return sum.finish(brain);
}

/** Write every output; returns the output keys by kind. */
export async function gather(
  inp: GatherInput,
  ports: GatherPorts,
): Promise<Record<OutputKind, string>> {
  const params = motionParameters(inp.corrections);
  const fd = framewiseDisplacement(params);
  const transforms = forwardTransforms(inp.corrections);
  const rmsd = transforms.map((m, t) => (t === 0 ? 0 : rmsDeviation(transforms[t - 1]!, m, 80)));
  const tr = trSeconds(inp.header);
  const n = inp.names;
  // The realigned image streams (I/O) while the rest is computed.
  const realigned = realignedImage(inp, ports).then((s) => ports.outputs.put(n.realigned, s));
  realigned.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
  const brain = await ports.objects.get(jobKeys(inp.id).brain);
  if (!brain) throw new Error("Cannot gather: the brain mask is missing");
  const stats = await runStats(inp, ports, brain);
  const outlier = fd.map((f, t) => (f > FD_LIMIT || stats.stdDvars[t]! > STD_DVARS_LIMIT ? 1 : 0));
  const report: ReportInput = {
    id: inp.id,
    layout: inp.layout,
    ranges: inp.ranges,
    options: inp.options,
    title: inp.title,
    tr: tr > 0 ? tr : null,
    params,
    fd,
    outlier,
    fdThreshold: FD_LIMIT,
    stdDvarsThreshold: STD_DVARS_LIMIT,
    stats,
    brain,
    names: n,
  };
  // The plot's PNG, the longest piece, renders in its own worker from here on.
  const plot = await writePlot(report, ports);
  const mean = stats.mean;
  const [nx, ny, nz] = inp.layout.dims;
  const meanBytes = await encodeNifti(
    inp.header,
    mean,
    {
      dims: [3, nx, ny, nz, 1, 1, 1, 1],
      datatype: 16,
      sclSlope: 1,
      sclInter: 0,
      description: "realign: mean",
    },
    inp.encoding.gzip,
  );
  await ports.outputs.put(n.mean, meanBytes);
  const enc = new TextEncoder();
  await ports.outputs.put(
    n.motion,
    enc.encode(motionTsv(params, fd, {
      dvars: stats.dvars,
      std_dvars: stats.stdDvars,
      rmsd,
      motion_outlier: outlier,
    })),
  );
  await ports.outputs.put(n.rp, enc.encode(rpText(params)));
  await ports.outputs.put(n.xfm, enc.encode(xfmTsv(transforms)));
  // The image's bytes stream with this thread free, then the report is built.
  await realigned;
  await writeReportHtml(report, plot.svg, ports);
  await plot.png;
  return n;
}
