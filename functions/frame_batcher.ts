/**
 * Batch per-frame writes to the job store: a function records frames as it
 * finishes them and a write goes out a few times a second (and at the end),
 * so progress stays live without one store round trip per frame.
 *
 * A write runs while the function goes on with its next frames (the job
 * store's round trip is not compute time); one write is in flight at a time,
 * so batches land in order. A failed write is thrown by the next
 * {@link FrameBatcher.add} or by {@link FrameBatcher.flush}.
 *
 * @module
 */

export class FrameBatcher<T> {
  readonly #write: (items: T[]) => Promise<void>;
  readonly #intervalMs: number;
  #items: T[] = [];
  #last = performance.now();
  #writing: Promise<void> | null = null;
  #failure: { error: unknown } | null = null;
  /** Time spent waiting for writes (in {@link FrameBatcher.flush}), ms. */
  flushMs = 0;

  constructor(write: (items: T[]) => Promise<void>, intervalMs = 250) {
    this.#write = write;
    this.#intervalMs = intervalMs;
  }

  /** Record an item; starts a write of the pending items when the interval has passed. */
  add(item: T): void {
    this.#throwIfFailed();
    this.#items.push(item);
    if (!this.#writing && performance.now() - this.#last >= this.#intervalMs) this.#start();
  }

  /** Waits for the write in flight, then writes what is pending. */
  async flush(): Promise<void> {
    const t0 = performance.now();
    await this.#writing;
    this.#throwIfFailed();
    if (this.#items.length > 0) {
      this.#start();
      await this.#writing;
      this.#throwIfFailed();
    }
    this.flushMs += performance.now() - t0;
  }

  #start(): void {
    const items = this.#items;
    this.#items = [];
    this.#writing = this.#write(items).then(
      () => {
        this.#writing = null;
        this.#last = performance.now();
      },
      (error) => {
        this.#writing = null;
        this.#failure ??= { error };
      },
    );
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }
}
