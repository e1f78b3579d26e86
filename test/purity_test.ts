/**
 * The pure core stays pure: `shared/`, `functions/` and `orchestrator/` touch
 * no `Deno.*` and no `node:*`. Checked twice: by reading the sources, and by
 * type-checking them with a lib that has no Deno namespace (as Deno's std
 * does for its browser-compatible modules).
 */
import { assert, assertEquals } from "./helpers/assert.ts";

const PURE = ["shared", "functions", "orchestrator"];
const root = new URL("../", import.meta.url).pathname;

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${root}${dir}`)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await sources(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out.sort();
}

Deno.test("pure layers name no Deno global and import no node: module", async () => {
  const offenders: string[] = [];
  for (const dir of PURE) {
    for (const file of await sources(dir)) {
      const text = await Deno.readTextFile(`${root}${file}`);
      const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
      if (/\bDeno\s*\./.test(code)) offenders.push(`${file}: Deno.*`);
      if (/["']node:[a-z_/]+["']/.test(code)) offenders.push(`${file}: node:*`);
    }
  }
  assertEquals(offenders, []);
});

Deno.test("pure layers type-check without the Deno namespace", async () => {
  const cfg = JSON.parse(await Deno.readTextFile(`${root}deno.json`));
  cfg.compilerOptions = { ...cfg.compilerOptions, lib: ["esnext", "dom", "dom.iterable"] };
  delete cfg.tasks;
  const tmp = `${root}.pure-check.json`;
  await Deno.writeTextFile(tmp, JSON.stringify(cfg));
  try {
    const files = (await Promise.all(PURE.map(sources))).flat();
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", "--config", tmp, ...files],
      cwd: root,
      env: { NO_COLOR: "1" },
    }).output();
    const err = new TextDecoder().decode(r.stderr);
    assert(r.success, `type check without Deno namespace failed:\n${err.slice(0, 3000)}`);
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
});
