/**
 * The automask function on a real folder store: it stores the brain mask of
 * the target volume, voxel for voxel what `automask` gives; a missing target
 * is an error naming its key. Its result is recorded under a phase of its
 * own: a prepare task of the same job also has the range 0-0, and on Workers
 * the invoker waits for a task's outcome by phase and range.
 */
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";
import { KvJobStore } from "../../infra/deno/kv_job_store.ts";
import { zlibCompression } from "../../infra/deno/zlib_compression.ts";
import { automaskTarget } from "../../functions/automask_target.ts";
import { phaseOf, runTask } from "../../functions/run_task.ts";
import { automask } from "../../shared/report/automask.ts";
import { type AutomaskTask, DEFAULT_OPTIONS } from "../../shared/job.ts";

const dims: [number, number, number] = [24, 20, 12];

/** A bright ellipsoid with a dark hole, on noise: the mask keeps the blob and fills the hole. */
function target(): Float32Array {
  const [nx, ny, nz] = dims;
  const v = new Float32Array(nx * ny * nz);
  let seed = 7;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const r = ((x - 12) / 8) ** 2 + ((y - 10) / 7) ** 2 + ((z - 6) / 4) ** 2;
        const hole = Math.abs(x - 12) <= 1 && Math.abs(y - 10) <= 1;
        v[x + nx * (y + ny * z)] = (r < 1 && !hole ? 1000 : 20) + (seed / 2 ** 31) * 10;
      }
    }
  }
  return v;
}

Deno.test("automask function: stores the target's brain mask; a missing target is named", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-automask-" });
  const objects = new LocalFolderStore(`${dir}/objects`);
  const jobs = await KvJobStore.open(`${dir}/jobs.sqlite`);
  try {
    const v = target();
    await objects.put("jobs/j/ref-1.f32", new Uint8Array(v.buffer));
    const task: AutomaskTask = {
      job: "j",
      run: {
        dims: [...dims, 4],
        datatype: 16,
        bytesPerVoxel: 4,
        littleEndian: true,
        voxOffset: 352,
        slope: 1,
        inter: 0,
        affine: [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1],
        voxelSize: [2, 2, 2],
      },
      stagedKey: "jobs/j/staged.nii",
      options: DEFAULT_OPTIONS,
      fn: "automask",
      start: 0,
      end: 0,
      refKey: "jobs/j/ref-1.f32",
      brainKey: "jobs/j/automask-1.u8",
    };
    const ports = { objects, jobs, compression: zlibCompression };
    const result = await automaskTarget(task, ports);
    assertEquals(result.fn, "automask");
    assertEquals(phaseOf(task), "automask");
    await runTask(task, ports); // records its result, as every runtime does
    assertEquals([...(await jobs.getTaskResults("j", "automask")).keys()], ["0-0"]);
    assertEquals((await jobs.getTaskResults("j", "prepare")).size, 0);
    const stored = await objects.get(task.brainKey);
    const expected = automask(v, dims);
    assertEquals(stored, expected);
    const inside = expected.reduce((a, b) => a + b, 0);
    assert(inside > 100 && inside < v.length / 2, `a blob-sized mask, ${inside} voxels`);
    assertEquals(expected[12 + 24 * (10 + 20 * 6)], 1, "the hole is filled");
    await assertRejects(
      () => automaskTarget({ ...task, refKey: "jobs/j/nothing.f32" }, ports),
      Error,
      "jobs/j/nothing.f32",
    );
  } finally {
    jobs.close();
    await Deno.remove(dir, { recursive: true });
  }
});
