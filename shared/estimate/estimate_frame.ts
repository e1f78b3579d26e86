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
import { bsplineCoefficients } from "../interp/bspline_prefilter.ts";
import { sampleBspline } from "../interp/bspline_sample.ts";
import { sampleTrilinear } from "../interp/trilinear.ts";
import { gaussianSmooth } from "../smooth.ts";
import { addOuterLower, mirrorLower, NCOL, type ReferenceModel } from "./reference_model.ts";
import { solveSpd } from "./solve7.ts";

/** Reusable buffers for {@link estimateFrame}: allocate once per model, reuse per frame. */
export interface EstimateScratch {
  smoothed: Float32Array;
  tmp: Float32Array;
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
export const CONVERGED_MM = 1e-6;
/** Fewest points that must land inside the frame (SPM's limit is 32). */
export const MIN_POINTS = 32;

/** Buffers sized for the model's volume. */
export function createEstimateScratch(model: ReferenceModel): EstimateScratch {
  const n = model.dims[0] * model.dims[1] * model.dims[2];
  return {
    smoothed: new Float32Array(n),
    tmp: new Float32Array(n),
    ata: new Float64Array(NCOL * NCOL),
    atf: new Float64Array(NCOL),
    sol: new Float64Array(NCOL),
    work: new Float64Array(NCOL * NCOL + NCOL),
  };
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
  let hasNaN = false, nonZero = false;
  for (let i = 0; i < nvox; i++) {
    const v = frame[i]!;
    if (v !== v) hasNaN = true;
    else if (v !== 0) nonZero = true;
  }
  if (!nonZero) throw new RegistrationError(frameIndex, "the frame is blank (all zero or NaN)");
  const f = scratch.smoothed;
  gaussianSmooth(frame, model.dims, model.voxelSize, model.smoothFwhm, f, scratch.tmp);
  const degree = model.settings.degree;
  if (degree >= 2) bsplineCoefficients(f, model.dims, degree, f); // in place: f holds coefficients

  const { px, py, pz, cols, n } = model;
  const { ata, atf, sol, work } = scratch;
  const a = model.affine, ai = model.affineInv;
  let m = identity4();
  let iterations = 0, scale = 1;
  for (let iter = 1; iter <= MAX_ITERATIONS; iter++) {
    iterations = iter;
    // Voxel → voxel: reference point → where to sample the frame.
    const v = mul4(ai, mul4(invert4(m), a));
    const v0 = v[0]!, v1 = v[1]!, v2 = v[2]!, v3 = v[3]!;
    const v4 = v[4]!, v5 = v[5]!, v6 = v[6]!, v7 = v[7]!;
    const v8 = v[8]!, v9 = v[9]!, v10 = v[10]!, v11 = v[11]!;
    ata.fill(0);
    atf.fill(0);
    let used = 0;
    for (let p = 0; p < n; p++) {
      const x = px[p]!, y = py[p]!, z = pz[p]!;
      const sx = v0 * x + v1 * y + v2 * z + v3;
      const sy = v4 * x + v5 * y + v6 * z + v7;
      const sz = v8 * x + v9 * y + v10 * z + v11;
      const fv = degree >= 2
        ? sampleBspline(f, model.dims, degree, sx, sy, sz)
        : sampleTrilinear(f, nx, ny, nz, sx, sy, sz);
      if (fv !== fv || (hasNaN && Number.isNaN(sampleTrilinear(frame, nx, ny, nz, sx, sy, sz)))) {
        addOuterLower(cols, p, ata, -1); // drop this point's row
        continue;
      }
      used++;
      const o = p * NCOL;
      atf[0]! += cols[o]! * fv;
      atf[1]! += cols[o + 1]! * fv;
      atf[2]! += cols[o + 2]! * fv;
      atf[3]! += cols[o + 3]! * fv;
      atf[4]! += cols[o + 4]! * fv;
      atf[5]! += cols[o + 5]! * fv;
      atf[6]! += cols[o + 6]! * fv;
    }
    if (used < MIN_POINTS) {
      throw new RegistrationError(
        frameIndex,
        `only ${used} of ${n} sample points fall inside the frame (need ${MIN_POINTS})`,
      );
    }
    mirrorLower(ata);
    for (let i = 0; i < NCOL * NCOL; i++) ata[i] = model.ata[i]! + ata[i]!;
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
    if (dt + 50 * dr < CONVERGED_MM) break;
  }
  return { m, scale, iterations };
}
