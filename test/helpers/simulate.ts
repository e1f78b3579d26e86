/**
 * Simulated fMRI runs with known rigid motion, built from the 1 mm Colin27
 * brain (test/data/colin27_t1_brain_1mm.nii.gz), and the displacement error
 * of an estimated correction against that truth.
 *
 * Geometry: the simulated grid's affine is axis-aligned (voxel size on the
 * diagonal) and centred on the brain: world (0, 0, 0) is the centre of the
 * grid and the centroid of Colin27's non-zero voxels, and world axes are
 * Colin27's voxel axes (its affine is a 1 mm RAS diagonal). Each frame's
 * motion `[tx, ty, tz (mm), rx, ry, rz (deg)]` gives
 * `T(t) = spmMatrix([tx, ty, tz, rx, ry, rz in rad])`, rotations about the
 * world origin, i.e. about the centre of the grid.
 *
 * Convention (DESIGN.md): `T(t)` maps a reference point to where the same
 * tissue is in frame t, so frame t at world `v` shows the tissue that was at
 * `T(t)⁻¹ · v`: `frame_t(v) = brain(T(t)⁻¹ v)`. The ideal correction is
 * `M(t) = T(t)⁻¹`. Each voxel's value is the mean of an s×s×s sub-grid of
 * trilinear samples of the 1 mm brain (partial volume of a thick voxel), then
 * Gaussian noise of sd `noise × mean brain intensity` is added (fixed seed).
 *
 * @module
 */

import { readNifti } from "../../shared/nifti/read.ts";
import { apply4, identity4, invert4, type Mat4, mul4, spmMatrix } from "../../shared/rigid.ts";
import { sampleTrilinear } from "../../shared/interp/trilinear.ts";
import { mulberry32 } from "../../shared/estimate/prng.ts";

/** The Colin27 brain as loaded once per process. */
export interface Colin27 {
  data: Float32Array;
  dims: [number, number, number];
  /** Centroid of the non-zero voxels (voxel coordinates). */
  centre: [number, number, number];
  /** Mean of the non-zero voxels. */
  meanNonZero: number;
}

let colin: Promise<Colin27> | undefined;

/** Loads (once) and describes the Colin27 1 mm brain. */
export function loadColin27(): Promise<Colin27> {
  colin ??= (async () => {
    const url = new URL("../data/colin27_t1_brain_1mm.nii.gz", import.meta.url);
    const img = await readNifti(await Deno.readFile(url), "colin27_t1_brain_1mm.nii.gz", {
      allow3d: true,
    });
    const d = img.header.dims;
    const dims: [number, number, number] = [d[1]!, d[2]!, d[3]!];
    const data = img.data;
    let sx = 0, sy = 0, sz = 0, cnt = 0, sum = 0, o = 0;
    for (let k = 0; k < dims[2]; k++) {
      for (let j = 0; j < dims[1]; j++) {
        for (let i = 0; i < dims[0]; i++, o++) {
          const v = data[o]!;
          if (v > 0) {
            sx += i;
            sy += j;
            sz += k;
            sum += v;
            cnt++;
          }
        }
      }
    }
    return { data, dims, centre: [sx / cnt, sy / cnt, sz / cnt], meanNonZero: sum / cnt };
  })();
  return colin;
}

/** What to simulate. */
export interface SimulateOptions {
  dims: [number, number, number];
  voxelSize: [number, number, number];
  /** Per frame: `[tx, ty, tz (mm), rx, ry, rz (deg)]` of T(t); frame 0 should be zeros. */
  motions: number[][];
  /** Noise sd as a fraction of the mean brain intensity. */
  noise: number;
  seed: number;
  /** Sub-samples per voxel axis for partial volume (default 3, 1 = centre only). */
  subsample?: number;
}

/** A simulated run and its truth. */
export interface SimulatedRun {
  /** 4-D data, NIfTI order (x fastest, then y, z, t). */
  data: Float32Array;
  dims: [number, number, number];
  /** Voxel → world of the simulated grid (centred on the brain). */
  affine: Mat4;
  /** `T(t)` per frame (reference point → same tissue in frame t). */
  truth: Mat4[];
  /** Voxels of the noise-free frame 0 above 30 % of the brain's mean intensity. */
  brainMask: Uint8Array;
  /** Mean noise-free intensity over the brain mask (the noise unit). */
  meanBrain: number;
}

/** The axis-aligned affine of a grid of `dims` × `voxelSize` centred on world (0, 0, 0). */
export function centredAffine(
  dims: readonly [number, number, number],
  voxelSize: readonly [number, number, number],
): Mat4 {
  const [dx, dy, dz] = voxelSize;
  return [
    dx,
    0,
    0,
    -dx * (dims[0] - 1) / 2,
    0,
    dy,
    0,
    -dy * (dims[1] - 1) / 2,
    0,
    0,
    dz,
    -dz * (dims[2] - 1) / 2,
    0,
    0,
    0,
    1,
  ];
}

/** The rigid `T` of one motion row `[tx, ty, tz (mm), rx, ry, rz (deg)]`. */
export function motionMatrix(row: readonly number[]): Mat4 {
  const r = Math.PI / 180;
  return spmMatrix([row[0]!, row[1]!, row[2]!, row[3]! * r, row[4]! * r, row[5]! * r]);
}

/** Noise-free frame: mean of sub-samples of the brain at `T⁻¹ · w` for each voxel. */
function renderFrame(
  brain: Colin27,
  dims: readonly [number, number, number],
  affine: Mat4,
  t: Mat4,
  s: number,
  out: Float32Array,
): void {
  const [bx, by, bz] = brain.dims;
  const c = brain.centre;
  const toBrain = [1, 0, 0, c[0], 0, 1, 0, c[1], 0, 0, 1, c[2], 0, 0, 0, 1];
  const p = mul4(mul4(toBrain, invert4(t)), affine); // grid voxel → brain voxel
  const offs: number[] = [];
  for (let a = 0; a < s; a++) offs.push((a + 0.5) / s - 0.5);
  const inv = 1 / (s * s * s);
  let o = 0;
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++, o++) {
        let sum = 0;
        for (const oz of offs) {
          for (const oy of offs) {
            for (const ox of offs) {
              const x = i + ox, y = j + oy, z = k + oz;
              const v = sampleTrilinear(
                brain.data,
                bx,
                by,
                bz,
                p[0]! * x + p[1]! * y + p[2]! * z + p[3]!,
                p[4]! * x + p[5]! * y + p[6]! * z + p[7]!,
                p[8]! * x + p[9]! * y + p[10]! * z + p[11]!,
              );
              if (v === v) sum += v;
            }
          }
        }
        out[o] = sum * inv;
      }
    }
  }
}

/**
 * Builds a simulated run: frame t samples the 1 mm brain at `T(t)⁻¹ · w`
 * (so `M(t) = T(t)⁻¹` undoes it), then adds Gaussian noise.
 */
export async function simulateRun(opts: SimulateOptions): Promise<SimulatedRun> {
  const brain = await loadColin27();
  const { dims, voxelSize, motions, noise, seed } = opts;
  const s = opts.subsample ?? 3;
  const n3 = dims[0] * dims[1] * dims[2];
  const affine = centredAffine(dims, voxelSize);
  const data = new Float32Array(n3 * motions.length);
  const truth = motions.map(motionMatrix);
  for (let t = 0; t < motions.length; t++) {
    renderFrame(brain, dims, affine, truth[t]!, s, data.subarray(t * n3, (t + 1) * n3));
  }
  // Brain mask and noise unit from the noise-free frame 0 rendered at the identity.
  const clean0 = new Float32Array(n3);
  renderFrame(brain, dims, affine, identity4(), s, clean0);
  const brainMask = new Uint8Array(n3);
  const thr = 0.3 * brain.meanNonZero;
  let sum = 0, cnt = 0;
  for (let i = 0; i < n3; i++) {
    if (clean0[i]! > thr) {
      brainMask[i] = 1;
      sum += clean0[i]!;
      cnt++;
    }
  }
  const meanBrain = sum / cnt;
  const sd = noise * meanBrain;
  if (sd > 0) {
    const rnd = mulberry32(seed);
    for (let i = 0; i < data.length; i += 2) {
      // Box-Muller: two normals per pair of uniforms.
      const u1 = 1 - rnd(), u2 = rnd();
      const r = sd * Math.sqrt(-2 * Math.log(u1));
      data[i] = data[i]! + r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < data.length) data[i + 1] = data[i + 1]! + r * Math.sin(2 * Math.PI * u2);
    }
  }
  return { data, dims: [dims[0], dims[1], dims[2]], affine, truth, brainMask, meanBrain };
}

/**
 * Mean and max over the brain voxels of `|M · T · w − w|` (mm): how far the
 * estimated correction `M` leaves each brain point from where it belongs
 * (zero when `M = T⁻¹`).
 */
export function displacementError(
  estimatedM: Mat4,
  truthT: Mat4,
  affine: Mat4,
  brainMask: Uint8Array,
  dims: readonly [number, number, number],
): { mean: number; max: number } {
  const e = mul4(estimatedM, truthT);
  let sum = 0, max = 0, cnt = 0, o = 0;
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++, o++) {
        if (!brainMask[o]) continue;
        const [wx, wy, wz] = apply4(affine, i, j, k);
        const [x, y, z] = apply4(e, wx, wy, wz);
        const d = Math.hypot(x - wx, y - wy, z - wz);
        sum += d;
        if (d > max) max = d;
        cnt++;
      }
    }
  }
  return { mean: cnt ? sum / cnt : 0, max };
}

/**
 * A smooth analytic image: `count` Gaussian blobs (sd 6–14 mm, amplitude
 * 20–100) centred within ±`extent` mm (x, y, z), drawn from `seed`. The
 * returned renderer gives the frame whose tissue moved by `t` on the grid
 * `dims`/`affine`: the value at world point w is the image at t⁻¹ w.
 */
export function blobImage(
  count: number,
  seed: number,
  extent: readonly [number, number, number],
): (t: Mat4, dims: readonly [number, number, number], affine: Mat4) => Float32Array {
  const rnd = mulberry32(seed);
  const blobs = Array.from({ length: count }, () => [
    (rnd() - 0.5) * 2 * extent[0],
    (rnd() - 0.5) * 2 * extent[1],
    (rnd() - 0.5) * 2 * extent[2],
    6 + rnd() * 8,
    20 + rnd() * 80,
  ]);
  return (t, d, aff) => {
    const ti = invert4(t);
    const out = new Float32Array(d[0] * d[1] * d[2]);
    let o = 0;
    for (let k = 0; k < d[2]; k++) {
      for (let j = 0; j < d[1]; j++) {
        for (let i = 0; i < d[0]; i++, o++) {
          const w = apply4(aff, i, j, k);
          const [x, y, z] = apply4(ti, w[0], w[1], w[2]);
          let v = 0;
          for (const b of blobs) {
            const d2 = (x - b[0]!) ** 2 + (y - b[1]!) ** 2 + (z - b[2]!) ** 2;
            v += b[4]! * Math.exp(-d2 / (2 * b[3]! ** 2));
          }
          out[o] = v;
        }
      }
    }
    return out;
  };
}
