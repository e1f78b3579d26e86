/**
 * What a compute function may touch: the three ports, nothing else.
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
}
