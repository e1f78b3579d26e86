/**
 * The invoker port: run one task somewhere (a Web Worker, an HTTP endpoint,
 * a queue consumer) and learn its result.
 *
 * @module
 */
import type { Task, TaskResult, WarmHint } from "../job.ts";

export interface Invoker {
  /** Concurrency the invoker offers (the orchestrator plans at least this many ranges). */
  readonly concurrency: number;
  /** Run a task to completion; rejects with the function's error. */
  invoke(task: Task): Promise<TaskResult>;
  /**
   * Optional: the caller has no task to give for a while (a job's fan-outs
   * are over), so the invoker may free what its idle workers hold; a later
   * `invoke` still works.
   */
  idle?(): void;
  /**
   * Optional: tasks on this run are coming, so workers that would otherwise
   * wait may warm up for them (functions/warm_up.ts); a task given meanwhile
   * goes first. A hint: nothing to wait for.
   */
  warm?(hint: WarmHint): void;
  /** Release workers or connections. */
  close(): Promise<void>;
}
