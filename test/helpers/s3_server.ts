/**
 * A real S3-compatible server for tests: `s3rver` (an S3 API server written
 * for tests, storing objects in a temporary folder), run by Node 20 as a
 * subprocess on a free port, with one bucket. Under Deno's Node layer its
 * range reads and list continuation tokens misbehave, so it runs on Node
 * (installed by `npm ci --prefix test/helpers/s3rver`). Tests must `close()`
 * every server they start; the server also stops when its stdin closes.
 *
 * @module
 */
import { ROOT } from "./cli.ts";
import type { S3StoreConfig } from "../../infra/deno/s3_object_store.ts";

/** s3rver's fixed credentials (it checks request signatures against them). */
export const S3RVER_KEY = "S3RVER";
const HOME = `${ROOT}/test/helpers/s3rver`;

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  /** A store config for this server's bucket under `prefix`. */
  config(prefix?: string, extra?: Partial<S3StoreConfig>): S3StoreConfig;
  /** The variables `deno task serve --bucket s3://…` reads to reach this server. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** Start s3rver on 127.0.0.1, port 0, with the bucket `bucket`. */
export async function startS3Server(bucket = "realign-test"): Promise<S3TestServer> {
  try {
    await Deno.stat(`${HOME}/node_modules/s3rver/package.json`);
  } catch {
    throw new Error(`s3rver is not installed: run npm ci --prefix test/helpers/s3rver`);
  }
  const directory = await Deno.makeTempDir({ prefix: "realign-s3rver-" });
  const child = new Deno.Command("node", {
    args: ["--openssl-legacy-provider", `${HOME}/main.cjs`, directory, bucket],
    cwd: HOME,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdin = child.stdin.getWriter();
  let text = "";
  let resolvePort: (p: number) => void = () => {};
  const listening = new Promise<number>((r) => (resolvePort = r));
  const dec = new TextDecoder();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) {
      text += dec.decode(chunk, { stream: true });
      const m = text.match(/listening (\d+)/);
      if (m) resolvePort(Number(m[1]));
    }
  };
  const done = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const stopChild = async () => {
    await stdin.close().catch(() => {});
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
    await done;
    await Deno.remove(directory, { recursive: true }).catch(() => {});
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let port: number;
  try {
    port = await Promise.race([
      listening,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`s3rver did not start:\n${text}`)), 15000);
      }),
      child.status.then((): never => {
        throw new Error(`s3rver exited:\n${text}`);
      }),
    ]);
  } catch (e) {
    await stopChild();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    config: (prefix = "", extra = {}) => ({
      bucket,
      prefix,
      region: "us-east-1",
      endpoint,
      forcePathStyle: true,
      accessKeyId: S3RVER_KEY,
      secretAccessKey: S3RVER_KEY,
      ...extra,
    }),
    env: () => ({
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: "1",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: S3RVER_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
    }),
    close: stopChild,
  };
}
