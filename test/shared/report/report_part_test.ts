import { carpetImage, carpetPlot, carpetVoxels } from "../../../shared/report/carpet.ts";
import { temporalMean, temporalStd } from "../../../shared/report/mosaic.ts";
import { carpetRows, combineReportParts, ReportPart } from "../../../shared/report/report_part.ts";
import { assertClose, assertEquals, assertThrows } from "../../helpers/assert.ts";

const DIMS: [number, number, number, number] = [3, 2, 2, 7];
const N3 = 12;
const NT = 7;

/** A raw run and a "realigned" run with known values (voxel i, frame t). */
function runs(): { raw: Float32Array; realigned: Float32Array } {
  const raw = new Float32Array(N3 * NT);
  const realigned = new Float32Array(N3 * NT);
  for (let t = 0; t < NT; t++) {
    for (let i = 0; i < N3; i++) {
      raw[t * N3 + i] = 100 + 10 * i + ((t * (i + 3)) % 5) - 0.25 * t;
      realigned[t * N3 + i] = 50 + i + ((t * 7 + i) % 4);
    }
  }
  return { raw, realigned };
}

/** Parts of the uneven split 0..3, 3..4, 4..7, as the reslice function makes them. */
function partsOf(brain: Uint8Array, raw: Float32Array, realigned: Float32Array) {
  const ranges = [[0, 3], [3, 4], [4, 7]] as const;
  return ranges.map(([s, e]) => {
    const p = new ReportPart(brain, e - s);
    for (let t = s; t < e; t++) {
      p.add(raw.subarray(t * N3, (t + 1) * N3), realigned.subarray(t * N3, (t + 1) * N3), t - s);
    }
    return { data: new Float64Array(p.bytes().slice().buffer), frames: e - s };
  });
}

Deno.test("report parts add up to the raw run's mean and SD and the realigned carpet", () => {
  const { raw, realigned } = runs();
  const brain = new Uint8Array([0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1]);
  const parts = partsOf(brain, raw, realigned);
  const rows = carpetRows(brain).length;
  assertEquals(rows, 8);
  const r = combineReportParts(parts.map((p) => p.data), parts.map((p) => p.frames), N3, NT, rows);
  const mean = temporalMean(raw, DIMS), sd = temporalStd(raw, DIMS);
  for (let i = 0; i < N3; i++) {
    assertClose(r.meanBefore[i]!, mean[i]!, 1e-4, `mean voxel ${i}`);
    assertClose(r.stdBefore[i]!, sd[i]!, 1e-4, `sd voxel ${i}`);
  }
  // voxel 5, by hand: raw = 150 + (t*8 % 5) - t/4 for t = 0..6
  const v5 = [0, 1, 2, 3, 4, 5, 6].map((t) => 150 + ((t * 8) % 5) - 0.25 * t);
  const m5 = v5.reduce((a, b) => a + b, 0) / 7;
  assertClose(r.meanBefore[5]!, m5, 1e-5, "hand-computed mean");
  const s5 = Math.sqrt(v5.reduce((a, b) => a + (b - m5) ** 2, 0) / 6);
  assertClose(r.stdBefore[5]!, s5, 1e-4, "hand-computed SD");
  // carpet rows: the brain voxels' realigned series, frames side by side across parts
  const voxels = carpetVoxels(brain);
  for (let row = 0; row < rows; row++) {
    for (let t = 0; t < NT; t++) {
      assertEquals(r.carpet[row * NT + t], realigned[t * N3 + voxels[row]!], `row ${row} t ${t}`);
    }
  }
  const whole = carpetPlot(realigned, DIMS, brain);
  assertEquals(carpetImage(r.carpet, rows, NT).pixels, whole.pixels, "same carpet as in one pass");
});

Deno.test("report parts: fewer carpet rows than brain voxels, an empty brain, bad sizes", () => {
  const { raw, realigned } = runs();
  const brain = new Uint8Array(N3).fill(1);
  const p = new ReportPart(brain, 1, 4);
  p.add(raw.subarray(0, N3), realigned.subarray(0, N3), 0);
  assertEquals(Array.from(p.voxels), [1, 4, 7, 10], "rank floor((r + 0.5) * 12 / 4)");
  assertEquals(p.data.length, 2 * N3 + 4);

  const empty = new Uint8Array(N3);
  const parts = partsOf(empty, raw, realigned);
  const r = combineReportParts(parts.map((q) => q.data), parts.map((q) => q.frames), N3, NT, 0);
  assertEquals(r.carpet.length, 0);
  assertClose(r.meanBefore[0]!, temporalMean(raw, DIMS)[0]!, 1e-4);

  const full = partsOf(brain, raw, realigned);
  assertThrows(
    () => combineReportParts(full.map((q) => q.data), [3, 1, 2], N3, NT, 12),
    RangeError,
    "part 2 holds 60 values, expected 48",
  );
  assertThrows(
    () => combineReportParts(parts.slice(0, 2).map((q) => q.data), [3, 1], N3, NT, 0),
    RangeError,
    "4 frames in the parts, expected 7",
  );
});

Deno.test("addRawFrames: a block of frames adds the same sums as addRaw frame by frame, bit for bit", () => {
  const { raw } = runs();
  // values whose sums round differently in another order: the order must be each voxel's frames
  for (let j = 0; j < raw.length; j++) raw[j] = Math.fround(raw[j]! * 1.0000001 + 1e-3 * (j % 7));
  const brain = new Uint8Array(N3).fill(1);
  const byFrame = new ReportPart(brain, NT - 2);
  for (let t = 2; t < NT; t++) byFrame.addRaw(raw.subarray(t * N3, (t + 1) * N3));
  const byBlock = new ReportPart(brain, NT - 2);
  byBlock.addRawFrames(raw, 2, 3); // frames 2..4, then 5..6 from a block starting at frame 5
  byBlock.addRawFrames(raw.subarray(5 * N3), 0, 2);
  assertEquals(Array.from(byBlock.data), Array.from(byFrame.data));
  assertEquals(byBlock.data[1], [2, 3, 4, 5, 6].reduce((s, t) => s + raw[t * N3 + 1]!, 0));
});
