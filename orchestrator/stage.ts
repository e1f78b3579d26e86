/**
 * Stage a run: write the uncompressed, range-readable copy of its frames and
 * the reference volume to the object store, and choose the output encoding
 * every function will write. Where the store can move objects, the copy was
 * written while the input was opened (`staged_copy.ts`) and only the
 * reference is left to write here.
 *
 * @module
 */
import type { HashFactory } from "../shared/ports/digest.ts";
import type { JobOptions, OutputEncoding, RunLayout } from "../shared/job.ts";
import { bytesPerVoxel } from "../shared/nifti/datatypes.ts";
import type { ObjectStore } from "../shared/ports/object_store.ts";
import type { Compression } from "../shared/ports/compression.ts";
import { InputReader, type InputSource } from "./input_reader.ts";
import { type OpenedRun, stagedHeaderBytes } from "./open_run.ts";

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
    model: (pass: number) => `${base}/model-${pass}.f64`,
    weight: `${base}/weight.f32`,
    slab: (start: number, end: number) => `${base}/slabs/${start}-${end}`,
    sums: (kind: string, start: number, end: number) => `${base}/sums/${kind}/${start}-${end}`,
    coverage: (start: number, end: number) => `${base}/coverage/${start}-${end}`,
  };
}

/** Float32 volume as little-endian bytes (a view when the platform is little-endian). */
export function float32Bytes(v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * The output encoding: the input's datatype and scaling (trilinear values stay
 * within the input's range), or float32. B-spline degrees above 1 can
 * overshoot, so an integer output then gets the scaling that fits `range`,
 * the range the resliced values can take (reported by the pass-1 estimate
 * functions, `TaskResult.coefficients`: the frames' spline
 * coefficients and 0).
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
    ...fittedScaling(layout.datatype, range),
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

/** Relative headroom on a fitted scaling (Float32 coefficients, rounding in the sums). */
const HEADROOM = 1e-4;

/**
 * The scaling of an integer datatype that holds every value in `range`
 * without clipping (with {@link HEADROOM}): signed types keep 0 at 0
 * (scl_inter 0); unsigned ones map the lowest value (or 0) to 0.
 */
export function fittedScaling(
  datatype: number,
  range: { min: number; max: number },
): { slope: number; inter: number } {
  const [lo, hi] = INT_RANGE[datatype] ?? [-32768, 32767];
  const pad = HEADROOM * Math.max(Math.abs(range.min), Math.abs(range.max), 1e-12);
  const low = Math.min(0, range.min) - pad;
  const high = Math.max(0, range.max) + pad;
  if (lo === 0) return { slope: (high - low) / hi, inter: low };
  return { slope: Math.max(high / hi, low / lo), inter: 0 };
}

/**
 * Pass 2: the staged copy as a stream — the staged header, then the voxels
 * read again from the input. The stream errors (so no object is stored) when
 * the input no longer hashes to `hash`: it changed since pass 1.
 */
export async function stagedStream(
  input: InputSource,
  compression: Compression,
  hash: string,
  sha256?: HashFactory,
): Promise<ReadableStream<Uint8Array>> {
  const reader = await InputReader.open(input, compression, sha256);
  const voxels = reader.voxels();
  let head: Uint8Array | null = stagedHeaderBytes(reader.headerBytes, reader.header);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (head) {
        controller.enqueue(head);
        head = null;
        return;
      }
      const r = await voxels.next();
      if (!r.done) {
        controller.enqueue(r.value);
        return;
      }
      if (reader.hash() !== hash) {
        throw new Error(
          `Cannot stage ${input.name}: the input changed while it was being read ` +
            `(SHA-256 ${reader.hash()}, expected ${hash})`,
        );
      }
      controller.close();
    },
    async cancel() {
      await voxels.return(undefined);
    },
  }, { highWaterMark: 0 });
}

/**
 * Write the reference volume, then the staged copy (streamed from the input,
 * when absent). `onReference` runs once the reference is stored, before the
 * copy streams: work that needs only the reference can overlap the staging.
 */
export async function stageRun(
  objects: ObjectStore,
  id: string,
  input: InputSource,
  compression: Compression,
  run: OpenedRun,
  sha256?: HashFactory,
  onReference?: () => void,
): Promise<void> {
  const keys = jobKeys(id);
  await objects.put(keys.ref(1), float32Bytes(run.reference));
  onReference?.();
  if (!(await objects.head(keys.staged))) {
    await objects.put(keys.staged, await stagedStream(input, compression, run.hash, sha256));
  }
}
