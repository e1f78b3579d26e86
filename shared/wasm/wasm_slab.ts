/**
 * {@link SlabWork} in one WebAssembly memory (the isolate's work memory, see
 * `acquireWork`): the chunk's stored bytes are read into it, decoded,
 * added to the raw sums, prefiltered, resampled into the batch slots, masked,
 * added to the slab's sums ({@link WasmSlabStats}) and encoded there, so the
 * frames never cross into JS between the steps, and no JS voxel loop runs
 * (a new worker's JS spends its first frames being compiled; WebAssembly is
 * fast from the first). Every step is its JS twin's arithmetic (see the slab
 * kernels in kernels.as), so the slab, its sums and its report part are
 * those of a {@link JsSlab} with the WebAssembly resampling kernels, bit for bit.
 *
 * The memory is laid out once, at construction (the report part last, since
 * its carpet's size is known only then), and does not grow while the slab
 * holds it, so the views it hands out stay valid until {@link WasmSlab.release}.
 *
 * @module
 */
import { bsplinePoles } from "../interp/bspline_prefilter.ts";
import { bsplinePieces } from "../interp/bspline_sample.ts";
import { datatypeInfo } from "../nifti/datatypes.ts";
import { ReportPart } from "../report/report_part.ts";
import { resampleKernels } from "../resample_kernels.ts";
import type { Mat4 } from "../rigid.ts";
import { decodesFinite, frameBytes, frameVoxels } from "../run_frames.ts";
import { JsSlab, type SlabSpec, type SlabWork } from "../slab_work.ts";
import {
  align,
  type Exports,
  growTo,
  MAT,
  prefilterAt,
  SCRATCH,
  wasmAvailable,
} from "./wasm_kernels.ts";
import { WasmSlabStats } from "./wasm_slab_stats.ts";

/** `slope` and `inter` as the codec applies them (shared/nifti/decode.ts, encode.ts). */
function scaling(slope: number, inter: number): { s: number; b: number } {
  if (slope === 0 || !Number.isFinite(slope)) return { s: 1, b: 0 };
  return { s: slope, b: Number.isFinite(inter) ? inter : 0 };
}

/** Byte addresses of a {@link WasmSlab}'s blocks (0: none). */
interface SlabBlocks {
  mask: number;
  chunks: [number, number];
  decoded: number;
  wide: number;
  buf: number;
  acc: number;
  /** The encoded frame: the widened frame's block (see #layout). */
  enc: number;
  report: number;
}

export class WasmSlab implements SlabWork {
  readonly #spec: SlabSpec;
  readonly #stats: WasmSlabStats;
  readonly #ex: Exports;
  readonly #n3: number;
  readonly #fb: number;
  readonly #at: SlabBlocks;
  readonly #report: ReportPart | null;
  readonly #finite: boolean;
  readonly #poles: readonly number[];

  constructor(spec: SlabSpec) {
    const { run, frames, batch, brain, encoding } = spec;
    datatypeInfo(run.datatype, "the staged run"); // throws on a datatype the kernels do not know
    const obpv = encoding ? datatypeInfo(encoding.datatype, "output datatype").bytes : 0;
    this.#spec = spec;
    this.#n3 = frameVoxels(run);
    this.#fb = frameBytes(run);
    const stats = this.#stats = new WasmSlabStats(this.#n3, frames, brain, batch);
    this.#ex = stats.exports;
    try {
      this.#at = this.#layout(stats.end, obpv);
      // last: the report part's size depends on its carpet rows
      const mem = this.#ex.memory, report = this.#at.report;
      this.#report = spec.report && brain
        ? new ReportPart(brain, frames, undefined, (length) => {
          growTo(mem, report + length * 8);
          return new Float64Array(mem.buffer, report, length).fill(0);
        })
        : null;
    } catch (e) {
      stats.release(); // e.g. the memory could not grow: the next task may still have it
      throw e;
    }
    this.#finite = decodesFinite(run);
    this.#poles = spec.degree > 1 ? bsplinePoles(spec.degree) : [];
  }

  /** The blocks after the sums' (from byte `m`), the memory grown to hold them, the mask in. */
  #layout(m: number, obpv: number): SlabBlocks {
    const { run, chunkFrames, mask } = this.#spec;
    const [nx, ny, nz] = run.dims;
    const n3 = this.#n3, fb = this.#fb;
    const c0 = m + align(mask ? n3 : 0);
    const c1 = c0 + align(chunkFrames * fb), decoded = c1 + align(chunkFrames * fb);
    // The widened frame is done with once a slot is resampled, which is when the slot is
    // encoded: the encoded bytes take its place (8 bytes a voxel hold any output datatype).
    const wide = decoded + align(chunkFrames * n3 * 4), buf = wide + align(n3 * Math.max(8, obpv));
    const acc = buf + align(Math.max(nx * ny, nx * nz) * 8);
    const report = acc + align((Math.max(nx, ny) + 2) * 8);
    const mem = this.#ex.memory;
    growTo(mem, report);
    if (mask) new Uint8Array(mem.buffer, m, n3).set(mask.subarray(0, n3));
    return { mask: mask ? m : 0, chunks: [c0, c1], decoded, wide, buf, acc, enc: wide, report };
  }

  chunkBuffer(slot: number, count: number): Uint8Array {
    return new Uint8Array(this.#ex.memory.buffer, this.#at.chunks[slot & 1]!, count * this.#fb);
  }

  decodeChunk(bytes: Uint8Array, count: number, skip: number): void {
    const ex = this.#ex, { run } = this.#spec, n3 = this.#n3, fb = this.#fb;
    let src = bytes.byteOffset;
    if (bytes.buffer !== ex.memory.buffer) { // not read into a chunk buffer: copy it in
      src = this.#at.chunks[0];
      new Uint8Array(ex.memory.buffer, src, count * fb).set(bytes.subarray(0, count * fb));
    }
    const { s, b } = scaling(run.slope, run.inter);
    const scaled = s === 1 && b === 0 ? 0 : 1;
    const swap = run.bytesPerVoxel > 1 && !run.littleEndian ? 1 : 0;
    for (let k = 0; k < count; k++) {
      const dst = this.#at.decoded + k * n3 * 4;
      ex.decode(src + k * fb, dst, n3, run.datatype, swap, s, b, scaled);
      if (!this.#finite) ex.finite0(dst, n3);
    }
    if (this.#report && count > skip) {
      ex.rawSums(this.#at.decoded, skip, count - skip, n3, this.#at.report);
    }
  }

  resample(k: number, v2v: Mat4, b: number): void {
    const ex = this.#ex, { run, degree } = this.#spec, n3 = this.#n3, at = this.#at;
    const [nx, ny, nz] = run.dims;
    const src = at.decoded + k * n3 * 4;
    const { frame, cover } = this.#stats.slotAddress(b);
    const mem = ex.memory.buffer;
    const m = new Float64Array(mem, MAT, 12);
    for (let i = 0; i < 12; i++) m[i] = v2v[i]!;
    if (degree > 1) {
      prefilterAt(ex, src, [nx, ny, nz], this.#poles, at.buf, at.acc); // in place
      ex.widen(src, at.wide, n3);
      new Float64Array(mem, SCRATCH + 512, 64).set(bsplinePieces(degree));
      ex.bspline(at.wide, frame, nx, ny, nz, degree, MAT, SCRATCH);
    } else {
      ex.widen(src, at.wide, n3);
      ex.trilinear(at.wide, frame, nx, ny, nz, MAT);
    }
    new Uint8Array(mem, cover, n3).fill(1);
    ex.coverage(MAT, 1, nx, ny, nz, cover);
    if (at.mask) ex.maskFrame(at.mask, frame, cover, n3);
  }

  setPrevious(b: number): void {
    this.#stats.setPrevious(this.#stats.frameSlot(b));
  }

  addBatch(first: number, count: number): void {
    const stats = this.#stats;
    const slots = Array.from({ length: count }, (_, b) => stats.frameSlot(b));
    stats.addFrames(slots, slots.map((_, b) => stats.coverSlot(b)), first, count);
    if (this.#report) slots.forEach((f, b) => this.#report!.addRealigned(f, first + b));
  }

  encode(b: number, out: Uint8Array): void {
    const e = this.#spec.encoding;
    if (!e) throw new Error("Cannot encode: this slab has no output encoding");
    const t = datatypeInfo(e.datatype, "output datatype");
    const { s, b: inter } = scaling(e.slope, e.inter);
    const plain = s === 1 && inter === 0 ? 1 : 0;
    const ex = this.#ex, n3 = this.#n3;
    ex.encode(
      this.#stats.slotAddress(b).frame,
      this.#at.enc,
      n3,
      e.datatype,
      1 / s,
      inter,
      t.min,
      t.max,
      plain,
    );
    out.set(new Uint8Array(ex.memory.buffer, this.#at.enc, n3 * t.bytes));
  }

  sumBytes(): Uint8Array {
    return this.#stats.bytes();
  }

  reportBytes(): Uint8Array | null {
    return this.#report?.bytes() ?? null;
  }

  release(): void {
    this.#stats.release();
  }
}

/**
 * The slab's work in WebAssembly where the module runs ({@link WasmSlab}),
 * else in JS ({@link JsSlab} with the runtime's resampling kernels).
 */
export function openSlabWork(spec: SlabSpec): SlabWork {
  return wasmAvailable() ? new WasmSlab(spec) : new JsSlab(spec, resampleKernels());
}
