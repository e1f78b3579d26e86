/**
 * The scheduled (cron) handler: reprocess every job whose outputs are
 * missing, that failed for an internal reason, or that an older pipeline
 * version made. A job that failed because of its input is left alone (the
 * same input fails the same way); a job queued or running is left to its
 * own watchdog alarm; a finished job of this version with all its outputs
 * is not touched.
 *
 * An older version's job has an older id (the version is hashed into it), so
 * reprocessing it means starting the current id's job from the record's input
 * hash and options — unless that job already exists.
 *
 * @module
 */
import { type JobRecord, PIPELINE_VERSION } from "../../shared/job.ts";
import { jobId } from "../../orchestrator/job_id.ts";
import { DoJobStore } from "./do_job_store.ts";
import { startJob } from "./job_service.ts";

/** Why a job is reprocessed, or `null` to leave it. */
export type Reason = "old-version" | "failed" | "outputs-missing" | null;

/** The decision for one record; `outputsPresent` is asked only for finished current jobs. */
export async function reprocessReason(
  rec: JobRecord,
  outputsPresent: () => Promise<boolean>,
): Promise<Reason> {
  if (rec.version !== PIPELINE_VERSION) return "old-version";
  if (rec.state === "failed") {
    return rec.error?.kind === "input" ? null : "failed";
  }
  if (rec.state === "done") {
    return (await outputsPresent()) ? null : "outputs-missing";
  }
  return null;
}

/** One line per job acted on, for the log and the tests. */
export interface Reprocessed {
  job: string;
  reason: Exclude<Reason, null>;
  /** The job started (the same id, or the current version's id for an old job). */
  started: string;
}

/** Look at every job and restart those {@link reprocessReason} picks. */
export async function reprocessJobs(env: Env): Promise<Reprocessed[]> {
  const jobs = new DoJobStore(env);
  const out: Reprocessed[] = [];
  for (const rec of await jobs.listJobs()) {
    const reason = await reprocessReason(rec, async () => {
      const keys = Object.values(rec.outputs ?? {});
      const heads = await Promise.all(keys.map((k) => env.BUCKET.head(k)));
      return keys.length > 0 && heads.every((h) => h !== null);
    });
    if (reason === null) continue;
    if (!(await env.BUCKET.head(rec.input.name))) {
      console.warn(
        `realign: cannot reprocess ${rec.id}: input ${rec.input.name} is gone`,
      );
      continue;
    }
    const id = reason === "old-version" ? await jobId(rec.input.hash, rec.options) : rec.id;
    if (id !== rec.id) {
      const existing = await jobs.getJob(id);
      if (existing && existing.state !== "failed") continue; // already redone
    }
    await startJob(
      env,
      {
        id,
        inputKey: rec.input.name,
        options: rec.options,
        hash: rec.input.hash,
        size: rec.input.size,
      },
      reason === "outputs-missing",
    );
    out.push({ job: rec.id, reason, started: id });
  }
  return out;
}
