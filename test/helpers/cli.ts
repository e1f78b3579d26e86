/**
 * Run the real `register` CLI in a subprocess, as a user would, from a
 * chosen working folder (passed as INIT_CWD like `deno task` does).
 *
 * @module
 */

export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
export const SAMPLE = `${ROOT}/test/data/real_fmri_17x21x3x20.nii.gz`;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `deno task register ...args` with `cwd` as the caller's folder. */
export async function runCli(args: string[], cwd: string): Promise<CliRun> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--unstable-kv", `${ROOT}/infra/deno/main.ts`, ...args],
    cwd: ROOT,
    env: { INIT_CWD: cwd, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

/** A fresh temporary folder. */
export function tempDir(prefix = "realign-test-"): Promise<string> {
  return Deno.makeTempDir({ prefix });
}

/** Names of the files in a folder (not recursive), sorted. */
export async function filesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
  return names.sort();
}
