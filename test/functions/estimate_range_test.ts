/**
 * The estimate function on a real folder store and KV file: with
 * `coefficientDegree` it reports the finite range of its frames' B-spline
 * coefficients and 0 (what the output's integer scaling is fitted to),
 * computed here independently with the JS prefilter; without it, no range.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { buildNifti } from "../helpers/corrupt_files.ts";
import { KvJobStore } from "../../infra/deno/kv_job_store.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";
import { zlibCompression } from "../../infra/deno/zlib_compression.ts";
import { estimate } from "../../functions/estimate.ts";
import { stagedLayout } from "../../orchestrator/open_run.ts";
import { float32Bytes } from "../../orchestrator/stage.ts";
import { bsplineCoefficients } from "../../shared/interp/bspline_prefilter.ts";
import { DEFAULT_OPTIONS, type EstimateTask } from "../../shared/job.ts";
import { readNifti } from "../../shared/nifti/read.ts";

const N3 = 9 * 10 * 8, NT = 5;
// int16 voxels with sharp edges (B-spline coefficients overshoot them), scaled by 0.5 + 3
const values = Float64Array.from(
  { length: N3 * NT },
  (_, i) => (((i * 37) % 11) < 5 ? 900 : -300) + ((i * 13) % 7),
);
const nii = buildNifti({
  dims: [4, 9, 10, 8, NT, 1, 1, 1],
  datatype: 4,
  values,
  sclSlope: 0.5,
  sclInter: 3,
});

Deno.test("estimate: with coefficientDegree the frames' coefficient range and 0, else none", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-range-" });
  const objects = new LocalFolderStore(`${dir}/objects`);
  const jobs = await KvJobStore.open(`${dir}/jobs.sqlite`);
  try {
    const whole = await readNifti(nii, "run.nii");
    await objects.put("staged.nii", nii);
    await objects.put("ref.f32", float32Bytes(whole.data.slice(0, N3)));
    const run = stagedLayout(whole.header);
    assertEquals(run.voxOffset, 352);
    const ports = { objects, jobs, compression: zlibCompression };
    for (const [start, end] of [[0, 2], [2, 5]]) {
      for (const degree of [2, 4]) {
        const task: EstimateTask = {
          job: "range-test",
          fn: "estimate",
          run,
          stagedKey: "staged.nii",
          options: { ...DEFAULT_OPTIONS, interpReslice: degree },
          start: start!,
          end: end!,
          pass: 1,
          refKey: "ref.f32",
          coefficientDegree: degree,
        };
        let min = 0, max = 0;
        for (let t = start!; t < end!; t++) {
          const c = bsplineCoefficients(whole.data.slice(t * N3, (t + 1) * N3), [9, 10, 8], degree);
          for (const v of c) [min, max] = [Math.min(min, v), Math.max(max, v)];
        }
        const r = await estimate(task, ports);
        assertEquals(r.coefficients, { min, max }, `frames ${start}-${end}, degree ${degree}`);
        const scaled = Array.from(whole.data.subarray(start! * N3, end! * N3));
        assert(
          min < Math.min(...scaled) && max > Math.max(...scaled),
          "the coefficients overshoot",
        );
        const { coefficientDegree: _, ...plain } = task;
        assertEquals((await estimate(plain, ports)).coefficients, undefined, "no range asked");
      }
    }
  } finally {
    jobs.close();
  }
});
