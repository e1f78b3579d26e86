/**
 * `deno task accuracy`: how well realign recovers known motion, end to end.
 *
 * A 64×64×36 run at 3.5×3.5×4 mm is simulated from the 1 mm Colin27 brain
 * (each frame sampled at its moved positions, partial volume from 3×3×3
 * sub-samples, Gaussian noise of 2 % of the mean brain intensity, stored as
 * int16), with slow drifts up to ~4 mm and ~4.5° and two sudden jumps. The
 * real CLI registers it with each estimation degree and `--ref first` and
 * `--ref mean`; the `_xfm.tsv` it writes is compared with the truth as the
 * displacement of every brain voxel (mm). Printed per setting: the mean over
 * frames of the mean displacement error, the worst frame's mean, the worst
 * voxel, and the wall time of the run.
 *
 * Options: `--frames N` (default 60), `--degrees 1,2,4` (default 1-7).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { encodeNifti } from "../../shared/nifti/read.ts";
import { parseXfmTsv } from "../../shared/motion/motion_files.ts";
import { invert4 } from "../../shared/rigid.ts";
import { ROOT } from "../helpers/cli.ts";
import { displacementError, simulateRun } from "../helpers/simulate.ts";
import { syntheticHeader } from "../helpers/synthetic_header.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { frames: { type: "string" }, degrees: { type: "string" } },
});
const frames = Number(values.frames ?? 60);
const degrees = (values.degrees ?? "1,2,3,4,5,6,7").split(",").map(Number);

/** Motion of frame t (of n): drifts to ~4 mm / ~4.5°, jumps at 35 % and 70 % of the run. */
export function accuracyMotion(t: number, n: number): number[] {
  const s = t / Math.max(1, n - 1);
  const jump = (s >= 0.35 ? 1 : 0) + (s >= 0.7 ? -0.5 : 0);
  return [
    3.0 * s + 1.8 * jump,
    -2.4 * s + 0.7 * Math.sin(7 * s) - 1.4 * jump,
    1.5 * Math.sin(3 * s) + 1.7 * jump,
    3.5 * s + 1.8 * jump,
    -1.8 * Math.sin(4 * s) - 1.2 * jump,
    4.2 * s - 1.2 * jump * Math.cos(2 * s),
  ];
}

const dims: [number, number, number] = [64, 64, 36];
const motions = Array.from({ length: frames }, (_, t) => accuracyMotion(t, frames));
const maxMm = Math.max(...motions.flatMap((m) => m.slice(0, 3).map(Math.abs)));
const maxDeg = Math.max(...motions.flatMap((m) => m.slice(3).map(Math.abs)));
console.log(
  `realign accuracy: simulated Colin27 run ${dims.join("×")}×${frames} at 3.5×3.5×4 mm, ` +
    `2 % noise, int16; motion up to ${maxMm.toFixed(1)} mm and ${maxDeg.toFixed(1)}°`,
);
const sim = await simulateRun({
  dims,
  voxelSize: [3.5, 3.5, 4],
  motions,
  noise: 0.02,
  seed: 2026,
});
// Stored as int16 like a scanner's output (×8 keeps the quantisation far below the noise).
for (let i = 0; i < sim.data.length; i++) sim.data[i] = Math.round(sim.data[i]! * 8);
const header = syntheticHeader([...dims, frames], sim.affine, { datatype: 4 });
const dir = await Deno.makeTempDir({ prefix: "realign-accuracy-" });
const input = `${dir}/sim_bold.nii`;
await Deno.writeFile(
  input,
  await encodeNifti(header, sim.data, { datatype: 4, sclSlope: 1, sclInter: 0 }, false),
);

console.log("| estimation | --ref | mean error | worst frame (mean) | worst voxel | time |");
console.log("| --- | --- | --- | --- | --- | --- |");
try {
  for (const degree of degrees) {
    for (const ref of ["first", "mean"]) {
      const out = `${dir}/out-${degree}-${ref}`;
      const t0 = performance.now();
      const r = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          "--unstable-kv",
          `${ROOT}/infra/deno/main.ts`,
          input,
          "--quiet",
          "--interp-estimate",
          String(degree),
          "--ref",
          ref,
          "--out",
          out,
          "--store",
          `${dir}/store`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const seconds = (performance.now() - t0) / 1000;
      if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
      const xfm = parseXfmTsv(await Deno.readTextFile(`${out}/sim_xfm.tsv`));
      let sum = 0, worstFrame = 0, worstVoxel = 0;
      for (let t = 0; t < frames; t++) {
        const e = displacementError(
          invert4(xfm[t]!),
          sim.truth[t]!,
          sim.affine,
          sim.brainMask,
          dims,
        );
        sum += e.mean;
        worstFrame = Math.max(worstFrame, e.mean);
        worstVoxel = Math.max(worstVoxel, e.max);
      }
      const name = degree === 1 ? "trilinear" : `B-spline ${degree}`;
      console.log(
        `| ${name} | ${ref} | ${(sum / frames).toFixed(4)} mm | ${worstFrame.toFixed(4)} mm | ${
          worstVoxel.toFixed(4)
        } mm | ${seconds.toFixed(1)} s |`,
      );
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
