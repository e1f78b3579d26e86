/**
 * `deno task reprocess`: one reprocessing pass by hand, the same the server's
 * schedule runs (see {@link JobService.reprocess}); waits for the jobs it
 * starts, prints one JSON report and exits (1 if a job could not be started).
 * Do not run it while a server resumes jobs on the same store.
 *
 * @module
 */
import { serveConfig } from "./serve_config.ts";
import { openServiceRuntime } from "./service_runtime.ts";

const cfg = serveConfig(Deno.args);
const runtime = await openServiceRuntime(cfg);
const { service } = runtime;
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
  await runtime.close();
}
Deno.exit(code);
