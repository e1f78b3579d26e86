/**
 * Awkward inputs through the real CLI: odd encodings of the same real run are
 * accepted and give the same motion; broken files are refused with exit 2, a
 * message naming the file, and nothing left behind.
 */
import { assert, assertClose, assertEquals } from "../helpers/assert.ts";
import { filesIn, runCli, SAMPLE, tempDir } from "../helpers/cli.ts";
import { buildNifti } from "../helpers/corrupt_files.ts";
import { readNifti } from "../../shared/nifti/read.ts";
import { parseRpText } from "../../shared/motion/motion_files.ts";

const sample = await readNifti(await Deno.readFile(SAMPLE), "sample");
const DIMS = [4, 17, 21, 3, 20];
const PIXDIM = [1, 4, 4, 8, 2, 1, 1, 1];
const stored = Float64Array.from(sample.data, (v) => Math.round(v));

async function rpOf(
  dir: string,
  name: string,
  bytes: Uint8Array,
  extra: string[] = [],
): Promise<number[][]> {
  await Deno.writeFile(`${dir}/${name}`, bytes);
  const r = await runCli([name, "--store", "store", ...extra], dir);
  assertEquals(r.code, 0, `${name}: ${r.stderr}`);
  const stem = name.replace(/\.nii(\.gz)?$/, "");
  return parseRpText(await Deno.readTextFile(`${dir}/${stem}_rp.txt`));
}

Deno.test("big-endian, NIfTI-2, scl_slope 0 and float64 encodings of one run give the same motion", async () => {
  const dir = await tempDir();
  const base = { dims: DIMS, pixdim: PIXDIM, xyztUnits: 10, values: stored };
  const ref = await rpOf(dir, "le.nii", buildNifti({ ...base, datatype: 4 }));
  const variants: [string, Uint8Array][] = [
    ["be.nii", buildNifti({ ...base, datatype: 4, littleEndian: false })],
    ["n2.nii", buildNifti({ ...base, datatype: 4, version: 2 })],
    ["slope0.nii", buildNifti({ ...base, datatype: 4, sclSlope: 0, sclInter: 7 })],
    ["f64.nii", buildNifti({ ...base, datatype: 64 })],
  ];
  for (const [name, bytes] of variants) {
    const rp = await rpOf(dir, name, bytes);
    for (let t = 0; t < 20; t++) {
      for (let k = 0; k < 6; k++) {
        assertClose(rp[t]![k]!, ref[t]![k]!, 1e-6, `${name} frame ${t} param ${k}`);
      }
    }
  }
});

Deno.test("a uint8 run, a two-frame run and a run with NaN voxels are accepted; outputs stay finite", async () => {
  const dir = await tempDir();
  let max = 0;
  for (const v of stored) max = Math.max(max, v);
  const u8 = Float64Array.from(stored, (v) => Math.round((255 * Math.max(0, v)) / max));
  await rpOf(dir, "u8.nii", buildNifti({ dims: DIMS, pixdim: PIXDIM, datatype: 2, values: u8 }));
  const n3 = 17 * 21 * 3;
  const two = await rpOf(
    dir,
    "two.nii",
    buildNifti({
      dims: [4, 17, 21, 3, 2],
      pixdim: PIXDIM,
      datatype: 4,
      values: stored.subarray(0, 2 * n3),
    }),
  );
  assertEquals(two.length, 2);
  const withNaN = Float64Array.from(stored);
  for (let i = 0; i < withNaN.length; i += 97) withNaN[i] = NaN;
  withNaN[5 * n3 + 100] = Infinity;
  const rp = await rpOf(
    dir,
    "nan.nii",
    buildNifti({ dims: DIMS, pixdim: PIXDIM, datatype: 16, values: withNaN }),
  );
  assert(rp.flat().every(Number.isFinite), "finite parameters");
  const out = await readNifti(await Deno.readFile(`${dir}/nan_desc-realigned_bold.nii`), "out");
  assert(out.data.every(Number.isFinite), "finite realigned voxels");
  const mean = await readNifti(await Deno.readFile(`${dir}/nan_desc-mean_bold.nii`), "mean", {
    allow3d: true,
  });
  assert(mean.data.every(Number.isFinite), "finite mean voxels");
});

Deno.test("broken files: exit 2, the file named, no outputs, no job record", async () => {
  const dir = await tempDir();
  const gz = await Deno.readFile(SAMPLE);
  const good = buildNifti({ dims: DIMS, pixdim: PIXDIM, datatype: 4, values: stored });
  const cases: [string, Uint8Array, RegExp][] = [
    ["empty.nii", new Uint8Array(0), /empty/],
    ["cut_gzip.nii.gz", gz.subarray(0, gz.length >> 1), /cut short|truncated/],
    ["cut_voxels.nii", good.subarray(0, good.length - 1000), /holds only|cut short|truncated/],
    ["zero_dim.nii", buildNifti({ dims: [4, 17, 0, 3, 20], pixdim: PIXDIM, datatype: 4 }), /dim/],
    [
      "five_d.nii",
      buildNifti({ dims: [5, 4, 4, 4, 2, 3], pixdim: PIXDIM, datatype: 4 }),
      /dim\[5\]|5-D/,
    ],
    [
      "complex.nii",
      buildNifti({
        dims: [4, 4, 4, 4, 2],
        pixdim: PIXDIM,
        datatype: 32,
        bitpix: 64,
        writeVoxels: 0,
      }),
      /complex|datatype/i,
    ],
    [
      "huge.nii",
      buildNifti({
        dims: [4, 30000, 30000, 30000, 30000],
        pixdim: PIXDIM,
        datatype: 4,
        writeVoxels: 0,
      }),
      /TB|holds only/,
    ],
  ];
  for (const [name, bytes, re] of cases) {
    await Deno.writeFile(`${dir}/${name}`, bytes);
    const r = await runCli([name, "--store", "store"], dir);
    assertEquals(r.code, 2, `${name}: exit code (${r.stderr})`);
    const line = r.stderr.trim();
    assert(!line.includes("\n"), `${name}: one line: ${line}`);
    assert(line.includes(name), `${name}: names the file: ${line}`);
    assert(re.test(line), `${name}: says what is wrong: ${line}`);
  }
  assertEquals(await filesIn(dir), cases.map((c) => c[0]).sort());
  const kv = await Deno.openKv(`${dir}/store/jobs.sqlite`);
  const jobs = await Array.fromAsync(kv.list({ prefix: ["job"] }));
  kv.close();
  assertEquals(jobs.length, 0);
});
