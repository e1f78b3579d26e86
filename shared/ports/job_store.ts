/**
 * The job store port: job records, per-frame results and progress counters.
 * Strongly consistent (Deno KV, a Durable Object): counters and barriers live here.
 *
 * @module
 */
import type { FrameParams, JobRecord, Phase, TaskResult } from "../job.ts";

/** One frame's parameters. */
export interface FrameEntry {
  frame: number;
  params: FrameParams;
}

export interface JobStore {
  getJob(id: string): Promise<JobRecord | null>;
  /** Create the record if no job has this id; returns false when one exists. */
  createJob(record: JobRecord): Promise<boolean>;
  /** Replace the record (the orchestrator alone writes records). */
  putJob(record: JobRecord): Promise<void>;
  /** Every job record, for the scheduler and the job list. */
  listJobs(): Promise<JobRecord[]>;
  /** Remove a job's record and everything under it (for `--force`). */
  deleteJob(id: string): Promise<void>;

  /**
   * Store frames' parameters for an estimation pass and count each frame done
   * once for that pass's phase, however often it is delivered. Functions batch
   * frames (a few writes a second), not one write per frame.
   */
  putParams(id: string, pass: number, entries: FrameEntry[]): Promise<void>;
  /** Parameters of frames `start..end` for a pass (`null` where missing). */
  getParams(id: string, pass: number, start: number, end: number): Promise<(FrameParams | null)[]>;

  /** Count frames done for a phase, each once however often it is called. */
  framesDone(id: string, phase: Phase, frames: number[]): Promise<void>;
  /** Frames counted done for a phase. */
  progress(id: string, phase: Phase): Promise<number>;

  /** Record a finished task (idempotent: a redelivery overwrites the same entry). */
  putTaskResult(id: string, phase: Phase, result: TaskResult): Promise<void>;
  /** Finished tasks of a phase keyed by `start-end`. */
  getTaskResults(id: string, phase: Phase): Promise<Map<string, TaskResult>>;
}
