/**
 * {@link Invoker} over a Cloudflare Queue: `invoke` sends the task (keys, a
 * frame range and small numbers — never voxels; a message is at most
 * 128 KB) and then polls the job's Durable Object until the consumer has
 * stored the task's result, or a final error (an input error, or the
 * dead-letter consumer's verdict after `max_retries`). Queues deliver at
 * least once; a redelivered task overwrites the same result key and its
 * frames count once, so the result the invoker sees is the same.
 *
 * @module
 */
import type { Task, TaskResult } from "../../shared/job.ts";
import type { Invoker } from "../../shared/ports/invoker.ts";
import { phaseOf } from "../../functions/run_task.ts";
import type { DoJobStore } from "./do_job_store.ts";

/** A queue message's limit (tasks carry keys and ranges, a few KB). */
export const MAX_MESSAGE_BYTES = 128 * 1024;
/** Poll interval while a task runs, ms. */
export const POLL_MS = 200;
/** Give up waiting for one task after this long (a lost message); the fan-out retries it. */
export const TASK_TIMEOUT_MS = 20 * 60 * 1000;

/** A task's failure, carried back with the function's error name (so input errors stay input errors). */
export class QueuedTaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class QueueInvoker implements Invoker {
  readonly concurrency: number;
  readonly #queue: Queue;
  readonly #jobs: DoJobStore;

  constructor(queue: Queue, jobs: DoJobStore, concurrency: number) {
    this.#queue = queue;
    this.#jobs = jobs;
    this.concurrency = concurrency;
  }

  async invoke(task: Task): Promise<TaskResult> {
    const phase = phaseOf(task);
    const range = `${task.start}-${task.end}`;
    const size = new TextEncoder().encode(JSON.stringify(task)).length;
    if (size > MAX_MESSAGE_BYTES) {
      throw new RangeError(`Cannot queue ${task.fn} ${range}: the task is ${size} bytes`);
    }
    await this.#jobs.clearTaskError(task.job, phase, range);
    await this.#queue.send(task, { contentType: "json" });
    const deadline = Date.now() + TASK_TIMEOUT_MS;
    for (;;) {
      const out = await this.#jobs.taskOutcome(task.job, phase, range);
      if (out && "result" in out) return out.result;
      if (out && "error" in out) {
        throw new QueuedTaskError(out.error.name, out.error.message);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `Cannot run ${task.fn} ${range}: no result after ${TASK_TIMEOUT_MS} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
