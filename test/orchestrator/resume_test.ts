/**
 * A job interrupted by a crashed function is marked failed with the range and
 * the cause; registering again resumes it: finished ranges are not recomputed.
 * The crash is a fake (FailingInvoker, failing reslice tasks), named as such;
 * everything else is real (folder store, Deno KV, Web Worker pool).
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { SAMPLE } from "../helpers/cli.ts";
import { JobFailed, register } from "../../orchestrator/register.ts";
import { DEFAULT_OPTIONS } from "../../shared/job.ts";
import { FailingInvoker } from "../helpers/failing_invoker.ts";
import { KvJobStore } from "../../infra/deno/kv_job_store.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";
import { WorkerPoolInvoker } from "../../infra/deno/worker_pool_invoker.ts";
import { zlibCompression } from "../../infra/deno/zlib_compression.ts";
import { resvgRasterizer } from "../../infra/deno/resvg_rasterizer.ts";

Deno.test("a failed job records the range and cause, and resumes without redoing finished ranges", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-resume-" });
  const kvPath = `${dir}/jobs.sqlite`;
  const jobs = await KvJobStore.open(kvPath);
  const objects = new LocalFolderStore(`${dir}/objects`);
  const outputs = new LocalFolderStore(`${dir}/out`);
  const pool = new WorkerPoolInvoker(2, { storeDir: `${dir}/objects`, kvPath });
  const slash = SAMPLE.lastIndexOf("/");
  const input = {
    name: "run_bold.nii.gz",
    store: new LocalFolderStore(SAMPLE.slice(0, slash)),
    key: SAMPLE.slice(slash + 1),
    durable: true,
  };
  try {
    const crashing = new FailingInvoker(pool, "reslice");
    let failed: JobFailed | null = null;
    try {
      await register({ input, options: DEFAULT_OPTIONS, outputs }, {
        objects,
        jobs,
        invoker: crashing,
        compression: zlibCompression,
        rasterizer: resvgRasterizer,
      });
    } catch (e) {
      if (e instanceof JobFailed) failed = e;
      else throw e;
    }
    assert(failed !== null, "the job fails");
    assertEquals(failed.record.state, "failed");
    assertEquals(failed.record.input.key, input.key, "the input's key is recorded");
    assertEquals(failed.record.error?.kind, "internal");
    assert(/function crashed/.test(failed.record.error?.message ?? ""), "cause recorded");
    assert(/^\d+-\d+$/.test(failed.record.error?.range ?? ""), "range recorded");
    assertEquals((await jobs.getJob(failed.record.id))?.state, "failed");
    assertEquals((await outputs.list("")).objects.length, 0, "no outputs from a failed job");
    // each reslice range was tried 3 times (retries with backoff)
    const tries = crashing.calls.filter((c) => c.startsWith("reslice"));
    assertEquals(tries.length, 3 * 2);

    const healthy = new FailingInvoker(pool, null);
    const summary = await register({ input, options: DEFAULT_OPTIONS, outputs }, {
      objects,
      jobs,
      invoker: healthy,
      compression: zlibCompression,
      rasterizer: resvgRasterizer,
    });
    assertEquals(summary.job, failed.record.id);
    assertEquals(summary.reused, false);
    assert(
      !healthy.calls.some((c) => c.startsWith("estimate")),
      `estimation not redone: ${healthy.calls}`,
    );
    assertEquals(healthy.calls.filter((c) => c.startsWith("reslice")).length, 2);
    assertEquals((await jobs.getJob(summary.job))?.state, "done");
    assertEquals((await jobs.getJob(summary.job))?.error, undefined);
    assertEquals((await outputs.list("")).objects.length, 8);
  } finally {
    await pool.close();
    jobs.close();
  }
});
