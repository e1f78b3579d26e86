/**
 * `JobObject`: the Durable Object of one job (named by the job id). It is the
 * job's {@link JobStore} shard — the record, per-frame parameters, the
 * "frames done" set behind the progress counter, task results and task
 * errors, all in the object's own SQLite, so every read sees every earlier
 * write (a barrier and a counter, unlike Workers KV) — and it runs the job.
 *
 * Orchestration: `start()` stores the request and sets an alarm; `alarm()`
 * runs `register()` (a linear async flow that awaits each fan-out by polling
 * this object's task results, see `queue_invoker.ts`). Before it starts, the
 * alarm re-arms itself `WATCHDOG_SECONDS` ahead (a var; default
 * {@link WATCHDOG_MS}). When that alarm fires and the run is gone (the isolate
 * was evicted) or stored nothing for a whole interval (its invocation was cut
 * off at an alarm's wall-time limit), it re-enters `register()`, which resumes:
 * finished ranges are skipped, parameters and slabs already stored are kept.
 * A finished run deletes the watchdog.
 *
 * Memory: `register()` streams the input from R2 (twice: to hash and validate
 * it, then to stage it) and the outputs back to R2, so this object holds a few
 * frames at a time, not the run.
 *
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { InputError, isInputError } from "../../shared/errors.ts";
import {
  estimatePhase,
  type FrameParams,
  type JobOptions,
  type JobRecord,
  type JobState,
  type Phase,
  PIPELINE_VERSION,
  type TaskResult,
} from "../../shared/job.ts";
import type { FrameEntry } from "../../shared/ports/job_store.ts";
import { JobFailed, register } from "../../orchestrator/register.ts";
import { inputNameOf, outputPrefix } from "../../orchestrator/job_service.ts";
import { zlibCompression } from "../deno/zlib_compression.ts";
import { DoJobStore } from "./do_job_store.ts";
import { QueueInvoker } from "./queue_invoker.ts";
import { R2ObjectStore } from "./r2_object_store.ts";
import { workersRasterizer } from "./resvg_rasterizer.ts";

/** Delay before the watchdog alarm re-enters an evicted run, unless `WATCHDOG_SECONDS` says. */
export const WATCHDOG_MS = 5 * 60 * 1000;

function watchdogMs(env: Env): number {
  const s = Number(env.WATCHDOG_SECONDS);
  return Number.isFinite(s) && s > 0 ? s * 1000 : WATCHDOG_MS;
}
/** Largest slab a function holds on Workers (an isolate has 128 MB). */
export const WORKERS_MAX_SLAB_BYTES = 32 * 1024 * 1024;
/** Slab tasks in flight per job (the range plan has at least this many ranges). */
export const WORKERS_CONCURRENCY = 8;

/** What a job runs on: set by `start()`, read by every (re-)entry of the alarm. */
export interface JobRequest {
  id: string;
  /** Object key of the input, e.g. `inbox/sub-01_bold.nii.gz`. */
  inputKey: string;
  /** Options as given; `compress: null` follows the input name. */
  options: JobOptions;
  hash: string;
  size: number;
  /** The input object's R2 etag when the job was submitted (a changed object is refused). */
  etag?: string;
  /** Recompute from scratch (a job record of an older pipeline version under this id). */
  force?: boolean;
}

/** A task's failure as the consumer recorded it; `final` when no retry will follow. */
export interface TaskError {
  name: string;
  message: string;
  final: boolean;
  attempts: number;
}

/** Result, final error, or nothing yet, of one task. */
export type TaskOutcome =
  | { result: TaskResult }
  | { error: TaskError }
  | null;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS job (k INTEGER PRIMARY KEY CHECK (k = 0), record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS request (k INTEGER PRIMARY KEY CHECK (k = 0), body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS params (pass INTEGER, frame INTEGER, value TEXT NOT NULL,
  PRIMARY KEY (pass, frame));
CREATE TABLE IF NOT EXISTS done (phase TEXT, frame INTEGER, PRIMARY KEY (phase, frame));
CREATE TABLE IF NOT EXISTS task (phase TEXT, range TEXT, value TEXT NOT NULL,
  PRIMARY KEY (phase, range));
CREATE TABLE IF NOT EXISTS task_error (phase TEXT, range TEXT, value TEXT NOT NULL,
  PRIMARY KEY (phase, range));
`;

export class JobObject extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  /** The run this isolate is executing (a counter), `null` when none. */
  #live: number | null = null;
  #runs = 0;
  /** Progress mark at the last watchdog alarm. */
  #seen = "";

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(SCHEMA);
  }

  // ---- the JobStore shard (synchronous SQL: each method is atomic) ----

  getJob(): JobRecord | null {
    const row = this.#sql.exec<{ record: string }>("SELECT record FROM job").toArray()[0];
    return row ? JSON.parse(row.record) as JobRecord : null;
  }

  createJob(record: JobRecord): boolean {
    if (this.getJob()) return false;
    this.putJob(record);
    return true;
  }

  putJob(record: JobRecord): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO job (k, record) VALUES (0, ?)",
      JSON.stringify(record),
    );
  }

  /** Remove the record and everything under it; the stored request stays. */
  deleteJob(): void {
    for (const t of ["job", "params", "done", "task", "task_error"]) {
      this.#sql.exec(`DELETE FROM ${t}`);
    }
  }

  putParams(pass: number, entries: FrameEntry[]): void {
    for (const e of entries) {
      this.#sql.exec(
        "INSERT OR REPLACE INTO params (pass, frame, value) VALUES (?, ?, ?)",
        pass,
        e.frame,
        JSON.stringify(e.params),
      );
    }
    this.framesDone(estimatePhase(pass), entries.map((e) => e.frame));
  }

  getParams(pass: number, start: number, end: number): (FrameParams | null)[] {
    const out: (FrameParams | null)[] = new Array(end - start).fill(null);
    const rows = this.#sql.exec<{ frame: number; value: string }>(
      "SELECT frame, value FROM params WHERE pass = ? AND frame >= ? AND frame < ?",
      pass,
      start,
      end,
    );
    for (const r of rows) {
      out[r.frame - start] = JSON.parse(r.value) as FrameParams;
    }
    return out;
  }

  /** Each frame counts once per phase (primary key), however often it is delivered. */
  framesDone(phase: Phase, frames: number[]): void {
    for (const f of frames) {
      this.#sql.exec(
        "INSERT OR IGNORE INTO done (phase, frame) VALUES (?, ?)",
        phase,
        f,
      );
    }
  }

  progress(phase: Phase): number {
    return this.#sql.exec<{ n: number }>(
      "SELECT count(*) AS n FROM done WHERE phase = ?",
      phase,
    )
      .one().n;
  }

  putTaskResult(phase: Phase, result: TaskResult): void {
    const range = `${result.start}-${result.end}`;
    this.#sql.exec(
      "INSERT OR REPLACE INTO task (phase, range, value) VALUES (?, ?, ?)",
      phase,
      range,
      JSON.stringify(result),
    );
    this.#sql.exec(
      "DELETE FROM task_error WHERE phase = ? AND range = ?",
      phase,
      range,
    );
  }

  getTaskResults(phase: Phase): [string, TaskResult][] {
    return this.#sql.exec<{ range: string; value: string }>(
      "SELECT range, value FROM task WHERE phase = ?",
      phase,
    ).toArray().map((r) => [r.range, JSON.parse(r.value) as TaskResult]);
  }

  // ---- task errors (the queue consumer and the dead-letter consumer write them) ----

  /**
   * Record a failed attempt. `error` replaces the last message (`null` keeps
   * it, for the dead-letter consumer that only knows the task gave up).
   */
  recordTaskError(
    phase: Phase,
    range: string,
    error: { name: string; message: string } | null,
    final: boolean,
  ): void {
    const row = this.#sql.exec<{ value: string }>(
      "SELECT value FROM task_error WHERE phase = ? AND range = ?",
      phase,
      range,
    ).toArray()[0];
    const last = row ? JSON.parse(row.value) as TaskError : null;
    const value: TaskError = {
      name: error?.name ?? last?.name ?? "Error",
      message: error?.message ?? last?.message ??
        "task gave up (dead-letter queue)",
      final,
      attempts: (last?.attempts ?? 0) + (error ? 1 : 0),
    };
    this.#sql.exec(
      "INSERT OR REPLACE INTO task_error (phase, range, value) VALUES (?, ?, ?)",
      phase,
      range,
      JSON.stringify(value),
    );
  }

  clearTaskError(phase: Phase, range: string): void {
    this.#sql.exec(
      "DELETE FROM task_error WHERE phase = ? AND range = ?",
      phase,
      range,
    );
  }

  /** The task's result, its final error, or `null` while it is pending or being retried. */
  taskOutcome(phase: Phase, range: string): TaskOutcome {
    const res = this.#sql.exec<{ value: string }>(
      "SELECT value FROM task WHERE phase = ? AND range = ?",
      phase,
      range,
    ).toArray()[0];
    if (res) return { result: JSON.parse(res.value) as TaskResult };
    const err = this.#sql.exec<{ value: string }>(
      "SELECT value FROM task_error WHERE phase = ? AND range = ?",
      phase,
      range,
    ).toArray()[0];
    const e = err ? JSON.parse(err.value) as TaskError : null;
    return e?.final ? { error: e } : null;
  }

  // ---- running the job ----

  /**
   * Start the job unless it runs or ran already: a new job, a job that failed
   * for a reason other than its input, a record of an older pipeline version
   * under this id (recomputed from scratch), or — with `rerun` — a finished
   * job (its outputs went missing; `register()` reuses what it can). The same
   * rules as `JobService` in `orchestrator/job_service.ts`.
   */
  async start(req: JobRequest, rerun = false): Promise<{ started: boolean; state: JobState }> {
    const rec = this.getJob();
    const current = rec !== null && rec.version === PIPELINE_VERSION;
    if (current) {
      const again = (rec.state === "failed" && rec.error?.kind !== "input") ||
        (rec.state === "done" && rerun);
      if (!again) return { started: false, state: rec.state };
    }
    const stored: JobRequest = { ...req, ...(rec && !current ? { force: true } : {}) };
    this.#sql.exec(
      "INSERT OR REPLACE INTO request (k, body) VALUES (0, ?)",
      JSON.stringify(stored),
    );
    const now = new Date().toISOString();
    if (!rec || !current) {
      if (rec) this.deleteJob();
      // the input's object key rides along (orchestrator/job_service.ts reads it as input.key)
      const input = {
        name: inputNameOf(req.inputKey),
        size: req.size,
        hash: req.hash,
        key: req.inputKey,
      };
      this.putJob({
        id: req.id,
        version: PIPELINE_VERSION,
        state: "queued",
        input,
        options: req.options,
        created: now,
        updated: now,
      });
    } else {
      this.putJob({ ...rec, state: "queued", updated: now });
    }
    await this.ctx.storage.setAlarm(Date.now());
    return { started: true, state: "queued" };
  }

  override async alarm(): Promise<void> {
    const row = this.#sql.exec<{ body: string }>("SELECT body FROM request").toArray()[0];
    if (!row) return;
    await this.ctx.storage.setAlarm(Date.now() + watchdogMs(this.env));
    if (this.#live !== null) {
      // this isolate runs the job: leave it while it moves; if nothing moved for a whole
      // watchdog interval, its invocation was cut off (an alarm's wall-time limit): start over
      const seen = this.#progressMark();
      if (seen !== this.#seen) {
        this.#seen = seen;
        return;
      }
    }
    const state = this.getJob()?.state;
    if (state === "done" || state === "failed") {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const run = ++this.#runs;
    this.#live = run;
    this.#seen = this.#progressMark();
    try {
      await this.#run(JSON.parse(row.body) as JobRequest);
      if (this.#live === run) await this.ctx.storage.deleteAlarm();
    } finally {
      if (this.#live === run) this.#live = null;
    }
  }

  /** Changes whenever the run stores anything (record, frames done, task results). */
  #progressMark(): string {
    const n = this.#sql.exec<{ n: number }>(
      "SELECT (SELECT count(*) FROM done) + (SELECT count(*) FROM task) AS n",
    ).one().n;
    return `${this.getJob()?.updated ?? ""}|${n}`;
  }

  async #run(req: JobRequest): Promise<void> {
    const objects = new R2ObjectStore(this.env.BUCKET);
    const jobs = new DoJobStore(
      this.env,
      (id) => (id === req.id ? this : null),
    );
    const fail = (e: unknown) => {
      const rec = this.getJob();
      if (!rec) return;
      this.putJob({
        ...rec,
        state: "failed",
        updated: new Date().toISOString(),
        error: {
          message: e instanceof Error ? e.message : String(e),
          kind: isInputError(e) ? "input" : "internal",
        },
      });
    };
    try {
      const name = inputNameOf(req.inputKey);
      const head = await this.env.BUCKET.head(req.inputKey);
      if (!head) throw new InputError(name, "no such object in the bucket");
      if (req.etag !== undefined && head.etag !== req.etag) {
        throw new InputError(
          name,
          "was replaced in the bucket after the job started (a new upload starts a new job)",
        );
      }
      const summary = await register({
        input: { name, store: objects, key: req.inputKey },
        options: req.options,
        outputs: objects,
        outputPrefix: outputPrefix(req.id),
        maxSlabBytes: WORKERS_MAX_SLAB_BYTES,
        force: req.force === true,
      }, {
        objects,
        jobs,
        invoker: new QueueInvoker(this.env.TASKS, jobs, WORKERS_CONCURRENCY),
        compression: zlibCompression,
        rasterizer: workersRasterizer,
      });
      if (summary.job !== req.id) {
        throw new Error(`Cannot run job ${req.id}: its input now gives job ${summary.job}`);
      }
      if (req.force) {
        this.#sql.exec(
          "UPDATE request SET body = ?",
          JSON.stringify({ ...req, force: false }),
        );
      }
    } catch (e) {
      if (e instanceof JobFailed) return; // register stored the failure
      fail(e); // failed before the job record was running (e.g. a bad file)
    }
  }
}
