/**
 * The slab's work in WebAssembly against its JS twins: each slab kernel
 * (decode, finite0, rawSums, maskFrame, encode) value for value against the
 * JS function it follows, on every datatype, both byte orders, with and
 * without scaling, NaN, ±Inf, halves and out-of-range values; then a whole
 * WasmSlab against a JsSlab with the WebAssembly resampling kernels: the same
 * encoded frames, sums and report part, byte for byte.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { mulberry32 } from "../../shared/estimate/prng.ts";
import { decodeVoxels } from "../../shared/nifti/decode.ts";
import { encodeVoxels } from "../../shared/nifti/encode.ts";
import { DT } from "../../shared/nifti/datatypes.ts";
import { zeroNonFinite } from "../../shared/finite.ts";
import { ReportPart } from "../../shared/report/report_part.ts";
import { JsSlab, maskFrame, type SlabSpec } from "../../shared/slab_work.ts";
import { WasmSlab } from "../../shared/wasm/wasm_slab.ts";
import {
  acquireWork,
  align,
  DATA,
  growTo,
  loadWasmKernels,
} from "../../shared/wasm/wasm_kernels.ts";
import { invert4, mul4, spmMatrix } from "../../shared/rigid.ts";
import type { RunLayout } from "../../shared/job.ts";

const TYPES = [DT.UINT8, DT.INT8, DT.INT16, DT.UINT16, DT.INT32, DT.UINT32, DT.FLOAT32, DT.FLOAT64];
const BYTES: Record<number, number> = { 2: 1, 256: 1, 4: 2, 512: 2, 8: 4, 768: 4, 16: 4, 64: 8 };

/** The same number, or both NaN (NaN payloads are not specified by either arithmetic). */
function same(a: number, b: number): boolean {
  return Object.is(a, b) || (a !== a && b !== b);
}

function assertSameValues(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assertEquals(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!same(got[i]!, want[i]!)) {
      throw new Error(`${what}: value ${i} is ${got[i]}, JS ${want[i]}`);
    }
  }
}

/** The isolate's work instance, with `bytes` bytes laid out from DATA. */
function work(bytes: number) {
  const owner = {};
  const ex = acquireWork(owner);
  growTo(ex.memory, DATA + bytes);
  return { ex, owner };
}

Deno.test("decode: every datatype, both byte orders, scaled or not, as decodeVoxels", () => {
  const n = 1037; // not a multiple of the SIMD width
  const rnd = mulberry32(5);
  const { ex } = work(n * 8 + n * 4 + 64);
  const src = DATA, dst = DATA + n * 8;
  for (const dt of TYPES) {
    const bytes = new Uint8Array(n * BYTES[dt]!).map(() => Math.floor(rnd() * 256));
    if (dt === DT.FLOAT32 || dt === DT.FLOAT64) {
      // plain values with NaN and ±Inf among them, in both byte orders
      const dv = new DataView(bytes.buffer);
      for (let i = 0; i < n; i++) {
        const v = i % 97 === 0
          ? NaN
          : i % 89 === 0
          ? Infinity
          : i % 83 === 0
          ? -Infinity
          : (rnd() - 0.5) * 1e4;
        if (dt === DT.FLOAT32) dv.setFloat32(4 * i, v, i % 2 === 0);
        else dv.setFloat64(8 * i, v, i % 2 === 0);
      }
    }
    for (const le of [true, false]) {
      for (
        const [slope, inter] of [[1, 0], [0, 5], [2.5, -100], [0.001, 3.25], [NaN, 7], [2, NaN]]
      ) {
        const want = new Float32Array(n);
        decodeVoxels(bytes, dt, le, slope!, inter!, want);
        new Uint8Array(ex.memory.buffer, src, bytes.length).set(bytes);
        let s = slope!, b = inter!;
        if (s === 0 || !Number.isFinite(s)) [s, b] = [1, 0];
        if (!Number.isFinite(b)) b = 0;
        const swap = BYTES[dt]! > 1 && !le ? 1 : 0;
        ex.decode(src, dst, n, dt, swap, s, b, s === 1 && b === 0 ? 0 : 1);
        assertSameValues(
          new Float32Array(ex.memory.buffer, dst, n),
          want,
          `datatype ${dt}, ${le ? "LE" : "BE"}, slope ${slope} inter ${inter}`,
        );
      }
    }
  }
});

Deno.test("finite0, rawSums and maskFrame: as zeroNonFinite, addRawFrames and maskFrame", () => {
  const n3 = 531, frames = 5;
  const rnd = mulberry32(8);
  const { ex } = work(frames * n3 * 4 + 2 * n3 * 8 + 2 * n3 + n3 * 4 + 64);
  // blocks: the frames, the raw sums, a mask, a coverage and one more frame
  const fr = DATA, sums = fr + align(frames * n3 * 4), mask = sums + align(2 * n3 * 8);
  const cover = mask + align(n3), one = cover + align(n3);
  const mem = () => ex.memory.buffer;
  // finite0
  const v = new Float32Array(n3).map((_, i) =>
    i % 7 === 0 ? NaN : i % 11 === 0 ? Infinity : i % 13 === 0 ? -Infinity : rnd() * 100 - 50
  );
  new Float32Array(mem(), one, n3).set(v);
  ex.finite0(one, n3);
  zeroNonFinite(v);
  assertSameValues(new Float32Array(mem(), one, n3), v, "finite0");
  // rawSums: frames 1..4 of 5 added to sums that already hold values
  const vols = new Float32Array(frames * n3).map(() => (rnd() - 0.2) * 3000);
  new Float32Array(mem(), fr, frames * n3).set(vols);
  const mask1 = new Uint8Array(n3).map(() => (rnd() < 0.7 ? 1 : 0));
  const part = new ReportPart(mask1, 4, 1);
  part.data.subarray(0, 2 * n3).set(new Float64Array(2 * n3).map(() => rnd() * 10));
  new Float64Array(mem(), sums, 2 * n3).set(part.data.subarray(0, 2 * n3));
  ex.rawSums(fr, 1, 4, n3, sums);
  part.addRawFrames(vols, 1, 4);
  assertSameValues(new Float64Array(mem(), sums, 2 * n3), part.data.subarray(0, 2 * n3), "rawSums");
  // maskFrame
  const f = vols.slice(0, n3), c = new Uint8Array(n3).map(() => (rnd() < 0.9 ? 1 : 0));
  new Float32Array(mem(), fr, n3).set(f);
  new Uint8Array(mem(), mask, n3).set(mask1);
  new Uint8Array(mem(), cover, n3).set(c);
  ex.maskFrame(mask, fr, cover, n3);
  maskFrame(mask1, f, c);
  assertSameValues(new Float32Array(mem(), fr, n3), f, "maskFrame frame");
  assertSameValues(new Uint8Array(mem(), cover, n3), c, "maskFrame cover");
});

Deno.test("encode: every datatype, scaled or not, NaN, ±Inf, halves and clipping, as encodeVoxels", () => {
  const n = 1029;
  const rnd = mulberry32(21);
  const { ex } = work(n * 4 + n * 8 + 64);
  const src = DATA, dst = DATA + n * 4;
  const v = new Float32Array(n).map((_, i) =>
    i % 101 === 0
      ? NaN
      : i % 103 === 0
      ? Infinity
      : i % 107 === 0
      ? -Infinity
      : i % 5 === 0
      ? Math.floor(rnd() * 200) - 100.5 // exact halves
      : (rnd() - 0.4) * 2 ** (1 + Math.floor(rnd() * 34)) // up to ±1.7e10: past every range
  );
  const info: Record<number, [number, number]> = {
    2: [0, 255],
    256: [-128, 127],
    4: [-32768, 32767],
    512: [0, 65535],
    8: [-2147483648, 2147483647],
    768: [0, 4294967295],
    16: [-Infinity, Infinity],
    64: [-Infinity, Infinity],
  };
  for (const dt of TYPES) {
    for (const [slope, inter] of [[1, 0], [0, 3], [0.37, -12.5], [40000, 1e5], [2, NaN]]) {
      const want = new Uint8Array(n * BYTES[dt]!);
      encodeVoxels(v, dt, slope!, inter!, want);
      new Float32Array(ex.memory.buffer, src, n).set(v);
      let s = slope!, b = inter!;
      if (s === 0 || !Number.isFinite(s)) [s, b] = [1, 0];
      if (!Number.isFinite(b)) b = 0;
      const [lo, hi] = info[dt]!;
      ex.encode(src, dst, n, dt, 1 / s, b, lo, hi, s === 1 && b === 0 ? 1 : 0);
      const got = new Uint8Array(ex.memory.buffer, dst, want.length);
      if (dt === DT.FLOAT32 || dt === DT.FLOAT64) {
        const g = dt === DT.FLOAT32
          ? new Float32Array(got.slice().buffer)
          : new Float64Array(got.slice().buffer);
        const w = dt === DT.FLOAT32 ? new Float32Array(want.buffer) : new Float64Array(want.buffer);
        assertSameValues(g, w, `datatype ${dt}, slope ${slope} inter ${inter}`);
      } else {
        for (let i = 0; i < want.length; i++) {
          if (got[i] !== want[i]) {
            throw new Error(`datatype ${dt}, slope ${slope} inter ${inter}: byte ${i} differs`);
          }
        }
      }
    }
  }
});

/** A small odd-sized run of random stored frames (`datatype`), with its layout. */
function smallRun(datatype: number, littleEndian: boolean, nt: number) {
  const dims: [number, number, number] = [13, 11, 7];
  const n3 = dims[0] * dims[1] * dims[2];
  const bpv = BYTES[datatype]!;
  const rnd = mulberry32(datatype + (littleEndian ? 0 : 1000));
  const bytes = new Uint8Array(nt * n3 * bpv);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < nt * n3; i++) {
    const x = (i % n3) / n3, v = 40 + 180 * Math.sin(6 * x) ** 2 + 20 * rnd();
    if (datatype === DT.INT16) dv.setInt16(2 * i, Math.round(v * 10), littleEndian);
    else if (datatype === DT.UINT8) dv.setUint8(i, Math.round(v));
    else dv.setFloat32(4 * i, i % 173 === 0 ? NaN : v, littleEndian);
  }
  const affine = [3, 0, 0, -18, 0, 3, 0, -15, 0, 0, 3.5, -12, 0, 0, 0, 1];
  const run: RunLayout = {
    dims: [...dims, nt],
    datatype,
    bytesPerVoxel: bpv,
    littleEndian,
    voxOffset: 0,
    slope: datatype === DT.UINT8 ? 1.5 : 1,
    inter: datatype === DT.UINT8 ? -2 : 0,
    affine,
  } as RunLayout;
  return { run, bytes, n3, dims, affine };
}

Deno.test("WasmSlab makes a JsSlab's slab, sums and report part byte for byte", () => {
  const kernels = loadWasmKernels();
  assert(kernels !== null, "the WebAssembly kernels load in Deno");
  for (
    const [datatype, le, degree, outType] of [
      [DT.INT16, true, 1, DT.INT16],
      [DT.INT16, false, 4, DT.INT16],
      [DT.FLOAT32, true, 3, DT.FLOAT32],
      [DT.UINT8, true, 1, DT.UINT16],
    ] as const
  ) {
    const nt = 9;
    const { run, bytes, n3, affine } = smallRun(datatype, le, nt);
    const rnd = mulberry32(3);
    const brain = new Uint8Array(n3).map(() => (rnd() < 0.6 ? 1 : 0));
    const mask = new Uint8Array(n3).map(() => (rnd() < 0.95 ? 1 : 0));
    const spec: SlabSpec = {
      run,
      frames: nt - 1, // frames 1..9, frame 0 the one before the slab
      chunkFrames: 4,
      batch: 3,
      degree,
      mask,
      brain,
      report: true,
      encoding: { datatype: outType, slope: outType === DT.INT16 ? 0.5 : 1, inter: 0 },
    };
    const obpv = BYTES[outType]!;
    const outputs = [new JsSlab(spec, kernels), new WasmSlab(spec)].map((w, which) => {
      const encoded = new Uint8Array((nt - 1) * n3 * obpv);
      let inBatch = 0, batchFirst = 0;
      const fb = n3 * run.bytesPerVoxel;
      for (let c0 = 0, slot = 0; c0 < nt; c0 += 4, slot++) {
        const count = Math.min(4, nt - c0);
        const stored = bytes.subarray(c0 * fb, (c0 + count) * fb);
        // the WasmSlab reads its first chunk from its own buffer, the rest from outside it
        let given: Uint8Array = stored;
        if (which === 1 && c0 === 0) {
          given = w.chunkBuffer(slot, count);
          given.set(stored);
        }
        w.decodeChunk(given, count, c0 === 0 ? 1 : 0);
        for (let t = c0; t < c0 + count; t++) {
          const v2v = mul4(
            mul4(invert4(affine), spmMatrix([0.3 * t, -0.2 * t, 0.1, 0.02 * t, 0, -0.01 * t])),
            affine,
          );
          if (t === 0) {
            w.resample(0, v2v, 0);
            w.setPrevious(0);
            continue;
          }
          if (inBatch === 0) batchFirst = t - 1;
          w.resample(t - c0, v2v, inBatch);
          w.encode(inBatch, encoded.subarray((t - 1) * n3 * obpv, t * n3 * obpv));
          if (++inBatch === 3 || t === nt - 1) {
            w.addBatch(batchFirst, inBatch);
            inBatch = 0;
          }
        }
      }
      const out = { encoded, sums: w.sumBytes().slice(), report: w.reportBytes()!.slice() };
      w.release();
      return out;
    });
    const [js, wasm] = outputs as [typeof outputs[0], typeof outputs[0]];
    for (const k of ["encoded", "sums", "report"] as const) {
      assertEquals(wasm[k].length, js[k].length, `${k} length`);
      for (let i = 0; i < js[k].length; i++) {
        if (wasm[k][i] !== js[k][i]) {
          throw new Error(`datatype ${datatype} degree ${degree}: ${k} byte ${i} differs`);
        }
      }
    }
  }
});
