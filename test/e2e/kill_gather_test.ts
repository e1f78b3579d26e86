/**
 * An orchestrator killed in the middle of gathering (SIGKILL, no clean-up)
 * leaves no output under a final name, and registering again finishes the
 * job with outputs identical to an uninterrupted run, without estimating or
 * reslicing again.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { filesIn, ROOT, runCli, tempDir } from "../helpers/cli.ts";
import { simulateRun } from "../helpers/simulate.ts";
import { syntheticHeader } from "../helpers/synthetic_header.ts";
import { encodeNifti } from "../../shared/nifti/read.ts";
import { KvJobStore } from "../../infra/deno/kv_job_store.ts";

Deno.test("killed during gather: no partial outputs; a second run finishes with identical outputs", async () => {
  const dir = await tempDir();
  const nt = 60;
  const sim = await simulateRun({
    dims: [48, 56, 40],
    voxelSize: [3.5, 3.5, 4],
    motions: Array.from({ length: nt }, (_, t) => [0.02 * t, -0.01 * t, 0, 0.02 * t, 0, 0]),
    noise: 0.02,
    seed: 5,
    subsample: 1,
  });
  const header = syntheticHeader([48, 56, 40, nt], sim.affine, { datatype: 16 });
  await Deno.writeFile(
    `${dir}/run_bold.nii.gz`,
    await encodeNifti(header, sim.data, { datatype: 16, sclSlope: 1, sclInter: 0 }, true),
  );
  const args = (out: string, store: string) => [
    "run_bold.nii.gz",
    "--out",
    out,
    "--store",
    store,
    "--quiet",
    "--workers",
    "2",
  ];

  // Uninterrupted, for reference.
  const ok = await runCli(args(`${dir}/ref`, `${dir}/store-ref`), dir);
  assertEquals(ok.code, 0, ok.stderr);

  // Killed as soon as the job record says gather (tries again if the gather was missed).
  let killedInGather = false;
  for (let attempt = 0; attempt < 3 && !killedInGather; attempt++) {
    const store = `${dir}/store`;
    await Deno.remove(store, { recursive: true }).catch(() => {});
    await Deno.remove(`${dir}/out`, { recursive: true }).catch(() => {});
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--unstable-kv",
        `${ROOT}/infra/deno/main.ts`,
        ...args(`${dir}/out`, store),
      ],
      cwd: ROOT,
      env: { INIT_CWD: dir, NO_COLOR: "1" },
      stdout: "null",
      stderr: "null",
    }).spawn();
    let exited = false;
    const status = child.status.then((s) => (exited = true, s));
    while (!exited) {
      await new Promise((r) => setTimeout(r, 10));
      const kv = await KvJobStore.open(`${store}/jobs.sqlite`).catch(() => null);
      if (!kv) continue;
      const jobs = await kv.listJobs().catch(() => []);
      kv.close();
      if (jobs[0]?.phase === "gather" && jobs[0].state === "running") {
        child.kill("SIGKILL");
        killedInGather = true;
        break;
      }
    }
    await status;
  }
  assert(killedInGather, "the process was killed during gather");
  const kv = await KvJobStore.open(`${dir}/store/jobs.sqlite`);
  const [job] = await kv.listJobs();
  kv.close();
  assertEquals(job!.state, "running", "the killed job is left resumable, not done");

  // Registering again resumes: the outputs equal the uninterrupted run's, byte for byte.
  const again = await runCli([...args(`${dir}/out`, `${dir}/store`), "--profile"], dir);
  assertEquals(again.code, 0, again.stderr);
  const profile = JSON.parse(await Deno.readTextFile(`${dir}/out/run_profile.json`));
  await Deno.remove(`${dir}/out/run_profile.json`);
  const redone = profile.invocations.map((i: { phase: string }) => i.phase);
  assertEquals(redone, [], "no function ran again (estimation and reslicing were done)");
  const names = await filesIn(`${dir}/ref`);
  // Every output, and no temporary file left by the killed writer (filesIn lists dot files too).
  assertEquals(await filesIn(`${dir}/out`), names);
  for (const n of names) {
    const a = await Deno.readFile(`${dir}/ref/${n}`), b = await Deno.readFile(`${dir}/out/${n}`);
    assertEquals(b.length, a.length, `${n}: size`);
    assert(a.every((v, i) => v === b[i]), `${n}: identical bytes`);
  }
  await Deno.remove(dir, { recursive: true });
});
