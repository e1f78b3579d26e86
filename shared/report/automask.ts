/**
 * A brain mask of a mean EPI image, in the spirit of AFNI's `3dAutomask`, for
 * DVARS, the carpet plot and the report's summaries. The rule, in order:
 *
 * 1. Clip level, AFNI `3dClipLevel`-like: start at the mean of the positive
 *    voxels, then repeatedly set clip = ½ × the mean of the voxels at or above clip,
 *    until it moves by less than 0.1 % (at most 50 rounds). Brain is bright
 *    in EPI; air and the background are near zero, so the level settles at
 *    about half the brain's typical intensity.
 * 2. Threshold: voxels ≥ clip.
 * 3. Largest connected component (6-connectivity, faces): drops specks of
 *    noise and bright bits apart from the brain (eyes, a marker).
 * 4. Fill holes slice by slice (axial, 4-connectivity): background not
 *    reachable from the slice's edge becomes mask (dark ventricles, dropout
 *    inside the brain).
 *
 * @example A bright cube in a dark box
 * ```ts
 * import { automask } from "./automask.ts";
 *
 * const v = new Float32Array(8 * 8 * 8);
 * for (let z = 2; z < 6; z++) for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) {
 *   v[x + 8 * (y + 8 * z)] = 100;
 * }
 * const m = automask(v, [8, 8, 8]);
 * if (m.reduce((a, b) => a + b, 0) !== 64) throw new Error("cube");
 * ```
 *
 * @module
 */

/**
 * The clip level of step 1: ½ × the mean of the voxels at or above the level,
 * iterated from the mean of the positive voxels. 0 if no voxel is positive.
 */
export function clipLevel(volume: Float32Array): number {
  const n = volume.length;
  let sum = 0, count = 0;
  for (let i = 0; i < n; i++) {
    const v = volume[i]!;
    if (v > 0 && v < Infinity) {
      sum += v;
      count++;
    }
  }
  if (count === 0) return 0;
  let clip = sum / count;
  for (let round = 0; round < 50; round++) {
    sum = 0;
    count = 0;
    for (let i = 0; i < n; i++) {
      const v = volume[i]!;
      if (v >= clip && v < Infinity) {
        sum += v;
        count++;
      }
    }
    if (count === 0) break;
    const next = 0.5 * (sum / count);
    const moved = Math.abs(next - clip);
    clip = next;
    if (moved <= 1e-3 * clip) break;
  }
  return clip;
}

/**
 * Keeps only the largest 6-connected component of `mask` (in place) and
 * returns its voxel count.
 */
export function keepLargestComponent(
  mask: Uint8Array,
  dims: readonly [number, number, number],
): number {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const n = mask.length;
  const label = new Int32Array(n);
  const queue = new Int32Array(n);
  let bestLabel = 0, bestSize = 0, next = 0;
  for (let seed = 0; seed < n; seed++) {
    if (mask[seed] === 0 || label[seed] !== 0) continue;
    next++;
    label[seed] = next;
    let head = 0, tail = 0;
    queue[tail++] = seed;
    while (head < tail) {
      const i = queue[head++]!;
      const x = i % nx;
      const y = ((i - x) / nx) % ny;
      const z = (i - x - y * nx) / nxy;
      // The six face neighbours, each guarded by its own bound.
      if (x > 0 && mask[i - 1] !== 0 && label[i - 1] === 0) label[queue[tail++] = i - 1] = next;
      if (x < nx - 1 && mask[i + 1] !== 0 && label[i + 1] === 0) {
        label[queue[tail++] = i + 1] = next;
      }
      if (y > 0 && mask[i - nx] !== 0 && label[i - nx] === 0) label[queue[tail++] = i - nx] = next;
      if (y < ny - 1 && mask[i + nx] !== 0 && label[i + nx] === 0) {
        label[queue[tail++] = i + nx] = next;
      }
      if (z > 0 && mask[i - nxy] !== 0 && label[i - nxy] === 0) {
        label[queue[tail++] = i - nxy] = next;
      }
      if (z < nz - 1 && mask[i + nxy] !== 0 && label[i + nxy] === 0) {
        label[queue[tail++] = i + nxy] = next;
      }
    }
    if (tail > bestSize) {
      bestSize = tail;
      bestLabel = next;
    }
  }
  for (let i = 0; i < n; i++) mask[i] = label[i] === bestLabel && bestLabel !== 0 ? 1 : 0;
  return bestSize;
}

/** Queues pixel `i` as outside if it is background not yet reached; returns the new tail. */
function seedOutside(
  s: Uint8Array,
  outside: Uint8Array,
  queue: Int32Array,
  tail: number,
  i: number,
): number {
  if (s[i] !== 0 || outside[i] !== 0) return tail;
  outside[i] = 1;
  queue[tail] = i;
  return tail + 1;
}

/** Fills, in place, each axial slice's background that its edge cannot reach (4-connectivity). */
export function fillHolesAxial(mask: Uint8Array, dims: readonly [number, number, number]): void {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const outside = new Uint8Array(nxy);
  const queue = new Int32Array(nxy);
  for (let z = 0; z < nz; z++) {
    const s = mask.subarray(z * nxy, (z + 1) * nxy);
    outside.fill(0);
    let head = 0, tail = 0;
    // Seed with every background pixel on the slice's border.
    for (let x = 0; x < nx; x++) {
      tail = seedOutside(s, outside, queue, tail, x);
      tail = seedOutside(s, outside, queue, tail, (ny - 1) * nx + x);
    }
    for (let y = 0; y < ny; y++) {
      tail = seedOutside(s, outside, queue, tail, y * nx);
      tail = seedOutside(s, outside, queue, tail, y * nx + nx - 1);
    }
    while (head < tail) {
      const i = queue[head++]!;
      const x = i % nx;
      if (x > 0 && s[i - 1] === 0 && outside[i - 1] === 0) outside[queue[tail++] = i - 1] = 1;
      if (x < nx - 1 && s[i + 1] === 0 && outside[i + 1] === 0) outside[queue[tail++] = i + 1] = 1;
      if (i >= nx && s[i - nx] === 0 && outside[i - nx] === 0) outside[queue[tail++] = i - nx] = 1;
      if (i + nx < nxy && s[i + nx] === 0 && outside[i + nx] === 0) {
        outside[queue[tail++] = i + nx] = 1;
      }
    }
    for (let i = 0; i < nxy; i++) if (outside[i] === 0) s[i] = 1;
  }
}

/**
 * A brain mask (1 in, 0 out) of a mean image `mean` of shape `dims`
 * [nx, ny, nz], by the rule in the module doc. An image with no positive
 * voxel gives an empty mask.
 */
export function automask(mean: Float32Array, dims: readonly [number, number, number]): Uint8Array {
  const [nx, ny, nz] = dims;
  if (dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(
      `Cannot make a brain mask: dims must be 3 positive integers, current value is [${dims}]`,
    );
  }
  if (mean.length !== nx * ny * nz) {
    throw new RangeError(
      `Cannot make a brain mask: the image must hold ${nx * ny * nz} values, ` +
        `current value is ${mean.length}`,
    );
  }
  const mask = new Uint8Array(mean.length);
  const clip = clipLevel(mean);
  if (clip <= 0) return mask;
  for (let i = 0; i < mean.length; i++) mask[i] = mean[i]! >= clip ? 1 : 0;
  if (keepLargestComponent(mask, dims) === 0) return mask;
  fillHolesAxial(mask, dims);
  return mask;
}
