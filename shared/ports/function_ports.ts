/**
 * What a compute function may touch: the three ports, nothing else (and, for
 * `--profile`, an optional probe of its isolate's memory).
 *
 * @module
 */
import type { Compression } from "./compression.ts";
import type { JobStore } from "./job_store.ts";
import type { ObjectStore } from "./object_store.ts";

export interface FunctionPorts {
  objects: ObjectStore;
  jobs: JobStore;
  compression: Compression;
  /**
   * Bytes the function's isolate holds now (JS heap + ArrayBuffers + WebAssembly memory), where
   * the runtime tells; the function reports the largest value it saw.
   */
  memory?: () => number;
}
