/**
 * A pull-based reader over a byte stream that can peek, skip and hand out
 * chunks of at most a given size, counting what it has consumed. Holds at
 * most one upstream chunk beyond what was peeked.
 *
 * @module
 */

/** Turns a stream error into the error to throw (e.g. an `InputError` for a broken gzip). */
export type ErrorMapper = (e: unknown) => unknown;

/** See the module doc. */
export class ByteSource {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #pending: Uint8Array[] = [];
  #pendingLength = 0;
  #ended = false;
  #mapError: ErrorMapper;
  /** Bytes consumed so far (by `next` and `skip`). */
  position = 0;

  constructor(stream: ReadableStream<Uint8Array>, mapError: ErrorMapper = (e) => e) {
    this.#reader = stream.getReader();
    this.#mapError = mapError;
  }

  /** Read one upstream chunk into the pending list; false at the end of the stream. */
  async #pull(): Promise<boolean> {
    if (this.#ended) return false;
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await this.#reader.read();
    } catch (e) {
      this.#ended = true;
      throw this.#mapError(e);
    }
    if (r.done) {
      this.#ended = true;
      return false;
    }
    if (r.value.length > 0) {
      this.#pending.push(r.value);
      this.#pendingLength += r.value.length;
    }
    return true;
  }

  /** The next `n` bytes without consuming them (fewer at the end of the stream). */
  async peek(n: number): Promise<Uint8Array> {
    while (this.#pendingLength < n && await this.#pull());
    const first = this.#pending[0];
    if (first && first.length >= n) return first.subarray(0, n);
    const out = new Uint8Array(Math.min(n, this.#pendingLength));
    let o = 0;
    for (const c of this.#pending) {
      if (o >= out.length) break;
      const take = Math.min(c.length, out.length - o);
      out.set(c.subarray(0, take), o);
      o += take;
    }
    return out;
  }

  /** Consume and return up to `max` bytes (one chunk's worth or less); `null` at the end. */
  async next(max: number): Promise<Uint8Array | null> {
    while (this.#pendingLength === 0) if (!(await this.#pull())) return null;
    const c = this.#pending[0]!;
    const take = Math.min(c.length, max);
    if (take === c.length) this.#pending.shift();
    else this.#pending[0] = c.subarray(take);
    this.#pendingLength -= take;
    this.position += take;
    return c.subarray(0, take);
  }

  /** Consume `n` bytes; returns how many there were (fewer at the end of the stream). */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const c = await this.next(left);
      if (!c) break;
      left -= c.length;
    }
    return n - left;
  }

  /** Consume the rest of the stream. */
  async drain(): Promise<void> {
    while (await this.next(Infinity));
  }

  /** Stop reading and release the upstream (closes a file, aborts a download). */
  async cancel(): Promise<void> {
    this.#ended = true;
    this.#pending = [];
    this.#pendingLength = 0;
    await this.#reader.cancel().catch(() => {});
  }
}
