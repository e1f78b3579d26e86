import {
  framewiseDisplacement,
  rmsDeviation,
} from "../../../shared/motion/framewise_displacement.ts";
import { mulberry32 } from "../../../shared/estimate/prng.ts";
import { identity4, invert4, type Mat4, mul4, spmMatrix } from "../../../shared/rigid.ts";
import { assertClose, assertEquals, assertThrows } from "../../helpers/assert.ts";

/** The project's deterministic PRNG (mulberry32), in [0, 1). */
const rng = mulberry32;

const DEG = Math.PI / 180;

Deno.test("framewiseDisplacement: hand-computed rows, first frame 0", () => {
  const params = [
    [0, 0, 0, 0, 0, 0],
    [1, -1, 0.5, 0.01, 0, -0.02], // 2.5 mm + 50 × 0.03 rad = 4
    [1, -1, 0.5, 0.01, 0, -0.02], // no change: 0
    [0, 0, 0, 0, 0, 0], // back: 4
  ];
  assertClose(framewiseDisplacement(params), [0, 4, 0, 4], 1e-12);
  assertClose(framewiseDisplacement(params, 80), [0, 4.9, 0, 4.9], 1e-12);
  assertEquals(framewiseDisplacement([[0, 0, 0, 0, 0, 0]]), [0]);
  assertEquals(framewiseDisplacement([]), []);
});

Deno.test("framewiseDisplacement: +2 mm shift → 2 mm, 3° yaw → 50 × 0.0523599 = 2.617994 mm", () => {
  assertClose(framewiseDisplacement([[0, 0, 0, 0, 0, 0], [-2, 0, 0, 0, 0, 0]]), [0, 2]);
  const fd = framewiseDisplacement([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 3 * DEG]]);
  assertClose(fd[1]!, 2.617994, 1e-6);
  assertClose(fd[1]!, 50 * 3 * DEG, 1e-14);
  assertThrows(() => framewiseDisplacement([], 0), RangeError, "current value is 0");
});

Deno.test("rmsDeviation: hand cases (translation, rotation about z)", () => {
  const shift = [1, 0, 0, 3, 0, 1, 0, 4, 0, 0, 1, 0, 0, 0, 0, 1];
  assertClose(rmsDeviation(identity4(), shift), 5, 1e-12);
  assertClose(rmsDeviation(shift, shift), 0, 1e-12);
  // Rotation θ about z: |Δ|² = (2 − 2cosθ)(x² + y²), E[x² + y²] = 2R²/5 over the ball.
  const th = 2 * DEG, R = 80;
  const rz = spmMatrix([0, 0, 0, 0, 0, th]);
  const want = Math.sqrt((2 - 2 * Math.cos(th)) * (2 * R * R / 5));
  assertClose(rmsDeviation(identity4(), rz, R), want, 1e-12);
  assertClose(rmsDeviation(rz, identity4(), R), want, 1e-12);
  // Centre moved to (10, 0, 0): adds the displacement of the centre, |A c|².
  const c = 10 * Math.sqrt(2 - 2 * Math.cos(th));
  assertClose(rmsDeviation(identity4(), rz, R, [10, 0, 0]), Math.sqrt(want * want + c * c), 1e-12);
  assertThrows(() => rmsDeviation(rz, rz, -1), RangeError, "current value is -1");
});

Deno.test("rmsDeviation: closed form equals a Monte-Carlo mean over the ball", () => {
  const r = rng(2024);
  const u = (lim: number) => (2 * r() - 1) * lim;
  const R = 80;
  for (let trial = 0; trial < 3; trial++) {
    const m1 = spmMatrix([u(3), u(3), u(3), u(4 * DEG), u(4 * DEG), u(4 * DEG)]);
    const m2 = spmMatrix([u(3), u(3), u(3), u(4 * DEG), u(4 * DEG), u(4 * DEG)]);
    const rel: Mat4 = mul4(m2, invert4(m1));
    let sum = 0, count = 0;
    while (count < 200_000) {
      const x = u(R), y = u(R), z = u(R);
      if (x * x + y * y + z * z > R * R) continue;
      const dx = rel[0]! * x + rel[1]! * y + rel[2]! * z + rel[3]! - x;
      const dy = rel[4]! * x + rel[5]! * y + rel[6]! * z + rel[7]! - y;
      const dz = rel[8]! * x + rel[9]! * y + rel[10]! * z + rel[11]! - z;
      sum += dx * dx + dy * dy + dz * dz;
      count++;
    }
    const mc = Math.sqrt(sum / count);
    const exact = rmsDeviation(m1, m2, R);
    // 200k samples: the relative standard error of the mean square is well under 0.5 %.
    assertClose(mc / exact, 1, 0.01, `trial ${trial}: MC ${mc} vs closed form ${exact}`);
  }
});
