/**
 * The Web Worker pool of a one-job process ends its idle workers when the
 * job's fan-outs are over (so gather does not carry their memory), and
 * starts them again when more tasks come; a shared pool keeps them.
 * Real pool, folder store, Deno KV and the sample run.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { SAMPLE } from "../helpers/cli.ts";
import { register } from "../../orchestrator/register.ts";
import { DEFAULT_OPTIONS, type Task } from "../../shared/job.ts";
import { KvJobStore } from "../../infra/deno/kv_job_store.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";
import { WorkerPoolInvoker } from "../../infra/deno/worker_pool_invoker.ts";
import { zlibCompression } from "../../infra/deno/zlib_compression.ts";
import { resvgRasterizer } from "../../infra/deno/resvg_rasterizer.ts";

Deno.test("releaseWhenIdle: workers end after a job's fan-outs and start again for the next job", async () => {
  for (const releaseWhenIdle of [true, false]) {
    const dir = await Deno.makeTempDir({ prefix: "realign-pool-" });
    const kvPath = `${dir}/jobs.sqlite`;
    const jobs = await KvJobStore.open(kvPath);
    const pool = new WorkerPoolInvoker(2, { storeDir: `${dir}/objects`, kvPath }, {
      releaseWhenIdle,
    });
    const ports = {
      objects: new LocalFolderStore(`${dir}/objects`),
      jobs,
      invoker: pool,
      compression: zlibCompression,
      rasterizer: resvgRasterizer,
    };
    const slash = SAMPLE.lastIndexOf("/");
    const input = {
      name: "run_bold.nii.gz",
      store: new LocalFolderStore(SAMPLE.slice(0, slash)),
      key: SAMPLE.slice(slash + 1),
    };
    const outputs = new LocalFolderStore(`${dir}/out`);
    try {
      assertEquals(pool.workers, 2, "started with the pool");
      for (const fwhm of [5, 6]) {
        const s = await register({ input, options: { ...DEFAULT_OPTIONS, fwhm }, outputs }, ports);
        assertEquals(s.reused, false, `job with fwhm ${fwhm} ran`);
        assertEquals(pool.workers, releaseWhenIdle ? 0 : 2, `workers after job ${fwhm}`);
      }
    } finally {
      await pool.close();
      jobs.close();
    }
  }
});

Deno.test("warm: idle workers warm up once per run shape; a task waiting goes first, or stops a warm-up", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-pool-warm-" });
  const kvPath = `${dir}/jobs.sqlite`;
  const pool = new WorkerPoolInvoker(2, { storeDir: `${dir}/objects`, kvPath });
  const run = {
    dims: [16, 16, 10, 8] as [number, number, number, number],
    datatype: 4,
    bytesPerVoxel: 2,
    littleEndian: true,
    voxOffset: 352,
    slope: 1,
    inter: 0,
    affine: [3, 0, 0, -24, 0, 3, 0, -24, 0, 0, 3, -15, 0, 0, 0, 1],
    voxelSize: [3, 3, 3] as [number, number, number],
  };
  const settled = async () => {
    for (let i = 0; i < 500 && pool.warming > 0; i++) await new Promise((r) => setTimeout(r, 10));
    return pool.warming;
  };
  try {
    pool.warm({ run, options: DEFAULT_OPTIONS, slabFrames: 4 });
    assertEquals(pool.warming, 2, "both idle workers warm up");
    assertEquals(await settled(), 0, "warm-ups end");
    pool.warm({ run, options: DEFAULT_OPTIONS, slabFrames: 4 });
    assertEquals(pool.warming, 0, "the same run shape again: nothing to warm");
    // a task that cannot run (no such job) still goes before a warm-up asked for after it
    const task = pool.invoke({ fn: "nope" } as unknown as Task).catch((e: Error) => e.message);
    pool.warm({ run: { ...run, dims: [20, 16, 10, 8] }, options: DEFAULT_OPTIONS, slabFrames: 4 });
    assertEquals(pool.warming, 1, "the worker given the task does not warm now");
    assert(String(await task).includes("unknown function"), "the task ran");
    assertEquals(await settled(), 0, "and warms once it is done");
    // a task given while both warm goes to one of them at once (its warm-up stops after a step)
    pool.warm({ run: { ...run, dims: [24, 16, 10, 8] }, options: DEFAULT_OPTIONS, slabFrames: 4 });
    assertEquals(pool.warming, 2);
    const taken = pool.invoke({ fn: "nope" } as unknown as Task).catch((e: Error) => e.message);
    assertEquals(pool.warming, 1, "one warming worker took the task");
    assert(String(await taken).includes("unknown function"), "and ran it");
    assertEquals(await settled(), 0);
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});
