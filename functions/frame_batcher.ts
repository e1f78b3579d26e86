/**
 * Batch per-frame writes to the job store: a function records frames as it
 * finishes them and flushes a few times a second (and at the end), so
 * progress stays live without one store round trip per frame.
 *
 * @module
 */

export class FrameBatcher<T> {
  readonly #flush: (items: T[]) => Promise<void>;
  readonly #intervalMs: number;
  #items: T[] = [];
  #last = performance.now();
  /** Time spent flushing, ms. */
  flushMs = 0;

  constructor(flush: (items: T[]) => Promise<void>, intervalMs = 250) {
    this.#flush = flush;
    this.#intervalMs = intervalMs;
  }

  /** Record an item; flushes when the interval has passed. */
  async add(item: T): Promise<void> {
    this.#items.push(item);
    if (performance.now() - this.#last >= this.#intervalMs) await this.flush();
  }

  /** Write what is pending. */
  async flush(): Promise<void> {
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    const t0 = performance.now();
    await this.#flush(items);
    this.#last = performance.now();
    this.flushMs += this.#last - t0;
  }
}
