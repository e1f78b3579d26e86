/**
 * The coverage mask from the estimate functions' parts: each function of
 * pass 1 against frame 0 stores its frames' coverage, the orchestrator ANDs
 * the parts, and the job's mask is the one made from every frame's
 * correction at once (the orchestrator's own way, which it still takes for
 * other references). Real pool, folder store, Deno KV, the sample run; the
 * split invariance by hand on random motions.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { SAMPLE } from "../helpers/cli.ts";
import { register } from "../../orchestrator/register.ts";
import { jobKeys } from "../../orchestrator/stage.ts";
import { DEFAULT_OPTIONS, type JobOptions, type RunLayout } from "../../shared/job.ts";
import { andInto, coverageMask } from "../../shared/coverage_mask.ts";
import { fromRows12, identity4, invert4, type Mat4, mul4, spmMatrix } from "../../shared/rigid.ts";
import { mulberry32 } from "../../shared/estimate/prng.ts";
import { KvJobStore } from "../../infra/deno/kv_job_store.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";
import { WorkerPoolInvoker } from "../../infra/deno/worker_pool_invoker.ts";
import { zlibCompression } from "../../infra/deno/zlib_compression.ts";
import { resvgRasterizer } from "../../infra/deno/resvg_rasterizer.ts";
import { listAll } from "../../shared/ports/object_store.ts";
import { readNifti } from "../../shared/nifti/read.ts";

Deno.test("coverage: the AND of any split's masks is the mask of all frames", () => {
  const layout = {
    dims: [23, 19, 11, 40],
    affine: [3, 0, 0, -33, 0, 3, 0, -27, 0, 0, 4, -20, 0, 0, 0, 1],
  } as unknown as RunLayout;
  const r = mulberry32(4);
  const t = () => (2 * r() - 1);
  const corr: Mat4[] = Array.from(
    { length: 40 },
    (_, k) =>
      k === 0
        ? identity4()
        : spmMatrix([4 * t(), 4 * t(), 3 * t(), 0.06 * t(), 0.06 * t(), 0.06 * t()]),
  );
  const whole = coverageMask(layout, corr);
  assert(whole.some((v) => v === 0) && whole.some((v) => v === 1), "a mask with both values");
  for (const cuts of [[0, 20, 40], [0, 1, 13, 14, 40], [0, 39, 40]]) {
    const and = coverageMask(layout, corr.slice(cuts[0], cuts[1]));
    for (let c = 1; c + 1 < cuts.length; c++) {
      andInto(and, coverageMask(layout, corr.slice(cuts[c], cuts[c + 1])));
    }
    assertEquals(and, whole, `split ${cuts}`);
  }
});

async function job(options: JobOptions, dropPart = false) {
  const dir = await Deno.makeTempDir({ prefix: "realign-coverage-" });
  const kvPath = `${dir}/jobs.sqlite`;
  const jobs = await KvJobStore.open(kvPath);
  const objects = new LocalFolderStore(`${dir}/objects`);
  const pool = new WorkerPoolInvoker(3, { storeDir: `${dir}/objects`, kvPath });
  const slash = SAMPLE.lastIndexOf("/");
  const input = {
    name: "run_bold.nii.gz",
    store: new LocalFolderStore(SAMPLE.slice(0, slash)),
    key: SAMPLE.slice(slash + 1),
  };
  const ports = {
    objects,
    jobs,
    invoker: pool,
    compression: zlibCompression,
    rasterizer: resvgRasterizer,
  };
  try {
    const outputs = new LocalFolderStore(`${dir}/out`);
    let s = await register({ input, options, outputs }, ports);
    const keys = jobKeys(s.job);
    const parts = (await listAll(objects, `${keys.base}/coverage/`)).map((o) => o.key);
    if (dropPart) {
      // a part lost (as from a job resumed across versions): the mask is made from all frames
      await objects.delete(parts[0]!);
      await jobs.putJob({ ...(await jobs.getJob(s.job))!, state: "running", phase: "reslice" });
      await objects.delete(keys.mask);
      s = await register({ input, options, outputs }, ports);
    }
    const record = (await jobs.getJob(s.job))!;
    const nt = record.frames!;
    const params = await jobs.getParams(s.job, 1, 0, nt);
    const mask = await objects.get(keys.mask);
    // the orchestrator's own way: every frame's correction relative to the first
    const m = params.map((p) => fromRows12(p!.m));
    const toFirst = invert4(m[0]!);
    const corrections = m.map((c, t) => (t === 0 ? identity4() : mul4(toFirst, c)));
    return { parts, mask: mask!, corrections };
  } finally {
    await pool.close();
    jobs.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a job's mask: the estimate functions' parts ANDed, the same as from every frame at once", async () => {
  const { parts, mask, corrections } = await job(DEFAULT_OPTIONS);
  assertEquals(parts.length, 3, "one part per estimate range");
  const img = await readNifti(await Deno.readFile(SAMPLE), SAMPLE);
  const layout = { dims: img.header.dims.slice(1, 5), affine: img.affine } as unknown as RunLayout;
  assertEquals(mask, coverageMask(layout, corrections));
  // a reference other than frame 0: no parts, the orchestrator makes the mask
  const other = await job({ ...DEFAULT_OPTIONS, ref: 3 });
  assertEquals(other.parts.length, 0);
  assertEquals(other.mask, coverageMask(layout, other.corrections));
  // a part missing when reslicing: the orchestrator makes the mask itself, the same
  const lost = await job(DEFAULT_OPTIONS, true);
  assertEquals(lost.mask, mask);
});
