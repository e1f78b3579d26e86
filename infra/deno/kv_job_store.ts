/**
 * {@link JobStore} on Deno KV (a local SQLite file by default). Several
 * processes or Web Workers may open the same file; SQLite then answers
 * "database is locked" under contention, which this adapter retries.
 *
 * Keys: `["job", id]`, `["params", id, pass, frame]`, `["done", id, phase, frame]`,
 * `["progress", id, phase]` (a KvU64 counter), `["task", id, phase, "start-end"]`.
 *
 * @module
 */
import {
  estimatePhase,
  type FrameParams,
  type JobRecord,
  type Phase,
  type TaskResult,
} from "../../shared/job.ts";
import type { FrameEntry, JobStore } from "../../shared/ports/job_store.ts";

/** Frames per atomic commit (Deno KV allows 100 checks and 1000 mutations). */
const MUTATIONS = 50;
/** Keys per `getMany` (Deno KV reads at most 10). */
const READS = 10;

async function retry<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await op();
    } catch (e) {
      const locked = e instanceof Error && /database is locked|busy/i.test(e.message);
      if (!locked || attempt > 400) throw e;
      await new Promise((r) => setTimeout(r, 1 + Math.min(attempt, 20)));
    }
  }
}

export class KvJobStore implements JobStore {
  readonly #kv: Deno.Kv;
  private constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** Open (creating) the KV database at `path`. */
  static async open(path: string): Promise<KvJobStore> {
    return new KvJobStore(await retry(() => Deno.openKv(path)));
  }

  close(): void {
    this.#kv.close();
  }

  async getJob(id: string): Promise<JobRecord | null> {
    return (await retry(() => this.#kv.get<JobRecord>(["job", id]))).value;
  }

  async createJob(record: JobRecord): Promise<boolean> {
    const key = ["job", record.id];
    const res = await retry(() =>
      this.#kv.atomic().check({ key, versionstamp: null }).set(key, record).commit()
    );
    return res.ok;
  }

  async putJob(record: JobRecord): Promise<void> {
    await retry(() => this.#kv.set(["job", record.id], record));
  }

  async listJobs(): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    for await (const e of this.#kv.list<JobRecord>({ prefix: ["job"] })) out.push(e.value);
    return out;
  }

  async deleteJob(id: string): Promise<void> {
    for (const prefix of [["params", id], ["done", id], ["progress", id], ["task", id]]) {
      const keys: Deno.KvKey[] = [];
      for await (const e of this.#kv.list({ prefix })) keys.push(e.key);
      // a few atomic batches, not one write per key (a run has an entry per frame)
      for (let i = 0; i < keys.length; i += MUTATIONS) {
        const part = keys.slice(i, i + MUTATIONS);
        await retry(() => {
          const op = this.#kv.atomic();
          for (const k of part) op.delete(k);
          return op.commit();
        });
      }
    }
    await retry(() => this.#kv.delete(["job", id]));
  }

  async putParams(id: string, pass: number, entries: FrameEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += MUTATIONS) {
      const part = entries.slice(i, i + MUTATIONS);
      await retry(() => {
        const op = this.#kv.atomic();
        for (const e of part) op.set(["params", id, pass, e.frame], e.params);
        return op.commit();
      });
    }
    await this.framesDone(id, estimatePhase(pass), entries.map((e) => e.frame));
  }

  async getParams(
    id: string,
    pass: number,
    start: number,
    end: number,
  ): Promise<(FrameParams | null)[]> {
    const out: (FrameParams | null)[] = new Array(end - start).fill(null);
    const iter = this.#kv.list<FrameParams>({
      start: ["params", id, pass, start],
      end: ["params", id, pass, end],
    });
    for await (const e of iter) out[(e.key[3] as number) - start] = e.value;
    return out;
  }

  async framesDone(id: string, phase: Phase, frames: number[]): Promise<void> {
    for (let i = 0; i < frames.length; i += MUTATIONS) {
      const part = frames.slice(i, i + MUTATIONS);
      for (;;) {
        // count only frames not counted before (a redelivered task counts once)
        const keys = part.map((f) => ["done", id, phase, f]);
        const seen: Deno.KvEntryMaybe<unknown>[] = [];
        for (let k = 0; k < keys.length; k += READS) {
          seen.push(...await retry(() => this.#kv.getMany(keys.slice(k, k + READS))));
        }
        const fresh = seen.filter((e) => e.versionstamp === null);
        if (fresh.length === 0) break;
        const op = this.#kv.atomic();
        for (const e of fresh) op.check({ key: e.key, versionstamp: null }).set(e.key, true);
        op.sum(["progress", id, phase], BigInt(fresh.length));
        if ((await retry(() => op.commit())).ok) break;
      }
    }
  }

  async progress(id: string, phase: Phase): Promise<number> {
    const v = (await retry(() => this.#kv.get<Deno.KvU64>(["progress", id, phase]))).value;
    return v ? Number(v.value) : 0;
  }

  async putTaskResult(id: string, phase: Phase, result: TaskResult): Promise<void> {
    await retry(() => this.#kv.set(["task", id, phase, `${result.start}-${result.end}`], result));
  }

  async getTaskResults(id: string, phase: Phase): Promise<Map<string, TaskResult>> {
    const out = new Map<string, TaskResult>();
    for await (const e of this.#kv.list<TaskResult>({ prefix: ["task", id, phase] })) {
      out.set(e.key[3] as string, e.value);
    }
    return out;
  }
}
