/**
 * Output conventions end to end, with hand-made motions whose rows are known
 * in advance: frame 1 is the tissue moved +2 mm along x, frame 2 the tissue
 * turned 3° about z (x towards y). `T(t)` maps a first-frame point to the same
 * tissue in frame t; `_rp.txt` holds `spm_imatrix(T(t)⁻¹)`.
 */
import { assert, assertClose, assertEquals } from "../helpers/assert.ts";
import { runCli, tempDir } from "../helpers/cli.ts";
import { simulateRun } from "../helpers/simulate.ts";
import { syntheticHeader } from "../helpers/synthetic_header.ts";
import { encodeNifti, readNifti } from "../../shared/nifti/read.ts";
import { parseMotionTsv, parseRpText, parseXfmTsv } from "../../shared/motion/motion_files.ts";

const YAW = (3 * Math.PI) / 180;

Deno.test("a +2 mm x shift and a 3° yaw give the rp, tsv and xfm rows written down in advance", async () => {
  // simulateRun's rows are spmMatrix parameters of T(t) (degrees); SPM's R3 with
  // yaw −3° is the right-handed +3° turn (x → y).
  const sim = await simulateRun({
    dims: [44, 52, 36],
    voxelSize: [3.5, 3.5, 4],
    motions: [[0, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, -3]],
    noise: 0.01,
    seed: 3,
  });
  const dir = await tempDir();
  const header = syntheticHeader([44, 52, 36, 3], sim.affine, { tr: 2 });
  await Deno.writeFile(
    `${dir}/hand_bold.nii`,
    await encodeNifti(header, sim.data, { datatype: 16 }, false),
  );
  const r = await runCli(["hand_bold.nii", "--workers", "2"], dir);
  assertEquals(r.code, 0, r.stderr);

  const rp = parseRpText(await Deno.readTextFile(`${dir}/hand_rp.txt`));
  const expected = [[0, 0, 0, 0, 0, 0], [-2, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, YAW]];
  for (let t = 0; t < 3; t++) {
    for (let k = 0; k < 3; k++) {
      assertClose(rp[t]![k]!, expected[t]![k]!, 0.08, `rp frame ${t} trans ${k}`);
    }
    for (let k = 3; k < 6; k++) {
      assertClose(rp[t]![k]!, expected[t]![k]!, 0.002, `rp frame ${t} rot ${k}`);
    }
  }
  assertEquals(rp[0], [0, 0, 0, 0, 0, 0]);

  const tsv = parseMotionTsv(await Deno.readTextFile(`${dir}/hand_motion.tsv`));
  for (let t = 0; t < 3; t++) {
    for (let k = 0; k < 6; k++) {
      assertClose(tsv.params[t]![k]!, rp[t]![k]!, 1e-6, `tsv = rp, frame ${t}`);
    }
  }
  const fd = tsv.columns.framewise_displacement!;
  assertEquals(fd[0], 0);
  assertClose(fd[1]!, 2, 0.1, "FD of the shift");
  assertClose(fd[2]!, 2 + 50 * YAW, 0.15, "FD back from the shift into the turn");

  const xfm = parseXfmTsv(await Deno.readTextFile(`${dir}/hand_xfm.tsv`));
  assertEquals(xfm[0], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  const c = Math.cos(YAW), s = Math.sin(YAW);
  const want = [
    [1, 0, 0, 2, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
    [c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
  ];
  for (let t = 1; t < 3; t++) {
    for (let i = 0; i < 16; i++) {
      const tol = i % 4 === 3 ? 0.08 : 0.002;
      assertClose(xfm[t]![i]!, want[t - 1]![i]!, tol, `xfm frame ${t} element ${i}`);
    }
  }

  // the realigned frames line up with the first frame inside the brain
  const out = await readNifti(await Deno.readFile(`${dir}/hand_desc-realigned_bold.nii`), "out");
  const n3 = 44 * 52 * 36;
  const before = rmsDiff(sim.data, 0, 1, n3, sim.brainMask);
  const after = rmsDiff(out.data, 0, 1, n3, sim.brainMask);
  assert(after < 0.5 * before, `realigned frame 1 is closer to frame 0: ${after} vs ${before}`);
});

function rmsDiff(d: Float32Array, a: number, b: number, n3: number, mask: Uint8Array): number {
  let s = 0, c = 0;
  for (let i = 0; i < n3; i++) {
    if (!mask[i]) continue;
    const v = d[a * n3 + i]! - d[b * n3 + i]!;
    s += v * v;
    c++;
  }
  return Math.sqrt(s / c);
}
