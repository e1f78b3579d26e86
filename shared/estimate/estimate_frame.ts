/**
 * Gauss-Newton rigid registration of one frame to a {@link ReferenceModel},
 * as spm_realign does it.
 *
 * With `F` the smoothed frame and `M` the current correction (world,
 * frame → reference), each iteration samples `F` at `y = A⁻¹ · M⁻¹ · A · x`
 * for every reference point `x` (voxels) and solves, in the least-squares
 * sense, `F(y) ≈ −Σ q_k D_k + s · b` (seven columns: six rigid, one
 * intensity scale). Linearising `F(M⁻¹ w) = G(S(q)⁻¹ w)` gives that system,
 * so the update is `M ← spmMatrix(q)⁻¹ · M`. Every frame starts from the
 * identity, so a result never depends on how frames were split.
 *
 * Coarse to fine: the first iterations visit every {@link COARSE_STRIDE}-th
 * point (an eighth of the work each) until the step falls below
 * {@link COARSE_CONVERGED_MM}; the fine stage then visits every point until
 * the step falls below {@link CONVERGED_MM} (1 µm: a thousandth of a voxel,
 * far below the estimate's own error of ~0.02 mm). The capture range is set
 * by the smoothing: 10 mm and 10° from the reference are recovered.
 *
 * The normal equations are accumulated directly: `AᵀA` over all points is
 * precomputed with the model, and each iteration only subtracts the rows of
 * points that fell outside the frame (or on a NaN voxel), then adds `Aᵀf`.
 * NaN voxels of the frame are missing data: the smoothed copy reads them as
 * 0, and a point is dropped when any of its 8 neighbours in the raw frame is
 * NaN.
 *
 * @module
 */

import { RegistrationError } from "../errors.ts";
import { identity4, invert4, type Mat4, mul4, spmMatrix } from "../rigid.ts";
import { resampleKernels } from "../resample_kernels.ts";
import { accumulate, type MovingFrame, type PointSet } from "./accumulate.ts";
import { gaussianSmooth, smoothingTaps } from "../smooth.ts";
import { openWasmEstimator, type WasmEstimator } from "../wasm/wasm_kernels.ts";
import { COARSE_STRIDE, mirrorLower, NCOL, type ReferenceModel } from "./reference_model.ts";
import { solveSpd } from "./solve7.ts";

/** Reusable buffers for {@link estimateFrame}: allocate once per model, reuse per frame. */
export interface EstimateScratch {
  /** The JS path's smoothed frame and its scratch, made on its first use. */
  smoothed: Float32Array | null;
  tmp: Float32Array | null;
  /** The smoothing's taps per axis (the model's FWHM at its voxel size). */
  taps: [Float64Array, Float64Array, Float64Array];
  /**
   * The WebAssembly estimation kernels, or null for the JS path. They take
   * trilinear and quadratic estimation of frames without NaN; the same
   * numbers bit for bit, and no JIT warm-up in each new isolate. Call
   * `wasm.release()` when the scratch is no longer used (its memory then
   * serves the isolate's next task).
   */
  wasm: WasmEstimator | null;
  ata: Float64Array;
  atf: Float64Array;
  sol: Float64Array;
  work: Float64Array;
}

/** The result for one frame. */
export interface FrameEstimate {
  /** The correction `M = T⁻¹` (world, mm): maps a point of the frame onto the reference. */
  m: Mat4;
  /** Intensity scale of the frame relative to the reference (last iteration). */
  scale: number;
  /** Gauss-Newton iterations done. */
  iterations: number;
}

/** Most iterations per frame (SPM's limit). */
export const MAX_ITERATIONS = 64;
/** Converged when `|Δtrans| + 50·|Δrot|` (mm, rad; Euclidean norms) falls below this. */
export const CONVERGED_MM = 1e-3;
/** The coarse stage hands over to the fine one below this step (mm, as {@link CONVERGED_MM}). */
export const COARSE_CONVERGED_MM = 0.01;
/** The coarse stage runs only when it has at least this many points. */
export const COARSE_MIN_POINTS = 500;
/** Fewest points that must land inside the frame (SPM's limit is 32). */
export const MIN_POINTS = 32;

/**
 * Buffers sized for the model's volume. `wasm: false` keeps to the JS
 * kernels (where WebAssembly is available it is used by default).
 */
export function createEstimateScratch(
  model: ReferenceModel,
  opts: { wasm?: boolean } = {},
): EstimateScratch {
  return {
    smoothed: null,
    tmp: null,
    taps: smoothingTaps(model.voxelSize, model.smoothFwhm),
    wasm: opts.wasm === false ? null : openWasmEstimator(),
    ata: new Float64Array(NCOL * NCOL),
    atf: new Float64Array(NCOL),
    sol: new Float64Array(NCOL),
    work: new Float64Array(NCOL * NCOL + NCOL),
  };
}

const enum FrameContent {
  Blank,
  Finite,
  HasNaN,
}

/**
 * Whether the frame's first `nvox` voxels are all zero or NaN, finite, or
 * include a NaN. Its own small function: the loop is compiled on its own,
 * not as part of {@link estimateFrame} (whose compile then costs less).
 */
function frameContent(frame: ArrayLike<number>, nvox: number): FrameContent {
  let hasNaN = false, nonZero = false;
  for (let i = 0; i < nvox; i++) {
    const v = frame[i]!;
    if (v !== v) hasNaN = true;
    else if (v !== 0) nonZero = true;
  }
  if (!nonZero) return FrameContent.Blank;
  return hasNaN ? FrameContent.HasNaN : FrameContent.Finite;
}

/**
 * Estimates the rigid correction of one frame (same grid as the reference).
 * Throws {@link RegistrationError} naming `frameIndex` for a blank frame, a
 * frame that leaves too few points inside, or a diverging solution.
 */
export function estimateFrame(
  model: ReferenceModel,
  frame: ArrayLike<number>,
  scratch: EstimateScratch,
  frameIndex = 0,
): FrameEstimate {
  const [nx, ny, nz] = model.dims;
  const nvox = nx * ny * nz;
  if (frame.length < nvox) throw new RangeError(`Cannot estimate: fewer than ${nvox} voxels`);
  const content = frameContent(frame, nvox);
  const hasNaN = content === FrameContent.HasNaN;
  if (content === FrameContent.Blank) {
    throw new RegistrationError(frameIndex, "the frame is blank (all zero or NaN)");
  }
  const degree = model.settings.degree;
  // WebAssembly: smoothing, prefilter and sampling inside the module (frames without NaN).
  const wasm = !hasNaN && (degree === 1 || degree === 2) && frame instanceof Float32Array
    ? scratch.wasm
    : null;
  let mov: MovingFrame | null = null; // the JS path's frame (the WebAssembly one keeps its own)
  if (wasm) wasm.prepareFrame(frame as Float32Array, model.dims, scratch.taps, degree as 1 | 2);
  else {
    const f = (scratch.smoothed ??= new Float32Array(nvox));
    scratch.tmp ??= new Float32Array(nvox);
    gaussianSmooth(frame, model.dims, model.voxelSize, model.smoothFwhm, f, scratch.tmp);
    // In place: f holds the coefficients (the WebAssembly prefilter where it runs: same bits).
    if (degree >= 2) resampleKernels().bsplineCoefficients(f, model.dims, degree, f);
    mov = { f, dims: model.dims, degree, raw: hasNaN ? frame : null };
  }
  const { ata, atf, sol, work } = scratch;
  const a = model.affine, ai = model.affineInv;
  let m = identity4();
  let iterations = 0, scale = 1;
  // Coarse to fine: a sparse subset of the points first (cheap, and as robust
  // to large motion as the full set since the smoothing sets the capture
  // range), then every point from where the coarse stage stopped.
  // A small volume has too few points to thin out: it goes straight to the fine stage.
  const stages: [PointSet, Float64Array, number][] = [
    [{ ...model, stride: 1 }, model.ata, CONVERGED_MM],
  ];
  if (model.n >= COARSE_STRIDE * COARSE_MIN_POINTS) {
    stages.unshift([{ ...model, stride: COARSE_STRIDE }, model.ataCoarse, COARSE_CONVERGED_MM]);
  }
  for (const [pts, ata0, tol] of stages) {
    for (let iter = 1; iterations < MAX_ITERATIONS; iter++) {
      iterations++;
      // Voxel → voxel: reference point → where to sample the frame.
      const v = mul4(ai, mul4(invert4(m), a));
      ata.fill(0);
      atf.fill(0);
      const used = wasm
        ? wasm.accumulate(pts, degree as 1 | 2, v, atf, ata)
        : accumulate(pts, mov!, v, atf, ata);
      const visited = Math.ceil(pts.n / pts.stride);
      if (used < MIN_POINTS) {
        throw new RegistrationError(
          frameIndex,
          `only ${used} of ${visited} sample points fall inside the frame (need ${MIN_POINTS})`,
        );
      }
      mirrorLower(ata);
      for (let i = 0; i < NCOL * NCOL; i++) ata[i] = ata0[i]! + ata[i]!;
      if (!solveSpd(ata, atf, NCOL, sol, work)) {
        throw new RegistrationError(frameIndex, "the normal equations are singular (no structure)");
      }
      scale = sol[6]!;
      m = mul4(invert4(spmMatrix(sol)), m);
      const dt = Math.hypot(sol[0]!, sol[1]!, sol[2]!);
      const dr = Math.hypot(sol[3]!, sol[4]!, sol[5]!);
      if (!Number.isFinite(dt + dr) || !m.every(Number.isFinite)) {
        throw new RegistrationError(frameIndex, "the solution diverged (not a finite number)");
      }
      if (dt + 50 * dr < tol) break;
    }
  }
  return { m, scale, iterations };
}
