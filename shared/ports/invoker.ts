/**
 * The invoker port: run one task somewhere (a Web Worker, an HTTP endpoint,
 * a queue consumer) and learn its result.
 *
 * @module
 */
import type { Task, TaskResult } from "../job.ts";

export interface Invoker {
  /** Concurrency the invoker offers (the orchestrator plans at least this many ranges). */
  readonly concurrency: number;
  /** Run a task to completion; rejects with the function's error. */
  invoke(task: Task): Promise<TaskResult>;
  /** Release workers or connections. */
  close(): Promise<void>;
}
