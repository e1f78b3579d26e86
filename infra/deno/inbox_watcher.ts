/**
 * The local stand-in for bucket notifications: a watched drop folder. A run
 * that lands in it (once its size has stopped changing) is copied to the
 * bucket's `inbox/` and handed to {@link JobService.landed}, which starts a
 * job with the default options unless one exists for those bytes. Files
 * already there when the watch starts are handed over too (dropped while the
 * server was down); names starting with "." are ignored.
 *
 * @module
 */
import { INBOX, type JobService } from "../../orchestrator/job_service.ts";
import type { ObjectStore } from "../../shared/ports/object_store.ts";

/** How long a file's size must stay the same before it counts as landed, ms. */
const SETTLE_MS = 250;

async function filesUnder(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(rel ? `${dir}/${rel}` : dir)) {
    if (e.name.startsWith(".")) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await filesUnder(dir, r));
    else if (e.isFile) out.push(r);
  }
  return out;
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    const st = await Deno.stat(path);
    return st.isFile ? st.size : null;
  } catch {
    return null;
  }
}

/** Watch `dir`; returns a handle whose `close()` stops watching. */
export async function watchInbox(
  dir: string,
  bucket: ObjectStore,
  service: JobService,
  log: (line: string) => void,
): Promise<{ close(): void; settled(): Promise<void> }> {
  await Deno.mkdir(dir, { recursive: true });
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const pending = new Set<Promise<void>>();

  const ingest = async (rel: string, size: number) => {
    const path = `${dir}/${rel}`;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const now = await sizeOf(path);
    if (now === null) return;
    if (now !== size) return schedule(rel);
    const key = `${INBOX}${rel}`;
    const file = await Deno.open(path, { read: true });
    await bucket.put(key, file.readable);
    const { job, started } = await service.landed(key);
    log(`inbox: ${rel} → job ${job}${started ? " started" : " (exists)"}`);
  };

  const schedule = (rel: string) => {
    clearTimeout(timers.get(rel));
    timers.set(
      rel,
      setTimeout(async () => {
        timers.delete(rel);
        const size = await sizeOf(`${dir}/${rel}`);
        if (size === null) return;
        const p = ingest(rel, size).catch((e) =>
          log(`inbox: ${rel}: ${e instanceof Error ? e.message : String(e)}`)
        );
        pending.add(p);
        p.finally(() => pending.delete(p));
      }, SETTLE_MS),
    );
  };

  const watcher = Deno.watchFs(dir, { recursive: true });
  (async () => {
    for await (const ev of watcher) {
      if (ev.kind !== "create" && ev.kind !== "modify" && ev.kind !== "rename") continue;
      for (const p of ev.paths) {
        if (!p.startsWith(`${dir}/`)) continue;
        const rel = p.slice(dir.length + 1);
        if (rel.split("/").some((s) => s.startsWith("."))) continue;
        schedule(rel);
      }
    }
  })().catch((e) => log(`inbox watch stopped: ${e}`));
  for (const rel of await filesUnder(dir)) schedule(rel);

  return {
    close: () => {
      watcher.close();
      for (const t of timers.values()) clearTimeout(t);
    },
    settled: async () => {
      while (timers.size > 0 || pending.size > 0) {
        await Promise.all(pending);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
