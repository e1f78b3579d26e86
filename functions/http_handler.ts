/**
 * The compute functions over HTTP: `POST /v1/functions/run` with a task as
 * the JSON body, signed by the orchestrator (see `shared/request_signature.ts`).
 * Unsigned, stale or forged requests get 401 and run nothing. Answers
 * `200 {"ok": true, "result"}` or `{"ok": false, "error": {name, message}}`
 * (422 for an error the user can fix, 500 otherwise), so the caller can tell
 * an input error from an outage. Runtime-neutral: `deno serve` and Workers
 * entries wrap it.
 *
 * @module
 */
import { isInputError } from "../shared/errors.ts";
import type { Task } from "../shared/job.ts";
import type { FunctionPorts } from "../shared/ports/function_ports.ts";
import { verifyRequest } from "../shared/request_signature.ts";
import { runTask } from "./run_task.ts";

/** The path compute functions are served on. */
export const FUNCTIONS_PATH = "/v1/functions/run";

export interface FunctionHttpDeps {
  ports: FunctionPorts;
  /** Shared secret the orchestrator signs with. */
  secret: string;
  /** Clock, for tests of stale requests. */
  now?: () => number;
}

function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** Verify, run the task, answer with its result. */
export async function handleFunctionRequest(
  request: Request,
  deps: FunctionHttpDeps,
): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname !== FUNCTIONS_PATH) {
    return json({ ok: false, error: { message: "no such route" } }, 404);
  }
  if (request.method !== "POST") return json({ ok: false, error: { message: "use POST" } }, 405);
  const body = await request.text();
  const why = await verifyRequest(deps.secret, request.headers, body, deps.now?.() ?? Date.now());
  if (why !== null) return json({ ok: false, error: { name: "Unauthorized", message: why } }, 401);
  let task: Task;
  try {
    task = JSON.parse(body) as Task;
  } catch {
    return json(
      { ok: false, error: { name: "SyntaxError", message: "the task is not JSON" } },
      400,
    );
  }
  try {
    return json({ ok: true, result: await runTask(task, deps.ports) }, 200);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return json(
      { ok: false, error: { name: err.name, message: err.message } },
      isInputError(err) ? 422 : 500,
    );
  }
}
