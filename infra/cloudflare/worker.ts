/**
 * The Worker entry (composition root on Cloudflare): the HTTP API
 * (`orchestrator/http_api.ts`, the same handler as on Deno, over the R2
 * store and {@link DurableJobService}), the queue consumers (inbox events,
 * slab tasks, dead letters), the cron handler, and the Durable Object
 * classes. Thin: decode, call the core, acknowledge.
 *
 * @module
 */
import { handleApi } from "../../orchestrator/http_api.ts";
import { provideWasmModule } from "../../shared/wasm/wasm_kernels.ts";
import { resampleKernels } from "../../shared/resample_kernels.ts";
// The resampling kernels' WebAssembly, compiled by the platform (Workers do not compile bytes at
// run time; the same bytes are embedded in shared/wasm/kernels_wasm_bytes.ts for Deno).
import kernelsWasm from "./kernels.wasm";
import { INBOX } from "../../orchestrator/job_service.ts";
import { isInputError } from "../../shared/errors.ts";
import type { Task } from "../../shared/job.ts";
import { DurableJobService } from "./durable_job_service.ts";
import { R2ObjectStore } from "./r2_object_store.ts";
import { consumeDeadLetters, consumeTasks } from "./task_consumer.ts";

provideWasmModule(kernelsWasm);
console.log(`realign worker: ${resampleKernels().name} resampling kernels`);

export { JobObject } from "./job_object.ts";
export { JobIndex } from "./job_index.ts";

/** Queue names, as in wrangler.jsonc. */
export const QUEUES = {
  inbox: "realign-inbox",
  tasks: "realign-tasks",
  deadLetters: "realign-tasks-dlq",
} as const;

/** R2 event-notification actions that create an object (as `POST /v1/events/r2` takes them). */
const CREATES = ["PutObject", "CompleteMultipartUpload"];

/** R2 notifications for `inbox/`: start each input's job, then acknowledge. */
async function consumeInbox(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const service = new DurableJobService(env);
  for (const msg of batch.messages) {
    const ev = msg.body as { action?: unknown; object?: { key?: unknown } } | null;
    const key = ev?.object?.key;
    if (typeof ev?.action !== "string" || !CREATES.includes(ev.action)) {
      msg.ack(); // a delete, or not an R2 notification: nothing to start
      continue;
    }
    if (typeof key !== "string" || !key.startsWith(INBOX)) {
      msg.ack();
      continue;
    }
    try {
      const { job, started } = await service.landed(key);
      console.log(`realign: ${key} → job ${job}${started ? " (started)" : ""}`);
      msg.ack();
    } catch (e) {
      console.error(`realign: cannot start a job for ${key}:`, e);
      if (isInputError(e)) msg.ack(); // gone or unreadable: retrying will not help
      else msg.retry();
    }
  }
}

export default {
  fetch(request, env) {
    return handleApi(request, {
      service: new DurableJobService(env),
      bucket: new R2ObjectStore(env.BUCKET),
      token: env.REALIGN_TOKEN || null,
    });
  },
  async queue(batch, env) {
    if (batch.queue === QUEUES.tasks) await consumeTasks(batch as MessageBatch<Task>, env);
    else if (batch.queue === QUEUES.deadLetters) {
      await consumeDeadLetters(batch as MessageBatch<Task>, env);
    } else if (batch.queue === QUEUES.inbox) await consumeInbox(batch, env);
    else throw new Error(`Cannot consume queue ${batch.queue}: not one of realign's`);
  },
  async scheduled(_controller, env) {
    const report = await new DurableJobService(env).reprocess();
    console.log(`realign: reprocess ${JSON.stringify(report)}`);
  },
} satisfies ExportedHandler<Env>;
