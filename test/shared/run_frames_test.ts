import { assertEquals } from "../helpers/assert.ts";
import { decodeFrameInto, decodesFinite, frameBytes } from "../../shared/run_frames.ts";
import type { RunLayout } from "../../shared/job.ts";

const base: RunLayout = {
  dims: [2, 2, 1, 2],
  datatype: 4,
  bytesPerVoxel: 2,
  littleEndian: true,
  voxOffset: 352,
  slope: 1,
  inter: 0,
  affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
  voxelSize: [1, 1, 1],
};

Deno.test("decodesFinite: integer voxels with finite scaling only, never a Float32 overflow", () => {
  assertEquals(decodesFinite(base), true, "int16");
  assertEquals(
    decodesFinite({ ...base, datatype: 2, bytesPerVoxel: 1, slope: 0.5, inter: -3 }),
    true,
  );
  assertEquals(decodesFinite({ ...base, datatype: 16, bytesPerVoxel: 4 }), false, "float32");
  assertEquals(decodesFinite({ ...base, datatype: 64, bytesPerVoxel: 8 }), false, "float64");
  assertEquals(decodesFinite({ ...base, inter: Infinity }), false, "infinite intercept");
  assertEquals(decodesFinite({ ...base, inter: NaN }), false, "NaN intercept");
  // int32 × 1e30 overflows Float32: such a run keeps its ±Inf handling
  assertEquals(decodesFinite({ ...base, datatype: 8, bytesPerVoxel: 4, slope: 1e30 }), false);
  // and where it says finite, the largest int32 times the slope is finite in Float32
  const run = { ...base, datatype: 8, bytesPerVoxel: 4, slope: 1e28, inter: -1e28 };
  assertEquals(decodesFinite(run), true);
  const bytes = new Uint8Array(frameBytes(run) * 2);
  new DataView(bytes.buffer).setInt32(0, 2 ** 31 - 1, true);
  new DataView(bytes.buffer).setInt32(4, -(2 ** 31), true);
  const out = decodeFrameInto(bytes, run, 0, new Float32Array(4));
  assertEquals(Array.from(out).every(Number.isFinite), true, `decoded ${Array.from(out)}`);
});
