import { largestRange, planRanges, rangeCount } from "../../shared/frame_ranges.ts";
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";

const spans = (n: number, size: number) =>
  planRanges(n, size).map((r) => `${r.start}-${r.end}`).join(",");

/** Ranges tile 0..n in order, none empty, with the seed's sizes. */
function checkTiling(n: number, size: number): void {
  const ranges = planRanges(n, size);
  const s = Math.min(n, size);
  assertEquals(ranges.length, s, `n=${n} size=${size}: count`);
  let next = 0;
  const unit = Math.floor(n / s);
  ranges.forEach((r, i) => {
    assertEquals(r.start, next, `n=${n} size=${size}: range ${i} starts where the last ended`);
    assert(r.end > r.start, `n=${n} size=${size}: range ${i} is empty`);
    assertEquals(
      r.end - r.start,
      i === 0 ? unit + (n % s) : unit,
      `n=${n} size=${size}: size ${i}`,
    );
    next = r.end;
  });
  assertEquals(next, n, `n=${n} size=${size}: last range ends at n`);
}

Deno.test("planRanges: the seed's uneven split puts the remainder first", () => {
  assertEquals(spans(10, 3), "0-4,4-7,7-10");
  assertEquals(spans(7, 2), "0-4,4-7");
  assertEquals(spans(11, 4), "0-5,5-7,7-9,9-11");
});

Deno.test("planRanges: n < size, size = 1, n = size", () => {
  assertEquals(spans(3, 8), "0-1,1-2,2-3");
  assertEquals(spans(1, 5), "0-1");
  assertEquals(spans(10, 1), "0-10");
  assertEquals(spans(4, 4), "0-1,1-2,2-3,3-4");
});

Deno.test("planRanges: ranges always tile 0..n exactly", () => {
  for (let n = 1; n <= 60; n++) for (let size = 1; size <= 70; size++) checkTiling(n, size);
  checkTiling(2000, 7);
  checkTiling(1234, 1000);
});

Deno.test("planRanges: bad arguments are RangeErrors naming the value", () => {
  assertThrows(() => planRanges(0, 3), RangeError, "current value is 0");
  assertThrows(() => planRanges(10, 0), RangeError, "Cannot plan ranges: the number of ranges");
  assertThrows(() => planRanges(2.5, 1), RangeError, "current value is 2.5");
  assertThrows(() => planRanges(10, NaN), RangeError, "current value is NaN");
});

Deno.test("rangeCount: at least the workers, capped at n", () => {
  const big = 1e12;
  assertEquals(rangeCount({ frames: 100, workers: 4, frameBytes: 1000, maxSlabBytes: big }), 4);
  assertEquals(rangeCount({ frames: 3, workers: 8, frameBytes: 1000, maxSlabBytes: big }), 3);
  assertEquals(rangeCount({ frames: 1, workers: 1, frameBytes: 1000, maxSlabBytes: big }), 1);
});

Deno.test("rangeCount: every slab fits the budget, and the count is the least that does", () => {
  // 100 frames of 1 MB, 10 MB budget: 10 ranges of 10 frames.
  assertEquals(rangeCount({ frames: 100, workers: 2, frameBytes: 1e6, maxSlabBytes: 10e6 }), 10);
  // Exactly one frame per slab.
  assertEquals(rangeCount({ frames: 37, workers: 1, frameBytes: 5, maxSlabBytes: 5 }), 37);
  // Non-monotone case: n = 10, 4 frames a slab. size 3 → 4 frames fits.
  assertEquals(rangeCount({ frames: 10, workers: 1, frameBytes: 1, maxSlabBytes: 4 }), 3);
  // n = 10, workers 6: size 6 → 1 + 4 = 5 frames > 4; size 7 → 1 + 3 = 4 fits.
  assertEquals(rangeCount({ frames: 10, workers: 6, frameBytes: 1, maxSlabBytes: 4 }), 7);
  // Exhaustive check against brute force on small runs.
  for (let frames = 1; frames <= 40; frames++) {
    for (const workers of [1, 2, 3, 8, 50]) {
      for (let budget = 1; budget <= frames + 1; budget++) {
        const size = rangeCount({ frames, workers, frameBytes: 3, maxSlabBytes: budget * 3 });
        let want = frames;
        for (let s = Math.min(workers, frames); s <= frames; s++) {
          const most = Math.max(...planRanges(frames, s).map((r) => r.end - r.start));
          if (most <= budget) {
            want = s;
            break;
          }
        }
        assertEquals(size, want, `frames=${frames} workers=${workers} budget=${budget}`);
        const largest = Math.max(...planRanges(frames, size).map((r) => r.end - r.start));
        assert(largest <= budget, `frames=${frames}: slab of ${largest} > ${budget}`);
        assertEquals(largestRange(frames, size), largest, `frames=${frames}: largestRange`);
      }
    }
  }
});

Deno.test("rangeCount: a frame bigger than the budget, and bad numbers, are RangeErrors", () => {
  assertThrows(
    () => rangeCount({ frames: 10, workers: 1, frameBytes: 65e6, maxSlabBytes: 64e6 }),
    RangeError,
    "current value is 64000000",
  );
  assertThrows(
    () => rangeCount({ frames: 10, workers: 0, frameBytes: 1, maxSlabBytes: 4 }),
    RangeError,
    "workers",
  );
  assertThrows(
    () => rangeCount({ frames: 10, workers: 1, frameBytes: -1, maxSlabBytes: 4 }),
    RangeError,
    "current value is -1",
  );
});
