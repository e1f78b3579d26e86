/**
 * The orchestrator's ports on Deno, put together once for every entry point
 * (the CLI, `deno task serve`, `deno task reprocess`): the given store, job
 * store and invoker, with Deno's compression (node:zlib), plot renderer
 * (resvg, in its own Web Worker: close it with `ports.rasterizer.close()`)
 * and SHA-256 (node:crypto).
 *
 * @module
 */
import type { OrchestratorPorts } from "../../orchestrator/register.ts";
import type { Invoker } from "../../shared/ports/invoker.ts";
import type { JobStore } from "../../shared/ports/job_store.ts";
import type { ObjectStore } from "../../shared/ports/object_store.ts";
import { nodeSha256 } from "./node_sha256.ts";
import { WorkerRasterizer } from "./worker_rasterizer.ts";
import { zlibCompression } from "./zlib_compression.ts";

export function runtimePorts(
  objects: ObjectStore,
  jobs: JobStore,
  invoker: Invoker,
): OrchestratorPorts {
  return {
    objects,
    jobs,
    invoker,
    compression: zlibCompression,
    rasterizer: new WorkerRasterizer(),
    sha256: nodeSha256,
  };
}
