/**
 * A byte stream cut into parts of exactly `size` bytes, for multipart
 * uploads whose parts must be equal but for the last (R2, S3): every full
 * part, then the remainder (shorter than `size`, possibly empty) as the last
 * value. A consumer that stops early (or throws) cancels the stream.
 *
 * @module
 */

/** Full parts of `size` bytes, then the remainder; see the module doc. */
export async function* equalParts(
  body: ReadableStream<Uint8Array>,
  size: number,
): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let part = new Uint8Array(size);
  let fill = 0;
  let read = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      let at = 0;
      while (at < value.length) {
        const n = Math.min(size - fill, value.length - at);
        part.set(value.subarray(at, at + n), fill);
        fill += n;
        at += n;
        if (fill === size) {
          yield part;
          part = new Uint8Array(size);
          fill = 0;
        }
      }
    }
    read = true;
    yield part.subarray(0, fill);
  } finally {
    if (!read) await reader.cancel().catch(() => {});
  }
}
