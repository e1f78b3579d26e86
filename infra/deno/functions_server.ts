/**
 * `deno task functions`: the compute functions over HTTP
 * (`deno serve --parallel`), each request signed by the orchestrator with
 * REALIGN_FUNCTIONS_SECRET (required). Uses the same store folder as the
 * orchestrator (`--store` / REALIGN_STORE): its bucket and its KV file.
 *
 * @module
 */
import { handleFunctionRequest } from "../../functions/http_handler.ts";
import { KvJobStore } from "./kv_job_store.ts";
import { LocalFolderStore } from "./local_object_store.ts";
import { serveConfig } from "./serve_config.ts";
import { zlibCompression } from "./zlib_compression.ts";

const secret = Deno.env.get("REALIGN_FUNCTIONS_SECRET") ?? "";
if (!secret) {
  throw new Error(
    "Cannot serve functions: set REALIGN_FUNCTIONS_SECRET (shared with the orchestrator)",
  );
}
const { layout } = serveConfig(Deno.args);
await Deno.mkdir(layout.objects, { recursive: true });
const ports = {
  objects: new LocalFolderStore(layout.objects),
  jobs: await KvJobStore.open(layout.kvPath),
  compression: zlibCompression,
};

export default {
  fetch: (request) => handleFunctionRequest(request, { ports, secret }),
} satisfies Deno.ServeDefaultExport;
