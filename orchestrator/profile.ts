/**
 * `--profile`: where a run's time went, and what the fan-out would reach
 * with more functions.
 *
 * The profile holds the wall time of every orchestrator phase and, for each
 * function invocation, its queueing delay (dispatch to start), read, setup
 * (per invocation: the reference model, the mask), compute, wait (between
 * frames: event-loop turns, the store taking pieces) and write (after the
 * last frame) times.
 *
 * The scale-out model: the serial part (everything outside the fan-outs:
 * open, stage, gather and the orchestrator's own steps) stays as measured;
 * each fan-out phase with `F` functions takes the slowest function's time,
 * a per-invocation overhead (mean queueing + read + setup + write) plus
 * `ceil(frames / F)` frames at the phase's measured compute and wait time
 * per frame.
 * It assumes a function's compute time does not change with the machine it
 * runs on, and storage that keeps up.
 *
 * @module
 */
import type { TaskResult } from "../shared/job.ts";

/** One function invocation as the orchestrator saw it. */
export interface InvocationProfile {
  phase: string;
  start: number;
  end: number;
  queueMs: number;
  readMs: number;
  setupMs: number;
  computeMs: number;
  /** Waits between frames (see TaskResult.waitMs). */
  waitMs: number;
  writeMs: number;
  /** Dispatch to result, as the orchestrator saw it. */
  totalMs: number;
  /** Largest isolate memory the function saw (MB), where the runtime measures it. */
  peakMb?: number;
}

export interface RunProfile {
  job: string;
  frames: number;
  workers: number;
  /** Wall time per orchestrator phase, ms, in order. */
  phases: Record<string, number>;
  totalMs: number;
  invocations: InvocationProfile[];
}

/** Phases whose work is fanned out to functions. */
const FAN_OUT = new Set(["estimate", "mean", "estimate2", "reslice"]);

/** A task result with the orchestrator's timing of it (see `fanOut`). */
export type TimedResult = TaskResult & { phase: string; queueMs?: number; totalMs?: number };

/** The profile of one run from its phase timings and task results. */
export function buildProfile(
  job: string,
  frames: number,
  workers: number,
  phases: Record<string, number>,
  totalMs: number,
  tasks: readonly TimedResult[],
): RunProfile {
  return {
    job,
    frames,
    workers,
    phases: { ...phases },
    totalMs,
    invocations: tasks.map((t) => ({
      phase: t.phase,
      start: t.start,
      end: t.end,
      queueMs: t.queueMs ?? 0,
      readMs: t.readMs,
      setupMs: t.setupMs ?? 0,
      computeMs: t.computeMs,
      waitMs: t.waitMs ?? 0,
      writeMs: t.writeMs,
      totalMs: t.totalMs ??
        t.readMs + (t.setupMs ?? 0) + t.computeMs + (t.waitMs ?? 0) + t.writeMs,
      ...(t.peakBytes !== undefined ? { peakMb: t.peakBytes / 2 ** 20 } : {}),
    })),
  };
}

/** Per fan-out phase: per-invocation overhead and compute per frame (ms). */
export interface PhaseCost {
  phase: string;
  invocations: number;
  overheadMs: number;
  perFrameMs: number;
}

/** The model's inputs: serial time and each fan-out phase's costs. */
export function phaseCosts(p: RunProfile): { serialMs: number; phases: PhaseCost[] } {
  let fanned = 0;
  const phases: PhaseCost[] = [];
  for (const [phase, ms] of Object.entries(p.phases)) {
    if (!FAN_OUT.has(phase)) continue;
    fanned += ms;
    const inv = p.invocations.filter((i) => i.phase === phase);
    if (inv.length === 0) continue;
    let frames = 0, compute = 0, overhead = 0;
    for (const i of inv) {
      frames += i.end - i.start;
      compute += i.computeMs + i.waitMs; // the waits between frames grow with the frames
      overhead += i.queueMs + i.readMs + i.setupMs + i.writeMs;
    }
    phases.push({
      phase,
      invocations: inv.length,
      overheadMs: overhead / inv.length,
      perFrameMs: frames > 0 ? compute / frames : 0,
    });
  }
  return { serialMs: Math.max(0, p.totalMs - fanned), phases };
}

/** Modelled wall time (ms) with `functions` functions. */
export function modelTime(p: RunProfile, functions: number): number {
  const { serialMs, phases } = phaseCosts(p);
  const perFn = Math.ceil(p.frames / Math.max(1, functions));
  let t = serialMs;
  for (const c of phases) t += c.overheadMs + perFn * c.perFrameMs;
  return t;
}

/** Rows `functions, modelled seconds, speed-up over one function, serial share`. */
export function scaleOut(
  p: RunProfile,
  counts: readonly number[],
): { functions: number; seconds: number; speedup: number; serialShare: number }[] {
  const one = modelTime(p, 1);
  const { serialMs } = phaseCosts(p);
  return counts.map((f) => {
    const t = modelTime(p, f);
    return { functions: f, seconds: t / 1000, speedup: one / t, serialShare: serialMs / t };
  });
}

function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** A short plain-text table of the profile (phases, then invocations summed per phase). */
export function profileTable(p: RunProfile): string {
  const lines = [`job ${p.job}: ${p.frames} frames, ${p.workers} workers, ${ms(p.totalMs)} ms`];
  lines.push("phase        wall ms");
  for (const [phase, v] of Object.entries(p.phases)) lines.push(`${phase.padEnd(12)} ${ms(v)}`);
  lines.push(
    "invocations  phase        frames  queue ms  read ms  setup ms  compute ms  wait ms  write ms  total ms  peak MB",
  );
  for (const i of p.invocations) {
    lines.push(
      `             ${i.phase.padEnd(12)} ${`${i.start}-${i.end}`.padStart(6)}  ${
        ms(i.queueMs).padStart(8)
      }  ${ms(i.readMs).padStart(7)}  ${ms(i.setupMs).padStart(8)}  ${
        ms(i.computeMs).padStart(10)
      }  ${ms(i.waitMs).padStart(7)}  ${ms(i.writeMs).padStart(8)}  ${ms(i.totalMs).padStart(8)}  ${
        i.peakMb === undefined ? "       -" : i.peakMb.toFixed(0).padStart(7)
      }`,
    );
  }
  return lines.join("\n");
}
