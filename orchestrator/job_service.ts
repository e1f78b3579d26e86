/**
 * Jobs behind the triggers (HTTP, a watched folder, bucket events, the
 * schedule): start or find the job for a stored input, run it in the
 * background, resume jobs a killed process left unfinished, reprocess failed
 * and old-version jobs, and report a job's state. Runtime-neutral: it takes
 * everything through ports.
 *
 * Dedupe: a job's id comes from the input's bytes and the options, and a job
 * starts only when `JobStore.createJob` creates its record, so two uploads of
 * the same run at once give one job. A job runs at most once at a time in a
 * process; two processes sharing a store should not both resume jobs.
 *
 * @module
 */
import { InputError, isInputError } from "../shared/errors.ts";
import {
  DEFAULT_OPTIONS,
  type JobOptions,
  type JobRecord,
  type OutputKind,
  type Phase,
  PIPELINE_VERSION,
} from "../shared/job.ts";
import type { JobStore } from "../shared/ports/job_store.ts";
import { listAll, type ObjectStore } from "../shared/ports/object_store.ts";
import { jobId, sha256Hex } from "./job_id.ts";
import { isGzipName } from "./output_names.ts";
import { JobFailed, type OrchestratorPorts, register } from "./register.ts";

/** Where inputs land in the bucket. */
export const INBOX = "inbox/";

/** Where a job's outputs go in the bucket. */
export function outputPrefix(id: string): string {
  return `outputs/${id}/`;
}

/** The input's name for messages and the output stem: the key without `inbox/`. */
export function inputNameOf(key: string): string {
  return key.startsWith(INBOX) ? key.slice(INBOX.length) : key;
}

/** A job record that also names the input's object key (until JobRecord carries it). */
type KeyedRecord = JobRecord & { input: JobRecord["input"] & { key?: string } };

/**
 * The bucket key a job's input was read from; `null` for a job this service
 * did not start (e.g. a CLI run sharing the store), which it leaves alone.
 */
export function inputKeyOf(record: JobRecord): string | null {
  return (record as KeyedRecord).input.key ?? null;
}

/** What `GET /v1/jobs/<id>` answers. */
export interface JobStatus {
  id: string;
  state: JobRecord["state"];
  progress: { phase: Phase | "queued"; done: number; total: number };
  outputs: Partial<Record<OutputKind, string>>;
  error?: JobRecord["error"];
  input: { key: string | null; name: string; size: number };
  version: string;
  created: string;
  updated: string;
}

export interface JobServiceDeps {
  /** Ports for the orchestrator; `objects` holds job data (under `jobs/<id>/`). */
  ports: OrchestratorPorts;
  /** The bucket: inputs under `inbox/`, outputs under `outputs/<id>/`. */
  bucket: ObjectStore;
  /** Keep a background job alive (Workers' `ctx.waitUntil`); Deno needs nothing. */
  background?: (p: Promise<unknown>) => void;
  maxSlabBytes?: number;
  /** Jobs this process runs at once (default 2); more wait as "queued". */
  maxJobs?: number;
  log?: (line: string) => void;
}

/** Outcome of {@link JobService.submit}: the job's id and whether this call started it. */
export interface Submitted {
  job: string;
  started: boolean;
}

/** What one {@link JobService.reprocess} pass did, by job id. */
export interface ReprocessReport {
  /** Jobs run again (resumed, or under the current pipeline version). */
  rerun: string[];
  /** Jobs started for inputs in `inbox/` that had none. */
  started: string[];
  skipped: string[];
  errors: { job: string; message: string }[];
}

/**
 * Register a stored input. The one piece of glue between a job record and
 * `register()`: it reads the input's bytes back from the bucket. When
 * `register()` takes `{name, store, key}`, only this function changes.
 */
async function registerStoredInput(
  record: JobRecord,
  deps: JobServiceDeps,
): Promise<string> {
  const key = inputKeyOf(record);
  if (key === null) throw new Error(`Cannot run job ${record.id}: its record names no input key`);
  const name = inputNameOf(key);
  const bytes = await deps.bucket.get(key);
  if (!bytes) throw new InputError(name, "no such object in the bucket");
  if (await sha256Hex(bytes) !== record.input.hash) {
    throw new InputError(
      name,
      "was replaced in the bucket after the job started (a new upload starts a new job)",
    );
  }
  const summary = await register({
    input: { name, store: deps.bucket, key, durable: true },
    options: record.options,
    outputs: deps.bucket,
    outputPrefix: outputPrefix(record.id),
    ...(deps.maxSlabBytes ? { maxSlabBytes: deps.maxSlabBytes } : {}),
  }, deps.ports);
  return summary.job;
}

/** Whether every output a finished job recorded is still in the bucket. */
export async function outputsPresent(
  r: JobRecord,
  bucket: { head(key: string): Promise<unknown> },
): Promise<boolean> {
  const keys = Object.values(r.outputs ?? {});
  if (keys.length === 0) return false;
  const heads = await Promise.all(keys.map((k) => bucket.head(k)));
  return heads.every((h) => h !== null);
}

/** What `GET /v1/jobs/<id>` answers for a record: progress from the job's counter while it runs. */
export async function jobStatus(
  r: JobRecord,
  jobs: Pick<JobStore, "progress">,
): Promise<JobStatus> {
  const total = r.frames ?? r.ranges?.at(-1)?.end ?? 0;
  const phase = r.state === "queued" ? "queued" : r.phase ?? "stage";
  let done = 0;
  if (r.state === "done") done = total;
  else if (
    phase === "estimate" || phase === "estimate2" || phase === "mean" || phase === "reslice"
  ) {
    done = await jobs.progress(r.id, phase);
  }
  return {
    id: r.id,
    state: r.state,
    progress: { phase, done, total },
    outputs: r.outputs ?? {},
    ...(r.error ? { error: r.error } : {}),
    input: { key: inputKeyOf(r), name: r.input.name, size: r.input.size },
    version: r.version,
    created: r.created,
    updated: r.updated,
  };
}

export class JobService {
  readonly #deps: JobServiceDeps;
  readonly #active = new Map<string, Promise<void>>();
  readonly #waiting: { id: string; go: () => void }[] = [];
  #runningCount = 0;

  constructor(deps: JobServiceDeps) {
    this.#deps = deps;
  }

  /** Start (or find) the job for the object at `key` with checked options. */
  async submit(key: string, options: JobOptions): Promise<Submitted> {
    const { bucket, ports } = this.#deps;
    const name = inputNameOf(key);
    const bytes = await bucket.get(key);
    if (!bytes) throw new InputError(name, "no such object in the bucket");
    const resolved: JobOptions = { ...options, compress: options.compress ?? isGzipName(name) };
    const hash = await sha256Hex(bytes);
    const id = await jobId(hash, resolved);
    const now = new Date().toISOString();
    const record: KeyedRecord = {
      id,
      version: PIPELINE_VERSION,
      state: "queued",
      input: { name, size: bytes.length, hash, key },
      options: resolved,
      created: now,
      updated: now,
    };
    if (await ports.jobs.createJob(record)) {
      return { job: id, started: await this.#start(id) };
    }
    const existing = await ports.jobs.getJob(id);
    if (existing && inputKeyOf(existing) === null) {
      // a job a CLI run sharing the store made: adopt it, so its outputs land in the bucket
      await ports.jobs.putJob({ ...existing, input: { ...existing.input, key } } as KeyedRecord);
      return { job: id, started: await this.#start(id) };
    }
    if (existing?.state === "failed" && existing.error?.kind !== "input") {
      return { job: id, started: await this.#start(id) };
    }
    return { job: id, started: false };
  }

  /**
   * An object landed in the inbox (a watched folder, a bucket event): start a
   * job with the default options, unless a job for these bytes at this key
   * exists already (e.g. the upload came through `PUT /v1/inbox` with options).
   */
  async landed(key: string): Promise<Submitted> {
    const bytes = await this.#deps.bucket.get(key);
    if (!bytes) throw new InputError(inputNameOf(key), "no such object in the bucket");
    const hash = await sha256Hex(bytes);
    const known = (await this.#deps.ports.jobs.listJobs()).filter((r) =>
      r.input.hash === hash && inputKeyOf(r) === key && r.version === PIPELINE_VERSION
    );
    if (known.length > 0) return { job: known[0]!.id, started: false };
    return this.submit(key, DEFAULT_OPTIONS);
  }

  /** Run jobs left queued or running by a process that died; their ids. */
  async resumeUnfinished(): Promise<string[]> {
    const records = await this.#deps.ports.jobs.listJobs();
    const ids = records
      .filter((r) =>
        r.version === PIPELINE_VERSION && (r.state === "queued" || r.state === "running")
      )
      .map((r) => r.id);
    for (const id of ids) await this.#start(id);
    return ids;
  }

  /**
   * One reprocessing pass: a job made by another pipeline version is run again
   * with the current one (a new id), a job that failed for a reason other than
   * its input is resumed, a finished current job whose outputs went missing
   * is completed; a finished current job is left alone; an input in `inbox/`
   * without a job gets one. Unfinished jobs are {@link resumeUnfinished}'s.
   */
  async reprocess(): Promise<ReprocessReport> {
    const report: ReprocessReport = { rerun: [], started: [], skipped: [], errors: [] };
    const records = await this.#deps.ports.jobs.listJobs();
    for (const r of records) {
      const key = inputKeyOf(r);
      try {
        if (key === null) {
          report.skipped.push(r.id); // not started by this service (a CLI run)
        } else if (r.version !== PIPELINE_VERSION) {
          const sub = await this.submit(key, r.options);
          (sub.started ? report.rerun : report.skipped).push(sub.job);
        } else if (r.state === "failed" && r.error?.kind !== "input") {
          (await this.#start(r.id) ? report.rerun : report.skipped).push(r.id);
        } else if (r.state === "done" && !(await outputsPresent(r, this.#deps.bucket))) {
          (await this.#start(r.id) ? report.rerun : report.skipped).push(r.id);
        } else {
          report.skipped.push(r.id);
        }
      } catch (e) {
        report.errors.push({ job: r.id, message: e instanceof Error ? e.message : String(e) });
      }
    }
    for (const o of await listAll(this.#deps.bucket, INBOX)) {
      try {
        const sub = await this.landed(o.key);
        if (sub.started) report.started.push(sub.job);
      } catch (e) {
        report.errors.push({ job: o.key, message: e instanceof Error ? e.message : String(e) });
      }
    }
    return report;
  }

  /** Resolves when every job started by this service has finished. */
  async idle(): Promise<void> {
    while (this.#active.size > 0) await Promise.all(this.#active.values());
  }

  /** A job's state for the API; `null` when there is no such job. */
  async status(id: string): Promise<JobStatus | null> {
    const r = await this.#deps.ports.jobs.getJob(id);
    return r ? jobStatus(r, this.#deps.ports.jobs) : null;
  }

  /** Every job's state, newest first. */
  async list(): Promise<JobStatus[]> {
    const records = await this.#deps.ports.jobs.listJobs();
    records.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    return Promise.all(records.map((r) => jobStatus(r, this.#deps.ports.jobs)));
  }

  /**
   * Run job `id` in the background unless it runs already; resolves (true when
   * started) once its record says "queued", so a status read next sees it.
   */
  async #start(id: string): Promise<boolean> {
    if (this.#active.has(id)) return false;
    let marked: () => void = () => {};
    const queued = new Promise<void>((r) => (marked = r));
    const p = this.#run(id, marked)
      .catch((e) => this.#deps.log?.(`job ${id}: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => this.#active.delete(id));
    this.#active.set(id, p);
    this.#deps.background?.(p);
    await Promise.race([queued, p]);
    return true;
  }

  async #slot(id: string): Promise<void> {
    const max = this.#deps.maxJobs ?? 2;
    if (this.#runningCount < max) {
      this.#runningCount++;
      return;
    }
    await new Promise<void>((go) => this.#waiting.push({ id, go }));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next.go();
    else this.#runningCount--;
  }

  async #run(id: string, marked: () => void): Promise<void> {
    const { jobs } = this.#deps.ports;
    try {
      const first = await jobs.getJob(id);
      if (!first) return;
      if (first.state !== "queued") {
        await jobs.putJob({ ...first, state: "queued", updated: new Date().toISOString() });
      }
    } finally {
      marked();
    }
    await this.#slot(id);
    try {
      const record = (await jobs.getJob(id))!;
      const ran = await registerStoredInput(record, this.#deps);
      if (ran !== id) throw new Error(`Cannot run job ${id}: the input now gives job ${ran}`);
      this.#deps.log?.(`job ${id} done`);
    } catch (e) {
      if (e instanceof JobFailed) {
        this.#deps.log?.(`job ${id} failed: ${e.message}`);
        return;
      }
      // failed before register() kept a record of it (a bad file, a missing input)
      const message = e instanceof Error ? e.message : String(e);
      const now = await jobs.getJob(id);
      if (now) {
        await jobs.putJob({
          ...now,
          state: "failed",
          error: { message, kind: isInputError(e) ? "input" : "internal" },
          updated: new Date().toISOString(),
        });
      }
      this.#deps.log?.(`job ${id} failed: ${message}`);
    } finally {
      this.#release();
    }
  }
}
