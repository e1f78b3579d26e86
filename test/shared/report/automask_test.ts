import {
  automask,
  clipLevel,
  fillHolesAxial,
  keepLargestComponent,
} from "../../../shared/report/automask.ts";
import { mulberry32 } from "../../../shared/estimate/prng.ts";
import { assert, assertBetween, assertClose, assertEquals } from "../../helpers/assert.ts";

Deno.test("clipLevel iterates half the mean of the voxels at or above it", () => {
  // Positive mean 150; ≥150: {200} → 100; ≥100: mean 150 → 75; ≥75: 150 → 75.
  assertClose(clipLevel(new Float32Array([200, 200, 100, 100, 0, 0, 0, 0])), 75, 1e-9);
  assertClose(clipLevel(new Float32Array([100, 100, 0, -4])), 50, 1e-9);
  assertEquals(clipLevel(new Float32Array([0, -1, NaN])), 0);
});

Deno.test("keepLargestComponent uses face connectivity; fillHolesAxial fills enclosed pixels", () => {
  // 4×4×1: a 2×2 block and a diagonal-only neighbour (not 6-connected).
  const m = new Uint8Array([
    1,
    1,
    0,
    0,
    1,
    1,
    0,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    1,
  ]);
  assertEquals(keepLargestComponent(m, [4, 4, 1]), 4);
  assertEquals(Array.from(m), [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  // 5×5×2: a ring enclosing a hole on slice 0; a U open to the edge on slice 1.
  const r = new Uint8Array([
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    1,
    1,
    0,
    0,
    1,
    0,
    1,
    0,
    0,
    1,
    1,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    0,
    1,
    0,
    0,
    1,
    0,
    1,
    0,
    0,
    1,
    1,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  fillHolesAxial(r, [5, 5, 2]);
  assertEquals(r[12], 1, "the ring's hole is filled");
  assertEquals(r[25 + 7], 0, "the U's inside reaches the edge and stays out");
  assertEquals(r.reduce((a, b) => a + b, 0), 9 + 7);
});

/** Standard normal deviates by Box–Muller. */
function gaussian(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

Deno.test("automask recovers a noisy blob with a dark core and ignores a bright speck", () => {
  const [nx, ny, nz] = [40, 40, 30];
  const rnd = mulberry32(11);
  const mean = new Float32Array(nx * ny * nz);
  const truth = new Uint8Array(mean.length);
  // An ellipsoid "brain" of intensity 1000 ± 50 with a 300 "ventricle", on |N(0, 20)| background.
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const d = ((x - 20) / 13) ** 2 + ((y - 19) / 15) ** 2 + ((z - 15) / 10) ** 2;
        const core = (x - 20) ** 2 + (y - 19) ** 2 + (z - 15) ** 2 <= 9;
        if (d <= 1) {
          truth[i] = 1;
          mean[i] = (core ? 300 : 1000) + 50 * gaussian(rnd);
        } else {
          mean[i] = Math.abs(20 * gaussian(rnd));
        }
      }
    }
  }
  // A bright 3×3×3 speck in a corner, apart from the brain.
  for (let z = 1; z < 4; z++) {
    for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) mean[x + nx * (y + ny * z)] = 1200;
  }
  const mask = automask(mean, [nx, ny, nz]);
  let both = 0, a = 0, b = 0;
  for (let i = 0; i < mask.length; i++) {
    both += mask[i]! & truth[i]!;
    a += mask[i]!;
    b += truth[i]!;
  }
  const dice = (2 * both) / (a + b);
  assertBetween(dice, 0.97, 1, `Dice ${dice.toFixed(4)}`);
  assertEquals(mask[2 + nx * (2 + ny * 2)], 0, "the speck is dropped");
  assertEquals(mask[20 + nx * (19 + ny * 15)], 1, "the dark core is filled");
  assert(a > 0.95 * b && a < 1.05 * b, `mask ${a} voxels, truth ${b}`);
});

Deno.test("automask of an empty image is empty", () => {
  assertEquals(automask(new Float32Array(27), [3, 3, 3]).reduce((s, v) => s + v, 0), 0);
});
