/**
 * One entry for every compute function: dispatch a task to its function, then
 * record its result in the job store (idempotent: a redelivered task
 * overwrites the same entry). Web Workers, `deno serve` and Cloudflare queue
 * consumers all call this.
 *
 * @module
 */
import { estimatePhase, type Phase, type Task, type TaskResult } from "../shared/job.ts";
import type { FunctionPorts } from "../shared/ports/function_ports.ts";
import { estimate, prepare } from "./estimate.ts";
import { reslice } from "./reslice.ts";
import { automaskTarget } from "./automask_target.ts";

/** The phase a task belongs to (its results and progress are counted there). */
export function phaseOf(task: Task): Phase {
  if (task.fn === "estimate") return estimatePhase(task.pass);
  if (task.fn === "prepare" || task.fn === "automask") return task.fn;
  return task.slabKey === null ? "mean" : "reslice";
}

/** Run `task` with `ports`; resolves with the function's small result once it is stored. */
export async function runTask(task: Task, ports: FunctionPorts): Promise<TaskResult> {
  const startedAt = performance.timeOrigin + performance.now();
  let result: TaskResult;
  switch (task.fn) {
    case "estimate":
      result = await estimate(task, ports);
      break;
    case "reslice":
      result = await reslice(task, ports);
      break;
    case "prepare":
      result = await prepare(task, ports);
      break;
    case "automask":
      result = await automaskTarget(task, ports);
      break;
    default:
      throw new TypeError(`Cannot run task: unknown function "${(task as { fn: string }).fn}"`);
  }
  result = { ...result, startedAt };
  await ports.jobs.putTaskResult(task.job, phaseOf(task), result);
  return result;
}
