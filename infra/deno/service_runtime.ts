/**
 * The job service on Deno, put together once for `deno task serve` and
 * `deno task reprocess`: the store folder (made if missing), Deno KV on its
 * file, the bucket (the folder's or S3), the invoker and the orchestrator's
 * ports, and one `close()` that releases them all.
 *
 * @module
 */
import { JobService } from "../../orchestrator/job_service.ts";
import type { ObjectStore } from "../../shared/ports/object_store.ts";
import { KvJobStore } from "./kv_job_store.ts";
import { openBucket } from "./open_bucket.ts";
import { runtimePorts } from "./runtime_ports.ts";
import type { ServeConfig } from "./serve_config.ts";
import { chooseInvoker } from "./store_layout.ts";

export interface ServiceRuntime {
  service: JobService;
  bucket: ObjectStore;
  /** End the workers, the plot renderer and the KV file. */
  close(): Promise<void>;
}

export async function openServiceRuntime(
  cfg: ServeConfig,
  log?: (line: string) => void,
): Promise<ServiceRuntime> {
  const { layout } = cfg;
  await Deno.mkdir(layout.objects, { recursive: true });
  const jobs = await KvJobStore.open(layout.kvPath);
  const bucket = await openBucket(layout.objects, cfg.s3);
  const invoker = chooseInvoker(layout, cfg.workers, cfg.functionsUrl, cfg.s3);
  const ports = runtimePorts(bucket, jobs, invoker);
  const service = new JobService({ ports, bucket, ...(log ? { log } : {}) });
  return {
    service,
    bucket,
    async close() {
      try {
        await Promise.all([invoker.close(), ports.rasterizer.close?.()]);
      } finally {
        jobs.close();
      }
    },
  };
}
