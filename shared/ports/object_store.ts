/**
 * The object store port: a flat key space of immutable byte objects
 * (a local folder, S3/R2). Keys use `/` separators, e.g. `jobs/<id>/slabs/0-10`.
 *
 * @module
 */

/** Size facts about one stored object. */
export interface ObjectInfo {
  key: string;
  size: number;
}

/** A byte range `[offset, offset + length)`. */
export interface ByteRange {
  offset: number;
  length: number;
  /**
   * Where the caller would like the bytes (at least `length` of them): a
   * store that can read into a given buffer (the local folder) fills it and
   * returns a view of it, so a caller reading chunk after chunk reuses its
   * buffers; the others return a buffer of their own. Either way the returned
   * bytes are the range.
   */
  into?: Uint8Array;
}

/** Body accepted by {@link ObjectStore.put}. */
export type ObjectBody = Uint8Array | ReadableStream<Uint8Array>;

export interface ObjectStore {
  /** Whole object, or a byte range of it; `null` when the key is absent. */
  get(key: string, range?: ByteRange): Promise<Uint8Array | null>;
  /** The object as a stream; `null` when absent. */
  getStream(key: string): Promise<ReadableStream<Uint8Array> | null>;
  /** Size of an object; `null` when absent. */
  head(key: string): Promise<ObjectInfo | null>;
  /**
   * Store an object. The object becomes visible under `key` only once the body
   * has been written completely (no partial object under a final name).
   */
  put(key: string, body: ObjectBody): Promise<void>;
  /** Objects whose key starts with `prefix`, in key order, a page at a time. */
  list(prefix: string, cursor?: string): Promise<{ objects: ObjectInfo[]; cursor?: string }>;
  /** Remove an object; absent keys are not an error. */
  delete(key: string): Promise<void>;
  /**
   * Give an object a new key, replacing any object there, without copying
   * its bytes (a rename). Only stores that can do this offer it (the local
   * folder); staging then writes the staged copy in the same pass that reads
   * the input (`orchestrator/staged_copy.ts`).
   */
  move?(from: string, to: string): Promise<void>;
}

/** Every object under a prefix, following cursors. */
export async function listAll(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const all: ObjectInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, cursor);
    all.push(...page.objects);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return all;
}

/** Delete every object under a prefix. */
export async function deletePrefix(store: ObjectStore, prefix: string): Promise<void> {
  for (const o of await listAll(store, prefix)) await store.delete(o.key);
}
