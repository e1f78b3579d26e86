/**
 * The Worker entry (composition root on Cloudflare): the HTTP API, the queue
 * consumers (inbox events, slab tasks, dead letters), the cron handler, and
 * the Durable Object classes. Thin: decode, call the core, acknowledge.
 *
 * @module
 */
import type { Task } from "../../shared/job.ts";
import { handleHttp } from "./http_routes.ts";
import { handleR2Event, parseR2Event } from "./r2_events.ts";
import { reprocessJobs } from "./reprocess.ts";
import { consumeDeadLetters, consumeTasks } from "./task_consumer.ts";

export { JobObject } from "./job_object.ts";
export { JobIndex } from "./job_index.ts";

/** Queue names, as in wrangler.jsonc. */
export const QUEUES = {
  inbox: "realign-inbox",
  tasks: "realign-tasks",
  deadLetters: "realign-tasks-dlq",
} as const;

/** R2 notifications: start each input's job; ack each message once its job is started. */
async function consumeInbox(
  batch: MessageBatch<unknown>,
  env: Env,
): Promise<void> {
  for (const msg of batch.messages) {
    try {
      const out = await handleR2Event(env, parseR2Event(msg.body));
      console.log("realign: inbox event", JSON.stringify(out));
      msg.ack();
    } catch (e) {
      console.error("realign: inbox event failed:", e);
      msg.retry();
    }
  }
}

export default {
  fetch(request, env) {
    return handleHttp(request, env);
  },
  async queue(batch, env) {
    if (batch.queue === QUEUES.tasks) {
      await consumeTasks(batch as MessageBatch<Task>, env);
    } else if (batch.queue === QUEUES.deadLetters) {
      await consumeDeadLetters(batch as MessageBatch<Task>, env);
    } else if (batch.queue === QUEUES.inbox) await consumeInbox(batch, env);
    else {throw new Error(
        `Cannot consume queue ${batch.queue}: not one of realign's`,
      );}
  },
  async scheduled(_controller, env) {
    const done = await reprocessJobs(env);
    console.log(
      `realign: reprocessing ${done.length} job(s)`,
      JSON.stringify(done),
    );
  },
} satisfies ExportedHandler<Env>;
