/**
 * The Web Worker pool of a one-job process ends its idle workers when the
 * job's fan-outs are over (so gather does not carry their memory), and
 * starts them again when more tasks come; a shared pool keeps them.
 * Real pool, folder store, Deno KV and the sample run.
 */
import { assertEquals } from "../helpers/assert.ts";
import { SAMPLE } from "../helpers/cli.ts";
import { register } from "../../orchestrator/register.ts";
import { DEFAULT_OPTIONS } from "../../shared/job.ts";
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
