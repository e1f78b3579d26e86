/**
 * A fake for the tests: an invoker that records every task it is given
 * (`fn:start-end`, and `warm` for a warm-up asked for) and fails the tasks
 * of one function, as a crashed function would; every other task runs on
 * the real invoker inside.
 *
 * @module
 */
import type { Task, TaskResult, WarmHint } from "../../shared/job.ts";
import type { Invoker } from "../../shared/ports/invoker.ts";

export class FailingInvoker implements Invoker {
  readonly concurrency: number;
  calls: string[] = [];
  /** `fail`: the function whose tasks "crash", or null for none. */
  constructor(readonly inner: Invoker, readonly fail: Task["fn"] | null) {
    this.concurrency = inner.concurrency;
  }
  invoke(task: Task): Promise<TaskResult> {
    this.calls.push(`${task.fn}:${task.start}-${task.end}`);
    if (task.fn === this.fail) return Promise.reject(new Error("function crashed"));
    return this.inner.invoke(task);
  }
  warm(hint: WarmHint): void {
    this.calls.push("warm");
    this.inner.warm?.(hint);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
