import { assert, assertClose, assertEquals } from "../helpers/assert.ts";
import { frameCoverage, resliceTrilinear } from "../../shared/reslice_kernel.ts";
import { invert4, mul4, spmMatrix } from "../../shared/rigid.ts";
import { sampleTrilinear } from "../../shared/interp/trilinear.ts";

const dims: [number, number, number] = [7, 6, 5];
const N = 7 * 6 * 5;
const idx = (i: number, j: number, k: number) => i + 7 * (j + 6 * k);
const src = new Float32Array(N).map((_, i) => 1 + ((i * 37) % 101) + Math.cos(i));
const shift = (sx: number, sy: number, sz: number) => [
  1,
  0,
  0,
  sx,
  0,
  1,
  0,
  sy,
  0,
  0,
  1,
  sz,
  0,
  0,
  0,
  1,
];

Deno.test("resliceTrilinear with the identity copies every voxel exactly", () => {
  const out = new Float32Array(N);
  resliceTrilinear(src, dims, shift(0, 0, 0), out);
  assertEquals(out, src);
});

Deno.test("resliceTrilinear with the identity through A⁻¹·A keeps the last voxel", () => {
  // An oblique affine: rounding makes the product differ from I by ~1e-16.
  const a = mul4(spmMatrix([-90.3, 12.1, 7.7, 0.3, -0.2, 0.1]), [
    3.5,
    0,
    0,
    0,
    0,
    3.5,
    0,
    0,
    0,
    0,
    4,
    0,
    0,
    0,
    0,
    1,
  ]);
  const v2v = mul4(invert4(a), a);
  const out = new Float32Array(N);
  resliceTrilinear(src, dims, v2v, out);
  assertClose(out, src, 1e-4);
  assert(out[N - 1] !== 0, "last voxel kept");
});

Deno.test("resliceTrilinear integer shifts reproduce the shifted array, last voxel included", () => {
  const cases: [number, number, number][] = [[1, 0, 0], [-1, 0, 0], [0, 2, 0], [0, 0, -1], [
    2,
    -1,
    1,
  ]];
  const out = new Float32Array(N);
  for (const [sx, sy, sz] of cases) {
    resliceTrilinear(src, dims, shift(sx, sy, sz), out);
    for (let k = 0; k < 5; k++) {
      for (let j = 0; j < 6; j++) {
        for (let i = 0; i < 7; i++) {
          const [x, y, z] = [i + sx, j + sy, k + sz];
          const inside = x >= 0 && x < 7 && y >= 0 && y < 6 && z >= 0 && z < 5;
          const expect = inside ? src[idx(x, y, z)]! : 0;
          assert(
            out[idx(i, j, k)] === expect,
            `shift ${sx},${sy},${sz} voxel ${i},${j},${k}: ${out[idx(i, j, k)]} vs ${expect}`,
          );
        }
      }
    }
  }
});

Deno.test("resliceTrilinear half-voxel shift averages neighbours; beyond the edge is 0", () => {
  const out = new Float32Array(N);
  resliceTrilinear(src, dims, shift(0.5, 0, 0), out);
  for (let k = 0; k < 5; k++) {
    for (let j = 0; j < 6; j++) {
      for (let i = 0; i < 6; i++) {
        const expect = (src[idx(i, j, k)]! + src[idx(i + 1, j, k)]!) / 2;
        assertClose(out[idx(i, j, k)]!, expect, 1e-4, `voxel ${i},${j},${k}`);
      }
      assert(out[idx(6, j, k)] === 0, "last column has no source");
    }
  }
  resliceTrilinear(src, dims, shift(0, -0.5, 0), out);
  for (let i = 0; i < 7; i++) {
    assert(out[idx(i, 0, 2)] === 0, "first row has no source");
    assertClose(out[idx(i, 5, 2)]!, (src[idx(i, 4, 2)]! + src[idx(i, 5, 2)]!) / 2, 1e-4);
  }
});

Deno.test("resliceTrilinear matches point-wise sampling under a rotation, and coverage agrees", () => {
  const v2v = mul4(
    mul4(shift(3, 2.5, 2), spmMatrix([0.3, -0.2, 0.1, 0.2, -0.15, 0.4])),
    shift(-3, -2.5, -2),
  );
  const out = new Float32Array(N);
  resliceTrilinear(src, dims, v2v, out);
  const mask = new Uint8Array(N).fill(1);
  frameCoverage(dims, v2v, mask);
  let covered = 0;
  for (let k = 0; k < 5; k++) {
    for (let j = 0; j < 6; j++) {
      for (let i = 0; i < 7; i++) {
        const x = v2v[0]! * i + v2v[1]! * j + v2v[2]! * k + v2v[3]!;
        const y = v2v[4]! * i + v2v[5]! * j + v2v[6]! * k + v2v[7]!;
        const z = v2v[8]! * i + v2v[9]! * j + v2v[10]! * k + v2v[11]!;
        const s = sampleTrilinear(src, 7, 6, 5, x, y, z);
        const o = idx(i, j, k);
        assertEquals(mask[o], Number.isNaN(s) ? 0 : 1, `coverage at ${i},${j},${k}`);
        assertClose(out[o]!, Number.isNaN(s) ? 0 : s, 1e-3, `value at ${i},${j},${k}`);
        covered += mask[o]!;
      }
    }
  }
  assert(covered > N / 3 && covered < N, `partial coverage (${covered} of ${N})`);
});

Deno.test("frameCoverage ANDs into the mask and keeps everything under the identity", () => {
  const mask = new Uint8Array(N).fill(1);
  mask[5] = 0;
  frameCoverage(dims, shift(0, 0, 0), mask);
  assertEquals(mask.reduce((a, b) => a + b, 0), N - 1);
  frameCoverage(dims, shift(-1, 0, 0), mask);
  assertEquals(mask[idx(0, 3, 3)], 0);
  assertEquals(mask[idx(6, 3, 3)], 1);
  assertEquals(mask.reduce((a, b) => a + b, 0), N - 1 - 6 * 5, "voxel 5 stays 0");
});
