import { carpetPlot } from "../../../shared/report/carpet.ts";
import { assertClose, assertEquals, assertThrows } from "../../helpers/assert.ts";

/** A run of `series.length` voxels (one row of x) from per-voxel time series. */
function runOf(series: number[][]): Float32Array {
  const n3 = series.length, nt = series[0]!.length;
  const run = new Float32Array(n3 * nt);
  for (let v = 0; v < n3; v++) for (let t = 0; t < nt; t++) run[t * n3 + v] = series[v]![t]!;
  return run;
}

/** The grey of a standardised value. */
const grey = (z: number) => Math.round((Math.max(-2, Math.min(2, z)) + 2) * 63.75);

Deno.test("carpetPlot: rows are mask voxels, columns frames, each row z-scored", () => {
  const series = [
    [9, 9, 9, 9], // outside the mask
    [1, 2, 3, 4], // mean 2.5, SD sqrt(5/3)
    [0, 0, 0, 10], // mean 2.5, SD 5
    [7, 7, 7, 7], // flat: mid grey
  ];
  const c = carpetPlot(runOf(series), [4, 1, 1, 4], new Uint8Array([0, 1, 1, 1]), {
    detrend: false,
  });
  assertEquals([c.width, c.height], [4, 3]);
  assertEquals(Array.from(c.voxels), [1, 2, 3]);
  const sd = Math.sqrt(5 / 3);
  const want = [
    ...[1, 2, 3, 4].map((x) => grey((x - 2.5) / sd)),
    ...[-0.5, -0.5, -0.5, 1.5].map(grey),
    128,
    128,
    128,
    128,
  ];
  assertEquals(Array.from(c.pixels), want);
  assertEquals(want.slice(0, 4), [53, 103, 152, 202]);
});

Deno.test("carpetPlot clips at ±2 SD and removes a linear trend by default", () => {
  const spike = [0, 0, 0, 0, 0, 0, 0, 0, 0, 100]; // z of the spike: 90 / sqrt(1000) = 2.85
  const ramp = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const wiggle = [1, 3, 3, 5, 5, 7, 7, 9, 9, 11]; // a staircase: a trend plus a zigzag
  const c = carpetPlot(runOf([spike, ramp, wiggle]), [3, 1, 1, 10], new Uint8Array([1, 1, 1]));
  const row = (r: number) => Array.from(c.pixels.subarray(r * 10, r * 10 + 10));
  assertEquals(row(0)[9], 255, "spike clipped white");
  assertEquals(row(1), new Array(10).fill(128), "a pure ramp is flat after detrending");
  // Check the staircase against an independent least-squares fit (slope 34/33).
  const t = ramp.map((_, i) => i), tm = 4.5;
  const wm = wiggle.reduce((a, b) => a + b) / 10;
  const slope = t.reduce((a, ti) => a + (ti - tm) * (wiggle[ti]! - wm), 0) /
    t.reduce((a, ti) => a + (ti - tm) ** 2, 0);
  assertClose(slope, 34 / 33, 1e-12);
  const res = t.map((ti) => wiggle[ti]! - wm - slope * (ti - tm));
  const sd = Math.sqrt(res.reduce((a, r) => a + r * r, 0) / 9);
  assertEquals(row(2), res.map((r) => grey(r / sd)));
  const noDetrend = carpetPlot(runOf([ramp]), [1, 1, 1, 10], new Uint8Array([1]), {
    detrend: false,
  });
  assertEquals(noDetrend.pixels[0], grey(-4.5 / Math.sqrt(82.5 / 9)));
});

Deno.test("carpetPlot samples mask voxels evenly down to maxRows", () => {
  const nx = 20;
  const mask = new Uint8Array(nx);
  for (let i = 0; i < nx; i += 2) mask[i] = 1; // 10 voxels: 0, 2, ..., 18
  const run = new Float32Array(nx * 3).map((_, i) => i % 7);
  const c = carpetPlot(run, [nx, 1, 1, 3], mask, { maxRows: 4 });
  // Ranks floor((r + 0.5) * 10 / 4) = 1, 3, 6, 8 → voxels 2, 6, 12, 16.
  assertEquals(Array.from(c.voxels), [2, 6, 12, 16]);
  assertEquals([c.width, c.height], [3, 4]);
  const all = carpetPlot(run, [nx, 1, 1, 3], mask);
  assertEquals(all.height, 10);
  assertEquals(all.voxels[9], 18, "the last mask voxel is drawn");
  // A default-sized plot of a big mask stops at 600 rows.
  const big = carpetPlot(new Float32Array(5000 * 2), [50, 10, 10, 2], new Uint8Array(5000).fill(1));
  assertEquals(big.height, 600);
});

Deno.test("carpetPlot rejects an empty mask and mismatched sizes", () => {
  assertThrows(
    () => carpetPlot(new Float32Array(4), [2, 1, 1, 2], new Uint8Array(2)),
    RangeError,
    "empty",
  );
  assertThrows(
    () => carpetPlot(new Float32Array(4), [2, 1, 1, 2], new Uint8Array(3)),
    RangeError,
    "mask",
  );
  assertThrows(
    () => carpetPlot(new Float32Array(5), [2, 1, 1, 2], new Uint8Array(2)),
    RangeError,
    "4 values",
  );
});
