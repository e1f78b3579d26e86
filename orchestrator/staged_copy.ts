/**
 * The staged copy written in the same pass that opens the input, where the
 * object store can move objects (`ObjectStore.move`: the local folder).
 *
 * Open reads the whole input to validate and hash it; the job's id, and so
 * the staged copy's key, is known only at the end. The staged header and
 * the voxels therefore stream into a temporary object (`staging/<uuid>.nii`)
 * as open reads them, and once the id is known the object is moved under the
 * job's key, or dropped when the job has its staged copy already. Staging
 * then has nothing left to do. Where the store cannot move objects (R2, S3),
 * staging reads the input a second time (`stagedStream` in `stage.ts`).
 *
 * Nothing is left behind: a bad input aborts the write (no object appears)
 * and {@link StagedCopy.discard} removes a finished one.
 *
 * @module
 */
import type { ObjectStore } from "../shared/ports/object_store.ts";

export class StagedCopy {
  readonly #objects: ObjectStore;
  readonly #move: (from: string, to: string) => Promise<void>;
  /** The temporary object's key. */
  readonly key = `staging/${crypto.randomUUID()}.nii`;
  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  #stored: Promise<void> | null = null;

  private constructor(objects: ObjectStore, move: (from: string, to: string) => Promise<void>) {
    this.#objects = objects;
    this.#move = move;
  }

  /** A copy for this store, or null when it cannot move objects (staging reads twice). */
  static start(objects: ObjectStore): StagedCopy | null {
    const move = objects.move;
    return move ? new StagedCopy(objects, move.bind(objects)) : null;
  }

  /** The next bytes of the staged copy; the write starts with the first (a valid header). */
  write(bytes: Uint8Array): Promise<void> {
    if (!this.#writer) {
      const pipe = new TransformStream<Uint8Array, Uint8Array>();
      this.#writer = pipe.writable.getWriter();
      this.#stored = this.#objects.put(this.key, pipe.readable);
      this.#stored.catch(() => {}); // awaited in finish or discard
    }
    return this.#writer.write(bytes);
  }

  /** All bytes written: waits until the temporary object is stored. */
  async finish(): Promise<void> {
    if (!this.#writer) throw new Error("Cannot finish the staged copy: nothing was written");
    await this.#writer.close();
    await this.#stored;
  }

  /**
   * Put the copy under the job's `stagedKey`, or drop it when that key
   * holds one already (a job run before, or being resumed).
   */
  async place(stagedKey: string): Promise<void> {
    if (await this.#objects.head(stagedKey)) await this.#objects.delete(this.key);
    else await this.#move(this.key, stagedKey);
  }

  /** Abandon the copy: stop the write (no object appears) and remove what was stored. */
  async discard(reason: unknown): Promise<void> {
    await this.#writer?.abort(reason).catch(() => {});
    await this.#stored?.catch(() => {});
    await this.#objects.delete(this.key);
  }
}
