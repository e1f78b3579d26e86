import { assert, assertClose, assertEquals } from "../../helpers/assert.ts";
import { prepareReference } from "../../../shared/estimate/reference_model.ts";
import { createEstimateScratch, estimateFrame } from "../../../shared/estimate/estimate_frame.ts";
import { spmImatrix } from "../../../shared/rigid.ts";
import { displacementError, simulateRun } from "../../helpers/simulate.ts";

Deno.test("simulateRun follows the convention: T = +1 voxel in x moves the tissue +1 voxel", async () => {
  const run = await simulateRun({
    dims: [24, 28, 20],
    voxelSize: [7, 7, 8],
    motions: [[0, 0, 0, 0, 0, 0], [7, 0, 0, 0, 0, 0]],
    noise: 0,
    seed: 1,
    subsample: 1,
  });
  const n3 = 24 * 28 * 20;
  // frame1(v) = brain(T⁻¹ v) = brain(v − 7 mm x) = frame0(voxel i − 1).
  for (let o = 0; o < n3; o++) {
    if (o % 24 === 0) continue;
    assertClose(run.data[n3 + o]!, run.data[o - 1]!, 1e-3, `voxel ${o}`);
  }
  assertEquals(
    displacementError(
      run.truth[1]!.map((v, i) => (i === 3 ? -v : v)),
      run.truth[1]!,
      run.affine,
      run.brainMask,
      run.dims,
    ).max,
    0,
  );
});

for (const degree of [1, 2, 4]) {
  Deno.test(`recovery of known motion on a simulated Colin27 run (3.5×3.5×4 mm, 2 % noise), degree ${degree}`, async () => {
    const motions = [
      [0, 0, 0, 0, 0, 0],
      [1, 0, 0, 0, 0, 0],
      [0, -2, 0.5, 1, 0, 0],
      [0.5, 0.5, -3, 0, 2, 0],
      [-1.5, 1, 0, 0, 0, 3],
      [3, -3, 2, -2, 1.5, -1],
      [-2, 2.5, -1.5, 3, -3, 2],
      [0.3, -0.2, 0.1, -0.5, 0.4, -0.3],
    ];
    const run = await simulateRun({
      dims: [48, 56, 40],
      voxelSize: [3.5, 3.5, 4],
      motions,
      noise: 0.02,
      seed: 42,
    });
    const n3 = 48 * 56 * 40;
    const model = prepareReference(run.data.subarray(0, n3), run.dims, run.affine, {
      fwhm: 5,
      sep: 4,
      quality: 0.9,
      degree,
    });
    const scratch = createEstimateScratch(model);
    const lines: string[] = [];
    let worst = 0, sum = 0;
    for (let t = 0; t < motions.length; t++) {
      const r = estimateFrame(model, run.data.subarray(t * n3, (t + 1) * n3), scratch, t);
      const e = displacementError(r.m, run.truth[t]!, run.affine, run.brainMask, run.dims);
      lines.push(
        `frame ${t}: mean ${e.mean.toFixed(4)} mm, max ${e.max.toFixed(4)} mm, ` +
          `${r.iterations} iterations`,
      );
      // The largest motion is 3 mm / 3°; the error must be a small fraction of it.
      assert(e.mean < 0.05, `frame ${t}: mean displacement error ${e.mean} mm`);
      assert(e.max < 0.1, `frame ${t}: max displacement error ${e.max} mm`);
      worst = Math.max(worst, e.mean);
      sum += e.mean;
      if (t === 0) assertClose(spmImatrix(r.m), [0, 0, 0, 0, 0, 0], 1e-9);
    }
    assert(sum / (motions.length - 1) < 0.03, `average over frames ${sum / (motions.length - 1)}`);
    console.log(
      `degree ${degree}\n` + lines.join("\n") + `\nworst frame mean ${worst.toFixed(4)} mm`,
    );
  });
}
