import { decodeVoxels, PLATFORM_LITTLE_ENDIAN } from "../../../shared/nifti/decode.ts";
import { chooseScaling, encodeVoxels } from "../../../shared/nifti/encode.ts";
import { datatypeInfo, DT, SUPPORTED_DATATYPES } from "../../../shared/nifti/datatypes.ts";
import { assertClose, assertEquals, assertThrows } from "../../helpers/assert.ts";
import { InputError } from "../../../shared/errors.ts";

/** Hand encoding with DataView, independent of encode.ts. */
function handEncode(values: number[], dt: number, le: boolean, pad = 0): Uint8Array {
  const bpv = datatypeInfo(dt, "t").bytes;
  const buf = new Uint8Array(pad + values.length * bpv);
  const dv = new DataView(buf.buffer);
  values.forEach((v, i) => {
    const o = pad + i * bpv;
    switch (dt) {
      case DT.UINT8:
        return dv.setUint8(o, v);
      case DT.INT8:
        return dv.setInt8(o, v);
      case DT.INT16:
        return dv.setInt16(o, v, le);
      case DT.UINT16:
        return dv.setUint16(o, v, le);
      case DT.INT32:
        return dv.setInt32(o, v, le);
      case DT.UINT32:
        return dv.setUint32(o, v, le);
      case DT.FLOAT32:
        return dv.setFloat32(o, v, le);
      default:
        return dv.setFloat64(o, v, le);
    }
  });
  return buf.subarray(pad);
}

const SAMPLES: Record<number, number[]> = {
  [DT.UINT8]: [0, 1, 127, 128, 255],
  [DT.INT8]: [-128, -1, 0, 1, 127],
  [DT.INT16]: [-32768, -1, 0, 1234, 32767],
  [DT.UINT16]: [0, 1, 32768, 40000, 65535],
  [DT.INT32]: [-2147483648, -1, 0, 16777216, 2147483520],
  [DT.UINT32]: [0, 1, 2147483648, 4000000000, 4294967040],
  [DT.FLOAT32]: [-1.5, 0, 3.25, 1e30, -7e-20],
  [DT.FLOAT64]: [-1.5, 0, 3.25, 1e30, -7e-20],
};

Deno.test("decode: every datatype, both byte orders, aligned and misaligned", () => {
  assertEquals(PLATFORM_LITTLE_ENDIAN, true);
  for (const dt of SUPPORTED_DATATYPES) {
    const vals = SAMPLES[dt]!;
    const expected = Float32Array.from(vals);
    for (const le of [true, false]) {
      for (const pad of [0, 1, 3]) {
        const out = new Float32Array(vals.length);
        decodeVoxels(handEncode(vals, dt, le, pad), dt, le, 1, 0, out);
        assertEquals(out, expected, `dt ${dt} le ${le} pad ${pad}`);
        // scaled: v * 2 - 3 (computed in double, stored float32)
        const scaled = new Float32Array(vals.length);
        decodeVoxels(handEncode(vals, dt, le, pad), dt, le, 2, -3, scaled);
        assertEquals(scaled, Float32Array.from(vals, (v) => v * 2 - 3), `scaled dt ${dt}`);
      }
    }
  }
});

Deno.test("decode: scl_slope 0 (or NaN) means unscaled; NaN and Inf pass through", () => {
  const src = handEncode([5, -7], DT.INT16, true);
  for (const slope of [0, NaN, Infinity]) {
    const out = new Float32Array(2);
    decodeVoxels(src, DT.INT16, true, slope, 100, out);
    assertEquals(out, new Float32Array([5, -7]), `slope ${slope}`);
  }
  const f = new Float32Array(3);
  decodeVoxels(
    handEncode([NaN, Infinity, -Infinity], DT.FLOAT32, false),
    DT.FLOAT32,
    false,
    1,
    0,
    f,
  );
  assertEquals(Array.from(f), [NaN, Infinity, -Infinity]);
  assertThrows(
    () => decodeVoxels(new Uint8Array(3), DT.INT16, true, 1, 0, new Float32Array(2)),
    "3 bytes given",
  );
  assertThrows(
    () => decodeVoxels(new Uint8Array(8), DT.COMPLEX64, true, 1, 0, new Float32Array(1)),
    InputError,
    "complex64",
  );
});

Deno.test("encode: every datatype round-trips exactly for representable values", () => {
  for (const dt of SUPPORTED_DATATYPES) {
    const t = datatypeInfo(dt, "t");
    const vals = Float32Array.from(SAMPLES[dt]!);
    for (const pad of [0, 1]) {
      const room = new Uint8Array(pad + vals.length * t.bytes);
      const out = room.subarray(pad);
      encodeVoxels(vals, dt, 1, 0, out);
      // compare against hand encoding (little-endian) byte for byte
      assertEquals(out.slice(), handEncode(Array.from(vals), dt, true), `dt ${dt} pad ${pad}`);
    }
  }
});

Deno.test("encode: rounding, clamping, NaN → 0, scaling", () => {
  const out = new Uint8Array(2 * 7);
  encodeVoxels(new Float32Array([1.4, 1.6, -2.5, 1e9, -1e9, NaN, Infinity]), DT.INT16, 1, 0, out);
  const back = new Float32Array(7);
  decodeVoxels(out, DT.INT16, true, 1, 0, back);
  assertEquals(Array.from(back), [1, 2, -2, 32767, -32768, 0, 32767]);
  const u = new Uint8Array(3);
  encodeVoxels(new Float32Array([-5, 300, NaN]), DT.UINT8, 1, 0, u);
  assertEquals(Array.from(u), [0, 255, 0]);
  // stored = round((v - inter) / slope)
  const s = new Uint8Array(2 * 3);
  encodeVoxels(new Float32Array([100, 110, 90]), DT.INT16, 0.5, 100, s);
  const raw = new Float32Array(3);
  decodeVoxels(s, DT.INT16, true, 1, 0, raw);
  assertEquals(Array.from(raw), [0, 20, -20]);
  // floats keep NaN and are scaled without rounding
  const f = new Uint8Array(4 * 2);
  encodeVoxels(new Float32Array([NaN, 7]), DT.FLOAT32, 2, 1, f);
  const fb = new Float32Array(2);
  decodeVoxels(f, DT.FLOAT32, true, 1, 0, fb);
  assertEquals(Array.from(fb), [NaN, 3]);
});

Deno.test("chooseScaling: fits without clipping, keeps integer data exact", () => {
  assertEquals(chooseScaling(DT.FLOAT32, -1e9, 1e9), { slope: 1, inter: 0 });
  assertEquals(chooseScaling(DT.INT16, -100, 30000), { slope: 1, inter: 0 });
  assertEquals(chooseScaling(DT.UINT8, 0, 255), { slope: 1, inter: 0 });
  assertEquals(chooseScaling(DT.INT16, NaN, 5), { slope: 1, inter: 0 });
  const cases: [number, number, number][] = [
    [DT.INT16, -5, 100000],
    [DT.INT16, -70000, 10],
    [DT.UINT8, 0, 1000.5],
    [DT.UINT8, -3.3, 17.9],
    [DT.UINT16, -1000, 1e6],
    [DT.INT8, -1, 1],
    [DT.INT32, 0, 1e12],
  ];
  for (const [dt, lo, hi] of cases) {
    const t = datatypeInfo(dt, "t");
    const { slope, inter } = chooseScaling(dt, lo, hi);
    assertEquals(Math.fround(slope), slope, "slope is float32");
    assertEquals(Math.fround(inter), inter, "inter is float32");
    const vals = new Float32Array([lo, hi, (lo + hi) / 2]);
    const bytes = new Uint8Array(3 * t.bytes);
    encodeVoxels(vals, dt, slope, inter, bytes);
    const back = new Float32Array(3);
    decodeVoxels(bytes, dt, true, slope, inter, back);
    // no clipping: each value comes back within half a step (plus float32 rounding)
    assertClose(back, vals, slope * 0.5 + Math.abs(hi) * 1e-6, `dt ${dt} [${lo}, ${hi}]`);
    // the range uses most of the type (the step is not wastefully coarse)
    if (slope !== 1 && !(slope <= ((hi - lo) / (t.max - t.min)) * 2.01)) {
      throw new Error(`slope ${slope} too coarse`);
    }
  }
  // signed type, both signs: 0 stays exactly 0
  assertEquals(chooseScaling(DT.INT16, -70000, 10).inter, 0);
});
