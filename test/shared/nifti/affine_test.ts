import {
  affineSource,
  affineVoxelSizes,
  niftiAffine,
  qformAffine,
  voxelSizes,
} from "../../../shared/nifti/affine.ts";
import { type NiftiHeader, parseNiftiHeader } from "../../../shared/nifti/header.ts";
import { gunzip } from "../../../shared/nifti/read.ts";
import { assertClose, assertEquals } from "../../helpers/assert.ts";
import { buildNifti } from "../../helpers/corrupt_files.ts";

const DATA = new URL("../../data/", import.meta.url);
const base: NiftiHeader = parseNiftiHeader(buildNifti(), "base");

function with_(over: Partial<NiftiHeader>): NiftiHeader {
  return { ...base, ...over };
}

Deno.test("affine: sform wins when sform_code > 0", () => {
  const h = with_({
    sformCode: 2,
    qformCode: 1,
    srow: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    quatern: [0, 0, 1],
  });
  assertEquals(affineSource(h), "sform");
  assertEquals(niftiAffine(h), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 1]);
});

Deno.test("affine: qform, 90° about z, with and without qfac", () => {
  const s = Math.SQRT1_2;
  const h = with_({
    sformCode: 0,
    qformCode: 1,
    quatern: [0, 0, s], // a = b = 0... a = sqrt(1 - 0.5) = s
    qoffset: [10, 20, 30],
    pixdim: [1, 2, 3, 4, 2, 0, 0, 0],
  });
  assertEquals(affineSource(h), "qform");
  // R = [[0,-1,0],[1,0,0],[0,0,1]]; columns scaled by 2, 3, 4.
  assertClose(niftiAffine(h), [0, -3, 0, 10, 2, 0, 0, 20, 0, 0, 4, 30, 0, 0, 0, 1], 1e-6);
  const flipped = with_({ ...h, pixdim: [-1, 2, 3, 4, 2, 0, 0, 0] });
  assertClose(niftiAffine(flipped), [0, -3, 0, 10, 2, 0, 0, 20, 0, 0, -4, 30, 0, 0, 0, 1], 1e-6);
  // pixdim[0] = 0 counts as qfac = +1
  assertClose(niftiAffine(with_({ ...h, pixdim: [0, 2, 3, 4, 2, 0, 0, 0] })), niftiAffine(h), 0);
});

Deno.test("affine: qform identity quaternion and the 180° about y of the SPM files", () => {
  const id = with_({ sformCode: 0, qformCode: 2, quatern: [0, 0, 0], qoffset: [-1, -2, -3] });
  assertClose(niftiAffine(id), [2, 0, 0, -1, 0, 2, 0, -2, 0, 0, 3, -3, 0, 0, 0, 1], 1e-12);
  // quatern (0,1,0), a = 0: R = diag(-1, 1, -1); qfac -1 flips z back: diag(-2, 2, 2).
  const spm = with_({
    sformCode: 0,
    qformCode: 2,
    quatern: [0, 1, 0],
    qoffset: [32, -40, -16],
    pixdim: [-1, 2, 2, 2, 0, 0, 0, 0],
  });
  assertClose(niftiAffine(spm), [-2, 0, 0, 32, 0, 2, 0, -40, 0, 0, 2, -16, 0, 0, 0, 1], 1e-12);
});

Deno.test("affine: pixdim scaling when neither code is set", () => {
  const h = with_({ sformCode: 0, qformCode: 0, pixdim: [1, 1.5, 2.5, 3.5, 2, 0, 0, 0] });
  assertEquals(affineSource(h), "pixdim");
  assertEquals(niftiAffine(h), [1.5, 0, 0, 0, 0, 2.5, 0, 0, 0, 0, 3.5, 0, 0, 0, 0, 1]);
  assertEquals(voxelSizes(with_({ pixdim: [1, -1.5, 2.5, 3.5, 2, 0, 0, 0] })), [1.5, 2.5, 3.5]);
});

Deno.test("affine: real files (sform) agree with their own qform", async () => {
  for (const name of ["real_fmri_128x96x24x2.nii.gz", "dwi_uint16_6x10x10x102.nii.gz"]) {
    const h = parseNiftiHeader(await gunzip(await Deno.readFile(new URL(name, DATA)), name), name);
    const s = niftiAffine(h);
    assertEquals(s.slice(0, 12), h.srow);
    // The scanner wrote both; float32 rounding separates them by < 1e-4 mm per voxel step.
    assertClose(qformAffine(h), s, 1e-4, name);
    assertClose(affineVoxelSizes(s), voxelSizes(h), 1e-5, name);
  }
  const big = await Deno.readFile(new URL("bigendian_anat_33x41x25.nii", DATA));
  const h = parseNiftiHeader(big, "big");
  assertEquals(qformAffine(h), [-2, 0, 0, 32, 0, 2, 0, -40, 0, 0, 2, -16, 0, 0, 0, 1]);
});
