import { assert, assertClose, assertEquals } from "../../helpers/assert.ts";
import {
  kthSmallest,
  logDetSpd,
  qualityThinning,
} from "../../../shared/estimate/quality_thinning.ts";
import { mulberry32 } from "../../../shared/estimate/prng.ts";

Deno.test("logDetSpd: log-determinant of a hand-computed matrix, −∞ when not definite", () => {
  // det [[4, 2], [2, 3]] = 8.
  assertClose(logDetSpd([4, 2, 2, 3], 2, new Float64Array(4)), Math.log(8), 1e-12);
  // det diag(2, 5, 0.5) = 5.
  assertClose(logDetSpd([2, 0, 0, 0, 5, 0, 0, 0, 0.5], 3, new Float64Array(9)), Math.log(5), 1e-12);
  assertEquals(logDetSpd([1, 2, 2, 1], 2, new Float64Array(4)), -Infinity);
});

/** `n` rows of 3 columns: the first `strong` rows carry large values, the rest small ones. */
function rows(n: number, strong: number): Float64Array {
  const r = new Float64Array(n * 3);
  const rnd = mulberry32(5);
  for (let p = 0; p < n; p++) {
    const s = p < strong ? 10 : 0.1;
    for (let c = 0; c < 3; c++) r[p * 3 + c] = s * (rnd() - 0.5);
  }
  return r;
}

function logDetOf(r: Float64Array, keep: Uint8Array): number {
  const a = new Float64Array(9);
  for (let p = 0; p < keep.length; p++) {
    if (!keep[p]) continue;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) a[i * 3 + j]! += r[p * 3 + i]! * r[p * 3 + j]!;
    }
  }
  return logDetSpd(a, 3, new Float64Array(9));
}

Deno.test("qualityThinning: drops the least informative points first, down to the quality", () => {
  const n = 1000, strong = 200;
  const r = rows(n, strong);
  const keep = qualityThinning(r, 3, n, 0.9);
  // The weak points carry ~1e-4 of a strong point's information each: every one of them goes
  // before the strong points that matter; only strong points that happen to be near zero follow.
  let weakKept = 0, strongDropped = 0;
  for (let p = 0; p < n; p++) {
    if (p >= strong && keep[p]) weakKept++;
    if (p < strong && !keep[p]) strongDropped++;
  }
  assertEquals(weakKept, 0, "weak points kept");
  assert(strongDropped < strong / 5, `strong points dropped: ${strongDropped}`);
  // The determinant stays above 0.9 × det₀ until the last round, which takes it to ≤ 0.9 or stops
  // at the first round that would: either way at least 0.9^(1 + 10 %) is left here.
  const all = new Uint8Array(n).fill(1);
  const ratio = Math.exp(logDetOf(r, keep) - logDetOf(r, all));
  assert(ratio > 0.5 && ratio <= 1, `det ratio ${ratio}`);
  // Quality 1 keeps every point; the result is deterministic.
  assertEquals(qualityThinning(r, 3, n, 1).reduce((a, b) => a + b, 0), n);
  assertEquals(Array.from(qualityThinning(r, 3, n, 0.9)), Array.from(keep));
});

Deno.test("qualityThinning: an all-zero column (a parameter not estimated) is ignored", () => {
  const n = 500;
  const r3 = rows(n, 100);
  const r4 = new Float64Array(n * 4); // same rows plus a zero 4th column
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) r4[p * 4 + c] = r3[p * 3 + c]!;
  assertEquals(
    Array.from(qualityThinning(r4, 4, n, 0.9)),
    Array.from(qualityThinning(r3, 3, n, 0.9)),
  );
});

Deno.test("kthSmallest agrees with a sort, ties and all", () => {
  const rnd = mulberry32(9);
  for (const n of [1, 2, 3, 10, 101, 1000]) {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.floor(rnd() * (n / 3 + 1)); // many ties
    const sorted = a.slice().sort();
    for (const k of [0, Math.floor(n / 2), n - 1]) {
      assertEquals(kthSmallest(a.slice(), k), sorted[k], `n ${n}, k ${k}`);
    }
  }
});
