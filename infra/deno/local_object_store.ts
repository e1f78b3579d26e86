/**
 * {@link ObjectStore} on a local folder: key `a/b/c` is the file `<root>/a/b/c`.
 * Writes go to a temporary sibling first and are renamed into place, so no
 * partial object ever appears under a final name.
 *
 * @module
 */
import type {
  ByteRange,
  ObjectBody,
  ObjectInfo,
  ObjectStore,
} from "../../shared/ports/object_store.ts";

const PAGE = 1000;

/** Chunk size of {@link LocalFolderStore.getStream}. */
export const STREAM_CHUNK_BYTES = 1024 * 1024;

export class LocalFolderStore implements ObjectStore {
  readonly root: string;
  constructor(root: string) {
    this.root = root.replace(/\/+$/, "");
  }

  #path(key: string): string {
    if (key === "" || key.startsWith("/") || key.split("/").some((s) => s === ".." || s === "")) {
      throw new RangeError(
        `Cannot use object key "${key}": it must be a relative path without ".."`,
      );
    }
    return `${this.root}/${key}`;
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array | null> {
    const path = this.#path(key);
    if (!range) {
      try {
        return await Deno.readFile(path);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return null;
        throw e;
      }
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
    try {
      await file.seek(range.offset, Deno.SeekMode.Start);
      const out = range.into && range.into.length >= range.length
        ? range.into.subarray(0, range.length)
        : new Uint8Array(range.length);
      let got = 0;
      while (got < range.length) {
        const n = await file.read(out.subarray(got));
        if (n === null) break;
        got += n;
      }
      if (got < range.length) {
        throw new RangeError(
          `Cannot read ${range.length} bytes at ${range.offset} of "${key}": the object ends after ${got}`,
        );
      }
      return out;
    } finally {
      file.close();
    }
  }

  /**
   * The object's bytes in chunks of up to {@link STREAM_CHUNK_BYTES} (a
   * file's own `readable` gives 64 KiB ones: fifteen times the reads and
   * writes when a slab is copied into the realigned image).
   */
  async getStream(key: string): Promise<ReadableStream<Uint8Array> | null> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.#path(key), { read: true });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const buf = new Uint8Array(STREAM_CHUNK_BYTES);
          const n = await file.read(buf);
          if (n === null) {
            file.close();
            controller.close();
          } else controller.enqueue(buf.subarray(0, n));
        } catch (e) {
          file.close();
          throw e;
        }
      },
      cancel() {
        file.close();
      },
    }, { highWaterMark: 0 });
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const st = await Deno.stat(this.#path(key));
      return st.isFile ? { key, size: st.size } : null;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
  }

  async put(key: string, body: ObjectBody): Promise<void> {
    const path = this.#path(key);
    const dir = path.slice(0, path.lastIndexOf("/"));
    await Deno.mkdir(dir, { recursive: true });
    // The writer's pid is in the name, so a later writer can tell a dead writer's leftover.
    const tmp = `${dir}/.${path.slice(dir.length + 1)}.${Deno.pid}-${
      crypto.randomUUID().slice(0, 8)
    }.part`;
    try {
      if (body instanceof Uint8Array) {
        await Deno.writeFile(tmp, body);
      } else {
        const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
        await body.pipeTo(file.writable);
      }
      await Deno.rename(tmp, path);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw e;
    }
    await this.#sweep(dir);
  }

  /**
   * Removes temporary files in `dir` left by writer processes that were
   * killed mid-write: the next write into the folder cleans up (a staging
   * object's key is new each time, so its own name would never be written
   * again). A temporary file is left alone while its writer's process lives
   * (another request writing); liveness is read from /proc, so where there is
   * no /proc nothing is swept.
   */
  async #sweep(dir: string): Promise<void> {
    let haveProc: boolean | null = null;
    for await (const e of Deno.readDir(dir)) {
      const m = e.isFile ? /^\..*\.(\d+)-[0-9a-f]{8}\.part$/.exec(e.name) : null;
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid === Deno.pid) continue;
      haveProc ??= await Deno.stat("/proc/self").then(() => true, () => false);
      const alive = await Deno.stat(`/proc/${pid}`).then(() => true, () => false);
      if (haveProc && !alive) await Deno.remove(`${dir}/${e.name}`).catch(() => {});
    }
  }

  async list(prefix: string, cursor?: string): Promise<{ objects: ObjectInfo[]; cursor?: string }> {
    const slash = prefix.lastIndexOf("/");
    const base = slash >= 0 ? prefix.slice(0, slash) : "";
    const keys: ObjectInfo[] = [];
    const walk = async (rel: string): Promise<void> => {
      const dir = rel === "" ? this.root : `${this.root}/${rel}`;
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(dir));
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return;
        throw e;
      }
      for (const ent of entries) {
        if (ent.name.startsWith(".")) continue;
        const key = rel === "" ? ent.name : `${rel}/${ent.name}`;
        if (ent.isDirectory) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(key);
        } else if (ent.isFile && key.startsWith(prefix)) {
          const st = await Deno.stat(`${this.root}/${key}`);
          keys.push({ key, size: st.size });
        }
      }
    };
    await walk(base);
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const from = cursor === undefined ? 0 : keys.findIndex((k) => k.key > cursor);
    const page = from < 0 ? [] : keys.slice(from, from + PAGE);
    const more = from >= 0 && from + PAGE < keys.length;
    return more ? { objects: page, cursor: page[page.length - 1]!.key } : { objects: page };
  }

  /** A rename within the folder: atomic, the bytes stay where they are. */
  async move(from: string, to: string): Promise<void> {
    const path = this.#path(to);
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    try {
      await Deno.rename(this.#path(from), path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new Error(`Cannot move "${from}" to "${to}": there is no object "${from}"`);
      }
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await Deno.remove(this.#path(key));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}
