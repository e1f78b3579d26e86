/**
 * The slab-task queue consumers. `consumeTasks` runs each message's task with
 * the Workers adapters and acknowledges it only after `runTask` has stored
 * the result (slab / partial sums in R2, parameters and the task result in
 * the job's Durable Object). An input error is final: recorded, acknowledged.
 * Any other error is recorded and the message retried; after `max_retries`
 * the queue moves it to the dead-letter queue, whose consumer
 * (`consumeDeadLetters`) marks the task's error final so the waiting
 * orchestrator stops waiting.
 *
 * @module
 */
import { isInputError } from "../../shared/errors.ts";
import type { Task } from "../../shared/job.ts";
import { phaseOf, runTask } from "../../functions/run_task.ts";
import { zlibCompression } from "../deno/zlib_compression.ts";
import { DoJobStore } from "./do_job_store.ts";
import { R2ObjectStore } from "./r2_object_store.ts";

/** Run slab tasks (a batch is one message: `max_batch_size: 1`). */
export async function consumeTasks(
  batch: MessageBatch<Task>,
  env: Env,
): Promise<void> {
  const jobs = new DoJobStore(env);
  const ports = {
    objects: new R2ObjectStore(env.BUCKET),
    jobs,
    compression: zlibCompression,
  };
  for (const msg of batch.messages) {
    const task = msg.body;
    try {
      await runTask(task, ports);
      msg.ack();
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const input = isInputError(err);
      console.error(
        `realign: ${task.fn} ${task.start}-${task.end} attempt ${msg.attempts}:`,
        err,
      );
      await jobs.recordTaskError(
        task.job,
        phaseOf(task),
        `${task.start}-${task.end}`,
        { name: err.name, message: err.message },
        input,
      );
      if (input) msg.ack();
      else msg.retry({ delaySeconds: Math.min(60, 2 ** msg.attempts) }); // 2, 4, 8 s…
    }
  }
}

/** Tasks that exhausted their retries: their last error becomes final. */
export async function consumeDeadLetters(
  batch: MessageBatch<Task>,
  env: Env,
): Promise<void> {
  const jobs = new DoJobStore(env);
  for (const msg of batch.messages) {
    const task = msg.body;
    await jobs.recordTaskError(
      task.job,
      phaseOf(task),
      `${task.start}-${task.end}`,
      null,
      true,
    );
    msg.ack();
  }
}
