import { assertClose, assertEquals } from "../helpers/assert.ts";
import { combineStats, SlabStats } from "../../shared/slab_stats.ts";
import { WasmSlabStats } from "../../shared/wasm/wasm_slab_stats.ts";
import { mulberry32 } from "../../shared/estimate/prng.ts";

// A 4-voxel, 4-frame run; voxels 0..2 are brain, voxel 3 is not.
const frames = [
  [10, 20, 30, 5],
  [12, 20, 27, 9],
  [11, 23, 30, 1],
  [15, 19, 30, 7],
].map((f) => new Float32Array(f));
const brain = new Uint8Array([1, 1, 1, 0]);
const all = new Uint8Array([1, 1, 1, 1]);

function slabs(split: number[]): Float64Array[] {
  const parts: Float64Array[] = [];
  for (let r = 0; r + 1 < split.length; r++) {
    const [start, end] = [split[r]!, split[r + 1]!];
    const s = new SlabStats(4, end - start, brain);
    if (start > 0) s.setPrevious(frames[start - 1]!);
    for (let t = start; t < end; t++) s.add(frames[t]!, all, t - start);
    parts.push(s.data);
  }
  return parts;
}

Deno.test("DVARS by hand: RMS over brain voxels of the frame-to-frame difference", () => {
  const st = combineStats(slabs([0, 4]), 4, 4, brain);
  // frame 1 − 0 over brain: (2, 0, −3) → sqrt(13/3)
  assertClose(st.dvars[1]!, Math.sqrt(13 / 3), 1e-12, "dvars 1");
  assertClose(st.dvars[2]!, Math.sqrt((1 + 9 + 9) / 3), 1e-12, "dvars 2");
  assertClose(st.dvars[3]!, Math.sqrt((16 + 16 + 0) / 3), 1e-12, "dvars 3");
  assertEquals(st.dvars[0], 0);
  assertEquals(st.stdDvars[0], 0);
  assertClose(st.mean[0]!, 12, 1e-6, "mean voxel 0");
  assertClose(st.mean[3]!, 5.5, 1e-6, "mean voxel 3");
  // sample SD of voxel 0: values 10 12 11 15, mean 12, squares 4 0 1 9 → sqrt(14/3)
  assertClose(st.sd[0]!, Math.sqrt(14 / 3), 1e-5, "sd voxel 0");
});

Deno.test("statistics do not depend on how frames are split into slabs", () => {
  const whole = combineStats(slabs([0, 4]), 4, 4, brain);
  for (const split of [[0, 1, 4], [0, 2, 4], [0, 1, 2, 3, 4]]) {
    const parts = combineStats(slabs(split), 4, 4, brain);
    for (let t = 0; t < 4; t++) {
      assertClose(parts.dvars[t]!, whole.dvars[t]!, 1e-12, `dvars ${t} split ${split}`);
      assertClose(parts.stdDvars[t]!, whole.stdDvars[t]!, 1e-12, `std dvars ${t} split ${split}`);
    }
    for (let i = 0; i < 4; i++) assertClose(parts.sd[i]!, whole.sd[i]!, 1e-6, `sd ${i}`);
  }
});

Deno.test("standardised DVARS is near 1 for white noise", () => {
  const n3 = 2000, nt = 60;
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const br = new Uint8Array(n3).fill(1);
  const s = new SlabStats(n3, nt, br);
  const cover = new Uint8Array(n3).fill(1);
  const f = new Float32Array(n3);
  for (let t = 0; t < nt; t++) {
    for (let i = 0; i < n3; i++) f[i] = 100 + 5 * gauss();
    s.add(f, cover, t);
  }
  const st = combineStats([s.data], n3, nt, br);
  const avg = st.stdDvars.slice(1).reduce((a, b) => a + b, 0) / (nt - 1);
  assertClose(avg, 1, 0.05, "mean standardised DVARS of white noise");
});

Deno.test("addFrames gives add's sums bit for bit, batch after batch, NaN voxels and all", () => {
  const n3 = 97, frames = 11;
  const rnd = mulberry32(8);
  const brain = new Uint8Array(n3).map(() => (rnd() < 0.6 ? 1 : 0));
  const vols = Array.from(
    { length: frames + 1 },
    () => new Float32Array(n3).map(() => (rnd() < 0.03 ? NaN : (rnd() - 0.2) * 1000)),
  );
  const covs = Array.from(
    { length: frames + 1 },
    () => new Uint8Array(n3).map(() => (rnd() < 0.9 ? 1 : 0)),
  );
  for (const withPrevious of [false, true]) {
    const one = new SlabStats(n3, frames, brain);
    const batched = new SlabStats(n3, frames, brain);
    if (withPrevious) {
      one.setPrevious(vols[frames]!);
      batched.setPrevious(vols[frames]!);
    }
    for (let k = 0; k < frames; k++) one.add(vols[k]!, covs[k]!, k);
    // batches of 4, 1, 3, 3
    let k = 0;
    for (const size of [4, 1, 3, 3]) {
      batched.addFrames(vols.slice(k, k + size), covs.slice(k, k + size), k, size);
      k += size;
    }
    const a = one.data, b = batched.data;
    for (let i = 0; i < a.length; i++) {
      if (!Object.is(a[i], b[i])) {
        throw new Error(`sum ${i} (previous frame: ${withPrevious}): ${b[i]} vs add's ${a[i]}`);
      }
    }
  }
});

Deno.test("WasmSlabStats gives SlabStats' sums bit for bit: batches, single frames, slots, no brain", () => {
  const n3 = 211, frames = 9;
  const rnd = mulberry32(12);
  for (const brain of [new Uint8Array(n3).map(() => (rnd() < 0.5 ? 1 : 0)), null]) {
    for (const withPrevious of [false, true]) {
      const vols = Array.from(
        { length: frames + 1 },
        () => new Float32Array(n3).map(() => (rnd() < 0.02 ? NaN : (rnd() - 0.3) * 800)),
      );
      const covs = Array.from(
        { length: frames + 1 },
        () => new Uint8Array(n3).map(() => (rnd() < 0.85 ? 1 : 0)),
      );
      const js = new SlabStats(n3, frames, brain);
      const wasm = new WasmSlabStats(n3, frames, brain, 4);
      if (withPrevious) {
        js.setPrevious(vols[frames]!);
        wasm.setPrevious(vols[frames]!);
      }
      for (let k = 0; k < frames; k++) js.add(vols[k]!, covs[k]!, k);
      // frames 0–3 written straight into the slots, 4 alone, 5–8 from outside arrays
      for (let b = 0; b < 4; b++) {
        wasm.frameSlot(b).set(vols[b]!);
        wasm.coverSlot(b).set(covs[b]!);
      }
      wasm.addFrames(
        [0, 1, 2, 3].map((b) => wasm.frameSlot(b)),
        [0, 1, 2, 3].map((b) => wasm.coverSlot(b)),
        0,
        4,
      );
      wasm.add(vols[4]!, covs[4]!, 4);
      wasm.addFrames(vols.slice(5, 9), covs.slice(5, 9), 5, 4);
      const a = js.bytes(), b = wasm.bytes();
      assertEquals(b.length, a.length);
      for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) {
          throw new Error(
            `byte ${i} differs (brain: ${brain !== null}, previous: ${withPrevious})`,
          );
        }
      }
    }
  }
});
