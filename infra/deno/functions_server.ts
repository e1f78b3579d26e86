/**
 * `deno task functions`: the compute functions over HTTP
 * (`deno serve --parallel`), each request signed by the orchestrator with
 * REALIGN_FUNCTIONS_SECRET (required). Uses the same store folder as the
 * orchestrator (`--store` / REALIGN_STORE): its bucket (or `--bucket`) and its KV file.
 *
 * @module
 */
import { handleFunctionRequest } from "../../functions/http_handler.ts";
import { KvJobStore } from "./kv_job_store.ts";
import { openBucket } from "./open_bucket.ts";
import { serveConfig } from "./serve_config.ts";
import { zlibCompression } from "./zlib_compression.ts";

const secret = Deno.env.get("REALIGN_FUNCTIONS_SECRET") ?? "";
if (!secret) {
  throw new Error(
    "Cannot serve functions: set REALIGN_FUNCTIONS_SECRET (shared with the orchestrator)",
  );
}
const { layout, s3 } = serveConfig(Deno.args);
await Deno.mkdir(layout.objects, { recursive: true });
const ports = {
  objects: await openBucket(layout.objects, s3),
  jobs: await KvJobStore.open(layout.kvPath),
  compression: zlibCompression,
};

export default {
  fetch: (request) => handleFunctionRequest(request, { ports, secret }),
} satisfies Deno.ServeDefaultExport;
