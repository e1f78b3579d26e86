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
import type { PointSet } from "../estimate/accumulate.ts";
import { NCOL } from "../estimate/reference_model.ts";

/** The WebAssembly kernels: {@link ResampleKernels} named "wasm". */
export type WasmKernels = ResampleKernels & { readonly name: "wasm" };

/** accTrilinear / accQuadratic: frame, dims, matrix, points, rows, √w, count, stride, Aᵀf, drop. */
type Accumulate = (
  f: number,
  nx: number,
  ny: number,
  nz: number,
  m: number,
  px: number,
  py: number,
  pz: number,
  cols: number,
  sw: number,
  n: number,
  stride: number,
  atf: number,
  drop: number,
) => number;

/** The module's exports (byte addresses into its memory). */
export interface Exports {
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
  smooth(
    src: number,
    out: number,
    tmp: number,
    nx: number,
    ny: number,
    nz: number,
    wx: number,
    rx: number,
    wy: number,
    ry: number,
    wz: number,
    rz: number,
  ): void;
  accTrilinear: Accumulate;
  accQuadratic: Accumulate;
  coverage(mats: number, count: number, nx: number, ny: number, nz: number, mask: number): void;
  statsAdd(
    data: number,
    prev: number,
    brain: number,
    frames: number,
    covers: number,
    count: number,
    n3: number,
    k: number,
    hasPrev: number,
    ssd: number,
  ): void;
  decode(
    src: number,
    dst: number,
    n: number,
    datatype: number,
    swap: number,
    slope: number,
    inter: number,
    scaled: number,
  ): void;
  finite0(v: number, n: number): void;
  rawSums(frames: number, first: number, count: number, n3: number, sums: number): void;
  maskFrame(mask: number, frame: number, cover: number, n: number): void;
  encode(
    src: number,
    dst: number,
    n: number,
    datatype: number,
    inv: number,
    inter: number,
    lo: number,
    hi: number,
    plain: number,
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
/** One voxel → voxel matrix (12 f64). */
export const MAT = 65536;
/** The B-spline kernel's scratch: weights, offsets (512 B), then the piece table (≤ 512 B). */
export const SCRATCH = MAT + 128;
const POLES = MAT + 2048; // 3 axes × 3 poles × [z, horizon, z^(n−1)]
/** The first byte free for volumes (above the fixed blocks). */
export const DATA = MAT + 4096;
const PAGE = 65536;

/** `n` bytes rounded up to a 16-byte boundary (SIMD loads). */
export const align = (n: number) => Math.ceil(n / 16) * 16;

/** Grow `mem` (never shrinks) so that it holds `end` bytes. */
export function growTo(mem: WebAssembly.Memory, end: number): void {
  const need = Math.ceil(end / PAGE) - mem.buffer.byteLength / PAGE;
  if (need > 0) mem.grow(need);
}

/** The prefilter of `poles` in place on the f32 volume at byte `c` of the instance's memory. */
export function prefilterAt(
  ex: Exports,
  c: number,
  dims: readonly [number, number, number],
  poles: readonly number[],
  buf: number,
  acc: number,
): void {
  const p = new Float64Array(ex.memory.buffer, POLES, 27);
  dims.forEach((n, axis) => {
    poles.forEach((z, q) => {
      const o = axis * 9 + q * 3;
      p[o] = z;
      p[o + 1] = Math.ceil(Math.log(PREFILTER_TOLERANCE) / Math.log(Math.abs(z)));
      p[o + 2] = Math.pow(z, n - 1);
    });
  });
  ex.prefilter(
    c,
    dims[0],
    dims[1],
    dims[2],
    poles.length,
    poleGain(poles),
    POLES,
    POLES + 72,
    POLES + 144,
    buf,
    acc,
  );
}

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
  available = true;
  cached = undefined;
  work = null;
}

/** The embedded module's bytes (what `kernels.wasm` holds). */
export function wasmKernelBytes(): Uint8Array {
  return decode(KERNELS_WASM_BASE64);
}

/**
 * The module: the platform's, or compiled from the embedded bytes (each
 * instance compiles; V8 shares the code of identical bytes). Throws where
 * compiling is refused.
 */
function kernelsModule(): WebAssembly.Module {
  if (provided) return provided;
  // Workers' types declare Module abstract (no run-time compilation there; the call throws and
  // callers fall back to JS), so construct it through a plain constructor type.
  const ModuleCtor = WebAssembly.Module as unknown as new (b: BufferSource) => WebAssembly.Module;
  return new ModuleCtor(decode(KERNELS_WASM_BASE64));
}

let available: boolean | undefined;

/** Whether this runtime runs the kernels' module (compiles it, or was handed it); asked once. */
export function wasmAvailable(): boolean {
  if (available === undefined) {
    try {
      kernelsModule();
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/** The memories of this isolate's live instances (for {@link wasmMemoryBytes}). */
const memories = new Set<WeakRef<WebAssembly.Memory>>();

function instantiate(): Exports {
  const ex = new WebAssembly.Instance(kernelsModule(), {}).exports as unknown as Exports;
  memories.add(new WeakRef(ex.memory));
  return ex;
}

/**
 * Bytes of WebAssembly memory the kernels' live instances hold in this
 * isolate: part of a function's working set that `Deno.memoryUsage()`'s
 * heap and `external` figures leave out.
 */
export function wasmMemoryBytes(): number {
  let sum = 0;
  for (const ref of memories) {
    const m = ref.deref();
    if (m) sum += m.buffer.byteLength;
    else memories.delete(ref);
  }
  return sum;
}

function create(): WasmKernels {
  const ex = instantiate();
  const mem = ex.memory;

  /** Grows the memory for an nx·ny·nz volume; returns the block addresses. */
  const layout = (nx: number, ny: number, nz: number) => {
    const n3 = nx * ny * nz;
    const a = DATA, b = a + align(n3 * 4), d = b + align(n3 * 4);
    const buf = d + align(n3 * 8);
    const acc = buf + align(Math.max(nx * ny, nx * nz) * 8);
    growTo(mem, acc + align((Math.max(nx, ny) + 2) * 8));
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
    coverage(dims, v2vs, mask) {
      const [nx, ny, nz] = dims;
      const n3 = nx * ny * nz;
      if (mask.length < n3) {
        throw new RangeError(`Cannot compute coverage: mask holds fewer than ${n3} voxels`);
      }
      const mats = DATA, at = mats + align(v2vs.length * 96);
      growTo(mem, at + n3);
      const m = new Float64Array(mem.buffer, mats, v2vs.length * 12);
      v2vs.forEach((v, f) => {
        for (let i = 0; i < 12; i++) m[f * 12 + i] = v[i]!;
      });
      const view = new Uint8Array(mem.buffer, at, n3);
      view.set(mask.subarray(0, n3));
      ex.coverage(mats, v2vs.length, nx, ny, nz, at);
      mask.set(view);
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
      prefilterAt(ex, a, dims, poles, buf, acc);
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

/**
 * The estimation kernels in WebAssembly (an instance of their own, with its
 * own memory): the frame is smoothed, prefiltered and sampled inside the
 * module, and the reference points are copied in once per model. Same
 * numbers as the JS path bit for bit (see kernels.as).
 */
export interface WasmEstimator {
  /**
   * Smooth the NaN-free `frame` with the taps `wx`, `wy`, `wz`
   * (gaussianKernel's `w[0..r]`) and, for `degree` 2, turn it into B-spline
   * coefficients, inside the module, ready for {@link accumulate}.
   */
  prepareFrame(
    frame: Float32Array,
    dims: readonly [number, number, number],
    taps: readonly [Float64Array, Float64Array, Float64Array],
    degree: 1 | 2,
  ): void;
  /** A copy of the prepared frame (for tests). */
  preparedFrame(): Float32Array;
  /** accumulate() of accumulate.ts over the prepared frame; `degree` as prepared. */
  accumulate(
    pts: PointSet,
    degree: 1 | 2,
    v: ArrayLike<number>,
    atf: Float64Array,
    drop: Float64Array,
  ): number;
  /** Hand the memory back for the isolate's next task ({@link acquireWork}); do not use after. */
  release(): void;
}

function createEstimator(): WasmEstimator {
  const owner = {};
  const ex = acquireWork(owner);
  const mem = ex.memory;
  // Layout after DATA: frame in (A), prepared frame (B), scratch (T), prefilter buffers,
  // taps, Aᵀf and the dropped rows, then the points (px, py, pz, cols, √w).
  let dims: readonly [number, number, number] = [0, 0, 0];
  let at = { A: 0, B: 0, T: 0, buf: 0, acc: 0, taps: 0, atf: 0, drop: 0, pts: 0 };
  let loaded: PointSet | null = null;
  let loadedAt = { px: 0, py: 0, pz: 0, cols: 0, sw: 0 };
  let prepared = 0; // voxels of the prepared frame

  const setDims = (d: readonly [number, number, number]) => {
    if (d[0] === dims[0] && d[1] === dims[1] && d[2] === dims[2]) return;
    const [nx, ny, nz] = d;
    const n3 = nx * ny * nz;
    const A = DATA, B = A + align(n3 * 4), T = B + align(n3 * 4), buf = T + align(n3 * 4);
    const acc = buf + align(Math.max(nx * ny, nx * nz) * 8);
    const taps = acc + align((Math.max(nx, ny) + 2) * 8);
    const atf = taps + align(3 * 1024 * 8);
    const drop = atf + align(NCOL * 8);
    const pts = drop + align(NCOL * NCOL * 8);
    growTo(mem, pts);
    dims = [nx, ny, nz];
    at = { A, B, T, buf, acc, taps, atf, drop, pts };
    loaded = null;
  };
  const loadPoints = (p: PointSet) => {
    if (
      loaded && loaded.px === p.px && loaded.py === p.py && loaded.pz === p.pz &&
      loaded.cols === p.cols && loaded.sw === p.sw && loaded.n === p.n
    ) return;
    const n = p.n;
    const px = at.pts, py = px + align(n * 8), pz = py + align(n * 8);
    const cols = pz + align(n * 8), sw = cols + align(n * NCOL * 8);
    growTo(mem, sw + align(p.sw ? n * 8 : 0));
    new Float64Array(mem.buffer, px, n).set(p.px.subarray(0, n));
    new Float64Array(mem.buffer, py, n).set(p.py.subarray(0, n));
    new Float64Array(mem.buffer, pz, n).set(p.pz.subarray(0, n));
    new Float64Array(mem.buffer, cols, n * NCOL).set(p.cols.subarray(0, n * NCOL));
    if (p.sw) new Float64Array(mem.buffer, sw, n).set(p.sw.subarray(0, n));
    loaded = p;
    loadedAt = { px, py, pz, cols, sw: p.sw ? sw : 0 };
  };

  return {
    prepareFrame(frame, d, taps, degree) {
      setDims(d);
      const [nx, ny, nz] = d;
      const n3 = nx * ny * nz;
      if (frame.length < n3) {
        throw new RangeError(`Cannot smooth: arrays hold fewer than ${n3} voxels`);
      }
      for (const w of taps) {
        if (w.length > 1024) throw new RangeError("Cannot smooth: a kernel wider than 1023 voxels");
      }
      new Float32Array(mem.buffer, at.A, n3).set(frame.subarray(0, n3));
      const w = new Float64Array(mem.buffer, at.taps, 3 * 1024);
      w.set(taps[0], 0);
      w.set(taps[1], 1024);
      w.set(taps[2], 2048);
      ex.smooth(
        at.A,
        at.B,
        at.T,
        nx,
        ny,
        nz,
        at.taps,
        taps[0].length - 1,
        at.taps + 1024 * 8,
        taps[1].length - 1,
        at.taps + 2048 * 8,
        taps[2].length - 1,
      );
      if (degree === 2) prefilterAt(ex, at.B, d, bsplinePoles(2), at.buf, at.acc);
      prepared = n3;
    },
    preparedFrame() {
      return new Float32Array(mem.buffer, at.B, prepared).slice();
    },
    accumulate(pts, degree, v, atf, drop) {
      loadPoints(pts);
      const m = new Float64Array(mem.buffer, MAT, 12);
      for (let i = 0; i < 12; i++) m[i] = v[i]!;
      const a = new Float64Array(mem.buffer, at.atf, NCOL);
      a.set(atf.subarray(0, NCOL));
      const dr = new Float64Array(mem.buffer, at.drop, NCOL * NCOL);
      dr.set(drop.subarray(0, NCOL * NCOL));
      const p = loadedAt;
      const used = (degree === 1 ? ex.accTrilinear : ex.accQuadratic)(
        at.B,
        dims[0],
        dims[1],
        dims[2],
        MAT,
        p.px,
        p.py,
        p.pz,
        p.cols,
        p.sw,
        pts.n,
        pts.stride,
        at.atf,
        at.drop,
      );
      atf.set(new Float64Array(mem.buffer, at.atf, NCOL));
      drop.set(new Float64Array(mem.buffer, at.drop, NCOL * NCOL));
      return used;
    },
    release() {
      releaseWork(owner);
    },
  };
}

/**
 * A {@link WasmEstimator} for one task (its memory is the isolate's shared
 * work memory when free, see {@link acquireWork}), or null where WebAssembly
 * is refused. Release it when the task is done.
 */
export function openWasmEstimator(): WasmEstimator | null {
  try {
    return createEstimator();
  } catch {
    return null;
  }
}

/**
 * The isolate's work instance: one set of WebAssembly memory that the large
 * per-task regions (the estimation's frames and points, a slab's sums) reuse
 * task after task, since a worker runs one task at a time. When it is taken
 * (two tasks at once in one isolate), a new instance is made instead.
 */
let work: { ex: Exports; owner: object | null } | null = null;

/** The work instance for `owner` when free, else a new instance; throws where refused. */
export function acquireWork(owner: object): Exports {
  work ??= { ex: instantiate(), owner: null };
  if (work.owner !== null) return instantiate();
  work.owner = owner;
  return work.ex;
}

/** `owner` is done with the work instance (no-op when it held its own). */
export function releaseWork(owner: object): void {
  if (work?.owner === owner) work.owner = null;
}
