import { assertEquals, assertThrows } from "../../helpers/assert.ts";
import { decodeModel, encodeModel } from "../../../shared/estimate/model_codec.ts";
import { prepareReference } from "../../../shared/estimate/reference_model.ts";
import { createEstimateScratch, estimateFrame } from "../../../shared/estimate/estimate_frame.ts";
import { centredAffine } from "../../helpers/simulate.ts";

const dims: [number, number, number] = [24, 26, 20];
const n3 = dims[0] * dims[1] * dims[2];
const affine = centredAffine(dims, [3, 3, 3.5]);
function blob(shift: number): Float32Array {
  const v = new Float32Array(n3);
  let o = 0;
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++, o++) {
        const x = i - 11.5 - shift, y = j - 12.5, z = k - 9.5;
        v[o] = 100 * Math.exp(-(x * x + 2 * y * y + 1.5 * z * z) / 40) +
          30 * Math.exp(-((x - 5) ** 2 + y * y + z * z) / 10);
      }
    }
  }
  return v;
}

Deno.test("a reference model survives bytes exactly, and estimates the same", () => {
  const ref = blob(0), moved = blob(0.4);
  const weight = new Float32Array(n3).map((_, i) => (i % 7) / 6);
  for (const w of [null, weight]) {
    const m = prepareReference(ref, dims, affine, { fwhm: 5, sep: 4, degree: 2, quality: 0.9 }, w);
    const back = decodeModel(encodeModel(m));
    assertEquals(back.n, m.n);
    assertEquals(back.dims, m.dims);
    assertEquals(back.settings, m.settings);
    assertEquals(back.affine, m.affine);
    assertEquals(back.affineInv, m.affineInv);
    assertEquals(Array.from(back.cols), Array.from(m.cols));
    assertEquals(Array.from(back.pz), Array.from(m.pz));
    assertEquals(
      back.sw === null ? null : Array.from(back.sw),
      m.sw === null ? null : Array.from(m.sw),
    );
    assertEquals(Array.from(back.ataCoarse), Array.from(m.ataCoarse));
    const a = estimateFrame(m, moved, createEstimateScratch(m), 1);
    const b = estimateFrame(back, moved, createEstimateScratch(back), 1);
    assertEquals(b, a, "bit-identical estimate");
  }
  assertThrows(() => decodeModel(new Uint8Array(12)), RangeError);
  const bytes = encodeModel(
    prepareReference(ref, dims, affine, { fwhm: 5, sep: 4, degree: 1, quality: 1 }),
  );
  assertThrows(() => decodeModel(bytes.subarray(0, bytes.length - 8)), RangeError);
});
