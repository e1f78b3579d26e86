/**
 * Start a real `deno serve` process on a free port (`--port 0`, the port read
 * back from its "Listening on" line), and stop it again. Tests must stop
 * every server they start.
 *
 * @module
 */
import { ROOT } from "./cli.ts";

export interface Server {
  url: string;
  pid: number;
  /** Everything the process printed so far. */
  log(): string;
  /** SIGTERM (or the given signal) and wait for the exit. */
  stop(signal?: Deno.Signal): Promise<void>;
}

/** `deno serve [--parallel] <script> ...args` with `env`; resolves once it listens. */
export async function startServer(
  script: string,
  args: string[],
  env: Record<string, string>,
  opts: { parallel?: boolean; timeoutMs?: number } = {},
): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "serve",
      "--allow-all",
      "--unstable-kv",
      "--unstable-cron",
      ...(opts.parallel ? ["--parallel"] : []),
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      `${ROOT}/${script}`,
      ...args,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  let resolveUrl: (u: string) => void = () => {};
  const listening = new Promise<string>((r) => (resolveUrl = r));
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) {
      text += dec.decode(chunk, { stream: true });
      const m = text.match(/Listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) resolveUrl(m[1]!);
    }
  };
  const done = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
    await child.status;
    await done;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`server did not start:\n${text}`)),
      opts.timeoutMs ?? 30000,
    );
  });
  let url: string;
  try {
    url = await Promise.race([
      listening,
      timeout,
      child.status.then(() => {
        throw new Error(`server exited:\n${text}`);
      }),
    ]);
  } catch (e) {
    await stop("SIGKILL");
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return { url, pid: child.pid, log: () => text, stop };
}
