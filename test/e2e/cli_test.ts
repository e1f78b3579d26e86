/**
 * The `register` CLI end to end on the shipped sample run, in a subprocess
 * with real adapters (folder store, Deno KV, Web Worker pool).
 */
import { assert, assertClose, assertEquals } from "../helpers/assert.ts";
import { filesIn, runCli, SAMPLE, tempDir } from "../helpers/cli.ts";
import { readNifti } from "../../shared/nifti/read.ts";
import { parseMotionTsv, parseRpText, parseXfmTsv } from "../../shared/motion/motion_files.ts";
import { listAll } from "../../shared/ports/object_store.ts";
import { LocalFolderStore } from "../../infra/deno/local_object_store.ts";

const OUT = {
  mean: "real_fmri_17x21x3x20_desc-mean_bold.nii.gz",
  realigned: "real_fmri_17x21x3x20_desc-realigned_bold.nii.gz",
  png: "real_fmri_17x21x3x20_motion.png",
  plot: "real_fmri_17x21x3x20_motion.svg",
  motion: "real_fmri_17x21x3x20_motion.tsv",
  report: "real_fmri_17x21x3x20_report.html",
  rp: "real_fmri_17x21x3x20_rp.txt",
  xfm: "real_fmri_17x21x3x20_xfm.tsv",
};
const OUTPUTS = Object.values(OUT).sort();

async function copySample(dir: string): Promise<string> {
  await Deno.copyFile(SAMPLE, `${dir}/real_fmri_17x21x3x20.nii.gz`);
  return "real_fmri_17x21x3x20.nii.gz";
}

Deno.test("register writes every output beside the input, relative to the caller's folder", async () => {
  const dir = await tempDir();
  const name = await copySample(dir);
  const r = await runCli([name, "--workers", "2"], dir);
  assertEquals(r.code, 0, `exit code; stderr: ${r.stderr}`);
  assertEquals(r.stderr, "", "nothing on stderr when it is not a terminal");
  const listed = r.stdout.trim().split("\n").map((l) => l.slice(l.lastIndexOf("/") + 1)).sort();
  assertEquals(listed, OUTPUTS);
  const files = (await filesIn(dir)).filter((f) => f !== name);
  assertEquals(files, OUTPUTS);

  const input = await readNifti(await Deno.readFile(SAMPLE), "sample");
  const out = await readNifti(await Deno.readFile(`${dir}/${OUT.realigned}`), "realigned");
  assertEquals(out.header.dims.slice(0, 5), [4, 17, 21, 3, 20]);
  assertEquals(out.header.datatype, input.header.datatype);
  assertEquals(out.header.qformCode, input.header.qformCode);
  assertEquals(out.header.sformCode, input.header.sformCode);
  for (let i = 0; i < 16; i++) assertClose(out.affine[i]!, input.affine[i]!, 1e-5, `affine[${i}]`);
  assertClose(out.header.pixdim[4]!, input.header.pixdim[4]!, 1e-6, "TR");
  const mean = await readNifti(await Deno.readFile(`${dir}/${OUT.mean}`), "mean", {
    allow3d: true,
  });
  assertEquals(mean.header.dims.slice(0, 4), [3, 17, 21, 3]);

  const motion = parseMotionTsv(await Deno.readTextFile(`${dir}/${OUT.motion}`));
  assertEquals(motion.header.slice(0, 7), [
    "trans_x",
    "trans_y",
    "trans_z",
    "rot_x",
    "rot_y",
    "rot_z",
    "framewise_displacement",
  ]);
  assertEquals(motion.params.length, 20);
  assertEquals(motion.params[0], [0, 0, 0, 0, 0, 0]);
  assertEquals(motion.columns.framewise_displacement![0], 0);
  const rp = parseRpText(await Deno.readTextFile(`${dir}/${OUT.rp}`));
  assertEquals(rp.length, 20);
  for (let t = 0; t < 20; t++) {
    for (let k = 0; k < 6; k++) {
      assertClose(rp[t]![k]!, motion.params[t]![k]!, 1e-6, `rp/tsv frame ${t}`);
    }
  }
  const xfm = parseXfmTsv(await Deno.readTextFile(`${dir}/${OUT.xfm}`));
  assertEquals(xfm.length, 20);
  assertEquals(xfm[0], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  // the real run moves a little, well under a voxel
  const maxTrans = Math.max(...motion.params.flatMap((r) => r.slice(0, 3).map(Math.abs)));
  assert(maxTrans > 0.001 && maxTrans < 3, `max translation ${maxTrans} mm`);
});

Deno.test("--workers 1 and --workers 3 give the same parameters and image", async () => {
  const dir = await tempDir();
  const name = await copySample(dir);
  const a = await runCli([name, "--workers", "1", "--out", "w1", "--store", "s1"], dir);
  const b = await runCli([name, "--workers", "3", "--out", "w3", "--store", "s3"], dir);
  assertEquals([a.code, b.code], [0, 0], a.stderr + b.stderr);
  const pa = parseRpText(await Deno.readTextFile(`${dir}/w1/${OUT.rp}`));
  const pb = parseRpText(await Deno.readTextFile(`${dir}/w3/${OUT.rp}`));
  for (let t = 0; t < 20; t++) {
    for (let k = 0; k < 3; k++) assertClose(pa[t]![k]!, pb[t]![k]!, 1e-4, `frame ${t} param ${k}`);
    for (let k = 3; k < 6; k++) assertClose(pa[t]![k]!, pb[t]![k]!, 1e-6, `frame ${t} param ${k}`);
  }
  const ia = (await readNifti(await Deno.readFile(`${dir}/w1/${OUT.realigned}`), "a")).data;
  const ib = (await readNifti(await Deno.readFile(`${dir}/w3/${OUT.realigned}`), "b")).data;
  let maxAbs = 0, maxDiff = 0;
  for (let i = 0; i < ia.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(ia[i]!));
    maxDiff = Math.max(maxDiff, Math.abs(ia[i]! - ib[i]!));
  }
  assert(maxDiff <= 1e-4 * maxAbs, `images differ by ${maxDiff} (max ${maxAbs})`);
});

Deno.test("registering again reuses the finished job; --force recomputes", async () => {
  const dir = await tempDir();
  const name = await copySample(dir);
  const first = await runCli([name, "--json", "--profile"], dir);
  assertEquals(first.code, 0, first.stderr);
  const s1 = JSON.parse(first.stdout);
  assertEquals(s1.reused, false);
  // the pass-1 model was built once, by a prepare function, while the input was read
  const profile = JSON.parse(
    await Deno.readTextFile(s1.outputs.motion.replace(/_motion\.tsv$/, "_profile.json")),
  ) as { invocations: { phase: string }[] };
  assertEquals(profile.invocations.filter((i) => i.phase === "prepare").length, 1);
  const again = JSON.parse((await runCli([name, "--json"], dir)).stdout);
  assertEquals(again.reused, true);
  assertEquals(again.job, s1.job);
  const other = JSON.parse((await runCli([name, "--json", "--fwhm", "6"], dir)).stdout);
  assert(other.job !== s1.job, "a result-changing option gives another job");
  const forced = JSON.parse((await runCli([name, "--json", "--force"], dir)).stdout);
  assertEquals(forced.reused, false);
  assertEquals(forced.job, s1.job);
  // The reference models built while each input was read (early_model.ts) are gone, objects and
  // task records alike, after jobs that finished and after the reused one.
  const objects = new LocalFolderStore(`${dir}/.realign/objects`);
  assertEquals(await listAll(objects, "models/"), [], "no model objects left");
  assertEquals(await listAll(objects, `jobs/${s1.job}/model-`), [], "no model built after staging");
  const kv = await Deno.openKv(`${dir}/.realign/jobs.sqlite`);
  try {
    const tasks = await Array.fromAsync(kv.list({ prefix: ["task"] }));
    const ids = new Set(tasks.map((t) => String(t.key[1])));
    assert(
      ids.size >= 2 && [...ids].every((id) => !id.startsWith("model-")),
      `task ids ${[...ids]}`,
    );
  } finally {
    kv.close();
  }
  assertEquals(Object.keys(s1.outputs).sort(), [
    "mean",
    "motion",
    "plot",
    "png",
    "realigned",
    "report",
    "rp",
    "xfm",
  ]);
});

Deno.test("bad input and bad options: exit 2, one clear line, no outputs, no job state", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/notes.nii.gz`, "this is text, not a NIfTI file\n");
  await Deno.copyFile(
    new URL("../data/bigendian_anat_33x41x25.nii", import.meta.url),
    `${dir}/anat.nii`,
  );
  const cases: [string[], RegExp][] = [
    [["missing.nii.gz"], /missing\.nii\.gz: no such file/],
    [["notes.nii.gz"], /notes\.nii\.gz: .*gzip/],
    [["anat.nii"], /anat\.nii: .*3-D/],
    [["anat.nii", "--workers", "zero"], /--workers: must be/],
    [["anat.nii", "--ref", "last"], /--ref: must be/],
    [["anat.nii", "--bogus"], /bogus/],
    [[], /no input file/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli([...args, "--store", "store"], dir);
    assertEquals(r.code, 2, `exit code for ${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assertEquals(lines.length, 1, `one line for ${args.join(" ")}: ${r.stderr}`);
    assert(re.test(lines[0]!), `message for ${args.join(" ")}: ${lines[0]}`);
    assert(!/\bat\s+\S+:\d+/.test(r.stderr), "no stack trace");
  }
  assertEquals(await filesIn(dir), ["anat.nii", "notes.nii.gz"]);
  const kv = await Deno.openKv(`${dir}/store/jobs.sqlite`).catch(() => null);
  if (kv) {
    const jobs = await Array.fromAsync(kv.list({ prefix: ["job"] }));
    kv.close();
    assertEquals(jobs.length, 0, "no job records for rejected inputs");
  }
});

Deno.test("--help explains every option; --ref beyond the run is a user error", async () => {
  const dir = await tempDir();
  const help = await runCli(["--help"], dir);
  assertEquals(help.code, 0);
  for (
    const opt of [
      "--out",
      "--store",
      "--workers",
      "--ref",
      "--force",
      "--quiet",
      "--json",
      "--interp",
    ]
  ) {
    assert(help.stdout.includes(opt), `help mentions ${opt}`);
  }
  const name = await copySample(dir);
  const r = await runCli([name, "--ref", "25", "--store", "s"], dir);
  assertEquals(r.code, 2, r.stderr);
  assert(/20 frames/.test(r.stderr), r.stderr);
});
