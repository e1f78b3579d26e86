/**
 * {@link Invoker} over a pool of Web Workers, one per concurrency slot, each
 * running {@link runTask} in its own isolate with its own adapters.
 *
 * @module
 */
import type { Task, TaskResult, WarmHint } from "../../shared/job.ts";
import type { Invoker } from "../../shared/ports/invoker.ts";
import type { S3StoreConfig } from "./s3_config.ts";

interface Pending {
  task: Task;
  resolve: (r: TaskResult) => void;
  reject: (e: Error) => void;
}

/** An error thrown inside a function, carried across the worker boundary with its name. */
export class FunctionError extends Error {
  constructor(name: string, message: string, stack: string) {
    super(message);
    this.name = name;
    this.stack = stack;
  }
}

export class WorkerPoolInvoker implements Invoker {
  readonly concurrency: number;
  readonly #init: { storeDir: string; kvPath: string; s3?: S3StoreConfig | null };
  readonly #releaseWhenIdle: boolean;
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #queue: Pending[] = [];
  readonly #running = new Map<number, Pending & { worker: Worker }>();
  /** The latest warm-up asked for, and the workers warmed for it or warming now. */
  #warm: { hint: WarmHint; key: string } | null = null;
  readonly #warmed = new Map<Worker, string>();
  readonly #warming = new Set<Worker>();
  #nextId = 1;

  /**
   * `workers` Web Workers, started now (they load while the job opens its
   * input). With `releaseWhenIdle` (a one-job process such as the CLI),
   * {@link idle} ends the idle workers, so their memory is not held through
   * gather; they are started again if more tasks come.
   */
  constructor(
    workers: number,
    init: { storeDir: string; kvPath: string; s3?: S3StoreConfig | null },
    opts: { releaseWhenIdle?: boolean } = {},
  ) {
    this.concurrency = workers;
    this.#init = init;
    this.#releaseWhenIdle = opts.releaseWhenIdle ?? false;
    for (let i = 0; i < workers; i++) this.#idle.push(this.#spawn());
  }

  #spawn(): Worker {
    const w = new Worker(new URL("./function_worker.ts", import.meta.url), { type: "module" });
    w.onmessage = (e) => this.#onMessage(w, e.data);
    w.onerror = (e) => {
      e.preventDefault();
      this.#onCrash(w, new Error(`function worker crashed: ${e.message}`));
    };
    w.postMessage({ init: this.#init });
    this.#workers.push(w);
    return w;
  }

  /** Workers started and not ended. */
  get workers(): number {
    return this.#workers.length;
  }

  /** Workers warming up now (see {@link warm}). */
  get warming(): number {
    return this.#warming.size;
  }

  idle(): void {
    this.#warm = null; // no more tasks for that run
    if (!this.#releaseWhenIdle) return;
    for (const w of this.#idle.splice(0)) {
      this.#warmed.delete(w);
      w.terminate();
      this.#workers.splice(this.#workers.indexOf(w), 1);
    }
  }

  /**
   * Each worker that is idle with no task waiting warms up for `hint`'s run
   * (now, or when it next becomes idle), once per run shape. A warming
   * worker still takes tasks: its warm-up stops after the step it is in
   * (a few ms), and the task does the rest.
   */
  warm(hint: WarmHint): void {
    const { run, options, slabFrames } = hint;
    const key = JSON.stringify([
      run.dims.slice(0, 3),
      run.datatype,
      options.interpEstimate,
      options.interpReslice,
      options.dtype,
      slabFrames,
    ]);
    this.#warm = { hint, key };
    this.#pump();
  }

  invoke(task: Task): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ task, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      if (this.#idle.length === 0 && this.#workers.length < this.concurrency) {
        this.#idle.push(this.#spawn());
      }
      // a warming worker takes a task too: its warm-up stops after the current step
      const warming = this.#warming.values().next();
      if (this.#idle.length === 0 && !warming.done) {
        this.#warming.delete(warming.value);
        this.#idle.push(warming.value);
      }
      if (this.#idle.length === 0) return;
      const worker = this.#idle.pop()!;
      const job = this.#queue.shift()!;
      const id = this.#nextId++;
      this.#running.set(id, { ...job, worker });
      worker.postMessage({ id, task: job.task });
    }
    // no task waiting: idle workers not yet warm for the latest run warm up
    const warm = this.#warm;
    if (!warm) return;
    for (const worker of this.#idle.slice()) {
      if (this.#warmed.get(worker) === warm.key) continue;
      this.#idle.splice(this.#idle.indexOf(worker), 1);
      this.#warmed.set(worker, warm.key);
      this.#warming.add(worker);
      worker.postMessage({ warm: warm.hint });
    }
  }

  #onMessage(
    worker: Worker,
    msg: {
      id: number;
      ok: boolean;
      result?: TaskResult;
      error?: { name: string; message: string; stack: string };
      warmed?: boolean;
    },
  ): void {
    if (msg.warmed) { // (a worker given a task while warming is no longer in #warming)
      if (this.#warming.delete(worker) && this.#workers.includes(worker)) {
        this.#idle.push(worker);
        this.#pump();
        if (!this.#warm) this.idle(); // the run's tasks were over before this warm-up was
      }
      return;
    }
    const run = this.#running.get(msg.id);
    if (!run) return;
    this.#running.delete(msg.id);
    this.#idle.push(worker);
    if (msg.ok) run.resolve(msg.result!);
    else run.reject(new FunctionError(msg.error!.name, msg.error!.message, msg.error!.stack));
    this.#pump();
  }

  #onCrash(worker: Worker, err: Error): void {
    this.#warming.delete(worker);
    for (const [id, run] of this.#running) {
      if (run.worker === worker) {
        this.#running.delete(id);
        run.reject(err);
      }
    }
  }

  close(): Promise<void> {
    for (const w of this.#workers) w.terminate();
    for (const p of this.#queue.splice(0)) p.reject(new Error("invoker closed"));
    return Promise.resolve();
  }
}
