/**
 * A Web Worker that runs compute functions: the same `runTask` a `deno serve`
 * deployment or a Cloudflare consumer runs, with its own adapters (the local
 * folder store or the S3 bucket, and Deno KV on the same file as the orchestrator).
 *
 * Messages in: `{ init: { storeDir, kvPath, s3? } }`, then `{ id, task }` or `{ warm: hint }`.
 * Messages out: `{ id, ok: true, result }`, `{ id, ok: false, error: { name, message, stack } }`,
 * or `{ warmed: true }` (see functions/warm_up.ts).
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { runTask } from "../../functions/run_task.ts";
import { warmUpUntil } from "../../functions/warm_up.ts";
import type { Task, WarmHint } from "../../shared/job.ts";
import type { FunctionPorts } from "../../shared/ports/function_ports.ts";
import { KvJobStore } from "./kv_job_store.ts";
import { openBucket } from "./open_bucket.ts";
import type { S3StoreConfig } from "./s3_config.ts";
import { zlibCompression } from "./zlib_compression.ts";
import { wasmMemoryBytes } from "../../shared/wasm/wasm_kernels.ts";

let ports: Promise<FunctionPorts> | null = null;
/** The warm-up running (see functions/warm_up.ts), and whether a task asked it to stop. */
let warming: Promise<void> | null = null;
let stopWarming = false;

self.onmessage = async (e: MessageEvent) => {
  const msg = e.data as {
    init?: { storeDir: string; kvPath: string; s3?: S3StoreConfig | null };
    id?: number;
    task?: Task;
    warm?: WarmHint;
  };
  if (msg.warm) {
    stopWarming = false;
    warming = warmUpUntil(msg.warm, () => stopWarming)
      .catch(() => {}) // a warm-up is only a head start: the task does the same work
      .finally(() => {
        warming = null;
        self.postMessage({ warmed: true });
      });
    return;
  }
  if (msg.init) {
    const { storeDir, kvPath, s3 } = msg.init;
    ports = Promise.all([KvJobStore.open(kvPath), openBucket(storeDir, s3)]).then((
      [jobs, objects],
    ) => ({
      objects,
      jobs,
      compression: zlibCompression,
      // this worker's isolate: its V8 heap, the ArrayBuffers it allocated and its wasm memories;
      // live data only where the process runs with --v8-flags=--expose-gc (the bench's measurement)
      memory: () => {
        (globalThis as { gc?: () => void }).gc?.();
        const m = Deno.memoryUsage();
        return m.heapUsed + m.external + wasmMemoryBytes();
      },
    }));
    return;
  }
  if (warming) { // a task came: the warm-up stops after its current step
    stopWarming = true;
    await warming;
  }
  try {
    if (!ports || !msg.task) throw new Error("Cannot run task: worker not initialised");
    const result = await runTask(msg.task, await ports);
    self.postMessage({ id: msg.id, ok: true, result });
  } catch (err) {
    const e2 = err instanceof Error ? err : new Error(String(err));
    self.postMessage({
      id: msg.id,
      ok: false,
      error: { name: e2.name, message: e2.message, stack: e2.stack ?? "" },
    });
  }
};
