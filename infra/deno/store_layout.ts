/**
 * One local store folder for every Deno entry (the CLI, `deno task serve`,
 * `deno task functions`, `deno task reprocess`): `<store>/objects/` is the
 * bucket (inputs under `inbox/`, job data under `jobs/`, the server's outputs
 * under `outputs/`), `<store>/jobs.sqlite` is the Deno KV job store, and
 * `<store>/inbox/` is the folder the server watches for dropped runs.
 *
 * @module
 */
import { HttpInvoker } from "./http_invoker.ts";
import type { Invoker } from "../../shared/ports/invoker.ts";
import { WorkerPoolInvoker } from "./worker_pool_invoker.ts";
import type { S3StoreConfig } from "./s3_config.ts";

export interface StoreLayout {
  store: string;
  objects: string;
  kvPath: string;
  inbox: string;
}

/** The layout under an absolute store folder. */
export function storeLayout(store: string): StoreLayout {
  const s = store.replace(/\/+$/, "");
  return { store: s, objects: `${s}/objects`, kvPath: `${s}/jobs.sqlite`, inbox: `${s}/inbox` };
}

/**
 * The invoker: HTTP to `functionsUrl` (signed with REALIGN_FUNCTIONS_SECRET)
 * when given, else a Web Worker pool of `workers` on this machine (on the
 * S3 bucket `s3` when given, else the store folder's); `releaseWhenIdle`
 * for a process that runs one job (see WorkerPoolInvoker).
 */
export function chooseInvoker(
  layout: StoreLayout,
  workers: number,
  functionsUrl: string | null,
  s3: S3StoreConfig | null = null,
  opts: { releaseWhenIdle?: boolean } = {},
): Invoker {
  if (functionsUrl) {
    const secret = Deno.env.get("REALIGN_FUNCTIONS_SECRET") ?? "";
    if (!secret) {
      throw new Error(
        "Cannot use --functions-url: set REALIGN_FUNCTIONS_SECRET to the functions server's secret",
      );
    }
    return new HttpInvoker({ url: functionsUrl, secret, concurrency: workers });
  }
  return new WorkerPoolInvoker(
    workers,
    { storeDir: layout.objects, kvPath: layout.kvPath, s3 },
    opts,
  );
}
