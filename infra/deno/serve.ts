/**
 * `deno task serve`: the HTTP API on Deno (`deno serve`), the composition
 * root of the long-running service. Picks the adapters (the local store
 * folder's bucket or an S3-compatible one, Deno KV on its file, the Web Worker pool or signed HTTP
 * calls to `--functions-url`), then: resumes jobs a killed previous process
 * left queued or running, watches the drop folder, and reprocesses on a
 * `Deno.cron` schedule. Settings: see `serve_config.ts` (port from PORT,
 * default 8787; token from REALIGN_TOKEN).
 *
 * @module
 */
import { handleApi } from "../../orchestrator/http_api.ts";
import { watchInbox } from "./inbox_watcher.ts";
import { serveConfig } from "./serve_config.ts";
import { openServiceRuntime } from "./service_runtime.ts";

const cfg = serveConfig(Deno.args);
const log = (line: string) => console.log(`realign serve: ${line}`);
const { layout } = cfg;
const runtime = await openServiceRuntime(cfg, log);
const { service, bucket } = runtime;

if (cfg.cron) {
  Deno.cron("realign reprocess", cfg.cron, async () => {
    try {
      const r = await service.reprocess();
      log(`reprocess: ${r.rerun.length} rerun, ${r.started.length} new, ${r.errors.length} errors`);
    } catch (e) {
      log(`reprocess failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}
const resumed = await service.resumeUnfinished();
if (resumed.length > 0) log(`resumed ${resumed.length} unfinished job(s): ${resumed.join(" ")}`);
const watcher = cfg.inbox ? await watchInbox(cfg.inbox, bucket, service, log) : null;
if (cfg.inbox) log(`watching ${cfg.inbox}`);
// stop at once on SIGTERM/SIGINT: a job cut short resumes on the next start
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => {
    watcher?.close();
    runtime.close().finally(() => Deno.exit(0));
  });
}
log(
  `store ${layout.store}${cfg.s3 ? `, bucket s3://${cfg.s3.bucket}/${cfg.s3.prefix}` : ""}, ${
    cfg.functionsUrl ? `functions at ${cfg.functionsUrl}` : `${cfg.workers} workers`
  }${cfg.token ? ", token required" : ""}`,
);

export default {
  fetch: (request) => handleApi(request, { service, bucket, token: cfg.token }),
} satisfies Deno.ServeDefaultExport;
