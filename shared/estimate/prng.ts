/**
 * A tiny deterministic pseudo-random generator (mulberry32), so that sample
 * point jitter repeats exactly from run to run and machine to machine.
 *
 * @module
 */

/**
 * Returns a generator of uniform numbers in [0, 1) from a 32-bit seed.
 *
 * @example Two generators with one seed agree
 * ```ts
 * import { mulberry32 } from "./prng.ts";
 * mulberry32(7)() === mulberry32(7)(); // true
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
