/**
 * The automask function: the brain mask of the registration target
 * (`shared/report/automask.ts`), stored for the orchestrator, which ANDs it
 * with the coverage mask for reslicing and the report. With two or more
 * functions the orchestrator starts it beside the early model's prepare
 * function (`orchestrator/early_model.ts`), while the input is still being
 * read, instead of making the mask itself beside the estimate functions.
 *
 * @module
 */
import type { AutomaskTask, TaskResult } from "../shared/job.ts";
import type { FunctionPorts } from "../shared/ports/function_ports.ts";
import { automask } from "../shared/report/automask.ts";
import { readFloat32 } from "./read_frames.ts";

export async function automaskTarget(
  task: AutomaskTask,
  ports: FunctionPorts,
): Promise<TaskResult> {
  const t0 = performance.now();
  const [nx, ny, nz] = task.run.dims;
  const target = await readFloat32(ports.objects, task.refKey, nx * ny * nz);
  const t1 = performance.now();
  const mask = automask(target, [nx, ny, nz]);
  const t2 = performance.now();
  await ports.objects.put(task.brainKey, mask);
  return {
    fn: "automask",
    start: 0,
    end: 0,
    readMs: t1 - t0,
    computeMs: t2 - t1,
    writeMs: performance.now() - t2,
  };
}
