/**
 * EventLoopTurns: a file read and a timer started before a compute-bound
 * loop complete while the loop takes a turn per step; a timer does not fire
 * when the loop only awaits microtasks (why the functions take turns between
 * frames); turns resolve in order; closing resolves a pending turn, and
 * later turns at once.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { EventLoopTurns } from "../../functions/event_loop.ts";

/** Busy for `ms` milliseconds, as a frame's compute is. */
function compute(ms: number): void {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) { /* busy */ }
}

/** Whether a file read started before 10 compute steps of 2 ms has finished after them. */
async function readFinishesDuring(pause: () => Promise<void>): Promise<boolean> {
  const path = await Deno.makeTempFile({ prefix: "realign-turns-" });
  try {
    await Deno.writeFile(path, new Uint8Array(1 << 20).fill(7));
    let done = false;
    const reading = Deno.readFile(path).then((b) => {
      done = b.length === 1 << 20;
    });
    for (let step = 0; step < 10; step++) {
      compute(2);
      await pause();
    }
    const finished = done;
    await reading;
    return finished;
  } finally {
    await Deno.remove(path);
  }
}

/** Whether a timer set before 10 compute steps of 2 ms has fired after them. */
async function timerFiresDuring(pause: () => Promise<void>): Promise<boolean> {
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
  }, 0);
  for (let step = 0; step < 10; step++) {
    compute(2);
    await pause();
  }
  clearTimeout(timer);
  return fired;
}

Deno.test("EventLoopTurns: the runtime's callbacks run while a compute loop takes turns", async () => {
  const turns = new EventLoopTurns();
  try {
    assert(await readFinishesDuring(() => turns.turn()), "the read finished while the loop ran");
    assert(await timerFiresDuring(() => turns.turn()), "the timer fired while the loop ran");
  } finally {
    turns.close();
  }
  // microtask awaits alone (a batch's add, a generator's yield) never give the runtime a turn
  assertEquals(await timerFiresDuring(() => Promise.resolve()), false);
});

Deno.test("EventLoopTurns: turns resolve in order; close resolves what is pending", async () => {
  const turns = new EventLoopTurns();
  const order: number[] = [];
  await Promise.all([1, 2, 3].map((k) => turns.turn().then(() => order.push(k))));
  assertEquals(order, [1, 2, 3]);
  let resolved = false;
  const pending = turns.turn().then(() => {
    resolved = true;
  });
  turns.close();
  await pending;
  assert(resolved, "a turn pending at close resolved");
  await turns.turn(); // after close: at once (the closed port would never deliver)
});
