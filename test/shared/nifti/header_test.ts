import { InputError } from "../../../shared/errors.ts";
import {
  MAX_IMAGE_BYTES,
  parseNiftiHeader,
  spatialUnitsToMm,
  trSeconds,
  trUnitsGuessed,
  validateImage,
  validateRun,
} from "../../../shared/nifti/header.ts";
import { gunzip, isGzip } from "../../../shared/nifti/read.ts";
import { datatypeInfo, datatypeName, DT } from "../../../shared/nifti/datatypes.ts";
import { assertClose, assertEquals, assertThrows } from "../../helpers/assert.ts";
import { buildNifti, randomBytes } from "../../helpers/corrupt_files.ts";

const DATA = new URL("../../data/", import.meta.url);

async function rawFile(name: string): Promise<Uint8Array> {
  const b = await Deno.readFile(new URL(name, DATA));
  return isGzip(b) ? await gunzip(b, name) : b;
}

Deno.test("header: real_fmri_17x21x3x20 (NIfTI-1, int16, scaled, codes 2)", async () => {
  const b = await rawFile("real_fmri_17x21x3x20.nii.gz");
  const h = parseNiftiHeader(b, "f");
  assertEquals(h.version, 1);
  assertEquals(h.littleEndian, true);
  assertEquals(h.magic, "n+1");
  assertEquals(h.dims, [4, 17, 21, 3, 20, 1, 1, 1]);
  assertEquals(h.datatype, DT.INT16);
  assertEquals(h.bitpix, 16);
  assertEquals(h.pixdim, [-1, 4, 4, 8, 2, 0, 0, 0]);
  assertEquals(h.voxOffset, 352);
  assertClose(h.sclSlope, 0.07540696859359741, 1e-12);
  assertClose(h.sclInter, 3100.76171875, 1e-9);
  assertEquals([h.qformCode, h.sformCode], [2, 2]);
  assertEquals(h.quatern, [0, 1, 0]);
  assertEquals(h.qoffset, [32, -40, 0]);
  assertEquals(h.srow, [-4, 0, 0, 32, 0, 4, 0, -40, 0, 0, 8, 0]);
  assertEquals(h.xyztUnits, 10);
  assertEquals(h.description, "spm - 3D normalized");
  assertEquals(trSeconds(h), 2);
  assertEquals(trUnitsGuessed(h), false);
  assertEquals(spatialUnitsToMm(h), 1);
  validateRun(h, "f", b.length);
});

Deno.test("header: real_fmri_128x96x24x2: TR 2000 labelled seconds is taken as 2 s", async () => {
  const b = await rawFile("real_fmri_128x96x24x2.nii.gz");
  const h = parseNiftiHeader(b, "f");
  assertEquals(h.dims, [4, 128, 96, 24, 2, 1, 1, 1]);
  assertEquals(h.voxOffset, 416); // has a header extension
  assertEquals(h.pixdim[4], 2000);
  // xyzt_units 10 = mm (2) + seconds (8): the file's units say s, the value is ms.
  assertEquals(h.xyztUnits & 0x38, 8);
  assertEquals(trUnitsGuessed(h), true);
  assertEquals(trSeconds(h), 2);
  assertEquals([h.qformCode, h.sformCode], [1, 1]);
  assertEquals(h.sliceEnd, 23);
  validateRun(h, "f", b.length);
});

Deno.test("header: NIfTI-2 file", async () => {
  const b = await rawFile("nifti2_32x20x12x2.nii.gz");
  const h = parseNiftiHeader(b, "f");
  assertEquals(h.version, 2);
  assertEquals(h.magic, "n+2");
  assertEquals(h.littleEndian, true);
  assertEquals(h.dims, [4, 32, 20, 12, 2, 1, 1, 1]);
  assertEquals(h.datatype, DT.INT16);
  assertEquals(h.voxOffset, 608);
  assertClose(h.pixdim.slice(0, 5), [-1, 2, 2, 2.1999990940093994, 2000], 0);
  assertEquals([h.qformCode, h.sformCode], [1, 1]);
  assertClose(h.srow[5]!, 1.9737114906311035, 0);
  assertClose(h.srow[6]!, -0.35552823543548584, 0);
  assertEquals(trSeconds(h), 2);
  validateRun(h, "f", b.length);
});

Deno.test("header: big-endian 3-D anatomy", async () => {
  const b = await Deno.readFile(new URL("bigendian_anat_33x41x25.nii", DATA));
  const h = parseNiftiHeader(b, "f");
  assertEquals(h.littleEndian, false);
  assertEquals(h.dims, [3, 33, 41, 25, 1, 1, 1, 1]);
  assertEquals(h.datatype, DT.INT16);
  assertEquals(h.pixdim.slice(0, 4), [-1, 2, 2, 2]);
  assertEquals(h.srow, [-2, 0, 0, 32, 0, 2, 0, -40, 0, 0, 2, -16]);
  assertEquals(b.length, 352 + 33 * 41 * 25 * 2);
  validateImage(h, "f", b.length, { allow3d: true });
  assertThrows(() => validateRun(h, "anat.nii", b.length), InputError, "anat.nii: is a 3-D image");
});

Deno.test("header: dwi uint16 and colin27 uint8 (qform 0, sform 4)", async () => {
  const d = parseNiftiHeader(await rawFile("dwi_uint16_6x10x10x102.nii.gz"), "d");
  assertEquals(d.dims, [4, 6, 10, 10, 102, 1, 1, 1]);
  assertEquals(d.datatype, DT.UINT16);
  assertEquals(d.xyztUnits, 0);
  assertEquals(trSeconds(d), 1);
  const cb = await rawFile("colin27_t1_brain_1mm.nii.gz");
  const c = parseNiftiHeader(cb, "c");
  assertEquals(c.dims, [3, 181, 217, 181, 1, 1, 1, 1]);
  assertEquals(c.datatype, DT.UINT8);
  assertEquals([c.qformCode, c.sformCode], [0, 4]);
  assertEquals(c.srow, [1, 0, 0, -90, 0, 1, 0, -125, 0, 0, 1, -71]);
  validateImage(c, "c", cb.length, { allow3d: true });
});

Deno.test("header: both byte orders of the same built header parse alike", () => {
  for (const version of [1, 2] as const) {
    const le = parseNiftiHeader(buildNifti({ version, littleEndian: true }), "le");
    const be = parseNiftiHeader(buildNifti({ version, littleEndian: false }), "be");
    assertEquals(le.littleEndian, true);
    assertEquals(be.littleEndian, false);
    assertEquals(be.version, version);
    assertEquals(be.dims, le.dims);
    assertEquals(be.pixdim, le.pixdim);
    assertEquals(be.srow, le.srow);
    assertEquals(be.voxOffset, le.voxOffset);
    assertEquals(be.datatype, le.datatype);
  }
});

Deno.test("header: NIfTI-2 64-bit ints are read right in both orders (nifti-reader-js is not)", () => {
  for (const littleEndian of [true, false]) {
    const b = buildNifti({
      version: 2,
      littleEndian,
      dims: [4, 3, 2, 1, 2, 1, 1, 1],
      voxOffset: 2 ** 31 + 16,
      writeVoxels: 0,
    });
    assertEquals(parseNiftiHeader(b, "x").voxOffset, 2 ** 31 + 16);
    const neg = buildNifti({ version: 2, littleEndian, dims: [4, 3, -2, 1, 2, 1, 1, 1] });
    assertEquals(parseNiftiHeader(neg, "x").dims[2], -2);
  }
});

Deno.test("header errors: not NIfTI", () => {
  assertThrows(
    () => parseNiftiHeader(new Uint8Array(0), "e.nii"),
    InputError,
    "e.nii: the file is empty",
  );
  assertThrows(() => parseNiftiHeader(new Uint8Array(3), "e.nii"), InputError, "only 3 bytes");
  assertThrows(
    () => parseNiftiHeader(randomBytes(1000), "r.nii"),
    InputError,
    "r.nii: is not a NIfTI file",
  );
  assertThrows(
    () => parseNiftiHeader(buildNifti({ sizeofHdr: 349 }), "s.nii"),
    InputError,
    "sizeof_hdr is 349",
  );
  assertThrows(
    () => parseNiftiHeader(buildNifti({ magic: "n+3" }), "m.nii"),
    InputError,
    'magic string is "n+3',
  );
  assertThrows(
    () => parseNiftiHeader(buildNifti({ version: 2, magic: "n+2\0\n\x1a\n" }), "m2.nii"),
    InputError,
    "line-ending",
  );
  const whole = buildNifti();
  assertThrows(
    () => parseNiftiHeader(whole.subarray(0, 200), "cut.nii"),
    InputError,
    "cut.nii: the header is cut short: 200 bytes, a NIfTI-1 header needs 348",
  );
  const two = buildNifti({ version: 2 });
  assertThrows(
    () => parseNiftiHeader(two.subarray(0, 400), "c2"),
    InputError,
    "NIfTI-2 header needs 540",
  );
  assertThrows(() => parseNiftiHeader(new Uint8Array([0x1f, 0x8b, 8, 0]), "g"), InputError, "gzip");
});

function check(spec: Parameters<typeof buildNifti>[0], includes: string, allow3d = false): void {
  const b = buildNifti(spec);
  const h = parseNiftiHeader(b, "bad.nii");
  assertThrows(
    () => validateImage(h, "bad.nii", b.length, { allow3d }),
    InputError,
    includes,
    JSON.stringify(spec),
  );
}

Deno.test("validate: a valid built run passes, both versions", () => {
  for (const version of [1, 2] as const) {
    const b = buildNifti({ version });
    validateRun(parseNiftiHeader(b, "ok"), "ok", b.length);
    validateRun(parseNiftiHeader(b, "ok"), "ok", null);
  }
});

Deno.test("validate: dimension errors", () => {
  check({ dims: [3, 4, 4, 4, 1, 1, 1, 1] }, "is a 3-D image (one frame): nothing to realign");
  check({ dims: [4, 4, 4, 4, 1, 1, 1, 1] }, "is a 3-D image (one frame)");
  check({ dims: [4, 4, 0, 4, 3, 1, 1, 1] }, "dim[2] = 0: the image has no voxels");
  check({ dims: [4, 4, -4, 4, 3, 1, 1, 1], writeVoxels: 10 }, "dim[2] = -4 is negative");
  check({ dims: [5, 4, 4, 4, 3, 3, 1, 1] }, "dim[5] = 3: 5-D images");
  check({ dims: [0, 4, 4, 4, 3, 1, 1, 1] }, "dim[0] = 0 is not a valid number of dimensions");
  check({ dims: [9, 4, 4, 4, 3, 1, 1, 1] }, "dim[0] = 9");
});

Deno.test("validate: terabyte dims fail fast without allocating", () => {
  for (const version of [1, 2] as const) {
    const dims = version === 1
      ? [4, 32767, 32767, 32767, 100, 1, 1, 1]
      : [4, 1e5, 1e5, 1e5, 1e3, 1, 1, 1];
    const b = buildNifti({ version, dims, writeVoxels: 10 });
    const h = parseNiftiHeader(b, "huge.nii");
    const t0 = performance.now();
    const e = assertThrows(
      () => validateRun(h, "huge.nii", b.length),
      InputError,
      " TB of voxel data",
    );
    if (performance.now() - t0 > 50) throw new Error("validation took too long");
    if (!e.message.startsWith("huge.nii: header claims")) throw new Error(e.message);
    // Without a known length too:
    assertThrows(() => validateRun(h, "huge.nii", null), InputError, "TB");
  }
  assertEquals(MAX_IMAGE_BYTES, 2 ** 40);
});

Deno.test("validate: voxel data cut short, vox_offset errors", () => {
  const n = 3 * 4 * 2 * 3;
  check(
    { writeVoxels: n - 1 },
    `header claims ${n * 2} bytes of voxel data but the file holds only ${(n - 1) * 2}`,
  );
  check({ voxOffset: 348, writeVoxels: n }, "vox_offset 348 points into the header");
  const b = buildNifti({ voxOffset: 5000, writeVoxels: 0 });
  const h = parseNiftiHeader(b, "far.nii");
  assertThrows(
    () => validateRun(h, "far.nii", 400),
    InputError,
    "vox_offset 5000 is past the end of the file (400 bytes)",
  );
  check({ version: 2, voxOffset: 540 }, "vox_offset 540 points into the header");
});

Deno.test("validate: unsupported datatypes are named", () => {
  check(
    { datatype: DT.COMPLEX64, bitpix: 64, writeVoxels: 0 },
    "datatype 32 (complex64) is not supported",
  );
  check(
    { datatype: DT.RGB24, bitpix: 24, writeVoxels: 0 },
    "datatype 128 (RGB24) is not supported",
  );
  check({ datatype: DT.INT64, bitpix: 64, writeVoxels: 0 }, "int64");
  check({ datatype: 99, writeVoxels: 0 }, "unknown (99)");
  assertEquals(datatypeName(DT.COMPLEX128), "complex128");
  assertEquals(datatypeInfo(DT.UINT32, "x").max, 4294967295);
});

Deno.test("validate: NaN or zero voxel sizes with no qform/sform", () => {
  const nanPix = [1, NaN, 2, 2, 2, 0, 0, 0];
  check({ pixdim: nanPix, qformCode: 0, sformCode: 0 }, "has no usable voxel geometry");
  check(
    { pixdim: [1, 2, 0, 2, 2, 0, 0, 0], qformCode: 0, sformCode: 0 },
    "voxel sizes (pixdim) are [2, 0, 2]",
  );
  // A qform needs voxel sizes too:
  check({ pixdim: nanPix, qformCode: 1, sformCode: 0 }, "no usable voxel geometry");
  // A singular sform is no geometry either.
  check(
    { srow: new Array(12).fill(0), sformCode: 2, qformCode: 0 },
    "singular or non-finite sform",
  );
  // ...but a good sform rescues bad pixdim.
  const b = buildNifti({ pixdim: nanPix, sformCode: 1 });
  validateRun(parseNiftiHeader(b, "ok"), "ok", b.length);
});

Deno.test("units: TR and spatial units", () => {
  const h = parseNiftiHeader(buildNifti(), "u");
  const at = (xyzt: number, tr: number) => ({
    ...h,
    xyztUnits: xyzt,
    pixdim: [1, 2, 2, 2, tr, 0, 0, 0],
  });
  assertEquals(trSeconds(at(2 | 8, 2.5)), 2.5);
  assertEquals(trSeconds(at(2 | 16, 2500)), 2.5);
  assertEquals(trSeconds(at(2 | 24, 2.5e6)), 2.5);
  assertEquals(trSeconds(at(0, 3)), 3);
  assertEquals(trSeconds(at(2 | 8, 99)), 99);
  assertEquals(trSeconds(at(2 | 8, 100)), 0.1);
  assertEquals(Number.isNaN(trSeconds(at(2 | 32, 5))), true); // Hz
  assertEquals(spatialUnitsToMm(at(1, 1)), 1000);
  assertEquals(spatialUnitsToMm(at(2, 1)), 1);
  assertEquals(spatialUnitsToMm(at(3, 1)), 0.001);
  assertEquals(spatialUnitsToMm(at(0, 1)), 1);
});
