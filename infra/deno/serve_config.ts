/**
 * Settings of the long-running Deno entries (`serve`, `functions`,
 * `reprocess`), from arguments first and environment variables second.
 *
 * | argument | variable | default |
 * | --- | --- | --- |
 * | `--store DIR` | `REALIGN_STORE` | `.realign` in the caller's folder |
 * | `--bucket s3://NAME[/PREFIX]` | `REALIGN_BUCKET` | none: the folder `<store>/objects` (S3 settings: `open_bucket.ts`) |
 * | `--inbox DIR` | `REALIGN_INBOX` | `<store>/inbox` (a watched drop folder) |
 * | `--no-watch` | `REALIGN_WATCH=0` | watch on |
 * | `--functions-url URL` | `REALIGN_FUNCTIONS_URL` | none: the local Web Worker pool |
 * | `--workers N` | `REALIGN_WORKERS` | number of cores |
 * | `--cron SPEC` | `REALIGN_CRON` | `0 * * * *` (hourly reprocessing; `off` for none) |
 * | | `REALIGN_TOKEN` | none (no bearer token asked) |
 * | | `REALIGN_FUNCTIONS_SECRET` | none (required by `functions` and `--functions-url`) |
 *
 * @module
 */
import { parseArgs } from "node:util";
import { absolutePath } from "./paths.ts";
import { type StoreLayout, storeLayout } from "./store_layout.ts";
import { s3ConfigFromEnv } from "./open_bucket.ts";
import type { S3StoreConfig } from "./s3_config.ts";

export interface ServeConfig {
  layout: StoreLayout;
  /** The S3-compatible bucket, or null for the local folder `layout.objects`. */
  s3: S3StoreConfig | null;
  /** The watched drop folder, or null. */
  inbox: string | null;
  functionsUrl: string | null;
  workers: number;
  cron: string | null;
  token: string | null;
}

/** Read the settings; throws a plain Error naming the bad setting. */
export function serveConfig(args: string[]): ServeConfig {
  const { values } = parseArgs({
    args,
    options: {
      store: { type: "string" },
      bucket: { type: "string" },
      inbox: { type: "string" },
      "no-watch": { type: "boolean" },
      "functions-url": { type: "string" },
      workers: { type: "string" },
      cron: { type: "string" },
    },
    strict: true,
  });
  const env = (k: string) => Deno.env.get(k) || undefined;
  const cwd = Deno.env.get("INIT_CWD") ?? Deno.cwd();
  const layout = storeLayout(absolutePath(cwd, values.store ?? env("REALIGN_STORE") ?? ".realign"));
  const watch = !values["no-watch"] && env("REALIGN_WATCH") !== "0";
  const inboxArg = values.inbox ?? env("REALIGN_INBOX");
  const workersRaw = values.workers ?? env("REALIGN_WORKERS");
  const workers = workersRaw === undefined
    ? Math.max(1, navigator.hardwareConcurrency)
    : Number(workersRaw);
  if (!Number.isInteger(workers) || workers < 1 || workers > 1024) {
    throw new Error(
      `--workers: must be an integer from 1 to 1024, current value is "${workersRaw}"`,
    );
  }
  const bucketUrl = values.bucket ?? env("REALIGN_BUCKET");
  const cron = values.cron ?? env("REALIGN_CRON") ?? "0 * * * *";
  return {
    layout,
    s3: bucketUrl ? s3ConfigFromEnv(bucketUrl, env) : null,
    inbox: watch ? (inboxArg ? absolutePath(cwd, inboxArg) : layout.inbox) : null,
    functionsUrl: values["functions-url"] ?? env("REALIGN_FUNCTIONS_URL") ?? null,
    workers,
    cron: cron === "off" ? null : cron,
    token: env("REALIGN_TOKEN") ?? null,
  };
}
