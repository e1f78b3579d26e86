/**
 * StagedCopy on a real folder store: the bytes written arrive under the
 * job's key and the temporary object is gone; when the job has its staged
 * copy already, that one is kept and the new one dropped; a copy abandoned
 * mid-write or after it was stored leaves nothing; a store that cannot move
 * objects gets no copy (staging then reads the input again). A whole job on
 * the folder store leaves no `staging/` object and a staged copy equal to
 * the one the two-pass staging writes (the same store without `move`).
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { SAMPLE } from "../helpers/cli.ts";
import { StagedCopy } from "../../orchestrator/staged_copy.ts";
import { register } from "../../orchestrator/register.ts";
import { jobKeys } from "../../orchestrator/stage.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";
import { KvJobStore } from "../../infra/deno/kv_job_store.ts";
import { WorkerPoolInvoker } from "../../infra/deno/worker_pool_invoker.ts";
import { zlibCompression } from "../../infra/deno/zlib_compression.ts";
import { resvgRasterizer } from "../../infra/deno/resvg_rasterizer.ts";
import { DEFAULT_OPTIONS } from "../../shared/job.ts";
import { listAll, type ObjectStore } from "../../shared/ports/object_store.ts";

/** Every file under `dir` (temporary ones too), relative to it. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(rel ? `${dir}/${rel}` : dir)) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) walk(p);
      else out.push(p);
    }
  };
  walk("");
  return out.sort();
}

const bytes = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * seed) % 251);

/** The folder store without `move`, as R2 and S3 are. */
function withoutMove(store: LocalFolderStore): ObjectStore {
  return {
    get: (k, r) => store.get(k, r),
    getStream: (k) => store.getStream(k),
    head: (k) => store.head(k),
    put: (k, b) => store.put(k, b),
    list: (p, c) => store.list(p, c),
    delete: (k) => store.delete(k),
  };
}

Deno.test("StagedCopy: placed under the job's key, or dropped when the job has one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-staged-copy-" });
  try {
    const store = new LocalFolderStore(dir);
    const a = StagedCopy.start(store)!;
    await a.write(bytes(100, 3));
    await a.write(bytes(70000, 7));
    await a.finish();
    await a.place("jobs/j/staged.nii");
    const want = new Uint8Array([...bytes(100, 3), ...bytes(70000, 7)]);
    assertEquals(await store.get("jobs/j/staged.nii"), want);
    assertEquals(files(dir), ["jobs/j/staged.nii"]);

    const b = StagedCopy.start(store)!;
    await b.write(bytes(5, 11));
    await b.finish();
    await b.place("jobs/j/staged.nii"); // the job has its copy: this one goes
    assertEquals(await store.get("jobs/j/staged.nii"), want);
    assertEquals(files(dir), ["jobs/j/staged.nii"]);

    const c = StagedCopy.start(store)!;
    await c.write(bytes(300000, 5));
    await c.discard(new Error("bad input")); // mid-write
    const d = StagedCopy.start(store)!;
    await d.write(bytes(10, 5));
    await d.finish();
    await d.discard(new Error("bad weight image")); // stored, not placed
    assertEquals(files(dir), ["jobs/j/staged.nii"]);

    assertEquals(StagedCopy.start(withoutMove(store)), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a job on the folder store stages in one pass: the two-pass copy's bytes, nothing left over", async () => {
  const staged: Uint8Array[] = [];
  for (const oneStore of [true, false]) {
    const dir = await Deno.makeTempDir({ prefix: "realign-one-pass-" });
    const kvPath = `${dir}/jobs.sqlite`;
    const jobs = await KvJobStore.open(kvPath);
    const folder = new LocalFolderStore(`${dir}/objects`);
    const pool = new WorkerPoolInvoker(2, { storeDir: `${dir}/objects`, kvPath });
    const slash = SAMPLE.lastIndexOf("/");
    let reads = 0; // streams of the input opened
    class CountingInput extends LocalFolderStore {
      override getStream(key: string) {
        reads++;
        return super.getStream(key);
      }
    }
    const input = {
      name: "run_bold.nii.gz",
      store: new CountingInput(SAMPLE.slice(0, slash)),
      key: SAMPLE.slice(slash + 1),
    };
    try {
      const summary = await register({
        input,
        options: DEFAULT_OPTIONS,
        outputs: new LocalFolderStore(`${dir}/out`),
      }, {
        objects: oneStore ? folder : withoutMove(folder),
        jobs,
        invoker: pool,
        compression: zlibCompression,
        rasterizer: resvgRasterizer,
      });
      assertEquals(reads, oneStore ? 1 : 2, "the input is read once where the store can move");
      staged.push((await folder.get(jobKeys(summary.job).staged))!);
      assertEquals((await listAll(folder, "staging/")).length, 0, "no staging object left");
      assert(
        !files(`${dir}/objects`).some((f) => f.endsWith(".part")),
        "no temporary file",
      );
    } finally {
      await pool.close();
      jobs.close();
      await Deno.remove(dir, { recursive: true });
    }
  }
  assert(staged[0]!.length > 352, "a staged copy");
  assertEquals(staged[0], staged[1]);
});
