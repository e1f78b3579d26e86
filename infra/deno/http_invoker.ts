/**
 * {@link Invoker} over HTTP: each task is a signed `POST` to a functions
 * deployment (`deno task functions`, or any URL serving
 * `functions/http_handler.ts`), at most `concurrency` at once. Uses only
 * `fetch` and `crypto.subtle`.
 *
 * @module
 */
import { FUNCTIONS_PATH } from "../../functions/http_handler.ts";
import type { Task, TaskResult } from "../../shared/job.ts";
import type { Invoker } from "../../shared/ports/invoker.ts";
import { signRequest } from "../../shared/request_signature.ts";
import { FunctionError } from "./worker_pool_invoker.ts";

export interface HttpInvokerInit {
  /** Base URL of the functions deployment, e.g. `http://127.0.0.1:8788`. */
  url: string;
  /** Shared secret (REALIGN_FUNCTIONS_SECRET). */
  secret: string;
  /** Requests in flight at once. */
  concurrency: number;
  /** Give up on one request after this long, ms (default 10 minutes; it is then retried). */
  timeoutMs?: number;
}

export class HttpInvoker implements Invoker {
  readonly concurrency: number;
  readonly #endpoint: string;
  readonly #secret: string;
  readonly #timeoutMs: number;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(init: HttpInvokerInit) {
    if (!init.secret) throw new Error("Cannot invoke functions over HTTP: no shared secret given");
    this.concurrency = init.concurrency;
    this.#endpoint = new URL(FUNCTIONS_PATH, init.url).href;
    this.#secret = init.secret;
    this.#timeoutMs = init.timeoutMs ?? 10 * 60 * 1000;
  }

  async invoke(task: Task): Promise<TaskResult> {
    if (this.#inFlight >= this.concurrency) {
      await new Promise<void>((go) => this.#waiting.push(go));
    } else {
      this.#inFlight++;
    }
    try {
      const body = JSON.stringify(task);
      const res = await fetch(this.#endpoint, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...await signRequest(this.#secret, body) },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      const text = await res.text();
      let answer: {
        ok?: boolean;
        result?: TaskResult;
        error?: { name?: string; message?: string };
      };
      try {
        answer = JSON.parse(text);
      } catch {
        throw new Error(`functions endpoint answered ${res.status}: ${text.slice(0, 200)}`);
      }
      if (res.ok && answer.ok && answer.result) return answer.result;
      const err = answer.error ?? {};
      throw new FunctionError(
        err.name ?? "Error",
        err.message ?? `functions endpoint answered ${res.status}`,
        "",
      );
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#inFlight--;
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
