/**
 * The README's test command (`deno task test`): runs the whole suite with
 * `deno test`, passes its output through, then prints the plain summary line
 * CI reads: `N passed, N failed`.
 *
 * Extra arguments are passed to `deno test` (e.g. a file or `--filter`).
 * The tests' temporary folders go into one folder (TMPDIR), removed at the end.
 *
 * @module
 */

// The suite's own npm tools, installed on first use (npm comes with Node, which every machine
// here has): wrangler/workerd for the Workers tests, s3rver for the S3 store tests.
const ROOT = new URL("../", import.meta.url).pathname;
for (const prefix of ["infra/cloudflare", "test/helpers/s3rver"]) {
  const installed = await Deno.stat(`${ROOT}${prefix}/node_modules`).then(() => true, () => false);
  if (installed) continue;
  console.error(`installing ${prefix}'s npm packages (npm ci)`);
  const r = await new Deno.Command("npm", {
    args: ["ci", "--prefix", `${ROOT}${prefix}`, "--no-audit", "--no-fund"],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!r.success) console.error(`npm ci --prefix ${prefix} failed; its tests will fail or skip`);
}

const args = Deno.args.length > 0 ? Deno.args : ["test/"];
// The tests' temporary folders (runs, stores, outputs: hundreds of MB) go into one folder of this
// run's, removed at the end, so a run leaves nothing behind in the system's temp folder.
const tmp = await Deno.makeTempDir({ prefix: "realign-tests-" });
const cmd = new Deno.Command(Deno.execPath(), {
  args: ["test", "--allow-all", "--unstable-kv", ...args],
  env: { NO_COLOR: "1", TMPDIR: tmp },
  stdout: "piped",
  stderr: "inherit",
});
const child = cmd.spawn();
const decoder = new TextDecoder();
let tail = "";
const out = Deno.stdout;
for await (const chunk of child.stdout) {
  await out.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4000);
}
const status = await child.status;
await Deno.remove(tmp, { recursive: true }).catch((e) =>
  console.error(`could not remove the tests' temporary folder ${tmp}: ${e}`)
);
const m = [...tail.matchAll(/(\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/g)].pop();
const passed = m ? Number(m[1]) : 0;
let failed = m ? Number(m[2]) : 0;
if (!status.success && failed === 0) failed = 1; // the runner itself failed (type error, crash)
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(status.success ? 0 : 1);
