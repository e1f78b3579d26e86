/**
 * The Worker's static checks, which `deno check` cannot do (its lib has no
 * R2Bucket, DurableObject or Queue): the `Env` type generated from
 * wrangler.jsonc is up to date (`wrangler types --check`, one source of
 * truth), and the Worker with everything it imports type-checks against
 * @cloudflare/workers-types (`tsc -p infra/cloudflare`).
 *
 * Skipped (with a message) when `npm ci --prefix infra/cloudflare` has not run.
 */
import { assertEquals } from "../helpers/assert.ts";
import { ROOT } from "../helpers/cli.ts";

const DIR = `${ROOT}/infra/cloudflare`;
const installed = await Deno.stat(`${DIR}/node_modules/wrangler/package.json`)
  .then(() => true, () => false);
if (!installed) console.warn("config_test: skipped: run `npm ci --prefix infra/cloudflare`");

async function node(args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command("node", {
    args,
    cwd: DIR,
    env: { NO_COLOR: "1", WRANGLER_SEND_METRICS: "false", CI: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

Deno.test({
  name: "worker_env.d.ts is what `wrangler types` makes of wrangler.jsonc",
  ignore: !installed,
}, async () => {
  const r = await node([
    "node_modules/wrangler/bin/wrangler.js",
    "types",
    "--include-runtime=false",
    "--strict-vars=false",
    "worker_env.d.ts",
    "--check",
  ]);
  assertEquals(r.code, 0, r.out);
});

Deno.test({
  name: "the Worker type-checks against @cloudflare/workers-types",
  ignore: !installed,
}, async () => {
  const r = await node(["node_modules/typescript/bin/tsc", "-p", "."]);
  assertEquals(r.code, 0, r.out);
});
