/**
 * A warm-up leaves the isolate's work memory as large as the job's tasks
 * make it, so the first task lays out its slab and estimator without growing
 * it (and so without fresh pages in its first frames); and it computes
 * nothing a task could see: a slab made after it starts from zero sums.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { warmUp } from "../../functions/warm_up.ts";
import { resliceWork } from "../../functions/reslice.ts";
import { DEFAULT_OPTIONS, type JobOptions, type RunLayout } from "../../shared/job.ts";
import { DT } from "../../shared/nifti/datatypes.ts";
import { smoothingTaps } from "../../shared/smooth.ts";
import { WasmSlab } from "../../shared/wasm/wasm_slab.ts";
import { acquireWork, openWasmEstimator, releaseWork } from "../../shared/wasm/wasm_kernels.ts";

function layout(dims: [number, number, number, number], datatype: number): RunLayout {
  const bpv = datatype === DT.UINT8 ? 1 : datatype === DT.INT16 ? 2 : 4;
  return {
    dims,
    datatype,
    bytesPerVoxel: bpv,
    littleEndian: true,
    voxOffset: 352,
    slope: 1,
    inter: 0,
    affine: [3, 0, 0, -90, 0, 3, 0, -100, 0, 0, 3.5, -60, 0, 0, 0, 1],
    voxelSize: [3, 3, 3.5],
  };
}

const workBytes = () => {
  const o = {};
  const n = acquireWork(o).memory.buffer.byteLength;
  releaseWork(o);
  return n;
};

Deno.test("after warmUp the job's first slab and estimator lay out without growing the memory", () => {
  // smaller to larger runs, so that each warm-up has to grow the memory
  const cases: [RunLayout, JobOptions][] = [
    [layout([24, 20, 12, 30], DT.INT16), { ...DEFAULT_OPTIONS, interpReslice: 1 }],
    [layout([40, 36, 20, 50], DT.UINT8), { ...DEFAULT_OPTIONS, dtype: "float32" }],
    [layout([64, 64, 36, 80], DT.FLOAT32), { ...DEFAULT_OPTIONS, interpEstimate: 1 }],
  ];
  for (const [run, options] of cases) {
    const slabFrames = Math.ceil(run.dims[3] / 2);
    const before = workBytes();
    warmUp({ run, options, slabFrames });
    const warmed = workBytes();
    assert(warmed > before, `warm-up grew the memory for ${run.dims}: ${before} → ${warmed}`);
    const n3 = run.dims[0] * run.dims[1] * run.dims[2];
    // the job's reslice task's slab: the real masks take no more room than the warm-up's
    const brain = new Uint8Array(n3).map((_, i) => (i % 3 === 0 ? 1 : 0));
    const slab = new WasmSlab(
      resliceWork(run, slabFrames, options, { mask: brain, brain, report: true }, {
        datatype: options.dtype === "float32" ? DT.FLOAT32 : run.datatype,
        slope: 1,
        inter: 0,
      }),
    );
    const sums = slab.sumBytes();
    assert(sums.every((b) => b === 0), "a slab after the warm-up starts from zero sums");
    slab.release();
    const est = openWasmEstimator()!;
    est.prepareFrame(
      new Float32Array(n3),
      [run.dims[0], run.dims[1], run.dims[2]],
      smoothingTaps(run.voxelSize, options.fwhm),
      options.interpEstimate > 1 ? 2 : 1,
    );
    est.release();
    assertEquals(workBytes(), warmed, `no growth after the warm-up for ${run.dims}`);
  }
});
