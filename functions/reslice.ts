/**
 * The reslice function: resample frames `start..end` onto the first frame's
 * grid, encode them in the output datatype (deflated with a sync flush for a
 * gzip output) and store the slab, with partial sums for the mean image.
 *
 * Per frame the correction M(t) is made relative to the first frame and
 * inverted once, outside the voxel loop: the voxel-to-voxel matrix is
 * `A⁻¹ · T(t) · A` with `T(t) = M(t)⁻¹`.
 *
 * @module
 */
import { crc32 } from "../shared/crc32.ts";
import { estimatePhase, type ResliceTask, type TaskResult } from "../shared/job.ts";
import { decodeVoxels } from "../shared/nifti/decode.ts";
import { encodeVoxels } from "../shared/nifti/encode.ts";
import type { FunctionPorts } from "../shared/ports/function_ports.ts";
import { frameCoverage, resliceTrilinear } from "../shared/reslice_kernel.ts";
import { fromRows12, invert4, mul4 } from "../shared/rigid.ts";
import { FrameBatcher } from "./frame_batcher.ts";
import { readFrames } from "./read_frames.ts";

export async function reslice(task: ResliceTask, ports: FunctionPorts): Promise<TaskResult> {
  const t0 = performance.now();
  const { run, start, end, encoding } = task;
  const [nx, ny, nz] = run.dims;
  const n3 = nx * ny * nz;
  const params = await ports.jobs.getParams(task.job, task.pass, start, end);
  const slab = await readFrames(ports.objects, task.stagedKey, run, start, end);
  const mask = task.maskKey ? await ports.objects.get(task.maskKey) : null;
  if (task.maskKey && (!mask || mask.length !== n3)) {
    throw new Error(`Cannot reslice ${start}-${end}: mask ${task.maskKey} is missing`);
  }
  const t1 = performance.now();
  const frameIn = new Float32Array(n3);
  const frameOut = new Float32Array(n3);
  const covered = new Uint8Array(n3);
  const sums = new Float64Array(2 * n3);
  const obpv = encoding.bytesPerVoxel;
  const out = task.slabKey ? new Uint8Array((end - start) * n3 * obpv) : null;
  const a = run.affine;
  const aInv = invert4(a);
  const fb = n3 * run.bytesPerVoxel;
  const phase = task.slabKey ? "reslice" : "mean";
  const batch = new FrameBatcher<number>((f) => ports.jobs.framesDone(task.job, phase, f));
  for (let t = start; t < end; t++) {
    const p = params[t - start];
    if (!p) throw new Error(`Cannot reslice frame ${t}: no parameters for estimation pass ${task.pass} (${estimatePhase(task.pass)})`);
    const off = (t - start) * fb;
    decodeVoxels(slab.subarray(off, off + fb), run.datatype, run.littleEndian, run.slope, run.inter, frameIn);
    const m = mul4(task.toFirst, fromRows12(p.m));
    const v2v = mul4(mul4(aInv, invert4(m)), a);
    resliceTrilinear(frameIn, [nx, ny, nz], v2v, frameOut);
    covered.fill(1);
    frameCoverage([nx, ny, nz], v2v, covered);
    for (let i = 0; i < n3; i++) {
      if (mask && mask[i] === 0) {
        frameOut[i] = 0;
        continue;
      }
      if (covered[i] === 1) {
        const v = frameOut[i]!;
        if (v === v) {
          sums[i]! += v;
          sums[n3 + i]! += 1;
        }
      }
    }
    if (out) encodeVoxels(frameOut, encoding.datatype, encoding.slope, encoding.inter, out.subarray((t - start) * n3 * obpv, (t - start + 1) * n3 * obpv));
    await batch.add(t);
  }
  const t2 = performance.now();
  const result: TaskResult = { fn: "reslice", start, end, readMs: t1 - t0, computeMs: 0, writeMs: 0 };
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
  await ports.objects.put(task.sumKey, new Uint8Array(sums.buffer));
  await batch.flush();
  const t3 = performance.now();
  result.computeMs = t2 - t1 - batch.flushMs + deflateMs;
  result.writeMs = t3 - t2 - deflateMs;
  return result;
}
