/**
 * The HTTP API, the same on Deno (`deno serve`) and on Workers: a plain
 * `(request, deps) => Promise<Response>` over web standards and ports.
 *
 * | route | does |
 * | --- | --- |
 * | `PUT /v1/inbox/<name>` | stores the body (streamed) at `inbox/<name>`, starts or finds its job; options as query parameters |
 * | `POST /v1/events/r2` | an R2 event notification: `PutObject`/`CompleteMultipartUpload` of an `inbox/` key starts its job |
 * | `POST /v1/jobs` | `{"input": "<key>", "options": {…}}` starts or finds a job |
 * | `GET /v1/jobs`, `GET /v1/jobs/<id>` | job states (see {@link JobStatus}) |
 * | `GET /v1/objects/<key>` | an object's bytes (outputs are under `outputs/<id>/`) |
 *
 * Starting answers `202 {"job": "<id>"}` at once; the job runs in the
 * background. A bad option answers 400 with the CLI's message. A bad file is
 * found when the job runs (the upload is stored first, streamed, and an
 * `R2` event has no one to answer): the job fails with `error.kind` "input"
 * and the CLI's message, visible in `GET /v1/jobs/<id>`. Every `/v1` route
 * needs `Authorization: Bearer <token>` when a token is configured.
 *
 * @module
 */
import { InputError, isInputError } from "../shared/errors.ts";
import type { ObjectStore } from "../shared/ports/object_store.ts";
import { INBOX, type JobService } from "./job_service.ts";
import { type RawOption, requestOptions } from "./request_options.ts";
import { webPage } from "./web_pages.ts";

/** What the API asks of a job service: {@link JobService}, or a runtime's own (Workers). */
export type JobApi = Pick<JobService, "submit" | "landed" | "list" | "status">;

export interface HttpApiDeps {
  service: JobApi;
  /** The bucket: inputs, job data and outputs. */
  bucket: ObjectStore;
  /** Bearer token every `/v1` route asks for; none when empty. */
  token?: string | null;
}

const R2_STARTS = ["PutObject", "CompleteMultipartUpload"];

const TYPES: [RegExp, string][] = [
  [/\.nii\.gz$|\.gz$/, "application/gzip"],
  [/\.nii$/, "application/octet-stream"],
  [/\.tsv$/, "text/tab-separated-values; charset=utf-8"],
  [/\.txt$/, "text/plain; charset=utf-8"],
  [/\.svg$/, "image/svg+xml"],
  [/\.png$/, "image/png"],
  [/\.html$/, "text/html; charset=utf-8"],
  [/\.json$/, "application/json"],
];

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Equal strings, compared in time that does not depend on where they differ. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** An object key from a URL path tail; throws {@link InputError} for an unsafe one. */
function keyFrom(tail: string, what: string): string {
  let key: string;
  try {
    key = decodeURIComponent(tail);
  } catch {
    throw new InputError(what, `"${tail}" is not a valid URL-encoded name`);
  }
  const segs = key.split("/");
  if (key === "" || segs.some((s) => s === "" || s.startsWith(".") || s.includes("\\"))) {
    throw new InputError(
      what,
      `"${key}" is not a usable name (empty parts, or parts starting with "." are not allowed)`,
    );
  }
  return key;
}

async function readJson(request: Request): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new InputError("request body", "is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InputError("request body", "must be a JSON object");
  }
  return body as Record<string, unknown>;
}

async function route(request: Request, url: URL, deps: HttpApiDeps): Promise<Response> {
  const path = url.pathname;
  const method = request.method;
  const { service, bucket } = deps;

  if (path.startsWith("/v1/inbox/")) {
    if (method !== "PUT") return json({ error: "use PUT" }, 405, { allow: "PUT" });
    const name = keyFrom(path.slice("/v1/inbox/".length), "inbox name");
    const options = requestOptions(url.searchParams); // validate before any work
    if (!request.body) throw new InputError(name, "the upload is empty");
    const key = `${INBOX}${name}`;
    await bucket.put(key, request.body);
    const { job } = await service.submit(key, options);
    return json({ job }, 202);
  }

  if (path === "/v1/events/r2") {
    if (method !== "POST") return json({ error: "use POST" }, 405, { allow: "POST" });
    const ev = await readJson(request);
    const obj = ev.object as { key?: unknown } | undefined;
    if (typeof ev.action !== "string" || typeof obj?.key !== "string") {
      throw new InputError("R2 event", "needs action and object.key");
    }
    if (!R2_STARTS.includes(ev.action)) return json({ ignored: `action ${ev.action}` });
    if (!obj.key.startsWith(INBOX)) return json({ ignored: `key outside ${INBOX}` });
    const key = keyFrom(obj.key, "R2 event object.key");
    const { job } = await service.landed(key);
    return json({ job }, 202);
  }

  if (path === "/v1/jobs") {
    if (method === "GET") return json({ jobs: await service.list() });
    if (method !== "POST") return json({ error: "use GET or POST" }, 405, { allow: "GET, POST" });
    const body = await readJson(request);
    if (typeof body.input !== "string") {
      throw new InputError("request body", `needs "input": the object key of a run`);
    }
    const raw = body.options ?? {};
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new InputError("options", "must be a JSON object");
    }
    const options = requestOptions(Object.entries(raw as Record<string, RawOption>));
    const { job } = await service.submit(keyFrom(body.input, "input"), options);
    return json({ job }, 202);
  }

  if (path.startsWith("/v1/jobs/")) {
    if (method !== "GET") return json({ error: "use GET" }, 405, { allow: "GET" });
    const status = await service.status(decodeURIComponent(path.slice("/v1/jobs/".length)));
    return status ? json(status) : json({ error: "no such job" }, 404);
  }

  if (path.startsWith("/v1/objects/")) {
    if (method !== "GET") return json({ error: "use GET" }, 405, { allow: "GET" });
    const key = keyFrom(path.slice("/v1/objects/".length), "object key");
    const info = await bucket.head(key);
    const stream = info ? await bucket.getStream(key) : null;
    if (!info || !stream) return json({ error: `no object ${key}` }, 404);
    const type = TYPES.find(([re]) => re.test(key))?.[1] ?? "application/octet-stream";
    return new Response(stream, {
      headers: { "content-type": type, "content-length": String(info.size) },
    });
  }
  return json({ error: "no such route" }, 404);
}

/**
 * Answer one API request.
 *
 * @example Without a server
 * ```ts ignore
 * const res = await handleApi(new Request("http://x/v1/jobs"), { service, bucket, token: null });
 * ```
 */
export async function handleApi(request: Request, deps: HttpApiDeps): Promise<Response> {
  const url = new URL(request.url);
  if (!url.pathname.startsWith("/v1/")) {
    return webPage(request) ?? json({ error: "no such route" }, 404); // the pages: web_pages.ts
  }
  if (deps.token) {
    const auth = request.headers.get("authorization") ?? "";
    const given = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    if (!given || !sameSecret(given, deps.token)) {
      return json({ error: "a valid bearer token is required" }, 401, {
        "www-authenticate": 'Bearer realm="realign"',
      });
    }
  }
  try {
    return await route(request, url, deps);
  } catch (e) {
    if (isInputError(e)) return json({ error: (e as Error).message }, 400);
    return json({ error: `internal error: ${e instanceof Error ? e.message : String(e)}` }, 500);
  }
}
