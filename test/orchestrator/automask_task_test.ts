/**
 * The target's brain mask is made by an automask function while the input is
 * read (beside the early model's prepare function, under its prefix, gone
 * with it): one such task per job with two or more functions (none with one:
 * the orchestrator makes it), and the same mask the orchestrator makes when
 * that function fails (a fake: FailingInvoker, failing automask tasks;
 * everything else real: folder store, Deno KV, Web Worker pool).
 * The job's outputs are the same bytes either way.
 */
import { assertEquals } from "../helpers/assert.ts";
import { SAMPLE } from "../helpers/cli.ts";
import { register } from "../../orchestrator/register.ts";
import { jobKeys } from "../../orchestrator/stage.ts";
import { DEFAULT_OPTIONS } from "../../shared/job.ts";
import { FailingInvoker } from "../helpers/failing_invoker.ts";
import { automask } from "../../shared/report/automask.ts";
import { listAll } from "../../shared/ports/object_store.ts";
import { KvJobStore } from "../../infra/deno/kv_job_store.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";
import { WorkerPoolInvoker } from "../../infra/deno/worker_pool_invoker.ts";
import { zlibCompression } from "../../infra/deno/zlib_compression.ts";
import { resvgRasterizer } from "../../infra/deno/resvg_rasterizer.ts";

async function run(fail: boolean, workers = 2) {
  const dir = await Deno.makeTempDir({ prefix: "realign-automask-job-" });
  const kvPath = `${dir}/jobs.sqlite`;
  const jobs = await KvJobStore.open(kvPath);
  const objects = new LocalFolderStore(`${dir}/objects`);
  const outputs = new LocalFolderStore(`${dir}/out`);
  const pool = new WorkerPoolInvoker(workers, { storeDir: `${dir}/objects`, kvPath });
  const invoker = new FailingInvoker(pool, fail ? "automask" : null);
  const slash = SAMPLE.lastIndexOf("/");
  const input = {
    name: "run_bold.nii.gz",
    store: new LocalFolderStore(SAMPLE.slice(0, slash)),
    key: SAMPLE.slice(slash + 1),
  };
  try {
    const summary = await register({ input, options: DEFAULT_OPTIONS, outputs }, {
      objects,
      jobs,
      invoker,
      compression: zlibCompression,
      rasterizer: resvgRasterizer,
    });
    const keys = jobKeys(summary.job);
    const ref = await objects.get(keys.ref(1));
    const brain = await objects.get(keys.brain); // the mask ANDed with the coverage
    const left = (await listAll(objects, "models/")).length;
    const tsv = await outputs.get(summary.outputs.motion!.split("/").pop()!);
    const image = await outputs.get(summary.outputs.realigned!.split("/").pop()!);
    return { calls: invoker.calls, ref: ref!, brain: brain!, left, tsv, image };
  } finally {
    await pool.close();
    jobs.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the target's brain mask comes from one automask function, or the orchestrator if it fails", async () => {
  const viaFunction = await run(false);
  assertEquals(viaFunction.calls.filter((c) => c.startsWith("automask:")).length, 1);
  // the workers are warmed once, after the early model's two tasks and before the job's
  assertEquals(
    viaFunction.calls.slice(0, 3).sort(),
    ["automask:0-0", "prepare:0-0", "warm"].sort(),
  );
  assertEquals(viaFunction.calls[2], "warm", `order: ${viaFunction.calls}`);
  assertEquals(viaFunction.calls.filter((c) => c === "warm").length, 1);
  assertEquals(viaFunction.left, 0, "the mask, stored with the early model, is gone with it");
  const fallback = await run(true);
  assertEquals(fallback.calls.filter((c) => c.startsWith("automask:")).length, 1);
  // the orchestrator's own mask, from the reference: the same brain voxels
  const reference = new Float32Array(fallback.ref.slice().buffer);
  const own = automask(reference, [17, 21, 3]);
  assertEquals(fallback.brain.every((b, i) => b <= own[i]!), true, "within the automask");
  assertEquals(fallback.brain, viaFunction.brain);
  assertEquals(fallback.tsv, viaFunction.tsv, "the motion table (its DVARS uses the mask)");
  assertEquals(fallback.image, viaFunction.image);
  // with one function the orchestrator makes the mask while it estimates: no automask task
  const single = await run(false, 1);
  assertEquals(single.calls.filter((c) => c.startsWith("automask:")).length, 0);
  assertEquals(single.brain, viaFunction.brain);
  assertEquals(single.tsv, viaFunction.tsv);
});
