import {
  evenSlices,
  robustWindow,
  sliceMosaic,
  temporalMean,
  temporalStd,
} from "../../../shared/report/mosaic.ts";
import { assertClose, assertEquals, assertThrows } from "../../helpers/assert.ts";

const [NX, NY, NZ] = [10, 8, 6];

/** A 10×8×6 volume, 0 except a 100 cube at x 2..4, y 5..6, z 3. */
function cubeVolume(): Float32Array {
  const v = new Float32Array(NX * NY * NZ);
  for (let y = 5; y <= 6; y++) for (let x = 2; x <= 4; x++) v[x + NX * (y + NY * 3)] = 100;
  return v;
}

Deno.test("sliceMosaic puts a bright cube in the expected tile, row and columns", () => {
  const m = sliceMosaic(cubeVolume(), [NX, NY, NZ], {
    slices: 6,
    columns: 3,
    gap: 1,
    window: [0, 100],
  });
  assertEquals([m.width, m.height], [3 * NX + 2, 2 * NY + 1]);
  assertEquals(m.slices, [0, 1, 2, 3, 4, 5]);
  // z = 3 is tile 3: second tile row, first column; left 0, top NY + 1.
  // y is flipped: row = NY - 1 - y, so y 5..6 are rows 2..1 of the tile.
  const white: number[] = [];
  for (let i = 0; i < m.pixels.length; i++) if (m.pixels[i] !== 0) white.push(i);
  const want: number[] = [];
  for (const r of [1, 2]) for (const x of [2, 3, 4]) want.push((NY + 1 + r) * m.width + x);
  assertEquals(white, want);
  for (const i of want) assertEquals(m.pixels[i], 255);
});

Deno.test("sliceMosaic flipX mirrors each tile; the last voxel of a row lands on the tile's edge", () => {
  const v = cubeVolume();
  v[NX - 1 + NX * (0 + NY * 0)] = 100; // last x, first y, first z
  const m = sliceMosaic(v, [NX, NY, NZ], {
    slices: 6,
    columns: 3,
    gap: 1,
    window: [0, 100],
    flipX: true,
  });
  const white: number[] = [];
  for (let i = 0; i < m.pixels.length; i++) if (m.pixels[i] !== 0) white.push(i);
  const want = [(NY - 1) * m.width + 0]; // tile 0, bottom row (y 0), mirrored x 9 → column 0
  for (const r of [1, 2]) for (const x of [2, 3, 4]) want.push((NY + 1 + r) * m.width + NX - 1 - x);
  assertEquals(white, want.sort((a, b) => a - b));
});

Deno.test("sliceMosaic maps the window linearly and picks evenly spaced slices", () => {
  const v = new Float32Array(2 * 1 * 24);
  for (let z = 0; z < 24; z++) v[2 * z] = 50, v[2 * z + 1] = z === 9 ? 300 : -5;
  const m = sliceMosaic(v, [2, 1, 24], { slices: 4, columns: 4, gap: 0, window: [0, 255] });
  assertEquals(m.slices, [3, 9, 15, 21]);
  assertEquals(Array.from(m.pixels), [50, 0, 50, 255, 50, 0, 50, 0]);
  assertEquals(evenSlices(24, 4), [3, 9, 15, 21]);
  assertEquals(evenSlices(3, 16), [0, 1, 2]);
  // Defaults: min(nz, 16) slices, ceil(sqrt) columns, gap 2.
  const d = sliceMosaic(new Float32Array(4 * 3 * 24).fill(1), [4, 3, 24]);
  assertEquals(d.slices.length, 16);
  assertEquals([d.width, d.height], [4 * 4 + 3 * 2, 4 * 3 + 3 * 2]);
});

Deno.test("robustWindow takes the 2nd and 98th percentiles of non-zero voxels", () => {
  const v = new Float32Array(300); // 200 zeros and 1..100
  for (let i = 0; i < 100; i++) v[i * 3] = 100 - i;
  v[1] = NaN;
  assertEquals(robustWindow(v), [3, 98]);
  assertEquals(robustWindow(new Float32Array(5)), [0, 1]);
  assertEquals(robustWindow(new Float32Array([7, 7, 0])), [7, 14]);
});

Deno.test("temporalMean and temporalStd of a hand-made run (sample SD, n - 1)", () => {
  // Two frames of 2×2×1: SD of two values is |a - b| / sqrt(2).
  const run = new Float32Array([1, 2, 5, -3, 3, 2, 1, 3]);
  assertClose(temporalMean(run, [2, 2, 1, 2]), [2, 2, 3, 0], 1e-7);
  assertClose(
    temporalStd(run, [2, 2, 1, 2]),
    [2 / Math.SQRT2, 0, 4 / Math.SQRT2, 6 / Math.SQRT2],
    1e-6,
  );
  // Three frames 0, 1, 2 on one voxel: sample SD 1.
  assertClose(temporalStd(new Float32Array([0, 1, 2]), [1, 1, 1, 3]), [1], 1e-7);
  // One frame: SD 0. A large offset keeps its small spread (Float64 sums).
  assertEquals(Array.from(temporalStd(new Float32Array([5, 6]), [2, 1, 1, 1])), [0, 0]);
  const big = new Float32Array(1000);
  for (let t = 0; t < 1000; t++) big[t] = 10000 + (t % 2 === 0 ? 0.5 : -0.5);
  const sd = Math.sqrt((1000 * 0.25) / 999);
  assertClose(temporalStd(big, [1, 1, 1, 1000])[0]!, sd, 1e-6);
  assertClose(temporalMean(big, [1, 1, 1, 1000])[0]!, 10000, 1e-6);
});

Deno.test("mosaic and temporal statistics reject a shape that does not fit the data", () => {
  assertThrows(() => sliceMosaic(new Float32Array(5), [2, 2, 1]), RangeError, "2×2×1 = 4");
  assertThrows(() => temporalStd(new Float32Array(8), [2, 2, 1, 3]), RangeError, "12 values");
  assertThrows(
    () => sliceMosaic(new Float32Array(4), [2, 2, 1], { window: [1, 1] }),
    RangeError,
    "window",
  );
});
