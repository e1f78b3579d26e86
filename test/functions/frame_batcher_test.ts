/**
 * FrameBatcher: `add` does not wait for the job store (a write runs while
 * the caller goes on); one write at a time, so every item lands once and in
 * order; `flush` waits for the write in flight and writes the rest; a failed
 * write is thrown by the next `add` and by `flush`.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "../helpers/assert.ts";
import { FrameBatcher } from "../../functions/frame_batcher.ts";

/** A write the test completes by hand. */
function controlledWrites() {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  const write = (items: number[]) =>
    new Promise<void>((resolve) => {
      batches.push(items);
      finish.push(resolve);
    });
  return { batches, finish, write };
}

Deno.test("FrameBatcher: add goes on while a write is in flight; batches land in order", async () => {
  const w = controlledWrites();
  const batch = new FrameBatcher<number>(w.write, 0); // a write whenever none is in flight
  batch.add(1); // starts a write of [1]
  batch.add(2);
  batch.add(3); // the write of [1] has not finished: 2 and 3 wait
  assertEquals(w.batches, [[1]]);
  w.finish[0]!();
  await Promise.resolve(); // the write's completion is seen
  await Promise.resolve();
  batch.add(4); // starts a write of [2, 3, 4]
  assertEquals(w.batches, [[1], [2, 3, 4]]);
  batch.add(5);
  const flushed = batch.flush(); // waits for [2, 3, 4], then writes [5]
  w.finish[1]!();
  for (let i = 0; i < 5 && w.finish.length < 3; i++) await Promise.resolve();
  assertEquals(w.batches, [[1], [2, 3, 4], [5]]);
  w.finish[2]!();
  await flushed;
  assertEquals(w.batches.flat(), [1, 2, 3, 4, 5]);
  assert(batch.flushMs >= 0, "flush time recorded");
});

Deno.test("FrameBatcher: a failed write is thrown by the next add and by flush", async () => {
  const batch = new FrameBatcher<number>(() => Promise.reject(new Error("job store down")), 0);
  batch.add(1); // the write starts and fails in the background
  await Promise.resolve();
  await Promise.resolve();
  assertThrows(() => batch.add(2), Error, "job store down");
  await assertRejects(() => batch.flush(), Error, "job store down");
});

Deno.test("FrameBatcher: nothing is written before the interval, everything at flush", async () => {
  const batches: number[][] = [];
  const batch = new FrameBatcher<number>((items) => {
    batches.push(items);
    return Promise.resolve();
  }, 60_000);
  for (let t = 0; t < 5; t++) batch.add(t);
  assertEquals(batches, []);
  await batch.flush();
  assertEquals(batches, [[0, 1, 2, 3, 4]]);
  await batch.flush(); // nothing pending: no empty write
  assertEquals(batches.length, 1);
});
