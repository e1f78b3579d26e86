/**
 * The job service on Workers, behind the runtime-neutral HTTP API
 * (`orchestrator/http_api.ts`), the inbox queue and the cron trigger. Same
 * rules as `JobService` (`orchestrator/job_service.ts`) — the id from the
 * input's hash and the options, dedupe on that id, `landed` reuses a job of
 * the same bytes at the same key, reprocess old-version / internally failed /
 * output-less jobs, the same status shape — but a job does not run in the
 * process that submitted it: it runs in its own `JobObject` (started by an
 * alarm, see `job_object.ts`), so a request or a cron event only hands it over.
 *
 * @module
 */
import { InputError } from "../../shared/errors.ts";
import {
  DEFAULT_OPTIONS,
  type JobOptions,
  type JobRecord,
  PIPELINE_VERSION,
} from "../../shared/job.ts";
import { jobId } from "../../orchestrator/job_id.ts";
import type { JobApi } from "../../orchestrator/http_api.ts";
import {
  inputKeyOf,
  inputNameOf,
  type JobStatus,
  jobStatus,
  outputsPresent,
  type ReprocessReport,
  type Submitted,
} from "../../orchestrator/job_service.ts";
import { isGzipName } from "../../orchestrator/output_names.ts";
import { DoJobStore, INDEX_NAME } from "./do_job_store.ts";
import type { JobRequest } from "./job_object.ts";

/** Hex SHA-256 and size of an R2 object, streamed (the bytes are never held whole). */
async function hashObject(
  bucket: R2Bucket,
  key: string,
): Promise<{ hash: string; size: number; etag: string }> {
  const obj = await bucket.get(key);
  if (!obj) throw new InputError(inputNameOf(key), "no such object in the bucket");
  const digest = new crypto.DigestStream("SHA-256");
  await obj.body.pipeTo(digest);
  const hash = Array.from(
    new Uint8Array(await digest.digest),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  return { hash, size: obj.size, etag: obj.etag };
}

export class DurableJobService implements JobApi {
  readonly #env: Env;
  readonly #jobs: DoJobStore;

  constructor(env: Env) {
    this.#env = env;
    this.#jobs = new DoJobStore(env);
  }

  /** Start (or find) the job for the object at `key` with checked options. */
  async submit(key: string, options: JobOptions, rerun = false): Promise<Submitted> {
    const { hash, size, etag } = await hashObject(this.#env.BUCKET, key);
    const resolved = { ...options, compress: options.compress ?? isGzipName(inputNameOf(key)) };
    const id = await jobId(hash, resolved);
    return await this.#start({ id, inputKey: key, options: resolved, hash, size, etag }, rerun);
  }

  /** An object landed in the inbox: its job with the default options, unless one exists. */
  async landed(key: string): Promise<Submitted> {
    const { hash } = await hashObject(this.#env.BUCKET, key);
    const known = (await this.#jobs.listJobs()).find((r) =>
      r.input.hash === hash && inputKeyOf(r) === key && r.version === PIPELINE_VERSION
    );
    if (known) return { job: known.id, started: false };
    return await this.submit(key, DEFAULT_OPTIONS);
  }

  async status(id: string): Promise<JobStatus | null> {
    // only known ids reach a job object (asking an unknown one would create it)
    const ns = this.#env.JOB_INDEX;
    if (!/^[0-9a-f]{20}$/.test(id) || !(await ns.get(ns.idFromName(INDEX_NAME)).has(id))) {
      return null;
    }
    const r = await this.#jobs.getJob(id);
    return r ? await jobStatus(r, this.#jobs) : null;
  }

  async list(): Promise<JobStatus[]> {
    const records = await this.#jobs.listJobs();
    records.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    return await Promise.all(records.map((r) => jobStatus(r, this.#jobs)));
  }

  /** The cron pass: the rules of `JobService.reprocess`, each job handed to its object. */
  async reprocess(): Promise<ReprocessReport> {
    const report: ReprocessReport = { rerun: [], started: [], skipped: [], errors: [] };
    for (const r of await this.#jobs.listJobs()) {
      try {
        const key = inputKeyOf(r);
        let sub: Submitted | null = null;
        if (key === null) sub = null; // no input key: nothing to re-run it from
        else if (r.version !== PIPELINE_VERSION) sub = await this.submit(key, r.options);
        else if (r.state === "failed" && r.error?.kind !== "input") sub = await this.#again(r);
        else if (r.state === "done" && !(await outputsPresent(r, this.#env.BUCKET))) {
          sub = await this.#again(r, true);
        }
        if (sub) (sub.started ? report.rerun : report.skipped).push(sub.job);
        else report.skipped.push(r.id);
      } catch (e) {
        report.errors.push({ job: r.id, message: e instanceof Error ? e.message : String(e) });
      }
    }
    return report;
  }

  /** Restart a current job from its own record. */
  #again(r: JobRecord, rerun = false): Promise<Submitted> {
    const inputKey = inputKeyOf(r);
    if (inputKey === null) throw new Error(`Cannot re-run job ${r.id}: its record names no input`);
    const req = {
      id: r.id,
      inputKey,
      options: r.options,
      hash: r.input.hash,
      size: r.input.size,
    };
    return this.#start(req, rerun);
  }

  async #start(req: JobRequest, rerun: boolean): Promise<Submitted> {
    const ns = this.#env.JOB_INDEX;
    await ns.get(ns.idFromName(INDEX_NAME)).add(req.id);
    const { started } = await this.#jobs.shard(req.id).start(req, rerun);
    return { job: req.id, started };
  }
}
