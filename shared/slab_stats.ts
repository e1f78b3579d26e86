/**
 * Temporal statistics of the realigned run as per-slab partial sums, so that
 * functions compute them beside their slab and the orchestrator only adds:
 * per voxel Σx, frames covering, Σx² and Σx_t·x_{t−1}; per frame the sum of
 * squared differences to the previous frame over the brain mask (DVARS).
 * A slab reslices the frame before its range to difference its first frame.
 *
 * DVARS (Power 2012) is the RMS over brain voxels of the frame-to-frame
 * difference. Standardised DVARS (Nichols 2013) divides it by its expected
 * value for temporally independent noise, `mean_i sqrt(2(1−ρ_i))·σ_i`, with
 * each voxel's SD σ_i and lag-1 autocorrelation ρ_i taken here from moments
 * (fMRIPrep uses a robust IQR-based SD; on clean data the two agree closely).
 *
 * @module
 */

/** What a slab's partial sums offer (this JS class, or the WebAssembly one). */
export interface SlabSums {
  readonly n3: number;
  readonly frames: number;
  /** The frame before the slab's first (only differenced, not counted). */
  setPrevious(frame: Float32Array): void;
  /** Add the slab's k-th frame; `covered[i]` says whether the frame reaches voxel i. */
  add(frame: Float32Array, covered: Uint8Array, k: number): void;
  /** Add `count` consecutive frames from the slab's k-th. */
  addFrames(frames: Float32Array[], covered: Uint8Array[], k: number, count: number): void;
  /** The sums as bytes (little-endian Float64). */
  bytes(): Uint8Array;
}

/** Partial sums of one slab. */
export class SlabStats implements SlabSums {
  readonly n3: number;
  readonly frames: number;
  /** Σx, covering-frame count, Σx², Σx_t·x_{t−1} per voxel; then squared-difference sums per frame. */
  readonly data: Float64Array;
  readonly #brain: Uint8Array | null;
  readonly #prev: Float32Array;
  #hasPrev = false;

  constructor(n3: number, frames: number, brain: Uint8Array | null) {
    this.n3 = n3;
    this.frames = frames;
    this.data = new Float64Array(4 * n3 + frames);
    this.#brain = brain;
    this.#prev = new Float32Array(n3);
  }

  /** The frame before the slab's first (only differenced, not counted). */
  setPrevious(frame: Float32Array): void {
    this.#prev.set(frame);
    this.#hasPrev = true;
  }

  /** Add the slab's k-th frame; `covered[i]` says whether the frame reaches voxel i. */
  add(frame: Float32Array, covered: Uint8Array, k: number): void {
    const { n3, data } = this;
    const prev = this.#prev;
    const brain = this.#brain;
    const hasPrev = this.#hasPrev;
    const o1 = n3, o2 = 2 * n3, o3 = 3 * n3;
    let ssd = 0;
    for (let i = 0; i < n3; i++) {
      const v = frame[i]!;
      if (v !== v) continue;
      if (covered[i] === 1) {
        data[i]! += v;
        data[o1 + i]! += 1;
      }
      data[o2 + i]! += v * v;
      if (hasPrev) {
        const p = prev[i]!;
        data[o3 + i]! += v * p;
        if (brain !== null && brain[i] === 1) ssd += (v - p) * (v - p);
      }
    }
    data[4 * n3 + k] = hasPrev ? ssd : 0;
    prev.set(frame);
    this.#hasPrev = true;
  }

  /**
   * {@link add} of `count` consecutive frames, `frames[b]` the slab's
   * frame `k + b` with its `covered[b]`: the same sums bit for bit, each in
   * the same order, but the per-voxel sums are read and written once per
   * batch instead of once per frame (a frame's pass is bound by that memory
   * traffic: four Float64 sums per voxel).
   */
  addFrames(frames: Float32Array[], covered: Uint8Array[], k: number, count: number): void {
    if (count === 1) return this.add(frames[0]!, covered[0]!, k);
    const { n3, data } = this;
    const prev = this.#prev;
    const brain = this.#brain;
    const o1 = n3, o2 = 2 * n3, o3 = 3 * n3;
    const ssd = new Float64Array(count);
    let hasPrev = this.#hasPrev;
    for (let i = 0; i < n3; i++) {
      let sum = data[i]!, cov = data[o1 + i]!, sq = data[o2 + i]!, cross = data[o3 + i]!;
      const inBrain = brain !== null && brain[i] === 1;
      let p = prev[i]!;
      hasPrev = this.#hasPrev;
      for (let b = 0; b < count; b++) {
        const v = frames[b]![i]!;
        if (v === v) {
          if (covered[b]![i] === 1) {
            sum += v;
            cov += 1;
          }
          sq += v * v;
          if (hasPrev) {
            cross += v * p;
            if (inBrain) ssd[b]! += (v - p) * (v - p);
          }
        }
        p = v;
        hasPrev = true;
      }
      data[i] = sum;
      data[o1 + i] = cov;
      data[o2 + i] = sq;
      data[o3 + i] = cross;
      prev[i] = p;
    }
    for (let b = 0; b < count; b++) {
      data[4 * n3 + k + b] = b > 0 || this.#hasPrev ? ssd[b]! : 0;
    }
    this.#hasPrev = true;
  }

  /** The sums as bytes (little-endian Float64). */
  bytes(): Uint8Array {
    return new Uint8Array(this.data.buffer);
  }
}

/** The whole run's statistics from every slab's partial sums. */
export interface RunStats {
  /** Mean of the realigned frames over the frames covering each voxel. */
  mean: Float32Array;
  /** Temporal SD per voxel. */
  sd: Float32Array;
  /** DVARS per frame (first 0), intensity units. */
  dvars: number[];
  /** Standardised DVARS per frame (first 0). */
  stdDvars: number[];
}

/** The run's statistics, added up one slab's partial sums at a time (in frame order). */
export class StatsSum {
  readonly #n3: number;
  readonly #frames: number;
  readonly #acc: Float64Array;
  readonly #ssd: number[] = [];

  constructor(n3: number, frames: number) {
    this.#n3 = n3;
    this.#frames = frames;
    this.#acc = new Float64Array(4 * n3);
  }

  /** Add one slab's partial sums (`SlabStats.data`); the next slab's come after. */
  add(part: Float64Array): void {
    const acc = this.#acc, m = 4 * this.#n3;
    for (let i = 0; i < m; i++) acc[i]! += part[i]!;
    for (let k = m; k < part.length; k++) this.#ssd.push(part[k]!);
  }

  /** The statistics, DVARS over the `brain` voxels. */
  finish(brain: Uint8Array): RunStats {
    const n3 = this.#n3, frames = this.#frames, acc = this.#acc, ssd = this.#ssd;
    if (ssd.length !== frames) {
      throw new RangeError(
        `Cannot combine statistics: ${ssd.length} frames in the parts, expected ${frames}`,
      );
    }
    const mean = new Float32Array(n3);
    const sd = new Float32Array(n3);
    let nBrain = 0, expected = 0;
    for (let i = 0; i < n3; i++) {
      const c = acc[n3 + i]!;
      if (c > 0) mean[i] = acc[i]! / c;
      const mu = acc[i]! / frames;
      const variance = Math.max(0, acc[2 * n3 + i]! / frames - mu * mu);
      sd[i] = Math.sqrt(variance * frames / Math.max(1, frames - 1));
      if (brain[i] === 1) {
        nBrain++;
        const cov1 = frames > 1 ? acc[3 * n3 + i]! / (frames - 1) - mu * mu : 0;
        const rho = variance > 0 ? Math.max(-1, Math.min(1, cov1 / variance)) : 0;
        expected += Math.sqrt(2 * (1 - rho)) * sd[i]!;
      }
    }
    expected = nBrain > 0 ? expected / nBrain : 0;
    const dvars = ssd.map((s, t) => (t === 0 || nBrain === 0 ? 0 : Math.sqrt(s / nBrain)));
    const stdDvars = dvars.map((d) => (expected > 0 ? d / expected : 0));
    return { mean, sd, dvars, stdDvars };
  }
}

/** Add slab partial sums (in frame order) into the run's statistics ({@link StatsSum}). */
export function combineStats(
  parts: Float64Array[],
  n3: number,
  frames: number,
  brain: Uint8Array,
): RunStats {
  const sum = new StatsSum(n3, frames);
  for (const p of parts) sum.add(p);
  return sum.finish(brain);
}
