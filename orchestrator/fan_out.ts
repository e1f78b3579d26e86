/**
 * Fan a phase's tasks out through the {@link Invoker}: skip ranges already
 * done (a resumed job), retry internal failures with backoff, report frames
 * done from the job store's counter while the tasks run.
 *
 * @module
 */
import { isInputError } from "../shared/errors.ts";
import type { Phase, Task, TaskResult } from "../shared/job.ts";
import type { Invoker } from "../shared/ports/invoker.ts";
import type { JobStore } from "../shared/ports/job_store.ts";
import type { Progress } from "./progress_bar.ts";

export interface FanOutContext {
  job: string;
  phase: Phase;
  jobs: JobStore;
  invoker: Invoker;
  /** Frames in the phase (for progress). */
  total: number;
  onProgress?: ((p: Progress) => void) | undefined;
  /** Attempts per task for internal errors (input errors fail at once). */
  attempts?: number;
  /** First retry delay in ms, doubled at each retry. */
  backoffMs?: number;
}

/** A task that failed for good, with the range and the cause. */
export class TaskFailure extends Error {
  override name = "TaskFailure";
  readonly range: string;
  readonly input: boolean;
  constructor(range: string, cause: unknown) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    super(msg);
    this.range = range;
    this.input = isInputError(cause);
    this.cause = cause;
  }
}

/** Run every task not yet done; resolves with all results (done before, and now). */
export async function fanOut(ctx: FanOutContext, tasks: Task[]): Promise<TaskResult[]> {
  const done = await ctx.jobs.getTaskResults(ctx.job, ctx.phase);
  const todo = tasks.filter((t) => !done.has(`${t.start}-${t.end}`));
  const attempts = ctx.attempts ?? 3;
  const backoff = ctx.backoffMs ?? 200;
  let polling = true;
  const poll = (async () => {
    while (polling && ctx.onProgress) {
      const n = await ctx.jobs.progress(ctx.job, ctx.phase);
      if (polling) ctx.onProgress({ phase: ctx.phase, done: n, total: ctx.total });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const runOne = async (t: Task): Promise<TaskResult> => {
    for (let attempt = 1;; attempt++) {
      try {
        const sent = performance.timeOrigin + performance.now();
        const r = await ctx.invoker.invoke(t);
        const back = performance.timeOrigin + performance.now();
        // Queueing delay and round trip, for --profile (the function stamps its start).
        return {
          ...r,
          queueMs: r.startedAt !== undefined ? Math.max(0, r.startedAt - sent) : 0,
          totalMs: back - sent,
        };
      } catch (e) {
        if (isInputError(e) || attempt >= attempts) throw new TaskFailure(`${t.start}-${t.end}`, e);
        await new Promise((r) => setTimeout(r, backoff * 2 ** (attempt - 1)));
      }
    }
  };
  try {
    // Wait for every task to settle before failing, so no function is still
    // writing when the job is marked failed (and a resume starts clean).
    const settled = await Promise.allSettled(todo.map(runOne));
    for (const s of settled) {
      if (s.status === "fulfilled") done.set(`${s.value.start}-${s.value.end}`, s.value);
    }
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } finally {
    polling = false;
    await poll;
  }
  ctx.onProgress?.({ phase: ctx.phase, done: ctx.total, total: ctx.total });
  return tasks.map((t) => done.get(`${t.start}-${t.end}`)!);
}
