/**
 * The input corpus through the real CLI, one `Deno.test` per case. Accepted
 * inputs (odd encodings, NIfTI-2, pairs, NaN voxels, TR in ms) are
 * registered and their motion checked against the simulated truth, and
 * against the plain int16 `.nii` of the same data where the voxels are the
 * same. Broken inputs give exit 2 and one line naming the file and the
 * problem, no stack trace, no outputs, and no job state (no job record, no
 * object in the store, not even a temporary one). Every file is generated
 * here (test/helpers/corrupt_files.ts), so the repository stays small.
 */
import { assert, assertClose, assertEquals } from "../helpers/assert.ts";
import { filesIn, runCli, SAMPLE, tempDir } from "../helpers/cli.ts";
import { buildNifti, buildPair, randomBytes, type RawNiftiSpec } from "../helpers/corrupt_files.ts";
import { simulateRun } from "../helpers/simulate.ts";
import { gzip, readNifti } from "../../shared/nifti/read.ts";
import { parseRpText } from "../../shared/motion/motion_files.ts";

// --- the simulated run every accepted case encodes ---------------------------

const DIMS3: [number, number, number] = [28, 32, 26];
const VOX: [number, number, number] = [6, 6, 6];
/** T(t) per frame: [tx, ty, tz mm, rx, ry, rz deg]; rp translations are −T's. */
const MOTIONS = [[0, 0, 0, 0, 0, 0], [1.5, 0, 0, 0, 0, 0], [0, -1, 0.8, 0, 0, 0]];
const NT = MOTIONS.length;
const N3 = DIMS3[0] * DIMS3[1] * DIMS3[2];
const sim = await simulateRun({
  dims: DIMS3,
  voxelSize: VOX,
  motions: MOTIONS,
  noise: 0.01,
  seed: 5,
});
/** Stored int16 values. */
const stored = Float64Array.from(sim.data, (v) => Math.round(v * 8));
const BASE: RawNiftiSpec = {
  dims: [4, ...DIMS3, NT, 1, 1, 1],
  pixdim: [1, ...VOX, 2, 0, 0, 0],
  xyztUnits: 10,
  qformCode: 0,
  sformCode: 1,
  srow: sim.affine.slice(0, 12),
  datatype: 4,
  values: stored,
};

/** Register `files` (name → bytes) in a fresh folder, giving `arg`; the rp rows and outputs. */
async function register(files: Record<string, Uint8Array>, arg: string) {
  const dir = await tempDir();
  for (const [name, bytes] of Object.entries(files)) await Deno.writeFile(`${dir}/${name}`, bytes);
  const r = await runCli([arg, "--store", "store", "--quiet"], dir);
  assertEquals(r.code, 0, `${arg}: exit code (${r.stderr})`);
  const stem = arg.replace(/\.(nii|hdr|img)(\.gz)?$/, "");
  const ext = /\.gz$/.test(arg) ? ".nii.gz" : ".nii";
  const rp = parseRpText(await Deno.readTextFile(`${dir}/${stem}_rp.txt`));
  const realigned = await readNifti(
    await Deno.readFile(`${dir}/${stem}_desc-realigned_bold${ext}`),
    `${arg} realigned`,
  );
  const mean = await readNifti(await Deno.readFile(`${dir}/${stem}_desc-mean_bold${ext}`), "mean", {
    allow3d: true,
  });
  const svg = await Deno.readTextFile(`${dir}/${stem}_motion.svg`);
  return { dir, rp, realigned, mean, svg };
}

let reference: number[][] | undefined;
/** The rp rows of the plain little-endian int16 .nii (registered once). */
async function referenceRp(): Promise<number[][]> {
  reference ??= (await register({ "ref.nii": buildNifti(BASE) }, "ref.nii")).rp;
  return reference;
}

interface Accepted {
  name: string;
  /** Files to write; the first one's name is given to the CLI unless `arg` says otherwise. */
  files: () => Promise<Record<string, Uint8Array>> | Record<string, Uint8Array>;
  arg?: string;
  /** Same voxels as the reference: parameters equal to its within 1e-6. */
  sameAsReference?: boolean;
  frames?: number;
  extra?: (out: Awaited<ReturnType<typeof register>>) => void;
}

const withNaN = Float64Array.from(sim.data, (v, i) => (i % 997 === 0 ? NaN : v));
withNaN[N3 + 100] = Infinity;
withNaN[2 * N3 + 200] = -Infinity;
const u8max = stored.reduce((m, v) => Math.max(m, v), 0);
const ACCEPTED: Accepted[] = [
  {
    name: "big-endian int16",
    files: () => ({ "be.nii": buildNifti({ ...BASE, littleEndian: false }) }),
    sameAsReference: true,
  },
  {
    name: "NIfTI-2",
    files: () => ({ "n2.nii": buildNifti({ ...BASE, version: 2 }) }),
    sameAsReference: true,
  },
  {
    name: "big-endian NIfTI-2",
    files: () => ({ "n2be.nii": buildNifti({ ...BASE, version: 2, littleEndian: false }) }),
    sameAsReference: true,
  },
  {
    name: "scl_slope 0 (unscaled)",
    files: () => ({ "slope0.nii": buildNifti({ ...BASE, sclSlope: 0, sclInter: 7 }) }),
    sameAsReference: true,
  },
  {
    name: "float64",
    files: () => ({ "f64.nii": buildNifti({ ...BASE, datatype: 64 }) }),
    sameAsReference: true,
  },
  {
    name: "gzip",
    files: async () => ({ "gz.nii.gz": await gzip(buildNifti(BASE)) }),
    sameAsReference: true,
  },
  {
    name: "uint8",
    files: () => ({
      "u8.nii": buildNifti({
        ...BASE,
        datatype: 2,
        values: stored.map((v) => Math.round((255 * Math.max(0, v)) / u8max)),
      }),
    }),
  },
  {
    name: "NaN and ±Inf voxels (float32)",
    files: () => ({ "nan.nii": buildNifti({ ...BASE, datatype: 16, values: withNaN }) }),
  },
  {
    name: "two-frame run",
    files: () => ({
      "two.nii": buildNifti({
        ...BASE,
        dims: [4, ...DIMS3, 2, 1, 1, 1],
        values: stored.subarray(0, 2 * N3),
      }),
    }),
    frames: 2,
  },
  {
    name: "TR in ms (xyzt_units ms) is reported in seconds",
    files: () => ({
      "tr_ms.nii": buildNifti({ ...BASE, pixdim: [1, ...VOX, 2000, 0, 0, 0], xyztUnits: 2 | 16 }),
    }),
    sameAsReference: true,
    extra: (out) => {
      assertClose(out.realigned.header.pixdim[4]!, 2, 1e-9, "TR ms: output pixdim[4] in s");
      assertEquals(out.realigned.header.xyztUnits & 0x38, 8, "TR ms: output time units are s");
      assert(out.svg.includes("TR 2 s"), "TR ms: the plot says TR 2 s");
    },
  },
  {
    name: ".hdr/.img pair, given the .hdr",
    files: () => {
      const p = buildPair(BASE);
      return { "pair.hdr": p.hdr, "pair.img": p.img };
    },
    sameAsReference: true,
  },
  {
    name: ".hdr/.img pair, given the .img",
    files: () => {
      const p = buildPair(BASE);
      return { "ipair.img": p.img, "ipair.hdr": p.hdr };
    },
    sameAsReference: true,
  },
  {
    name: "gzip'd .hdr.gz/.img.gz pair",
    files: async () => {
      const p = buildPair({ ...BASE, littleEndian: false });
      return { "gzpair.hdr.gz": await gzip(p.hdr), "gzpair.img.gz": await gzip(p.img) };
    },
    sameAsReference: true,
  },
  {
    name: "NIfTI-2 pair (ni2)",
    files: () => {
      const p = buildPair({ ...BASE, version: 2 });
      return { "n2pair.hdr": p.hdr, "n2pair.img": p.img };
    },
    sameAsReference: true,
  },
];

for (const c of ACCEPTED) {
  Deno.test(`accepted: ${c.name}`, async () => {
    const files = await c.files();
    const arg = c.arg ?? Object.keys(files)[0]!;
    const out = await register(files, arg);
    const nt = c.frames ?? NT;
    assertEquals(out.rp.length, nt, `${c.name}: rp rows`);
    assertEquals(
      out.realigned.header.dims.slice(0, 5),
      [4, ...DIMS3, nt],
      `${c.name}: output dims`,
    );
    assert(out.realigned.data.every(Number.isFinite), `${c.name}: finite realigned voxels`);
    assert(out.mean.data.every(Number.isFinite), `${c.name}: finite mean voxels`);
    for (let t = 0; t < nt; t++) {
      for (let k = 0; k < 3; k++) {
        assertClose(
          out.rp[t]![k]!,
          -MOTIONS[t]![k]!,
          0.2, // 6 mm voxels: within 3 % of a voxel
          `${c.name}: frame ${t} translation ${k}`,
        );
      }
    }
    if (c.sameAsReference) {
      const ref = await referenceRp();
      for (let t = 0; t < nt; t++) {
        for (let k = 0; k < 6; k++) {
          assertClose(
            out.rp[t]![k]!,
            ref[t]![k]!,
            1e-6,
            `${c.name}: frame ${t} param ${k} vs .nii`,
          );
        }
      }
    }
    c.extra?.(out);
  });
}

// --- rejected ---------------------------------------------------------------

const good = buildNifti(BASE);
const sampleGz = await Deno.readFile(SAMPLE);
const small = { pixdim: [1, 2, 2, 2, 2, 0, 0, 0], datatype: 4 };

interface Rejected {
  name: string;
  files: () => Promise<Record<string, Uint8Array>> | Record<string, Uint8Array>;
  /** The file named in the message (default: the one given). */
  named?: string;
  /** Options given after the file. */
  args?: string[];
  problem: RegExp;
}

const REJECTED: Rejected[] = [
  {
    name: "empty.nii",
    files: () => ({ "empty.nii": new Uint8Array(0) }),
    problem: /file is empty/,
  },
  {
    name: "random.nii",
    files: () => ({ "random.nii": randomBytes(5000) }),
    problem: /not a NIfTI file: sizeof_hdr/,
  },
  {
    name: "short_header.nii",
    files: () => ({ "short_header.nii": good.slice(0, 200) }),
    problem: /header is cut short/,
  },
  {
    name: "cut_voxels.nii",
    files: () => ({ "cut_voxels.nii": good.slice(0, good.length - 1000) }),
    problem: /holds only/,
  },
  {
    name: "cut_voxels.nii.gz",
    files: async () => ({ "cut_voxels.nii.gz": await gzip(good.slice(0, good.length - 1000)) }),
    problem: /holds only/,
  },
  {
    name: "cut_gzip.nii.gz",
    files: () => ({ "cut_gzip.nii.gz": sampleGz.slice(0, sampleGz.length >> 1) }),
    problem: /gzip stream is cut short/,
  },
  {
    name: "text.nii.gz",
    files: () => ({ "text.nii.gz": new TextEncoder().encode("this is not an image\n".repeat(40)) }),
    problem: /named \.gz but is not a gzip file/,
  },
  {
    name: "bad_magic.nii",
    files: () => ({ "bad_magic.nii": buildNifti({ ...small, magic: "n+3" }) }),
    problem: /magic string/,
  },
  {
    name: "bad_sizeof.nii",
    files: () => ({ "bad_sizeof.nii": buildNifti({ ...small, sizeofHdr: 349 }) }),
    problem: /sizeof_hdr is 349/,
  },
  {
    name: "three_d.nii",
    files: () => ({ "three_d.nii": buildNifti({ ...small, dims: [3, 4, 4, 4] }) }),
    problem: /3-D image/,
  },
  {
    name: "zero_dim.nii",
    files: () => ({ "zero_dim.nii": buildNifti({ ...small, dims: [4, 4, 0, 4, 3] }) }),
    problem: /dim\[2\] = 0/,
  },
  {
    name: "negative_dim.nii",
    files: () => ({
      "negative_dim.nii": buildNifti({ ...small, dims: [4, 4, -4, 4, 3], writeVoxels: 0 }),
    }),
    problem: /dim\[2\] = -4 is negative/,
  },
  {
    name: "terabytes.nii",
    files: () => ({
      "terabytes.nii": buildNifti({
        ...small,
        dims: [4, 30000, 30000, 30000, 30000],
        writeVoxels: 0,
      }),
    }),
    problem: /TB of voxel data.*not a plausible image/,
  },
  {
    // 465 GB claimed (under the 1 TiB cap) in a few hundred gzip'd bytes: refused without allocating it
    name: "claims_465GB.nii.gz",
    files: async () => ({
      "claims_465GB.nii.gz": await gzip(
        buildNifti({ ...small, dims: [4, 1000, 1000, 1000, 250], writeVoxels: 1000 }),
      ),
    }),
    problem: /header claims 500000000000 bytes of voxel data but the file holds only 2000/,
  },
  {
    // frames of 34 GB claimed: nothing frame-sized is allocated before the bytes are there
    name: "claims_34GB_frames.nii.gz",
    files: async () => ({
      "claims_34GB_frames.nii.gz": await gzip(
        buildNifti({ ...small, datatype: 16, dims: [4, 2048, 2048, 2048, 2], writeVoxels: 10 }),
      ),
    }),
    problem: /header claims 68719476736 bytes of voxel data but the file holds only 40 /,
  },
  {
    name: "five_d.nii",
    files: () => ({ "five_d.nii": buildNifti({ ...small, dims: [5, 4, 4, 4, 2, 3] }) }),
    problem: /dim\[5\] = 3/,
  },
  {
    name: "complex.nii",
    files: () => ({
      "complex.nii": buildNifti({
        ...small,
        dims: [4, 4, 4, 4, 2],
        datatype: 32,
        bitpix: 64,
        writeVoxels: 0,
      }),
    }),
    problem: /datatype 32 \(complex64\) is not supported/,
  },
  {
    name: "rgb.nii",
    files: () => ({
      "rgb.nii": buildNifti({
        ...small,
        dims: [4, 4, 4, 4, 2],
        datatype: 128,
        bitpix: 24,
        writeVoxels: 0,
      }),
    }),
    problem: /datatype 128 \(RGB24\) is not supported/,
  },
  {
    name: "unknown_type.nii",
    files: () => ({
      "unknown_type.nii": buildNifti({
        ...small,
        dims: [4, 4, 4, 4, 2],
        datatype: 999,
        bitpix: 16,
        writeVoxels: 0,
      }),
    }),
    problem: /datatype 999 \(unknown \(999\)\) is not supported/,
  },
  {
    name: "vox_offset_past_end.nii",
    files: () => ({
      "vox_offset_past_end.nii": buildNifti({ ...small, voxOffset: 100000, writeVoxels: 0 }).slice(
        0,
        352,
      ),
    }),
    problem: /vox_offset 100000 is past the end of the file \(352 bytes\)/,
  },
  {
    name: "nan_pixdim.nii",
    files: () => ({
      "nan_pixdim.nii": buildNifti({
        ...small,
        pixdim: [1, NaN, 2, 2, 2, 0, 0, 0],
        qformCode: 0,
        sformCode: 0,
      }),
    }),
    problem: /no usable voxel geometry/,
  },
  {
    name: "zero_pixdim.nii",
    files: () => ({
      "zero_pixdim.nii": buildNifti({
        ...small,
        pixdim: [1, 2, 0, 2, 2, 0, 0, 0],
        qformCode: 0,
        sformCode: 0,
      }),
    }),
    problem: /no usable voxel geometry/,
  },
  {
    name: "lonely.hdr",
    files: () => ({ "lonely.hdr": buildPair(small).hdr }),
    problem: /companion lonely\.img is missing/,
  },
  {
    name: "orphan.img",
    files: () => ({ "orphan.img": buildPair(small).img }),
    problem: /companion orphan\.hdr is missing/,
  },
  {
    name: "short_img.hdr",
    files: () => {
      const p = buildPair(small);
      return { "short_img.hdr": p.hdr, "short_img.img": p.img.slice(0, 10) };
    },
    named: "short_img.img",
    problem: /holds only 10/,
  },
  {
    name: "single_as_pair.hdr",
    files: () => ({
      "single_as_pair.hdr": buildNifti(small),
      "single_as_pair.img": new Uint8Array(96),
    }),
    problem: /magic "n\+1" says a single-file NIfTI/,
  },
  {
    // a frame larger than the slab budget: refused before any job state, not at the plan
    name: "big_frames.nii",
    files: () => ({
      "big_frames.nii": buildNifti({
        ...small,
        dims: [4, 128, 128, 40, 2, 1, 1, 1],
        values: new Float64Array(128 * 128 * 40 * 2).fill(100),
      }),
    }),
    args: ["--max-slab-mb", "1"],
    problem:
      /one frame is 1\.3 MB, more than the slab budget \(--max-slab-mb\) of 1\.0 MB; give --max-slab-mb 2 or more/,
  },
  {
    name: "pair_header_as_nii.nii",
    files: () => ({ "pair_header_as_nii.nii": buildPair(small).hdr }),
    problem: /header of a \.hdr\/\.img pair/,
  },
];

/** Every file under `dir`, recursively (hidden and temporary ones too), relative to it. */
async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel ? `${dir}/${rel}` : dir)) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(p);
      else out.push(p);
    }
  };
  await walk("");
  return out.sort();
}

for (const c of REJECTED) {
  Deno.test(`rejected: ${c.name}`, async () => {
    const dir = await tempDir();
    const files = await c.files();
    for (const [name, bytes] of Object.entries(files)) {
      await Deno.writeFile(`${dir}/${name}`, bytes);
    }
    const r = await runCli([c.name, "--store", "store", ...(c.args ?? [])], dir);
    assertEquals(r.code, 2, `${c.name}: exit code (${r.stderr})`);
    const line = r.stderr.trim();
    assert(!line.includes("\n"), `${c.name}: one line, no stack trace: ${r.stderr}`);
    assert(
      line.startsWith(`realign: ${c.named ?? c.name}: `),
      `${c.name}: names the file: ${line}`,
    );
    assert(c.problem.test(line), `${c.name}: says what is wrong (${c.problem}): ${line}`);
    assertEquals(r.stdout, "", `${c.name}: nothing on stdout`);
    assertEquals(await filesIn(dir), Object.keys(files).sort(), `${c.name}: no output files`);
    const stored = (await allFiles(`${dir}/store`)).filter((f) => !f.startsWith("jobs.sqlite"));
    assertEquals(stored, [], `${c.name}: no object left in the store`);
    const kv = await Deno.openKv(`${dir}/store/jobs.sqlite`);
    const jobs = await Array.fromAsync(kv.list({ prefix: [] }));
    kv.close();
    assertEquals(jobs.length, 0, `${c.name}: no job state`);
  });
}
