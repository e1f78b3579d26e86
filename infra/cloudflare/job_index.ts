/**
 * `JobIndex`: one Durable Object (named "index") holding the ids of every
 * job, so the scheduler and `listJobs` can find them (a namespace of Durable
 * Objects cannot be enumerated). Strongly consistent, like the job objects.
 *
 * @module
 */
import { DurableObject } from "cloudflare:workers";

export class JobIndex extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec("CREATE TABLE IF NOT EXISTS ids (id TEXT PRIMARY KEY)");
  }

  add(id: string): void {
    this.#sql.exec("INSERT OR IGNORE INTO ids (id) VALUES (?)", id);
  }

  has(id: string): boolean {
    return this.#sql.exec("SELECT 1 FROM ids WHERE id = ?", id).toArray().length > 0;
  }

  remove(id: string): void {
    this.#sql.exec("DELETE FROM ids WHERE id = ?", id);
  }

  /** Every job id, sorted. */
  list(): string[] {
    return this.#sql.exec<{ id: string }>("SELECT id FROM ids ORDER BY id")
      .toArray().map((r) => r.id);
  }
}
