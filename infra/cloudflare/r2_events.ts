/**
 * R2 event notifications (the body Cloudflare puts on the inbox queue, and
 * that `POST /v1/events/r2` accepts): an object created under `inbox/`
 * starts its job, with the options the upload carried in its custom metadata
 * (`PUT /v1/inbox/<name>?ref=mean` stores them there), or the defaults.
 *
 * @module
 */
import { InputError } from "../../shared/errors.ts";
import { DEFAULT_OPTIONS, type JobOptions, type JobState } from "../../shared/job.ts";
import { OPTIONS_METADATA, submitJob } from "./job_service.ts";

/** The fields of an R2 event notification this handler reads. */
export interface R2Event {
  action: string;
  bucket: string;
  object: { key: string; size?: number; eTag?: string };
  eventTime?: string;
}

/** Actions that create an object. */
export const CREATE_ACTIONS = [
  "PutObject",
  "CopyObject",
  "CompleteMultipartUpload",
];
/** Inputs live under this prefix. */
export const INBOX = "inbox/";

/** Check the shape of a notification body; throws {@link InputError}. */
export function parseR2Event(body: unknown): R2Event {
  const b = body as Partial<R2Event> | null;
  if (
    typeof b !== "object" || b === null || typeof b.action !== "string" ||
    typeof b.object !== "object" || b.object === null ||
    typeof b.object.key !== "string"
  ) {
    throw new InputError(
      "event",
      "not an R2 event notification ({action, bucket, object: {key, size, eTag}, eventTime})",
    );
  }
  return b as R2Event;
}

/** Start the job an event asks for, or say why it is ignored. */
export async function handleR2Event(
  env: Env,
  event: R2Event,
): Promise<{ job: string; state: JobState } | { ignored: string }> {
  const key = event.object.key;
  if (!CREATE_ACTIONS.includes(event.action)) {
    return { ignored: `action ${event.action}` };
  }
  if (!key.startsWith(INBOX)) {
    return { ignored: `key ${key} is not under ${INBOX}` };
  }
  const head = await env.BUCKET.head(key);
  if (!head) throw new InputError(key, "no such object in the bucket");
  const stored = head.customMetadata?.[OPTIONS_METADATA];
  const options: JobOptions = stored ? JSON.parse(stored) as JobOptions : DEFAULT_OPTIONS;
  return await submitJob(env, key, options);
}
