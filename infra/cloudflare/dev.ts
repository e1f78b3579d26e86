/**
 * `deno task workers`: the whole Cloudflare stack on this machine —
 * `wrangler dev` in local mode (workerd, with local R2, Queues, Durable
 * Objects and the cron handler at `/__scheduled`), listening on `PORT`
 * (default 8787), the API token from `REALIGN_TOKEN`, state persisted under
 * `.realign/wrangler/`. Needs `npm ci --prefix infra/cloudflare` once.
 *
 * {@link startWrangler} is also what the runtime tests use: it starts wrangler
 * in its own process group (so workerd goes down with it) and waits until
 * the Worker answers.
 *
 * @module
 */

const HERE = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const WRANGLER = `${HERE}/node_modules/wrangler/bin/wrangler.js`;

/** A running `wrangler dev`. */
export interface WranglerDev {
  url: string;
  /** Everything wrangler printed so far (stdout and stderr). */
  log(): string;
  /** Stop wrangler and workerd (the whole process group) and wait for them. */
  stop(): Promise<void>;
}

export interface WranglerOptions {
  port: number;
  persistTo: string;
  token: string;
  /** Expose the cron handler at `GET /__scheduled`. */
  testScheduled?: boolean;
  /** Pass wrangler's output through to this process instead of capturing it. */
  inherit?: boolean;
  /** Worker vars to override (`--var NAME:value`), e.g. `WATCHDOG_SECONDS`. */
  vars?: Record<string, string>;
  /** Give up if the Worker does not answer within this many ms. */
  readyMs?: number;
}

/** A TCP port nobody listens on right now. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Start `wrangler dev --local` and wait until `/v1/` answers. */
export async function startWrangler(o: WranglerOptions): Promise<WranglerDev> {
  try {
    await Deno.stat(WRANGLER);
  } catch {
    throw new Error(`Cannot start wrangler: run \`npm ci --prefix infra/cloudflare\` first`);
  }
  const args = [
    "node",
    WRANGLER,
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(o.port),
    "--inspector-port",
    String(freePort()),
    "--persist-to",
    o.persistTo,
    "--show-interactive-dev-session=false",
    "--log-level",
    "log",
    ...(o.testScheduled ? ["--test-scheduled"] : []),
    ...Object.entries(o.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  const child = new Deno.Command("setsid", {
    args,
    cwd: HERE,
    // the secret reaches wrangler as an environment variable (not on the command line)
    env: { REALIGN_TOKEN: o.token, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" },
    stdin: "null",
    stdout: o.inherit ? "inherit" : "piped",
    stderr: o.inherit ? "inherit" : "piped",
  }).spawn();
  let text = "";
  const dec = new TextDecoder();
  const drains: Promise<void>[] = [];
  if (!o.inherit) {
    for (const s of [child.stdout, child.stderr]) {
      drains.push((async () => {
        for await (const chunk of s) text += dec.decode(chunk, { stream: true });
      })());
    }
  }
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    if (!exited) {
      try {
        Deno.kill(-child.pid, "SIGTERM"); // setsid made the child a group leader: pgid = pid
      } catch { /* already gone */ }
      const timer = setTimeout(() => {
        try {
          Deno.kill(-child.pid, "SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await status;
      clearTimeout(timer);
    }
    try {
      Deno.kill(-child.pid, "SIGKILL"); // workerd, should it have outlived wrangler
    } catch { /* gone */ }
    await Promise.all(drains);
  };
  const url = `http://127.0.0.1:${o.port}`;
  const deadline = Date.now() + (o.readyMs ?? 60_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`wrangler dev exited before it was ready:\n${text}`);
    }
    try {
      const r = await fetch(`${url}/v1/`);
      await r.body?.cancel();
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`wrangler dev did not answer within ${o.readyMs ?? 60_000} ms:\n${text}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { url, log: () => text, stop };
}

if (import.meta.main) {
  const port = Number(Deno.env.get("PORT") ?? 8787);
  const token = Deno.env.get("REALIGN_TOKEN") ?? "";
  if (token === "") console.warn("realign: REALIGN_TOKEN is not set: the API accepts anyone");
  const root = HERE.replace(/\/infra\/cloudflare$/, "");
  const dev = await startWrangler({
    port,
    persistTo: `${root}/.realign/wrangler`,
    token,
    testScheduled: true,
    inherit: true,
    readyMs: 120_000,
  });
  console.log(`realign on workerd: ${dev.url}/v1/ (cron: ${dev.url}/__scheduled)`);
  const shutdown = async () => {
    await dev.stop();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
}
