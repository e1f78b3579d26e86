/**
 * The resampling kernels a function runs: the WebAssembly ones
 * (shared/wasm/wasm_kernels.ts, ~1.5–2.5× faster) where the runtime can
 * compile them, else the JS ones. Cloudflare Workers refuse to compile
 * WebAssembly from bytes at run time, so there the JS kernels run; Deno
 * compiles the embedded module. Both give the same results (the WebAssembly
 * reslice kernels differ by rounding only).
 *
 * @module
 */

import type { Mat4 } from "./rigid.ts";
import { frameCoverage, resliceTrilinear } from "./reslice_kernel.ts";
import { bsplineCoefficients } from "./interp/bspline_prefilter.ts";
import { resliceBspline } from "./interp/bspline_reslice.ts";
import { loadWasmKernels } from "./wasm/wasm_kernels.ts";

/** One implementation of the three kernels, with the JS functions' signatures. */
export interface ResampleKernels {
  /** "wasm" or "js": which implementation this is (for logs and benchmarks). */
  readonly name: "wasm" | "js";
  /** As `resliceTrilinear` (shared/reslice_kernel.ts). */
  resliceTrilinear(
    src: ArrayLike<number>,
    dims: readonly [number, number, number],
    v2v: Mat4,
    out: Float32Array,
  ): void;
  /** As `resliceBspline` (shared/interp/bspline_reslice.ts). */
  resliceBspline(
    coef: Float32Array,
    dims: readonly [number, number, number],
    degree: number,
    v2v: Mat4,
    out: Float32Array,
  ): void;
  /**
   * `frameCoverage` (shared/reslice_kernel.ts) of each voxel → voxel matrix
   * in turn on the same `mask`: the voxels every one of the frames covers.
   */
  coverage(dims: readonly [number, number, number], v2vs: readonly Mat4[], mask: Uint8Array): void;
  /** As `bsplineCoefficients` (shared/interp/bspline_prefilter.ts). */
  bsplineCoefficients(
    src: ArrayLike<number>,
    dims: readonly [number, number, number],
    degree: number,
    out?: Float32Array,
  ): Float32Array;
}

/** The JS kernels. */
export const JS_KERNELS: ResampleKernels = {
  name: "js",
  resliceTrilinear,
  resliceBspline,
  coverage(dims, v2vs, mask) {
    for (const v of v2vs) frameCoverage(dims, v, mask);
  },
  bsplineCoefficients,
};

/**
 * The fastest kernels this runtime runs: WebAssembly where the embedded
 * module compiles (compiled once per isolate), else {@link JS_KERNELS}.
 *
 * @example
 * ```ts
 * import { resampleKernels } from "./resample_kernels.ts";
 * const k = resampleKernels();
 * const out = new Float32Array(3);
 * const shift = [1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
 * k.resliceTrilinear(new Float32Array([1, 2, 3]), [3, 1, 1], shift, out);
 * Array.from(out); // [2, 3, 0]
 * ```
 */
export function resampleKernels(): ResampleKernels {
  return loadWasmKernels() ?? JS_KERNELS;
}
