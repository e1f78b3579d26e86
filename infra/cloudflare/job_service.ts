/**
 * Jobs on Workers: submit one (from an HTTP request, an R2 event or the
 * scheduler), report its status. A job's id is computed here, before it
 * runs, exactly as `register()` computes it (content hash of the input, the
 * options with `compress` resolved from the name, the pipeline version), so
 * the same input and options always reach the same `JobObject`.
 *
 * @module
 */
import { InputError } from "../../shared/errors.ts";
import type { JobOptions, JobRecord, JobState, OutputKind } from "../../shared/job.ts";
import { jobId } from "../../orchestrator/job_id.ts";
import { isGzipName } from "../../orchestrator/output_names.ts";
import { jobObject } from "./do_job_store.ts";
import type { JobRequest } from "./job_object.ts";
import { INDEX_NAME } from "./do_job_store.ts";

/** Custom metadata key under which `PUT /v1/inbox/...` keeps the upload's options. */
export const OPTIONS_METADATA = "realign-options";

/** Hex SHA-256 of an R2 object, streamed (the bytes are never held whole). */
async function hashObject(obj: R2ObjectBody): Promise<string> {
  const digest = new crypto.DigestStream("SHA-256");
  await obj.body.pipeTo(digest);
  return Array.from(
    new Uint8Array(await digest.digest),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/** The options a job is keyed by: `compress` follows the input's name unless given. */
export function resolvedOptions(
  inputKey: string,
  options: JobOptions,
): JobOptions {
  return { ...options, compress: options.compress ?? isGzipName(inputKey) };
}

/**
 * Start (or find) the job for `inputKey` with `options`; resolves with its id
 * and state. `rerun` re-runs a finished job (its outputs went missing).
 */
export async function submitJob(
  env: Env,
  inputKey: string,
  options: JobOptions,
  rerun = false,
): Promise<{ job: string; state: JobState }> {
  const obj = await env.BUCKET.get(inputKey);
  if (!obj) throw new InputError(inputKey, "no such object in the bucket");
  const size = obj.size;
  const hash = await hashObject(obj);
  const resolved = resolvedOptions(inputKey, options);
  const id = await jobId(hash, resolved);
  return {
    job: id,
    state: await startJob(
      env,
      { id, inputKey, options: resolved, hash, size },
      rerun,
    ),
  };
}

/** Register the id in the index, then hand the request to the job's object. */
export async function startJob(
  env: Env,
  req: JobRequest,
  rerun = false,
): Promise<JobState> {
  await env.JOB_INDEX.get(env.JOB_INDEX.idFromName(INDEX_NAME)).add(req.id);
  return await jobObject(env, req.id).start(req, rerun);
}

/** The `GET /v1/jobs/<id>` body of DESIGN.md's HTTP API. */
export interface JobStatus {
  state: JobState;
  progress: { phase: string; done: number; total: number };
  outputs: Partial<Record<OutputKind, string>>;
  error?: { message: string; kind: string; range?: string };
  version: string;
  /** When the record last changed (ISO 8601). */
  updated: string;
}

/** Status of job `id`, or `null` when there is no such job. */
export async function jobStatus(
  env: Env,
  id: string,
): Promise<JobStatus | null> {
  if (!/^[0-9a-f]{20}$/.test(id)) return null;
  const stub = jobObject(env, id);
  const rec: JobRecord | null = await stub.getJob();
  if (!rec) return null;
  const phase = rec.phase ?? "stage";
  // the record is created before the input is opened; the range plan gives the frame count
  const total = rec.frames ?? rec.ranges?.at(-1)?.end ?? 0;
  const done = rec.state === "done" ? total : await stub.progress(phase);
  return {
    state: rec.state,
    progress: { phase, done, total },
    outputs: rec.outputs ?? {},
    ...(rec.error ? { error: rec.error } : {}),
    version: rec.version,
    updated: rec.updated,
  };
}
