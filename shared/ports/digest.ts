/**
 * The digest port: an incremental SHA-256 (job ids hash the whole input as
 * it streams by). `shared/sha256.ts` is the pure one; a runtime with a native
 * digest (node:crypto in Deno and in workerd with `nodejs_compat`) hands in a
 * faster one through `OrchestratorPorts.sha256`.
 *
 * @module
 */

/** SHA-256 fed chunk by chunk. */
export interface IncrementalHash {
  update(bytes: Uint8Array): void;
  /** Lower-case hex digest of everything fed so far; call once, at the end. */
  hex(): string;
}

/** A fresh {@link IncrementalHash}. */
export type HashFactory = () => IncrementalHash;
