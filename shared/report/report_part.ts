/**
 * The report's per-slab partial results, made by the reslice function beside
 * its slab so that the orchestrator never passes over the whole 4-D run:
 *
 * - per voxel Σx and Σx² of the *raw* frames (before realignment), for the
 *   "before" mean and temporal SD images;
 * - the carpet part: the realigned series of a fixed sample of brain voxels
 *   ({@link carpetVoxels} of the brain mask) over the slab's frames.
 *
 * Layout of {@link ReportPart.bytes} (little-endian Float64): Σraw (n3),
 * Σraw² (n3), then the carpet part, row by row, `frames` values a row.
 * {@link combineReportParts} adds the sums and puts the carpet parts side by
 * side, in frame order.
 *
 * @example Two one-frame slabs of a two-voxel run
 * ```ts
 * import { combineReportParts, ReportPart } from "./report_part.ts";
 *
 * const mask = new Uint8Array([1, 1]);
 * const a = new ReportPart(mask, 1), b = new ReportPart(mask, 1);
 * a.add(new Float32Array([1, 2]), new Float32Array([1, 2]), 0);
 * b.add(new Float32Array([3, 2]), new Float32Array([3, 2]), 0);
 * const r = combineReportParts([a.data, b.data], [1, 1], 2, 2, 2);
 * if (r.meanBefore[0] !== 2 || r.carpet[1] !== 3) throw new Error("combine");
 * ```
 *
 * @module
 */
import { carpetVoxels } from "./carpet.ts";

/** Most carpet rows (brain voxels sampled). */
export const CARPET_ROWS = 600;

/** {@link carpetVoxels} of the brain mask, or no voxel when the mask is empty. */
export function carpetRows(brain: Uint8Array, maxRows = CARPET_ROWS): Int32Array {
  return brain.some((b) => b !== 0) ? carpetVoxels(brain, maxRows) : new Int32Array(0);
}

/** One slab's report part. */
export class ReportPart {
  readonly n3: number;
  readonly frames: number;
  /** The brain voxels the carpet samples, in row order. */
  readonly voxels: Int32Array;
  /** Σraw, Σraw², then the carpet part (see the module doc). */
  readonly data: Float64Array;

  /**
   * `brain`: the run's brain mask (one frame); `frames`: the slab's frame
   * count; `storage`: where the part lives, given its length in values (a
   * zeroed view into WebAssembly memory, say); a new array by default.
   */
  constructor(
    brain: Uint8Array,
    frames: number,
    maxRows = CARPET_ROWS,
    storage: (length: number) => Float64Array = (n) => new Float64Array(n),
  ) {
    this.n3 = brain.length;
    this.frames = frames;
    this.voxels = carpetRows(brain, maxRows);
    this.data = storage(2 * this.n3 + this.voxels.length * frames);
  }

  /** Add the slab's k-th frame: `raw` as read (non-finite already zeroed), `realigned` resliced. */
  add(raw: Float32Array, realigned: Float32Array, k: number): void {
    this.addRaw(raw);
    this.addRealigned(realigned, k);
  }

  /** The raw half of {@link add} (so the raw frame's buffer can be reused before reslicing). */
  addRaw(raw: Float32Array): void {
    this.addRawFrames(raw, 0, 1);
  }

  /**
   * {@link addRaw} for `count` frames stored back to back in `frames`, from
   * its `first`-th: the same sums bit for bit (each voxel's frames are added
   * in order), with one pass over the sums instead of one per frame.
   */
  addRawFrames(frames: Float32Array, first: number, count: number): void {
    const { n3, data } = this;
    for (let i = 0; i < n3; i++) {
      let s = data[i]!, q = data[n3 + i]!;
      for (let k = 0, o = first * n3 + i; k < count; k++, o += n3) {
        const v = frames[o]!;
        s += v;
        q += v * v;
      }
      data[i] = s;
      data[n3 + i] = q;
    }
  }

  /** The realigned half of {@link add}: the k-th frame's carpet samples. */
  addRealigned(realigned: Float32Array, k: number): void {
    const { n3, data, voxels, frames } = this;
    const c = 2 * n3 + k;
    for (let r = 0; r < voxels.length; r++) data[c + r * frames] = realigned[voxels[r]!]!;
  }

  /** The part as bytes (little-endian Float64). */
  bytes(): Uint8Array {
    return new Uint8Array(this.data.buffer, this.data.byteOffset, this.data.byteLength);
  }
}

/** The run's "before" images and carpet series, from every slab's part. */
export interface ReportParts {
  /** Per-voxel mean of the raw frames. */
  meanBefore: Float32Array;
  /** Per-voxel temporal SD of the raw frames (denominator nt − 1). */
  stdBefore: Float32Array;
  /** Realigned series of the carpet voxels, `carpet[row * nt + t]`. */
  carpet: Float32Array;
  rows: number;
}

/** The run's "before" images and carpet series, added up one slab's part at a time. */
export class ReportSum {
  readonly #n3: number;
  readonly #nt: number;
  readonly #rows: number;
  readonly #sum: Float64Array;
  readonly #sq: Float64Array;
  readonly #carpet: Float32Array;
  #t0 = 0;
  #parts = 0;

  constructor(n3: number, nt: number, rows: number) {
    this.#n3 = n3;
    this.#nt = nt;
    this.#rows = rows;
    this.#sum = new Float64Array(n3);
    this.#sq = new Float64Array(n3);
    this.#carpet = new Float32Array(rows * nt);
  }

  /** Add the next part (in frame order), which covers `frames` frames. */
  add(p: Float64Array, frames: number): void {
    const n3 = this.#n3, nt = this.#nt, rows = this.#rows, f = frames, t0 = this.#t0;
    if (p.length !== 2 * n3 + rows * f || t0 + f > nt) {
      throw new RangeError(
        `Cannot combine report parts: part ${this.#parts} holds ${p.length} values, expected ` +
          `${2 * n3 + rows * f} (${n3} voxels, ${rows} carpet rows, ${f} frames of ${nt})`,
      );
    }
    const sum = this.#sum, sq = this.#sq, carpet = this.#carpet;
    for (let i = 0; i < n3; i++) {
      sum[i]! += p[i]!;
      sq[i]! += p[n3 + i]!;
    }
    for (let r = 0; r < rows; r++) {
      const src = 2 * n3 + r * f, dst = r * nt + t0;
      for (let k = 0; k < f; k++) carpet[dst + k] = p[src + k]!;
    }
    this.#t0 += f;
    this.#parts++;
  }

  /** The "before" mean and SD and the carpet series. */
  finish(): ReportParts {
    const n3 = this.#n3, nt = this.#nt, sum = this.#sum, sq = this.#sq;
    if (this.#t0 !== nt) {
      throw new RangeError(
        `Cannot combine report parts: ${this.#t0} frames in the parts, expected ${nt}`,
      );
    }
    const meanBefore = new Float32Array(n3);
    const stdBefore = new Float32Array(n3);
    for (let i = 0; i < n3; i++) {
      const mu = sum[i]! / nt;
      meanBefore[i] = mu;
      const ss = Math.max(0, sq[i]! - nt * mu * mu);
      stdBefore[i] = nt > 1 ? Math.sqrt(ss / (nt - 1)) : 0;
    }
    return { meanBefore, stdBefore, carpet: this.#carpet, rows: this.#rows };
  }
}

/**
 * Adds the parts (in frame order; part k covers `frames[k]` frames, `nt` in
 * all, with `rows` carpet rows) into the run's "before" mean and SD and the
 * carpet series ({@link ReportSum}).
 */
export function combineReportParts(
  parts: Float64Array[],
  frames: readonly number[],
  n3: number,
  nt: number,
  rows: number,
): ReportParts {
  const sum = new ReportSum(n3, nt, rows);
  parts.forEach((p, k) => sum.add(p, frames[k] ?? 0));
  return sum.finish();
}
