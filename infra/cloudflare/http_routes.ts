/**
 * The HTTP API of DESIGN.md on the Worker: uploads to `inbox/`, R2 event
 * bodies, job submission and status, output downloads. Every `/v1` route
 * asks for `Authorization: Bearer <REALIGN_TOKEN>` when the secret is set.
 *
 * @module
 */
import { InputError, isInputError } from "../../shared/errors.ts";
import { jobStatus, OPTIONS_METADATA, submitJob } from "./job_service.ts";
import { queryOptions } from "./query_options.ts";
import { handleR2Event, INBOX, parseR2Event } from "./r2_events.ts";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** Constant-time comparison of two strings' UTF-8 bytes. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  }
  return diff === 0;
}

/** A key below `prefix` from a URL path part; rejects empty, absolute and `..` names. */
function objectKey(part: string, prefix = ""): string {
  const name = decodeURIComponent(part);
  if (
    name === "" || name.startsWith("/") ||
    name.split("/").some((s) => s === "" || s === "..")
  ) {
    throw new InputError(
      name || "name",
      "must be a relative object name without empty or .. parts",
    );
  }
  return prefix + name;
}

async function route(request: Request, env: Env, url: URL): Promise<Response> {
  const path = url.pathname;
  const m = request.method;
  if (m === "PUT" && path.startsWith("/v1/inbox/")) {
    const key = objectKey(path.slice("/v1/inbox/".length), INBOX);
    const options = queryOptions(url.searchParams);
    const meta = {
      customMetadata: { [OPTIONS_METADATA]: JSON.stringify(options) },
    };
    const sized = request.headers.get("content-length") !== null &&
      request.body !== null;
    await env.BUCKET.put(
      key,
      sized ? request.body : await request.arrayBuffer(),
      meta,
    );
    // an upload triggers its job as a bucket notification would (the same id: idempotent)
    return json({ key, ...(await submitJob(env, key, options)) }, 202);
  }
  if (m === "POST" && path === "/v1/events/r2") {
    const out = await handleR2Event(
      env,
      parseR2Event(await request.json().catch(() => null)),
    );
    return json(out, "job" in out ? 202 : 200);
  }
  if (m === "POST" && path === "/v1/jobs") {
    const body = await request.json().catch(() => null) as
      | { input?: unknown; options?: Record<string, unknown> }
      | null;
    if (!body || typeof body.input !== "string") {
      throw new InputError(
        "body",
        'must be {"input": "<key>", "options": {...}}',
      );
    }
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(body.options ?? {})) {
      params.set(k, String(v));
    }
    return json(await submitJob(env, body.input, queryOptions(params)), 202);
  }
  if (m === "GET" && path.startsWith("/v1/jobs/")) {
    const status = await jobStatus(env, path.slice("/v1/jobs/".length));
    return status ? json(status) : json({ error: "no such job" }, 404);
  }
  if (m === "GET" && path.startsWith("/v1/objects/")) {
    const key = objectKey(path.slice("/v1/objects/".length));
    const obj = await env.BUCKET.get(key);
    if (!obj) return json({ error: `${key}: no such object` }, 404);
    return new Response(obj.body, {
      headers: {
        "content-length": String(obj.size),
        "content-type": "application/octet-stream",
      },
    });
  }
  return json({ error: `no route for ${m} ${path}` }, 404);
}

/** The Worker's `fetch`: authentication, routing, errors as JSON. */
export async function handleHttp(
  request: Request,
  env: Env,
): Promise<Response> {
  const url = new URL(request.url);
  if (!url.pathname.startsWith("/v1/")) {
    return json({ error: "not found" }, 404);
  }
  const token = env.REALIGN_TOKEN;
  if (token) {
    const auth = request.headers.get("authorization") ?? "";
    if (!auth.startsWith("Bearer ") || !sameSecret(auth.slice(7), token)) {
      return json({ error: "missing or wrong bearer token" }, 401);
    }
  }
  try {
    return await route(request, env, url);
  } catch (e) {
    if (isInputError(e)) return json({ error: (e as Error).message }, 400);
    console.error("realign: internal error:", e);
    return json({
      error: `internal error: ${e instanceof Error ? e.message : String(e)}`,
    }, 500);
  }
}
