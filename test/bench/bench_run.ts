/**
 * The benchmark's simulated run: Colin27 sampled at moved positions,
 * 64×64×36 at 3.5×3.5×4 mm, slow drifts plus two sudden jumps, 2 % noise,
 * rounded to int16 values. Cached in the system temp folder.
 *
 * @module
 */
import type { NiftiHeader } from "../../shared/nifti/header.ts";
import { readNifti } from "../../shared/nifti/read.ts";
import { encodeNifti } from "../../shared/nifti/read.ts";
import type { Mat4 } from "../../shared/rigid.ts";
import { simulateRun } from "../helpers/simulate.ts";
import { syntheticHeader } from "../helpers/synthetic_header.ts";

export interface BenchRun {
  data: Float32Array;
  affine: Mat4;
  header: NiftiHeader;
}

/** Motion of frame t: drifts up to ~2 mm / 2°, jumps at 40 % and 70 % of the run. */
export function benchMotion(t: number, n: number): number[] {
  const s = t / Math.max(1, n - 1);
  const jump = (s > 0.4 ? 1 : 0) + (s > 0.7 ? -0.6 : 0);
  return [
    1.5 * s + 0.8 * jump,
    -1.0 * s + 0.3 * Math.sin(6 * s),
    0.6 * Math.sin(3 * s) + 0.5 * jump,
    1.2 * s,
    -0.8 * Math.sin(4 * s) + 1.0 * jump,
    0.9 * s,
  ];
}

export async function benchRun(frames: number): Promise<BenchRun> {
  const cache = `${Deno.env.get("TMPDIR") ?? "/tmp"}/realign-bench-sim-${frames}.nii`;
  try {
    const img = await readNifti(await Deno.readFile(cache), cache);
    return { data: img.data, affine: img.affine, header: img.header };
  } catch {
    // not cached yet
  }
  const motions = Array.from({ length: frames }, (_, t) => benchMotion(t, frames));
  const sim = await simulateRun({
    dims: [64, 64, 36],
    voxelSize: [3.5, 3.5, 4],
    motions,
    noise: 0.02,
    seed: 7,
  });
  for (let i = 0; i < sim.data.length; i++) sim.data[i] = Math.round(sim.data[i]! * 8);
  const header = syntheticHeader([64, 64, 36, frames], sim.affine, { datatype: 4 });
  await Deno.writeFile(
    cache,
    await encodeNifti(header, sim.data, { datatype: 4, sclSlope: 1, sclInter: 0 }, false),
  );
  return { data: sim.data, affine: sim.affine, header };
}
