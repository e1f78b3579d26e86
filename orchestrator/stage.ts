/**
 * Stage a run: write the uncompressed, range-readable copy of its frames and
 * the reference volume to the object store, and choose the output encoding
 * every function will write.
 *
 * @module
 */
import type { JobOptions, OutputEncoding, RunLayout } from "../shared/job.ts";
import { bytesPerVoxel } from "../shared/nifti/datatypes.ts";
import { infToNaN } from "../shared/finite.ts";
import { decodeFrameInto, frameVoxels } from "../shared/run_frames.ts";
import type { ObjectStore } from "../shared/ports/object_store.ts";

export const FLOAT32 = 16;
export const FLOAT64 = 64;

/** Object keys of a job's data. */
export function jobKeys(id: string) {
  const base = `jobs/${id}`;
  return {
    base,
    staged: `${base}/staged.nii`,
    ref: (pass: number) => `${base}/ref-${pass}.f32`,
    mask: `${base}/mask.u8`,
    brain: `${base}/brain.u8`,
    slab: (start: number, end: number) => `${base}/slabs/${start}-${end}`,
    sums: (kind: string, start: number, end: number) => `${base}/sums/${kind}/${start}-${end}`,
  };
}

/** Decode frame `t` of an uncompressed run into a new Float32Array. */
export function decodeFrame(bytes: Uint8Array, layout: RunLayout, t: number): Float32Array {
  const out = decodeFrameInto(
    bytes,
    layout,
    t,
    new Float32Array(frameVoxels(layout)),
    layout.voxOffset,
  );
  infToNaN(out);
  return out;
}

/** Finite minimum and maximum of the whole run, decoding one frame at a time. */
export function runRange(bytes: Uint8Array, layout: RunLayout): { min: number; max: number } {
  const n3 = frameVoxels(layout);
  const frame = new Float32Array(n3);
  let min = Infinity, max = -Infinity;
  for (let t = 0; t < layout.dims[3]; t++) {
    decodeFrameInto(bytes, layout, t, frame, layout.voxOffset);
    for (let i = 0; i < n3; i++) {
      const v = frame[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min <= max ? { min, max } : { min: 0, max: 0 };
}

/** Float32 volume as little-endian bytes (a view when the platform is little-endian). */
export function float32Bytes(v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * The output encoding: the input's datatype and scaling (trilinear values stay
 * within the input's range), or float32. B-spline degrees above 1 can
 * overshoot, so integer outputs then get a wider scaling.
 */
export function outputEncoding(
  layout: RunLayout,
  options: JobOptions,
  gzip: boolean,
  range: { min: number; max: number },
): OutputEncoding {
  const float = options.dtype === "float32" || layout.datatype === FLOAT32 ||
    layout.datatype === FLOAT64;
  if (float) {
    const datatype = options.dtype === "float32" ? FLOAT32 : layout.datatype;
    return { datatype, bytesPerVoxel: bytesPerVoxel(datatype), slope: 1, inter: 0, gzip };
  }
  if (options.interpReslice <= 1) {
    return {
      datatype: layout.datatype,
      bytesPerVoxel: layout.bytesPerVoxel,
      slope: layout.slope,
      inter: layout.inter,
      gzip,
    };
  }
  return {
    datatype: layout.datatype,
    bytesPerVoxel: layout.bytesPerVoxel,
    ...widenedScaling(layout.datatype, range, options.interpReslice),
    gzip,
  };
}

const INT_RANGE: Record<number, [number, number]> = {
  2: [0, 255],
  256: [-128, 127],
  4: [-32768, 32767],
  512: [0, 65535],
  8: [-2147483648, 2147483647],
  768: [0, 4294967295],
};

/**
 * Scaling for an integer output that B-spline overshoot cannot clip: the
 * interpolant is bounded by the largest coefficient, and the coefficients by
 * the data's range times the prefilter's gain (product over poles of
 * (1+|z|)/(1−|z|), per dimension).
 */
export function widenedScaling(
  datatype: number,
  range: { min: number; max: number },
  degree: number,
): { slope: number; inter: number } {
  const [lo, hi] = INT_RANGE[datatype] ?? [-32768, 32767];
  const poles: Record<number, number[]> = {
    2: [Math.sqrt(8) - 3],
    3: [Math.sqrt(3) - 2],
    4: [-0.361341225900220177, -0.0137254292973391628],
    5: [-0.430575347099973, -0.0430962882032647],
    6: [-0.488294589303045, -0.0816792710762375, -0.00141415180832582],
    7: [-0.53528043079643, -0.122554615192327, -0.00914869480960828],
  };
  let gain = 1;
  for (const z of poles[degree] ?? []) gain *= (1 + Math.abs(z)) / (1 - Math.abs(z));
  const g3 = gain ** 3;
  const span = Math.max(Math.abs(range.min), Math.abs(range.max), 1e-12);
  const bound = span * g3;
  const lowNeeded = Math.min(0, range.min < 0 ? -bound : -0.5 * (g3 - 1) * (range.max - range.min));
  const highNeeded = bound;
  if (lo === 0) {
    // unsigned: shift so that the lowest possible value maps to 0
    const slope = (highNeeded - lowNeeded) / hi;
    return { slope, inter: lowNeeded };
  }
  const slope = Math.max(highNeeded / hi, -lowNeeded / -lo);
  return { slope, inter: 0 };
}

/** Write the staged copy (when absent) and the reference volume. */
export async function stageRun(
  objects: ObjectStore,
  id: string,
  bytes: Uint8Array,
  reference: Float32Array,
): Promise<void> {
  const keys = jobKeys(id);
  if (!(await objects.head(keys.staged))) await objects.put(keys.staged, bytes);
  await objects.put(keys.ref(1), float32Bytes(reference));
}
