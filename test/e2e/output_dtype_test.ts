/**
 * Output datatype under B-spline overshoot: an int16 run whose box reaches
 * 32000 (near the int16 limit), and a uint8 run whose box is 255 on 0, moved
 * by fractions of a voxel, resliced with the default 4th-degree B-spline. The
 * resampled values leave the input's range; the output keeps the input's
 * datatype with a scl_slope/scl_inter chosen so that nothing clips: decoded,
 * it equals a `--dtype float32` run of the same input within one
 * quantisation step, and that step is within 3× of the tightest one.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { runCli, tempDir } from "../helpers/cli.ts";
import { buildNifti } from "../helpers/corrupt_files.ts";
import { readNifti } from "../../shared/nifti/read.ts";

const [NX, NY, NZ, NT] = [24, 24, 16, 3];
const SHIFTS = [0, 0.45, -0.6]; // x shift of the box per frame, voxels

/** A box of `high` on `low`, moved by SHIFTS[t] voxels in x, partial-volume edges, rounded. */
function boxRun(low: number, high: number): Float64Array {
  const out = new Float64Array(NX * NY * NZ * NT);
  const cover = (a: number, lo: number, hi: number) =>
    Math.max(0, Math.min(a + 0.5, hi) - Math.max(a - 0.5, lo));
  let o = 0;
  for (let t = 0; t < NT; t++) {
    for (let z = 0; z < NZ; z++) {
      for (let y = 0; y < NY; y++) {
        for (let x = 0; x < NX; x++, o++) {
          const f = cover(x, 7 + SHIFTS[t]!, 16 + SHIFTS[t]!) * cover(y, 6, 17) * cover(z, 4, 12) +
            0.3 * cover(x, 9 + SHIFTS[t]!, 12 + SHIFTS[t]!) * cover(y, 3, 6) * cover(z, 5, 9);
          out[o] = Math.round(low + (high - low) * Math.min(1, f));
        }
      }
    }
  }
  return out;
}

for (
  const [label, datatype, low, high, lo, hi] of [
    ["int16", 4, 0, 32000, -32768, 32767],
    ["uint8", 2, 0, 255, 0, 255],
  ] as const
) {
  Deno.test(`${label} output: B-spline overshoot is not clipped (scl_slope widened)`, async () => {
    const dir = await tempDir();
    const values = boxRun(low, high);
    await Deno.writeFile(
      `${dir}/box.nii`,
      buildNifti({
        dims: [4, NX, NY, NZ, NT, 1, 1, 1],
        pixdim: [1, 2, 2, 3, 2, 0, 0, 0],
        datatype,
        values,
      }),
    );
    for (const [args, out] of [[[], "same"], [["--dtype", "float32"], "float"]] as const) {
      const r = await runCli(
        ["box.nii", "--out", out, "--store", "store", "--quiet", ...args],
        dir,
      );
      assertEquals(r.code, 0, `${label} ${out}: ${r.stderr}`);
    }
    const same = await readNifti(
      await Deno.readFile(`${dir}/same/box_desc-realigned_bold.nii`),
      "same",
    );
    const float = await readNifti(
      await Deno.readFile(`${dir}/float/box_desc-realigned_bold.nii`),
      "float",
    );
    assertEquals(same.header.datatype, datatype, `${label}: output keeps the input's datatype`);
    assertEquals(float.header.datatype, 16, `${label}: --dtype float32 writes float32`);
    let fmin = Infinity, fmax = -Infinity;
    for (const v of float.data) {
      fmin = Math.min(fmin, v);
      fmax = Math.max(fmax, v);
    }
    // the premise: reslicing overshoots the stored type's range
    assert(fmax > hi || fmin < lo, `${label}: overshoot beyond [${lo}, ${hi}]: [${fmin}, ${fmax}]`);
    const step = same.header.sclSlope;
    assert(step > 0 && Number.isFinite(step), `${label}: scl_slope ${step}`);
    // and not needlessly coarse: within 3× of the tightest scaling for the values written
    // (the bound, from the frames' spline coefficients, is conservative)
    const tightest = lo === 0
      ? (Math.max(0, fmax) - Math.min(0, fmin)) / hi
      : Math.max(fmax / hi, fmin / lo);
    assert(step <= 3 * tightest, `${label}: scl_slope ${step} vs tightest ${tightest}`);
    let worst = 0, at = -1;
    for (let i = 0; i < float.data.length; i++) {
      const d = Math.abs(same.data[i]! - float.data[i]!);
      if (d > worst) [worst, at] = [d, i];
    }
    assert(
      worst <= step / 2 + 1e-6 * Math.max(1, Math.abs(fmax), Math.abs(fmin)),
      `${label}: decoded output within half a step (${step}) of float32; voxel ${at} differs by ` +
        `${worst}: ${same.data[at]} vs ${float.data[at]}`,
    );
  });
}
