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
import { estimatePhase, type FrameParams, type JobRecord, type Phase, type TaskResult } from "../../shared/job.ts";
import type { JobStore } from "../../shared/ports/job_store.ts";

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
      for (const k of keys) await retry(() => this.#kv.delete(k));
    }
    await retry(() => this.#kv.delete(["job", id]));
  }

  async putParams(id: string, pass: number, frame: number, params: FrameParams): Promise<void> {
    await retry(() => this.#kv.set(["params", id, pass, frame], params));
    await this.frameDone(id, estimatePhase(pass), frame);
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

  async frameDone(id: string, phase: Phase, frame: number): Promise<void> {
    const key = ["done", id, phase, frame];
    await retry(() =>
      this.#kv.atomic().check({ key, versionstamp: null }).set(key, true)
        .sum(["progress", id, phase], 1n).commit()
    );
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
