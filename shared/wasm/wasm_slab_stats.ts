/**
 * The slab's partial sums (SlabStats, shared/slab_stats.ts) with the sums,
 * the previous frame and a batch of frames in WebAssembly memory: `statsAdd`
 * in kernels.as adds a batch in the JS order, so the bytes are SlabStats'
 * bit for bit.
 *
 * The memory (the isolate's work memory, see `acquireWork`) is laid out at
 * construction; a caller may lay out more after {@link WasmSlabStats.end}
 * (WasmSlab does) before it takes views. It does not grow while held, so the
 * views stay valid until {@link WasmSlabStats.release}: WasmSlab resamples
 * straight into the batch slots and stores {@link WasmSlabStats.bytes}.
 *
 * @module
 */
import type { SlabSums } from "../slab_stats.ts";
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
  /** The first byte after the sums' blocks (where a caller may lay out more). */
  readonly end: number;
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
    this.end = end;
    this.#at = { data, prev, brain: brain ? br : 0, frames: fr, covers: cv, ssd };
    if (brain) new Uint8Array(mem.buffer, br, n3).set(brain.subarray(0, n3));
    new Float64Array(mem.buffer, data, 4 * n3 + frames).fill(0);
  }

  /** The module instance whose memory holds the sums (the isolate's work instance, mostly). */
  get exports(): Exports {
    return this.#ex;
  }

  /** Byte address of batch slot `b` (f32 frame) and of its coverage (u8). */
  slotAddress(b: number): { frame: number; cover: number } {
    return { frame: this.#at.frames + b * this.n3 * 4, cover: this.#at.covers + b * this.n3 };
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
