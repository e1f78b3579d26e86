/**
 * {@link JobStore} over Durable Objects: every call about job `id` goes to
 * the `JobObject` named `id` (JS RPC on its stub), and the `JobIndex` object
 * keeps the list of job ids for `listJobs`. Inside a job's own object the
 * calls about that job go straight to the object (`local`), not round the
 * runtime.
 *
 * @module
 */
import type { FrameParams, JobRecord, Phase, TaskResult } from "../../shared/job.ts";
import type { FrameEntry, JobStore } from "../../shared/ports/job_store.ts";
import type { JobObject, TaskOutcome } from "./job_object.ts";

/** The per-job methods, as the object itself or its RPC stub offers them. */
type Shard = Pick<
  JobObject,
  | "getJob"
  | "createJob"
  | "putJob"
  | "deleteJob"
  | "putParams"
  | "getParams"
  | "framesDone"
  | "progress"
  | "putTaskResult"
  | "getTaskResults"
  | "recordTaskError"
  | "clearTaskError"
  | "taskOutcome"
  | "start"
>;

/** Methods of a shard, each returning a promise (a stub's view of a local object). */
type Remote<T> = {
  [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>>
    : never;
};

/** Name of the single index object. */
export const INDEX_NAME = "index";

/** The `JobObject` stub for job `id`. */
export function jobObject(env: Env, id: string): Remote<Shard> {
  return env.JOBS.get(env.JOBS.idFromName(id)) as unknown as Remote<Shard>;
}

export class DoJobStore implements JobStore {
  readonly #env: Env;
  readonly #local: (id: string) => Shard | null;

  /** `local(id)` returns the object itself when the caller is job `id`'s own object. */
  constructor(env: Env, local: (id: string) => Shard | null = () => null) {
    this.#env = env;
    this.#local = local;
  }

  /** The shard of job `id`: the local object or its stub. */
  shard(id: string): Remote<Shard> {
    const own = this.#local(id);
    if (!own) return jobObject(this.#env, id);
    return new Proxy(own, {
      get: (target, prop) => {
        const f = Reflect.get(target, prop) as unknown;
        return typeof f === "function"
          ? (...a: unknown[]) =>
            Promise.resolve(
              (f as (...x: unknown[]) => unknown).apply(target, a),
            )
          : f;
      },
    }) as unknown as Remote<Shard>;
  }

  #index() {
    const ns = this.#env.JOB_INDEX;
    return ns.get(ns.idFromName(INDEX_NAME));
  }

  getJob(id: string): Promise<JobRecord | null> {
    return this.shard(id).getJob();
  }

  async createJob(record: JobRecord): Promise<boolean> {
    await this.#index().add(record.id);
    return this.shard(record.id).createJob(record);
  }

  putJob(record: JobRecord): Promise<void> {
    return this.shard(record.id).putJob(record);
  }

  async listJobs(): Promise<JobRecord[]> {
    const ids = await this.#index().list();
    const records = await Promise.all(ids.map((id) => this.getJob(id)));
    return records.filter((r): r is JobRecord => r !== null);
  }

  async deleteJob(id: string): Promise<void> {
    await this.shard(id).deleteJob();
    await this.#index().remove(id);
  }

  putParams(id: string, pass: number, entries: FrameEntry[]): Promise<void> {
    return this.shard(id).putParams(pass, entries);
  }

  getParams(
    id: string,
    pass: number,
    start: number,
    end: number,
  ): Promise<(FrameParams | null)[]> {
    return this.shard(id).getParams(pass, start, end);
  }

  framesDone(id: string, phase: Phase, frames: number[]): Promise<void> {
    return this.shard(id).framesDone(phase, frames);
  }

  progress(id: string, phase: Phase): Promise<number> {
    return this.shard(id).progress(phase);
  }

  putTaskResult(id: string, phase: Phase, result: TaskResult): Promise<void> {
    return this.shard(id).putTaskResult(phase, result);
  }

  async getTaskResults(
    id: string,
    phase: Phase,
  ): Promise<Map<string, TaskResult>> {
    return new Map(await this.shard(id).getTaskResults(phase));
  }

  /** See `JobObject.recordTaskError`. */
  recordTaskError(
    id: string,
    phase: Phase,
    range: string,
    error: { name: string; message: string } | null,
    final: boolean,
  ): Promise<void> {
    return this.shard(id).recordTaskError(phase, range, error, final);
  }

  clearTaskError(id: string, phase: Phase, range: string): Promise<void> {
    return this.shard(id).clearTaskError(phase, range);
  }

  taskOutcome(id: string, phase: Phase, range: string): Promise<TaskOutcome> {
    return this.shard(id).taskOutcome(phase, range);
  }
}
