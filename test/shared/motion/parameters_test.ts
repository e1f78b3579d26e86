import {
  correctionsFromParameters,
  forwardTransforms,
  motionParameters,
} from "../../../shared/motion/parameters.ts";
import { mulberry32 } from "../../../shared/estimate/prng.ts";
import {
  apply4,
  identity4,
  invert4,
  type Mat4,
  mul4,
  spmImatrix,
  spmMatrix,
} from "../../../shared/rigid.ts";
import { assertClose, assertEquals } from "../../helpers/assert.ts";

/** The project's deterministic PRNG (mulberry32), in [0, 1). */
const rng = mulberry32;

const DEG = Math.PI / 180;

/** Right-handed rotation about z by `a` radians (x → y for a > 0). */
function rotZ(a: number): Mat4 {
  const c = Math.cos(a), s = Math.sin(a);
  return [c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
}

function translation(x: number, y: number, z: number): Mat4 {
  return [1, 0, 0, x, 0, 1, 0, y, 0, 0, 1, z, 0, 0, 0, 1];
}

Deno.test("motionParameters: a pure +2 mm x shift of the tissue gives x = -2", () => {
  const t1 = translation(2, 0, 0); // first-frame point → same tissue in frame 1
  const params = motionParameters([identity4(), invert4(t1)]);
  assertEquals(params, [[0, 0, 0, 0, 0, 0], [-2, 0, 0, 0, 0, 0]]);
  // The tissue at the origin of frame 0 is at x = +2 in frame 1.
  assertClose(apply4(t1, 0, 0, 0), [2, 0, 0]);
});

Deno.test("motionParameters: a pure +3° yaw (x → y) gives yaw = +3° in SPM's R3 form", () => {
  const t1 = rotZ(3 * DEG);
  assertClose(apply4(t1, 1, 0, 0), [Math.cos(3 * DEG), Math.sin(3 * DEG), 0], 1e-15);
  const m1 = invert4(t1);
  // SPM's R3 = [c s 0; -s c 0; 0 0 1]: M(1) is that with +3°.
  const c = Math.cos(3 * DEG), s = Math.sin(3 * DEG);
  assertClose(m1, [c, s, 0, 0, -s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 1e-15);
  const p = motionParameters([identity4(), m1])[1]!;
  assertClose(p, [0, 0, 0, 0, 0, 0.05235987755982988], 1e-15);
  assertClose(p[5]!, 0.0523599, 5e-8);
});

Deno.test("motionParameters: M(0) = identity gives exact zeros (no -0)", () => {
  const p = motionParameters([identity4()])[0]!;
  for (const v of p) assertEquals(Object.is(v, -0), false, "no negative zero");
  assertEquals(p, [0, 0, 0, 0, 0, 0]);
});

Deno.test("spmMatrix/spmImatrix round trip over random parameters (angles up to ±80°)", () => {
  const r = rng(12345);
  const u = (lim: number) => (2 * r() - 1) * lim;
  for (let i = 0; i < 2000; i++) {
    const p = [u(30), u(30), u(30), u(80 * DEG), u(80 * DEG), u(80 * DEG)];
    const m = spmMatrix(p);
    assertClose(spmImatrix(m), p, 1e-10, `params ${p}`);
    // Rigid: the rotation part is orthonormal (R·Rᵀ = I).
    const rot = [...m.slice(0, 3), 0, ...m.slice(4, 7), 0, ...m.slice(8, 11), 0, 0, 0, 0, 1];
    const rotT = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15].map((k) => rot[k]!);
    assertClose(mul4(rot, rotT), identity4(), 1e-12);
  }
});

Deno.test("forwardTransforms and correctionsFromParameters: spmMatrix(rp)⁻¹ = T", () => {
  const r = rng(7);
  const ts: Mat4[] = [identity4()];
  for (let i = 0; i < 20; i++) {
    ts.push(
      mul4(
        translation(r() * 4 - 2, r() * 4 - 2, r() * 4 - 2),
        mul4(rotZ(r() - 0.5), spmMatrix([0, 0, 0, r() - 0.5, r() - 0.5, 0])),
      ),
    );
  }
  const ms = ts.map((t) => invert4(t));
  const params = motionParameters(ms);
  const back = forwardTransforms(correctionsFromParameters(params));
  back.forEach((t, i) => assertClose(t, ts[i]!, 1e-12, `frame ${i}`));
  assertClose(forwardTransforms(ms)[5]!, ts[5]!, 1e-12);
});
