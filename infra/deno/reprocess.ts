/**
 * `deno task reprocess`: one reprocessing pass by hand, the same the server's
 * schedule runs (see {@link JobService.reprocess}); waits for the jobs it
 * starts, prints one JSON report and exits (1 if a job could not be started).
 * Do not run it while a server resumes jobs on the same store.
 *
 * @module
 */
import { JobService } from "../../orchestrator/job_service.ts";
import { KvJobStore } from "./kv_job_store.ts";
import { openBucket } from "./open_bucket.ts";
import { serveConfig } from "./serve_config.ts";
import { chooseInvoker } from "./store_layout.ts";
import { runtimePorts } from "./runtime_ports.ts";

const cfg = serveConfig(Deno.args);
const { layout } = cfg;
await Deno.mkdir(layout.objects, { recursive: true });
const jobs = await KvJobStore.open(layout.kvPath);
const bucket = await openBucket(layout.objects, cfg.s3);
const invoker = chooseInvoker(layout, cfg.workers, cfg.functionsUrl, cfg.s3);
const ports = runtimePorts(bucket, jobs, invoker);
const service = new JobService({
  ports,
  bucket,
});
let code = 0;
try {
  const report = await service.reprocess();
  await service.idle();
  const states = Object.fromEntries(
    await Promise.all(
      [...report.rerun, ...report.started].map(async (
        id,
      ) => [id, (await service.status(id))?.state]),
    ),
  );
  console.log(JSON.stringify({ ...report, states }));
  if (report.errors.length > 0) code = 1;
} finally {
  await invoker.close();
  await ports.rasterizer.close?.();
  jobs.close();
}
Deno.exit(code);
