/**
 * Job identity: a hash of the input's bytes, every option that can change a
 * result, and the pipeline version. Concurrency and the invoker are not part
 * of it, so the same input and options are always the same job.
 *
 * @module
 */
import { type JobOptions, PIPELINE_VERSION } from "../shared/job.ts";

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The options in a fixed key order, so equal options hash equally. */
export function canonicalOptions(o: JobOptions): string {
  return JSON.stringify([
    o.ref,
    o.interpEstimate,
    o.interpReslice,
    o.fwhm,
    o.sep,
    o.mask,
    o.dtype,
    o.compress,
    o.quality,
    o.weight,
  ]);
}

/** A job's id (20 hex digits) from the input's content hash and the options. */
export async function jobId(inputHash: string, options: JobOptions): Promise<string> {
  const h = await sha256Hex(`${inputHash}|${canonicalOptions(options)}|${PIPELINE_VERSION}`);
  return h.slice(0, 20);
}
