/**
 * Deno KV job store on a real KV file: deleting a job removes its record and
 * every per-frame entry (more than one atomic batch of them), and leaves
 * another job's alone.
 */
import { assertEquals } from "../helpers/assert.ts";
import { KvJobStore } from "../../infra/deno/kv_job_store.ts";
import { DEFAULT_OPTIONS, type JobRecord, PIPELINE_VERSION } from "../../shared/job.ts";

function record(id: string): JobRecord {
  const now = new Date().toISOString();
  return {
    id,
    version: PIPELINE_VERSION,
    state: "running",
    input: { name: "run.nii", size: 1, hash: "0".repeat(64) },
    options: DEFAULT_OPTIONS,
    created: now,
    updated: now,
    phase: "estimate",
    frames: 130,
  };
}

Deno.test("deleteJob removes the record, parameters, progress and task results of that job only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "realign-kv-" });
  const jobs = await KvJobStore.open(`${dir}/jobs.sqlite`);
  try {
    const frames = Array.from({ length: 130 }, (_, t) => t);
    for (const id of ["a", "b"]) {
      await jobs.createJob(record(id));
      const entries = frames.map((frame) => ({
        frame,
        params: { m: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], scale: 1, iterations: 3 },
      }));
      await jobs.putParams(id, 1, entries);
      await jobs.framesDone(id, "estimate", frames);
      await jobs.putTaskResult(id, "estimate", {
        fn: "estimate",
        start: 0,
        end: 130,
        readMs: 0,
        computeMs: 1,
        writeMs: 0,
      });
    }
    await jobs.deleteJob("a");
    assertEquals(await jobs.getJob("a"), null);
    assertEquals((await jobs.getParams("a", 1, 0, 130)).filter((p) => p !== null).length, 0);
    assertEquals(await jobs.progress("a", "estimate"), 0);
    assertEquals((await jobs.getTaskResults("a", "estimate")).size, 0);
    // the other job is whole
    assertEquals((await jobs.getJob("b"))?.id, "b");
    assertEquals((await jobs.getParams("b", 1, 0, 130)).filter((p) => p !== null).length, 130);
    assertEquals(await jobs.progress("b", "estimate"), 130);
    assertEquals((await jobs.getTaskResults("b", "estimate")).size, 1);
  } finally {
    jobs.close();
  }
});
