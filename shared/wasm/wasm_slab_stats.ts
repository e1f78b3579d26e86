/**
 * The slab's partial sums ({@link SlabStats}) with the sums, the previous
 * frame and a batch of frames in WebAssembly memory: `statsAdd` in
 * kernels.as adds a batch in the JS order, so the bytes are SlabStats' bit
 * for bit, and the loop runs compiled from a function's first frame (a new
 * worker's JS spends its first frames being compiled).
 *
 * The memory (the isolate's work memory, see `acquireWork`) is laid out once,
 * at construction, and does not grow while held, so the views it hands out
 * stay valid until {@link release}: the reslice function resamples straight
 * into {@link frameSlot} and {@link coverSlot}, and stores {@link bytes}.
 *
 * @module
 */
import { SlabStats, type SlabSums } from "../slab_stats.ts";
import { acquireWork, align, DATA, type Exports, growTo, releaseWork } from "./wasm_kernels.ts";

export class WasmSlabStats implements SlabSums {
  readonly n3: number;
  readonly frames: number;
  readonly batch: number;
  readonly #ex: Exports;
  readonly #at: {
    data: number;
    prev: number;
    brain: number;
    frames: number;
    covers: number;
    ssd: number;
  };
  #hasPrev = false;

  constructor(n3: number, frames: number, brain: Uint8Array | null, batch: number) {
    this.n3 = n3;
    this.frames = frames;
    this.batch = batch;
    this.#ex = acquireWork(this);
    const data = DATA, prev = data + align((4 * n3 + frames) * 8);
    const br = prev + align(n3 * 4), fr = br + align(brain ? n3 : 0);
    const cv = fr + align(batch * n3 * 4), ssd = cv + align(batch * n3);
    const end = ssd + align(batch * 8);
    const mem = this.#ex.memory;
    growTo(mem, end);
    this.#at = { data, prev, brain: brain ? br : 0, frames: fr, covers: cv, ssd };
    if (brain) new Uint8Array(mem.buffer, br, n3).set(brain.subarray(0, n3));
    new Float64Array(mem.buffer, data, 4 * n3 + frames).fill(0);
  }

  /** The sums (a view: valid as long as this object). */
  get data(): Float64Array {
    return new Float64Array(this.#ex.memory.buffer, this.#at.data, 4 * this.n3 + this.frames);
  }

  /** Batch slot `b` for a resampled frame (a view into the module's memory). */
  frameSlot(b: number): Float32Array {
    return new Float32Array(this.#ex.memory.buffer, this.#at.frames + b * this.n3 * 4, this.n3);
  }

  /** Batch slot `b` for a frame's coverage. */
  coverSlot(b: number): Uint8Array {
    return new Uint8Array(this.#ex.memory.buffer, this.#at.covers + b * this.n3, this.n3);
  }

  setPrevious(frame: Float32Array): void {
    new Float32Array(this.#ex.memory.buffer, this.#at.prev, this.n3).set(
      frame.subarray(0, this.n3),
    );
    this.#hasPrev = true;
  }

  add(frame: Float32Array, covered: Uint8Array, k: number): void {
    this.addFrames([frame], [covered], k, 1);
  }

  addFrames(frames: Float32Array[], covered: Uint8Array[], k: number, count: number): void {
    if (count > this.batch) {
      throw new RangeError(`Cannot add ${count} frames: the batch holds ${this.batch}`);
    }
    for (let b = 0; b < count; b++) {
      const slot = this.frameSlot(b), cover = this.coverSlot(b);
      const f = frames[b]!, c = covered[b]!;
      if (f.buffer !== slot.buffer || f.byteOffset !== slot.byteOffset) {
        slot.set(f.subarray(0, this.n3));
      }
      if (c.buffer !== cover.buffer || c.byteOffset !== cover.byteOffset) {
        cover.set(c.subarray(0, this.n3));
      }
    }
    const a = this.#at;
    this.#ex.statsAdd(
      a.data,
      a.prev,
      a.brain,
      a.frames,
      a.covers,
      count,
      this.n3,
      k,
      this.#hasPrev ? 1 : 0,
      a.ssd,
    );
    this.#hasPrev = true;
  }

  /** Hand the memory back for the isolate's next task; the views are then invalid. */
  release(): void {
    releaseWork(this);
  }

  /** The sums as bytes (a view into the module's memory, no copy). */
  bytes(): Uint8Array {
    return new Uint8Array(this.#ex.memory.buffer, this.#at.data, (4 * this.n3 + this.frames) * 8);
  }
}

/**
 * The slab's sums for reslicing: in WebAssembly where the module compiles
 * (with `batch` frame slots), else {@link SlabStats}.
 */
export function slabSums(
  n3: number,
  frames: number,
  brain: Uint8Array | null,
  batch: number,
): SlabSums {
  try {
    return new WasmSlabStats(n3, frames, brain, batch);
  } catch {
    return new SlabStats(n3, frames, brain);
  }
}
