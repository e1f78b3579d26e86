/**
 * The reslice function: resample frames `start..end` onto the first frame's
 * grid, encode them in the output datatype (deflated with a sync flush for a
 * gzip output) and store the slab, with partial sums for the mean image and
 * the report's part (raw-frame sums, carpet rows).
 *
 * Per frame the correction M(t) is made relative to the first frame and
 * inverted once, outside the voxel loop: the voxel-to-voxel matrix is
 * `A⁻¹ · T(t) · A` with `T(t) = M(t)⁻¹`.
 *
 * @module
 */
import { crc32 } from "../shared/crc32.ts";
import type { FrameParams, ResliceTask, TaskResult } from "../shared/job.ts";
import { zeroNonFinite } from "../shared/finite.ts";
import { decodeFrameInto } from "../shared/run_frames.ts";
import { SlabStats } from "../shared/slab_stats.ts";
import { ReportPart } from "../shared/report/report_part.ts";
import { encodeVoxels } from "../shared/nifti/encode.ts";
import type { FunctionPorts } from "../shared/ports/function_ports.ts";
import { resampleKernels } from "../shared/resample_kernels.ts";
import { frameCoverage } from "../shared/reslice_kernel.ts";
import { fromRows12, invert4, mul4 } from "../shared/rigid.ts";
import { FrameBatcher } from "./frame_batcher.ts";
import { readFrames } from "./read_frames.ts";

/** A Uint8 mask object, or null when no key is given. */
async function readMask(
  ports: FunctionPorts,
  key: string | null,
  n3: number,
): Promise<Uint8Array | null> {
  if (key === null) return null;
  const bytes = await ports.objects.get(key);
  if (!bytes || bytes.length !== n3) {
    throw new Error(`Cannot reslice: mask ${key} is missing or of the wrong size`);
  }
  return bytes;
}

export async function reslice(task: ResliceTask, ports: FunctionPorts): Promise<TaskResult> {
  const t0 = performance.now();
  const { run, start, end, encoding } = task;
  const [nx, ny, nz] = run.dims;
  const n3 = nx * ny * nz;
  const params = await ports.jobs.getParams(task.job, task.pass, start, end);
  // one frame before the range, to difference the range's first frame (DVARS)
  const first = start > 0 ? start - 1 : start;
  const prevParams = first < start
    ? (await ports.jobs.getParams(task.job, task.pass, first, start))[0]
    : null;
  const slab = await readFrames(ports.objects, task.stagedKey, run, first, end);
  const mask = await readMask(ports, task.maskKey, n3);
  const brain = await readMask(ports, task.brainKey, n3);
  const t1 = performance.now();
  const frameIn = new Float32Array(n3);
  const frameOut = new Float32Array(n3);
  const covered = new Uint8Array(n3);
  const stats = new SlabStats(n3, end - start, brain);
  const report = task.reportKey && brain ? new ReportPart(brain, end - start) : null;
  const degree = task.options.interpReslice;
  const kernels = resampleKernels(); // WebAssembly where the runtime compiles it, else JS
  const coef = degree > 1 ? new Float32Array(n3) : null;
  const obpv = encoding.bytesPerVoxel;
  const out = task.slabKey ? new Uint8Array((end - start) * n3 * obpv) : null;
  const a = run.affine;
  const aInv = invert4(a);
  const phase = task.slabKey ? "reslice" : "mean";
  const batch = new FrameBatcher<number>((f) => ports.jobs.framesDone(task.job, phase, f));
  // Resample frame t into frameOut (masked) and mark the voxels it covers.
  const resampleFrame = (t: number, p: FrameParams) => {
    decodeFrameInto(slab, run, t - first, frameIn);
    zeroNonFinite(frameIn);
    const m = mul4(task.toFirst, fromRows12(p.m));
    const v2v = mul4(mul4(aInv, invert4(m)), a); // T(t) = M(t)⁻¹, inverted once per frame
    if (degree <= 1) {
      kernels.resliceTrilinear(frameIn, [nx, ny, nz], v2v, frameOut);
    } else {
      kernels.bsplineCoefficients(frameIn, [nx, ny, nz], degree, coef!);
      kernels.resliceBspline(coef!, [nx, ny, nz], degree, v2v, frameOut);
    }
    covered.fill(1);
    frameCoverage([nx, ny, nz], v2v, covered);
    if (mask) {
      for (let i = 0; i < n3; i++) {
        if (mask[i] === 0) {
          frameOut[i] = 0;
          covered[i] = 0;
        }
      }
    }
  };
  if (prevParams) {
    resampleFrame(first, prevParams);
    stats.setPrevious(frameOut);
  }
  for (let t = start; t < end; t++) {
    const p = params[t - start];
    if (!p) {
      throw new Error(`Cannot reslice frame ${t}: no parameters from estimation pass ${task.pass}`);
    }
    resampleFrame(t, p);
    stats.add(frameOut, covered, t - start);
    report?.add(frameIn, frameOut, t - start); // frameIn: frame t as read
    if (out) {
      const o = (t - start) * n3 * obpv;
      encodeVoxels(
        frameOut,
        encoding.datatype,
        encoding.slope,
        encoding.inter,
        out.subarray(o, o + n3 * obpv),
      );
    }
    await batch.add(t);
  }
  const t2 = performance.now();
  const result: TaskResult = {
    fn: "reslice",
    start,
    end,
    readMs: t1 - t0,
    computeMs: 0,
    writeMs: 0,
  };
  let deflateMs = 0;
  if (out && task.slabKey) {
    if (encoding.gzip) {
      const d0 = performance.now();
      const deflated = await ports.compression.deflateSync(out);
      result.crc32 = crc32(out);
      deflateMs = performance.now() - d0;
      result.rawLength = out.length;
      result.deflatedLength = deflated.length;
      await ports.objects.put(task.slabKey, deflated);
    } else {
      await ports.objects.put(task.slabKey, out);
    }
  }
  await ports.objects.put(task.sumKey, stats.bytes());
  if (report && task.reportKey) await ports.objects.put(task.reportKey, report.bytes());
  await batch.flush();
  const t3 = performance.now();
  result.computeMs = t2 - t1 - batch.flushMs + deflateMs;
  result.writeMs = t3 - t2 - deflateMs;
  return result;
}
