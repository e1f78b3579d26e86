/**
 * The WebAssembly resampling kernels (source shared/wasm/kernels.as, bytes in
 * kernels_wasm_bytes.ts): `resliceTrilinear`, `resliceBspline` (degrees 2–7
 * in WebAssembly; 0 and 1 go to the JS kernel) and `bsplineCoefficients`,
 * with the JS kernels' signatures and conventions.
 *
 * {@link loadWasmKernels} compiles the embedded bytes synchronously
 * (`new WebAssembly.Module`), once per module instance (one per worker), and
 * returns null where the runtime refuses that — Cloudflare Workers allow
 * WebAssembly only as an imported module, not compiled from bytes at run
 * time — so callers fall back to the JS kernels.
 *
 * Results: the prefilter's coefficients are the JS ones bit for bit; the
 * reslice kernels use f64x2 SIMD and so differ from JS by rounding only
 * (~1e-15 relative, far below the Float32 output's resolution); the row
 * intervals, edge voxels and zeroing follow the JS logic exactly.
 *
 * Each call copies its input volume into the module's memory (the reslice
 * kernels widen it to f64 there) and the result back out; the memory grows
 * to the largest volume seen.
 *
 * @module
 */

import type { Mat4 } from "../rigid.ts";
import {
  bsplinePoles,
  checkBsplineDegree,
  poleGain,
  PREFILTER_TOLERANCE,
  prefilterTarget,
} from "../interp/bspline_prefilter.ts";
import { bsplinePieces } from "../interp/bspline_sample.ts";
import { resliceBspline as resliceBsplineJs } from "../interp/bspline_reslice.ts";
import type { ResampleKernels } from "../resample_kernels.ts";
import { KERNELS_WASM_BASE64 } from "./kernels_wasm_bytes.ts";

/** The WebAssembly kernels: {@link ResampleKernels} named "wasm". */
export type WasmKernels = ResampleKernels & { readonly name: "wasm" };

interface Exports {
  memory: WebAssembly.Memory;
  widen(src: number, dst: number, n: number): void;
  trilinear(src: number, out: number, nx: number, ny: number, nz: number, m: number): void;
  bspline(
    coef: number,
    out: number,
    nx: number,
    ny: number,
    nz: number,
    degree: number,
    m: number,
    scratch: number,
  ): void;
  prefilter(
    c: number,
    nx: number,
    ny: number,
    nz: number,
    np: number,
    gain: number,
    px: number,
    py: number,
    pz: number,
    buf: number,
    acc: number,
  ): void;
}

// Memory layout (bytes): fixed blocks in the second page, volumes after.
const MAT = 65536; // 12 f64
const SCRATCH = MAT + 128; // weights, offsets (512 B), then the piece table (≤ 512 B)
const POLES = MAT + 2048; // 3 axes × 3 poles × [z, horizon, z^(n−1)]
const DATA = MAT + 4096;
const PAGE = 65536;

const align = (n: number) => Math.ceil(n / 16) * 16;

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** A module compiled by the platform (see {@link provideWasmModule}), used instead of compiling. */
let provided: WebAssembly.Module | null = null;

/**
 * Hands in the kernels' module compiled by the platform: a Cloudflare Worker
 * imports `kernels.wasm` (wrangler compiles .wasm imports), since Workers
 * refuse to compile bytes at run time. Call before the first kernel use.
 */
export function provideWasmModule(module: WebAssembly.Module): void {
  provided = module;
  cached = undefined;
}

/** The embedded module's bytes (what `kernels.wasm` holds). */
export function wasmKernelBytes(): Uint8Array {
  return decode(KERNELS_WASM_BASE64);
}

function create(): WasmKernels {
  // Workers' types declare Module abstract (no run-time compilation there; the call throws and
  // resampleKernels falls back to JS), so construct it through a plain constructor type.
  const ModuleCtor = WebAssembly.Module as unknown as new (b: BufferSource) => WebAssembly.Module;
  const module = provided ?? new ModuleCtor(decode(KERNELS_WASM_BASE64));
  const ex = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
  const mem = ex.memory;

  /** Grows the memory for an nx·ny·nz volume; returns the block addresses. */
  const layout = (nx: number, ny: number, nz: number) => {
    const n3 = nx * ny * nz;
    const a = DATA, b = a + align(n3 * 4), d = b + align(n3 * 4);
    const buf = d + align(n3 * 8);
    const acc = buf + align(Math.max(nx * ny, nx * nz) * 8);
    const end = acc + align((Math.max(nx, ny) + 2) * 8);
    const need = Math.ceil(end / PAGE) - mem.buffer.byteLength / PAGE;
    if (need > 0) mem.grow(need);
    return { n3, a, b, d, buf, acc };
  };
  const f32 = (at: number, n: number) => new Float32Array(mem.buffer, at, n);
  const put = (at: number, src: ArrayLike<number>, n: number) => {
    const view = f32(at, n);
    if (src instanceof Float32Array) view.set(src.subarray(0, n));
    else for (let i = 0; i < n; i++) view[i] = src[i]!;
  };
  const putMatrix = (v2v: Mat4) => {
    const m = new Float64Array(mem.buffer, MAT, 12);
    for (let i = 0; i < 12; i++) m[i] = v2v[i]!;
  };
  const check = (n3: number, a: ArrayLike<number>, out: Float32Array) => {
    if (a.length < n3 || out.length < n3) {
      throw new RangeError(`Cannot reslice: arrays hold fewer than ${n3} voxels`);
    }
  };

  return {
    name: "wasm",
    resliceTrilinear(src, dims, v2v, out) {
      const [nx, ny, nz] = dims;
      check(nx * ny * nz, src, out);
      const { n3, a, b, d } = layout(nx, ny, nz);
      put(a, src, n3);
      ex.widen(a, d, n3);
      putMatrix(v2v);
      ex.trilinear(d, b, nx, ny, nz, MAT);
      out.set(f32(b, n3));
    },
    resliceBspline(coef, dims, degree, v2v, out) {
      checkBsplineDegree(degree);
      if (degree < 2) return resliceBsplineJs(coef, dims, degree, v2v, out); // JS handles 0, 1
      const [nx, ny, nz] = dims;
      check(nx * ny * nz, coef, out);
      const { n3, a, b, d } = layout(nx, ny, nz);
      put(a, coef, n3);
      ex.widen(a, d, n3);
      putMatrix(v2v);
      new Float64Array(mem.buffer, SCRATCH + 512, 64).set(bsplinePieces(degree));
      ex.bspline(d, b, nx, ny, nz, degree, MAT, SCRATCH);
      out.set(f32(b, n3));
    },
    bsplineCoefficients(src, dims, degree, out) {
      const [nx, ny, nz] = dims;
      const nvox = nx * ny * nz;
      const poles = bsplinePoles(degree);
      // degrees 0 and 1 copy; the others filter inside the module (which copies src in)
      const c = prefilterTarget(src, dims, degree, out, poles.length === 0);
      if (poles.length === 0) return c;
      const { a, buf, acc } = layout(nx, ny, nz);
      put(a, src, nvox);
      const p = new Float64Array(mem.buffer, POLES, 27);
      [nx, ny, nz].forEach((n, axis) => {
        poles.forEach((z, q) => {
          const o = axis * 9 + q * 3;
          p[o] = z;
          p[o + 1] = Math.ceil(Math.log(PREFILTER_TOLERANCE) / Math.log(Math.abs(z)));
          p[o + 2] = Math.pow(z, n - 1);
        });
      });
      ex.prefilter(
        a,
        nx,
        ny,
        nz,
        poles.length,
        poleGain(poles),
        POLES,
        POLES + 72,
        POLES + 144,
        buf,
        acc,
      );
      c.set(f32(a, nvox));
      return c;
    },
  };
}

/**
 * A new instance of the WebAssembly kernels, or null where this runtime
 * cannot compile the embedded module (e.g. Cloudflare Workers, where
 * `new WebAssembly.Module(bytes)` throws). Each instance has its own memory.
 */
export function tryWasmKernels(): WasmKernels | null {
  try {
    return create();
  } catch {
    return null;
  }
}

let cached: WasmKernels | null | undefined;

/** {@link tryWasmKernels}, once per module instance (per worker), then cached. */
export function loadWasmKernels(): WasmKernels | null {
  if (cached === undefined) cached = tryWasmKernels();
  return cached;
}
