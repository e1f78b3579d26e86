/**
 * The job store port: job records, per-frame results and progress counters.
 * Strongly consistent (Deno KV, a Durable Object): counters and barriers live here.
 *
 * @module
 */
import type { FrameParams, JobRecord, Phase, TaskResult } from "../job.ts";

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
   * Store one frame's parameters for an estimation pass and count the frame
   * done once for that phase, however often it is delivered.
   */
  putParams(id: string, pass: number, frame: number, params: FrameParams): Promise<void>;
  /** Parameters of frames `start..end` for a pass (`null` where missing). */
  getParams(id: string, pass: number, start: number, end: number): Promise<(FrameParams | null)[]>;

  /** Count a frame done for a phase, once however often it is called. */
  frameDone(id: string, phase: Phase, frame: number): Promise<void>;
  /** Frames counted done for a phase. */
  progress(id: string, phase: Phase): Promise<number>;

  /** Record a finished task (idempotent: a redelivery overwrites the same entry). */
  putTaskResult(id: string, phase: Phase, result: TaskResult): Promise<void>;
  /** Finished tasks of a phase keyed by `start-end`. */
  getTaskResults(id: string, phase: Phase): Promise<Map<string, TaskResult>>;
}
