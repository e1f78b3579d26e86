/**
 * The `register` CLI: the composition root on Deno. Parses the command line,
 * picks the adapters (local folder store, Deno KV, a Web Worker pool, node's
 * zlib) and hands them to the orchestrator.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { cliOptions, HELP, OPTION_SPEC } from "../../orchestrator/cli_options.ts";
import { progressLine } from "../../orchestrator/progress_bar.ts";
import { JobFailed, register } from "../../orchestrator/register.ts";
import { buildProfile, profileTable } from "../../orchestrator/profile.ts";
import { InputError, isInputError } from "../../shared/errors.ts";
import { KvJobStore } from "./kv_job_store.ts";
import { LocalFolderStore } from "./local_object_store.ts";
import { chooseInvoker, storeLayout } from "./store_layout.ts";
import { runtimePorts } from "./runtime_ports.ts";
import { absolutePath, dirnameOf } from "./paths.ts";

/** Check the input file is there and readable; the orchestrator streams it from its folder. */
async function checkInput(path: string, shown: string): Promise<void> {
  try {
    const st = await Deno.stat(path);
    if (st.isDirectory) throw new InputError(shown, "is a folder, not a NIfTI file");
    (await Deno.open(path, { read: true })).close();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new InputError(shown, "no such file");
    if (e instanceof Deno.errors.PermissionDenied) throw new InputError(shown, "permission denied");
    throw e;
  }
}

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTION_SPEC, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/\. To specify.*$/s, "") : String(e);
    throw new InputError("register", `${msg} (see --help)`);
  }
  if (parsed.values.help) {
    console.log(HELP);
    return 0;
  }
  const opts = cliOptions(parsed.values, parsed.positionals, navigator.hardwareConcurrency);
  const cwd = Deno.env.get("INIT_CWD") ?? Deno.cwd();
  const inputPath = absolutePath(cwd, opts.input);
  const outDir = absolutePath(cwd, opts.out ?? dirnameOf(inputPath));
  const storeDir = absolutePath(cwd, opts.store ?? ".realign");
  await checkInput(inputPath, opts.input);
  const weightPath = opts.weight === null ? null : absolutePath(cwd, opts.weight);
  await Deno.mkdir(storeDir, { recursive: true });
  await Deno.mkdir(outDir, { recursive: true });
  const kvPath = `${storeDir}/jobs.sqlite`;
  const jobs = await KvJobStore.open(kvPath);
  const invoker = chooseInvoker(storeLayout(storeDir), opts.workers, opts.functionsUrl, null, {
    releaseWhenIdle: true, // one job: the workers' memory is freed before gather
  });
  const ports = runtimePorts(new LocalFolderStore(`${storeDir}/objects`), jobs, invoker);
  const showProgress = !opts.quiet && !opts.json && Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  let lastPhase = "";
  const onProgress = showProgress
    ? (p: { phase: string; done: number; total: number }) => {
      const cols = Deno.consoleSize?.().columns ?? 80;
      if (lastPhase && p.phase !== lastPhase) Deno.stderr.writeSync(enc.encode("\n"));
      lastPhase = p.phase;
      Deno.stderr.writeSync(enc.encode(`\r${progressLine(p, Math.min(cols - 1, 72))}`));
    }
    : undefined;
  const started = performance.now();
  try {
    const summary = await register({
      input: {
        name: opts.input,
        store: new LocalFolderStore(dirnameOf(inputPath)),
        key: inputPath.slice(inputPath.lastIndexOf("/") + 1),
      },
      options: opts.job,
      ...(weightPath
        ? {
          weight: {
            name: opts.weight!,
            store: new LocalFolderStore(dirnameOf(weightPath)),
            key: weightPath.slice(weightPath.lastIndexOf("/") + 1),
          },
        }
        : {}),
      outputs: new LocalFolderStore(outDir),
      maxSlabBytes: opts.maxSlabMb * 1024 * 1024,
      force: opts.force,
      ...(onProgress ? { onProgress } : {}),
    }, ports);
    if (showProgress) Deno.stderr.writeSync(enc.encode("\n"));
    const totalMs = performance.now() - started;
    if (opts.profile) {
      const profile = buildProfile(
        summary.job,
        summary.frames,
        opts.workers,
        summary.timings,
        totalMs,
        summary.tasks,
      );
      const stem = summary.outputs.motion.replace(/_motion\.tsv$/, "");
      await new LocalFolderStore(outDir).put(
        `${stem}_profile.json`,
        new TextEncoder().encode(JSON.stringify(profile, null, 2) + "\n"),
      );
      if (!opts.json) console.error(profileTable(profile));
    }
    const outputs = Object.fromEntries(
      Object.entries(summary.outputs).map(([k, v]) => [k, `${outDir}/${v}`]),
    );
    if (opts.json) {
      console.log(JSON.stringify({
        job: summary.job,
        reused: summary.reused,
        frames: summary.frames,
        outputs,
        timings: { ...summary.timings, total: totalMs },
      }));
    } else if (!opts.quiet) {
      for (const p of Object.values(outputs)) console.log(p);
    }
    return 0;
  } finally {
    await invoker.close();
    await ports.rasterizer.close?.();
    jobs.close();
  }
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (e) {
    if (e instanceof JobFailed) {
      const err = e.record.error;
      console.error(
        `realign: ${err?.message ?? "job failed"}${err?.range ? ` (frames ${err.range})` : ""}`,
      );
      code = e.input ? 2 : 1;
    } else if (isInputError(e)) {
      console.error(`realign: ${(e as Error).message}`);
      code = 2;
    } else {
      console.error("realign: internal error:", e);
      code = 1;
    }
  }
  Deno.exit(code);
}
