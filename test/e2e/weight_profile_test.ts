/**
 * `--weight` and `--profile` through the real CLI on the sample run.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { runCli, SAMPLE, tempDir } from "../helpers/cli.ts";
import { syntheticHeader } from "../helpers/synthetic_header.ts";
import { encodeNifti, readNifti } from "../../shared/nifti/read.ts";
import { parseRpText } from "../../shared/motion/motion_files.ts";
import type { RunProfile } from "../../orchestrator/profile.ts";

const sample = await readNifti(await Deno.readFile(SAMPLE), SAMPLE);
const [nx, ny, nz] = [sample.header.dims[1]!, sample.header.dims[2]!, sample.header.dims[3]!];

async function writeVolume(
  path: string,
  data: Float32Array,
  dims = [nx, ny, nz],
  affine = sample.affine,
) {
  const h = syntheticHeader(dims, affine, { datatype: 16 });
  await Deno.writeFile(
    path,
    await encodeNifti(h, data, { datatype: 16, sclSlope: 1, sclInter: 0 }, false),
  );
}

Deno.test("--weight: a weight image changes the estimate; ones everywhere do not; bad ones exit 2", async () => {
  const dir = await tempDir();
  const n3 = nx * ny * nz;
  const ones = new Float32Array(n3).fill(1);
  const half = new Float32Array(n3).fill(1).fill(0, 0, Math.floor(n3 / 2));
  await writeVolume(`${dir}/ones.nii`, ones);
  await writeVolume(`${dir}/half.nii`, half);
  const run = async (extra: string[], out: string) => {
    const r = await runCli(
      [SAMPLE, "--out", out, "--store", `${dir}/store`, "--quiet", ...extra],
      dir,
    );
    assertEquals(r.code, 0, r.stderr);
    return parseRpText(await Deno.readTextFile(`${out}/real_fmri_17x21x3x20_rp.txt`));
  };
  const plain = await run([], `${dir}/plain`);
  const withOnes = await run(["--weight", "ones.nii"], `${dir}/ones`);
  const withHalf = await run(["--weight", "half.nii"], `${dir}/half`);
  let dOnes = 0, dHalf = 0;
  for (let t = 0; t < plain.length; t++) {
    for (let k = 0; k < 6; k++) {
      dOnes = Math.max(dOnes, Math.abs(withOnes[t]![k]! - plain[t]![k]!));
      dHalf = Math.max(dHalf, Math.abs(withHalf[t]![k]! - plain[t]![k]!));
    }
  }
  assert(dOnes < 1e-6, `weight 1 everywhere equals no weight (max difference ${dOnes})`);
  assert(
    dHalf > 1e-3,
    `half the volume weighted out changes the estimate (max difference ${dHalf})`,
  );

  // Wrong grid, all zero, missing: exit 2 naming the weight file, no outputs.
  await writeVolume(`${dir}/small.nii`, new Float32Array(4 * 4 * 3).fill(1), [4, 4, 3]);
  await writeVolume(`${dir}/zero.nii`, new Float32Array(n3));
  for (
    const [file, problem] of [
      ["small.nii", "run's grid"],
      ["zero.nii", "no positive weight"],
      ["absent.nii", "no such file"],
    ]
  ) {
    const out = `${dir}/bad-${file}`;
    const r = await runCli(
      [SAMPLE, "--out", out, "--store", `${dir}/store`, "--weight", file],
      dir,
    );
    assertEquals(r.code, 2, `${file}: ${r.stderr}`);
    assert(r.stderr.includes(file) && r.stderr.includes(problem), `${file}: ${r.stderr}`);
    assert(!r.stderr.includes("    at "), `${file}: no stack trace`);
    const made = await Deno.stat(out).then(() => true, () => false);
    assert(!made || [...Deno.readDirSync(out)].length === 0, `${file}: no outputs`);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--profile writes <stem>_profile.json with phases and every invocation, and prints a table", async () => {
  const dir = await tempDir();
  const r = await runCli(
    [
      SAMPLE,
      "--out",
      dir,
      "--store",
      `${dir}/store`,
      "--profile",
      "--workers",
      "2",
      "--max-slab-mb",
      "1",
    ],
    dir,
  );
  assertEquals(r.code, 0, r.stderr);
  const p = JSON.parse(
    await Deno.readTextFile(`${dir}/real_fmri_17x21x3x20_profile.json`),
  ) as RunProfile;
  assertEquals(p.frames, 20);
  for (const phase of ["stage", "estimate", "reslice", "gather"]) {
    assert(p.phases[phase]! > 0, `phase ${phase} timed`);
  }
  // Every frame is covered exactly once per fanned-out phase.
  for (const phase of ["estimate", "reslice"]) {
    const inv = p.invocations.filter((i) => i.phase === phase).sort((a, b) => a.start - b.start);
    assert(inv.length >= 2, `${phase}: ${inv.length} invocations`);
    assertEquals(inv[0]!.start, 0);
    assertEquals(inv.at(-1)!.end, 20);
    for (let i = 1; i < inv.length; i++) assertEquals(inv[i]!.start, inv[i - 1]!.end);
    for (const i of inv) {
      assert(i.queueMs >= 0 && i.computeMs >= 0 && i.totalMs >= i.computeMs, JSON.stringify(i));
      // each Web Worker measures its own isolate: at least the frames it holds, far below 128 MB
      assert(i.peakMb !== undefined && i.peakMb > 0.1 && i.peakMb < 128, JSON.stringify(i));
    }
  }
  assert(p.totalMs >= Object.values(p.phases).reduce((a, b) => a + b, 0) * 0.99, "total ≥ phases");
  assert(r.stderr.includes("compute ms") && r.stderr.includes("estimate"), r.stderr);
  await Deno.remove(dir, { recursive: true });
});
