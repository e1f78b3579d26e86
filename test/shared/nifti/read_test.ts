import { InputError } from "../../../shared/errors.ts";
import { DT, SUPPORTED_DATATYPES } from "../../../shared/nifti/datatypes.ts";
import { parseNiftiHeader, trSeconds } from "../../../shared/nifti/header.ts";
import { encodeNifti, gunzip, gzip, isGzip, readNifti } from "../../../shared/nifti/read.ts";
import { encodeNifti1Header } from "../../../shared/nifti/write_header.ts";
import { assertClose, assertEquals, assertRejects, assertThrows } from "../../helpers/assert.ts";
import { buildNifti, voxelCount } from "../../helpers/corrupt_files.ts";

const DATA = new URL("../../data/", import.meta.url);
const file = (name: string) => Deno.readFile(new URL(name, DATA));

/** Index of voxel (x, y, z, t) in NIfTI order. */
function at(dims: number[], x: number, y: number, z: number, t = 0): number {
  return x + dims[1]! * (y + dims[2]! * (z + dims[3]! * t));
}

// Expected values read independently with python3 (gzip + struct), see test/data/README.md.
Deno.test("readNifti: every fixture, voxel values checked against python's reading", async () => {
  const cases: [string, number[], [number, number, number, number, number][], number][] = [
    ["real_fmri_17x21x3x20.nii.gz", [17, 21, 3, 20], [[8, 10, 1, 5, 3897.360934972763], [
      16,
      20,
      2,
      19,
      3129.3409598469734,
    ]], 77913290.36292362],
    ["real_fmri_128x96x24x2.nii.gz", [128, 96, 24, 2], [[64, 48, 12, 1, 266], [
      127,
      95,
      23,
      1,
      0,
    ]], 101985356],
    [
      "nifti2_32x20x12x2.nii.gz",
      [32, 20, 12, 2],
      [[31, 19, 11, 1, 457], [16, 10, 6, 0, 265]],
      6926802,
    ],
    [
      "dwi_uint16_6x10x10x102.nii.gz",
      [6, 10, 10, 102],
      [[5, 9, 9, 101, 33], [3, 4, 5, 50, 77]],
      4809847,
    ],
    ["bigendian_anat_33x41x25.nii", [33, 41, 25, 1], [
      [16, 20, 12, 0, 11881],
      [32, 40, 24, 0, 2971],
      [
        0,
        0,
        0,
        0,
        10712,
      ],
    ], 284166082],
    ["colin27_t1_brain_1mm.nii.gz", [181, 217, 181, 1], [[90, 108, 90, 0, 33], [
      60,
      150,
      100,
      0,
      117,
    ], [
      180,
      216,
      180,
      0,
      0,
    ]], 158526435],
  ];
  for (const [name, shape, voxels, sum] of cases) {
    const img = await readNifti(await file(name), name, { allow3d: true });
    const d = img.header.dims;
    assertEquals(img.data.length, shape.reduce((a, b) => a * b, 1), name);
    for (const [x, y, z, t, v] of voxels) {
      assertClose(
        img.data[at(d, x, y, z, t)]!,
        v,
        Math.abs(v) * 1e-6,
        `${name} (${x},${y},${z},${t})`,
      );
    }
    let s = 0;
    for (let i = 0; i < img.data.length; i++) s += img.data[i]!;
    assertClose(s, sum, Math.abs(sum) * 1e-7, `${name} sum`);
  }
});

Deno.test("readNifti: affines of the fixtures", async () => {
  const colin = await readNifti(await file("colin27_t1_brain_1mm.nii.gz"), "c", { allow3d: true });
  assertEquals(colin.header.sformCode, 4);
  assertEquals(colin.affine, [1, 0, 0, -90, 0, 1, 0, -125, 0, 0, 1, -71, 0, 0, 0, 1]);
  const big = await readNifti(await file("bigendian_anat_33x41x25.nii"), "b", { allow3d: true });
  assertEquals(big.header.littleEndian, false);
  assertEquals(big.affine, [-2, 0, 0, 32, 0, 2, 0, -40, 0, 0, 2, -16, 0, 0, 0, 1]);
});

Deno.test("readNifti: a 3-D image is refused unless allow3d", async () => {
  await assertRejects(
    async () => await readNifti(await file("bigendian_anat_33x41x25.nii"), "anat.nii"),
    InputError,
    "anat.nii: is a 3-D image (one frame): nothing to realign",
  );
  await assertRejects(
    async () => await readNifti(await file("colin27_t1_brain_1mm.nii.gz"), "colin.nii.gz"),
    InputError,
    "is a 3-D image",
  );
});

Deno.test("readNifti: error cases name the file", async () => {
  const r = (b: Uint8Array, name = "bad.nii.gz") => () => readNifti(b, name);
  await assertRejects(r(new Uint8Array(0), "e.nii"), InputError, "e.nii: the file is empty");
  const good = buildNifti();
  await assertRejects(
    r(good.subarray(0, 100), "h.nii"),
    InputError,
    "h.nii: the header is cut short",
  );
  await assertRejects(
    r(good.subarray(0, good.length - 1), "v.nii"),
    InputError,
    "v.nii: header claims 144 bytes of voxel data but the file holds only 143",
  );
  const gz = await gzip(good);
  await assertRejects(
    r(gz.subarray(0, gz.length - 20)),
    InputError,
    "bad.nii.gz: gzip stream is cut short",
  );
  await assertRejects(r(gz.subarray(0, 12)), InputError, "gzip stream is cut short");
  const corrupt = gz.slice();
  for (let i = 12; i < 40; i++) corrupt[i] ^= 0xa5;
  await assertRejects(r(corrupt), InputError, "bad.nii.gz: is not a valid gzip file");
  const badCrc = gz.slice();
  badCrc[badCrc.length - 6]! ^= 1;
  await assertRejects(r(badCrc), InputError, "is not a valid gzip file");
  await assertRejects(
    r(buildNifti({ magic: "ni1", voxOffset: 0, writeVoxels: 0 })),
    InputError,
    ".hdr/.img pair",
  );
  // cut-short voxel data inside a gzip file
  await assertRejects(
    r(await gzip(good.subarray(0, 360))),
    InputError,
    "but the file holds only 8",
  );
  assertThrows(
    () => {
      throw new InputError("x", "y");
    },
    InputError,
    "x: y",
  );
});

Deno.test("gunzip: isGzip and a large round trip sized from ISIZE", async () => {
  const raw = new Uint8Array(3_000_001).map((_, i) => (i * 31) % 253);
  const gz = await gzip(raw);
  assertEquals(isGzip(gz), true);
  assertEquals(isGzip(raw), false);
  const back = await gunzip(gz, "x");
  assertEquals(back.length, raw.length);
  assertEquals(back[3_000_000], raw[3_000_000]);
  let same = true;
  for (let i = 0; i < raw.length; i++) if (back[i] !== raw[i]) same = false;
  assertEquals(same, true);
});

Deno.test("write → read round trip: every datatype, .nii and .nii.gz, both source orders", async () => {
  const dims = [4, 5, 4, 3, 2, 1, 1, 1];
  const n = voxelCount(dims);
  for (const littleEndian of [true, false]) {
    for (const version of [1, 2] as const) {
      const src = buildNifti({ version, littleEndian, dims, datatype: DT.INT16 });
      const input = await readNifti(src, "in.nii");
      for (const dt of SUPPORTED_DATATYPES) {
        for (const gz of [false, true]) {
          const bytes = await encodeNifti(input.header, input.data, { datatype: dt }, gz);
          assertEquals(isGzip(bytes), gz);
          const out = await readNifti(bytes, `out.nii${gz ? ".gz" : ""}`);
          const tag = `v${version} le ${littleEndian} dt ${dt} gz ${gz}`;
          assertEquals(out.header.version, 1, tag);
          assertEquals(out.header.littleEndian, true, tag);
          assertEquals(out.header.datatype, dt, tag);
          assertEquals(out.header.voxOffset, 352, tag);
          assertEquals(out.header.dims, dims, tag);
          assertEquals(out.data.length, n, tag);
          // values 0..99 fit every type: exact
          assertEquals(out.data, input.data, tag);
          assertClose(out.affine, input.affine, 1e-6, tag);
          assertEquals(out.header.pixdim, input.header.pixdim.map(Math.fround), tag);
        }
      }
    }
  }
});

Deno.test("write: int16 output of float data is scaled and stays within half a step", async () => {
  const src = await readNifti(buildNifti({ datatype: DT.FLOAT32 }), "f.nii");
  const data = Float32Array.from(src.data, (_, i) => Math.sin(i) * 1e6 + 0.25);
  data[3] = NaN;
  const bytes = await encodeNifti(src.header, data, { datatype: DT.INT16 }, false);
  const back = await readNifti(bytes, "o.nii");
  const slope = back.header.sclSlope;
  const [lo, hi] = [
    Math.min(...data.filter((v) => v === v)),
    Math.max(...data.filter((v) => v === v)),
  ];
  assertClose(
    slope,
    Math.max(-lo / 32768, hi / 32767),
    1e-5 * slope,
    "slope spreads the range over int16",
  );
  assertEquals(back.header.sclInter, 0);
  assertEquals(back.data[3], 0); // NaN → 0
  data[3] = 0;
  assertClose(back.data, data, slope * 0.5 + 1, "int16 scaled round trip");
  // an explicit slope is honoured
  const fixed = await encodeNifti(src.header, data, {
    datatype: DT.INT32,
    sclSlope: 0.5,
    sclInter: 0,
  }, false);
  assertEquals(parseNiftiHeader(fixed, "x").sclSlope, 0.5);
});

Deno.test("write: header keeps geometry, timing and slice info of a real run", async () => {
  for (
    const name of [
      "real_fmri_128x96x24x2.nii.gz",
      "nifti2_32x20x12x2.nii.gz",
      "real_fmri_17x21x3x20.nii.gz",
    ]
  ) {
    const input = await readNifti(await file(name), name);
    const h = input.header;
    const bytes = await encodeNifti(h, input.data, { description: "realigned" }, true);
    const out = await readNifti(bytes, "out.nii.gz");
    const o = out.header;
    assertEquals(o.version, 1, name);
    assertEquals([o.qformCode, o.sformCode], [h.qformCode, h.sformCode], name);
    assertEquals(o.quatern, h.quatern.map(Math.fround), name);
    assertEquals(o.qoffset, h.qoffset.map(Math.fround), name);
    assertEquals(o.srow, h.srow.map(Math.fround), name);
    assertEquals(o.pixdim, h.pixdim.map(Math.fround), name);
    assertEquals(o.xyztUnits, h.xyztUnits, name);
    assertEquals(trSeconds(o), trSeconds(h), name);
    assertEquals(
      [o.sliceStart, o.sliceEnd, o.sliceCode],
      [h.sliceStart, h.sliceEnd, h.sliceCode],
      name,
    );
    assertEquals(o.description, "realigned", name);
    assertEquals([o.calMin, o.calMax], [0, 0], name);
    assertEquals(o.datatype, h.datatype, name);
    assertClose(out.affine, input.affine, 1e-6, name);
    // int16 in, int16 out: values the same within half a step of the new scaling
    const tol = o.sclSlope === 1 ? 0 : Math.abs(o.sclSlope) * 0.5 + 1e-3;
    assertClose(out.data, input.data, tol, name);
  }
});

Deno.test("write: the 352-byte NIfTI-1 header, byte by byte where it matters", () => {
  const h = parseNiftiHeader(buildNifti({ version: 2, littleEndian: false }), "n2");
  const b = encodeNifti1Header(h, { dims: [3, 3, 4, 2, 1, 1, 1, 1], datatype: DT.FLOAT32 });
  assertEquals(b.length, 352);
  const dv = new DataView(b.buffer);
  assertEquals(dv.getInt32(0, true), 348);
  assertEquals(String.fromCharCode(...b.subarray(344, 348)), "n+1\0");
  assertEquals(Array.from(b.subarray(348, 352)), [0, 0, 0, 0]);
  assertEquals(dv.getFloat32(108, true), 352);
  assertEquals(dv.getInt16(70, true), DT.FLOAT32);
  assertEquals(dv.getInt16(72, true), 32);
  assertEquals(dv.getInt16(40, true), 3);
  assertEquals(dv.getInt16(44, true), 4);
  const back = parseNiftiHeader(b, "back");
  assertEquals(back.srow, h.srow);
  assertEquals(back.sformCode, h.sformCode);
  // NIfTI-2 dims that do not fit 16 bits cannot be written as NIfTI-1
  assertThrows(
    () => encodeNifti1Header({ ...h, dims: [4, 40000, 2, 2, 2, 1, 1, 1] }),
    InputError,
    "dim[1] = 40000",
  );
  assertThrows(() => encodeNifti1Header(h, { datatype: DT.COMPLEX64 }), InputError, "complex64");
});

Deno.test("read: scl_slope 0 means unscaled; scaled files apply slope and intercept", async () => {
  const values = [1, 2, 3, 4, 5, 6];
  const dims = [4, 3, 1, 1, 2, 1, 1, 1];
  const zero = await readNifti(buildNifti({ dims, values, sclSlope: 0, sclInter: 50 }), "z");
  assertEquals(Array.from(zero.data), values);
  const scaled = await readNifti(buildNifti({ dims, values, sclSlope: 2, sclInter: -1 }), "s");
  assertEquals(Array.from(scaled.data), values.map((v) => 2 * v - 1));
  const be = await readNifti(
    buildNifti({ dims, values, sclSlope: 2, sclInter: -1, littleEndian: false, version: 2 }),
    "be",
  );
  assertEquals(Array.from(be.data), values.map((v) => 2 * v - 1));
});
