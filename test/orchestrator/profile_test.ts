import { assert, assertClose, assertEquals } from "../helpers/assert.ts";
import {
  buildProfile,
  modelTime,
  phaseCosts,
  profileTable,
  scaleOut,
  type TimedResult,
} from "../../orchestrator/profile.ts";

// 100 frames, 2 functions per phase; estimate costs 10 ms/frame, reslice 2 ms/frame.
const tasks: TimedResult[] = [
  {
    fn: "estimate",
    phase: "estimate",
    start: 0,
    end: 50,
    queueMs: 5,
    readMs: 20,
    setupMs: 40,
    computeMs: 500,
    writeMs: 15,
    totalMs: 590,
  },
  {
    fn: "estimate",
    phase: "estimate",
    start: 50,
    end: 100,
    queueMs: 15,
    readMs: 20,
    setupMs: 40,
    computeMs: 500,
    writeMs: 5,
    totalMs: 590,
  },
  {
    fn: "reslice",
    phase: "reslice",
    start: 0,
    end: 50,
    queueMs: 1,
    readMs: 10,
    computeMs: 80,
    waitMs: 20, // between frames: counted per frame with the compute
    writeMs: 9,
    totalMs: 130,
  },
  {
    fn: "reslice",
    phase: "reslice",
    start: 50,
    end: 100,
    queueMs: 1,
    readMs: 10,
    computeMs: 100,
    writeMs: 9,
    totalMs: 130,
  },
];
const p = buildProfile(
  "j1",
  100,
  2,
  { open: 30, stage: 70, estimate: 600, reslice: 140, gather: 160 },
  1000,
  tasks,
);

Deno.test("profile: serial part and per-phase costs by hand", () => {
  const c = phaseCosts(p);
  assertClose(c.serialMs, 1000 - 600 - 140, 1e-12); // open + stage + gather
  assertEquals(c.phases.map((x) => x.phase), ["estimate", "reslice"]);
  assertClose(c.phases[0]!.overheadMs, (5 + 20 + 40 + 15 + 15 + 20 + 40 + 5) / 2, 1e-12);
  assertClose(c.phases[0]!.perFrameMs, 10, 1e-12);
  assertClose(c.phases[1]!.overheadMs, 20, 1e-12);
  assertClose(c.phases[1]!.perFrameMs, 2, 1e-12);
  assertEquals(p.invocations[2]!.setupMs, 0);
  assertEquals(p.invocations[2]!.waitMs, 20);
  assertEquals(p.invocations[3]!.waitMs, 0, "absent: 0");
});

Deno.test("profile: the scale-out model by hand (10, 100, 1000 functions)", () => {
  // T(F) = 260 + (80 + ceil(100/F)·10) + (20 + ceil(100/F)·2)
  assertClose(modelTime(p, 1), 260 + 80 + 1000 + 20 + 200, 1e-9);
  assertClose(modelTime(p, 10), 260 + 80 + 100 + 20 + 20, 1e-9);
  assertClose(modelTime(p, 100), 260 + 80 + 10 + 20 + 2, 1e-9);
  assertClose(modelTime(p, 1000), modelTime(p, 100), 1e-9); // no more than a frame each
  const rows = scaleOut(p, [10, 100]);
  assertClose(rows[0]!.speedup, 1560 / 480, 1e-9);
  assertClose(rows[1]!.serialShare, 260 / 372, 1e-9);
  const table = profileTable(p);
  assert(table.includes("estimate") && table.includes("50-100"), table);
});
