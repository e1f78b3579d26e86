/**
 * A reslice task's per-voxel work, a chunk of frames at a time: decode the
 * stored frames, add the raw ones to the report's sums, resample each frame
 * into a batch slot (with its coverage and the mask), add a batch to the
 * slab's sums and the carpet, and encode a slot in the output datatype.
 *
 * Two implementations with the same results: {@link JsSlab} (the JS kernels
 * and loops, where WebAssembly is refused) and `WasmSlab`
 * (shared/wasm/wasm_slab.ts), which keeps every buffer in one WebAssembly
 * memory so that the frames never leave it between the steps.
 *
 * @module
 */
import type { RunLayout } from "./job.ts";
import { zeroNonFinite } from "./finite.ts";
import { encodeVoxels } from "./nifti/encode.ts";
import { ReportPart } from "./report/report_part.ts";
import { JS_KERNELS, type ResampleKernels } from "./resample_kernels.ts";
import type { Mat4 } from "./rigid.ts";
import { decodeFrameInto, decodesFinite, frameBytes, frameVoxels } from "./run_frames.ts";
import { SlabStats } from "./slab_stats.ts";

/** What a slab's work needs to know, fixed for the task. */
export interface SlabSpec {
  run: RunLayout;
  /** Frames of the slab (counted in the sums). */
  frames: number;
  /** Most frames in one chunk of stored bytes. */
  chunkFrames: number;
  /** Batch slots: resampled frames waiting to be added to the sums together. */
  batch: number;
  /** Interpolation degree (1: trilinear, 2–7: B-spline). */
  degree: number;
  /** Voxels to zero in every frame (0 in the mask), or null. */
  mask: Uint8Array | null;
  /** The brain mask for DVARS, or null for none. */
  brain: Uint8Array | null;
  /** Whether to make the report's part (raw sums and carpet; needs `brain`). */
  report: boolean;
  /** The output encoding, or null when nothing is encoded (the mean pass). */
  encoding: { datatype: number; slope: number; inter: number } | null;
}

/** One reslice task's voxel work (see the module doc). */
export interface SlabWork {
  /**
   * Where to read chunk `slot`'s stored bytes (`count` frames; `slot` 0 or 1
   * in turn, so the next chunk can be read while this one is worked on).
   */
  chunkBuffer(slot: number, count: number): Uint8Array;
  /**
   * Decode the `count` stored frames of `bytes` (NaN and ±Inf become 0) and
   * add frames `skip..count` to the report's raw sums.
   */
  decodeChunk(bytes: Uint8Array, count: number, skip: number): void;
  /** Resample chunk frame `k` by the voxel → voxel `v2v` into batch slot `b`, masked. */
  resample(k: number, v2v: Mat4, b: number): void;
  /** Batch slot `b` holds the frame before the slab (differenced, not counted). */
  setPrevious(b: number): void;
  /** Add slots `0..count` to the sums and the carpet as the slab's frames `first..`. */
  addBatch(first: number, count: number): void;
  /** Encode batch slot `b` into `out` (one frame of the output datatype). */
  encode(b: number, out: Uint8Array): void;
  /** The slab's sums (SlabStats' layout) as bytes. */
  sumBytes(): Uint8Array;
  /** The report part (ReportPart's layout) as bytes, or null without a report. */
  reportBytes(): Uint8Array | null;
  /** Done: what it holds serves the isolate's next task (after the bytes are stored). */
  release(): void;
}

/** Zero `frame` and its `cover` where `mask` is 0. */
export function maskFrame(mask: Uint8Array, frame: Float32Array, cover: Uint8Array): void {
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) {
      frame[i] = 0;
      cover[i] = 0;
    }
  }
}

/** {@link SlabWork} with JS buffers, the given resampling kernels and the JS loops. */
export class JsSlab implements SlabWork {
  readonly #spec: SlabSpec;
  readonly #kernels: ResampleKernels;
  readonly #n3: number;
  readonly #decoded: Float32Array;
  readonly #slots: Float32Array[];
  readonly #covers: Uint8Array[];
  readonly #stats: SlabStats;
  readonly #report: ReportPart | null;
  readonly #finite: boolean;
  readonly #chunks: Uint8Array[] = [];

  constructor(spec: SlabSpec, kernels: ResampleKernels = JS_KERNELS) {
    this.#spec = spec;
    this.#kernels = kernels;
    const n3 = this.#n3 = frameVoxels(spec.run);
    this.#decoded = new Float32Array(spec.chunkFrames * n3);
    this.#slots = Array.from({ length: spec.batch }, () => new Float32Array(n3));
    this.#covers = Array.from({ length: spec.batch }, () => new Uint8Array(n3));
    this.#stats = new SlabStats(n3, spec.frames, spec.brain);
    this.#report = spec.report && spec.brain ? new ReportPart(spec.brain, spec.frames) : null;
    this.#finite = decodesFinite(spec.run);
  }

  chunkBuffer(slot: number, count: number): Uint8Array {
    const fb = frameBytes(this.#spec.run);
    const buf = this.#chunks[slot & 1] ??= new Uint8Array(this.#spec.chunkFrames * fb);
    return buf.subarray(0, count * fb);
  }

  decodeChunk(bytes: Uint8Array, count: number, skip: number): void {
    const n3 = this.#n3;
    for (let k = 0; k < count; k++) {
      const f = this.#decoded.subarray(k * n3, (k + 1) * n3);
      decodeFrameInto(bytes, this.#spec.run, k, f);
      if (!this.#finite) zeroNonFinite(f);
    }
    if (count > skip) this.#report?.addRawFrames(this.#decoded, skip, count - skip);
  }

  resample(k: number, v2v: Mat4, b: number): void {
    const { run, degree, mask } = this.#spec;
    const dims: [number, number, number] = [run.dims[0], run.dims[1], run.dims[2]];
    const n3 = this.#n3, kernels = this.#kernels;
    const src = this.#decoded.subarray(k * n3, (k + 1) * n3);
    const out = this.#slots[b]!, cover = this.#covers[b]!;
    if (degree <= 1) {
      kernels.resliceTrilinear(src, dims, v2v, out);
    } else {
      kernels.bsplineCoefficients(src, dims, degree, src); // in place
      kernels.resliceBspline(src, dims, degree, v2v, out);
    }
    cover.fill(1);
    kernels.coverage(dims, [v2v], cover);
    if (mask) maskFrame(mask, out, cover);
  }

  setPrevious(b: number): void {
    this.#stats.setPrevious(this.#slots[b]!);
  }

  addBatch(first: number, count: number): void {
    this.#stats.addFrames(this.#slots, this.#covers, first, count);
    for (let b = 0; b < count; b++) this.#report?.addRealigned(this.#slots[b]!, first + b);
  }

  encode(b: number, out: Uint8Array): void {
    const e = this.#spec.encoding;
    if (!e) throw new Error("Cannot encode: this slab has no output encoding");
    encodeVoxels(this.#slots[b]!, e.datatype, e.slope, e.inter, out);
  }

  sumBytes(): Uint8Array {
    return this.#stats.bytes();
  }

  reportBytes(): Uint8Array | null {
    return this.#report?.bytes() ?? null;
  }

  release(): void {}
}
