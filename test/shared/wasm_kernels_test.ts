/**
 * The WebAssembly kernels against the JS ones: random volumes and rigid
 * motions (small, large with rows leaving the volume, oblique identity,
 * integer shifts), thin and odd dims; the prefilter bit for bit, the reslice
 * kernels within 1e-5 relative with the same zeros; and the selection.
 */
import { mulberry32 } from "../../shared/estimate/prng.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { loadWasmKernels, tryWasmKernels } from "../../shared/wasm/wasm_kernels.ts";
import { JS_KERNELS, resampleKernels } from "../../shared/resample_kernels.ts";
import { resliceTrilinear } from "../../shared/reslice_kernel.ts";
import { bsplineCoefficients } from "../../shared/interp/bspline_prefilter.ts";
import { resliceBspline } from "../../shared/interp/bspline_reslice.ts";
import { invert4, type Mat4, mul4, spmMatrix } from "../../shared/rigid.ts";

type Dims = [number, number, number];

/** The project's deterministic PRNG (mulberry32), in [0, 1). */
const rng = mulberry32;

function volume(dims: Dims, r: () => number): Float32Array {
  return Float32Array.from({ length: dims[0] * dims[1] * dims[2] }, () => 50 + 950 * r());
}

/** Voxel-to-voxel matrix of a rigid motion about a 3.5×3.5×4 mm grid's centre. */
function motion(dims: Dims, p: number[]): Mat4 {
  const a = [
    3.5,
    0,
    0,
    -1.75 * dims[0],
    0,
    3.5,
    0,
    -1.75 * dims[1],
    0,
    0,
    4,
    -2 * dims[2],
    0,
    0,
    0,
    1,
  ];
  return mul4(mul4(invert4(a), spmMatrix(p)), a);
}

function randomMotion(r: () => number, size: number): number[] {
  const t = () => (2 * r() - 1) * size;
  return [t() * 3, t() * 3, t() * 3, t() * 0.05, t() * 0.05, t() * 0.05];
}

const shift = (sx: number, sy: number, sz: number): Mat4 => [
  1,
  0,
  0,
  sx,
  0,
  1,
  0,
  sy,
  0,
  0,
  1,
  sz,
  0,
  0,
  0,
  1,
];

/** Same zeros, else within 1e-5 relative. Returns [zeros, nonzeros] of `expected`. */
function assertNear(actual: Float32Array, expected: Float32Array, what: string): [number, number] {
  let zeros = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (e === 0) {
      zeros++;
      assert(a === 0, `${what}: voxel ${i} is ${a}, JS gives 0`);
    } else {
      assert(
        Math.abs(a - e) <= 1e-5 * Math.max(Math.abs(e), 1),
        `${what}: voxel ${i} is ${a}, JS gives ${e}`,
      );
    }
  }
  return [zeros, expected.length - zeros];
}

const wasm = loadWasmKernels();

Deno.test("the wasm kernels compile here and are the ones selected", () => {
  assert(wasm !== null, "WebAssembly.Module compiles the embedded bytes in Deno");
  assertEquals(resampleKernels().name, "wasm");
  assert(resampleKernels() === wasm, "compiled once, then cached");
});

Deno.test("selection falls back to JS where compiling bytes is refused (fake: workerd's refusal)", () => {
  const real = WebAssembly.Module;
  // A stand-in for Cloudflare Workers, which cannot run here: compiling bytes throws.
  (WebAssembly as { Module: unknown }).Module = function () {
    throw new WebAssembly.CompileError("Wasm code generation disallowed by embedder");
  };
  try {
    assertEquals(tryWasmKernels(), null);
  } finally {
    (WebAssembly as { Module: unknown }).Module = real;
  }
  assertEquals(JS_KERNELS.name, "js");
  assert(JS_KERNELS.resliceTrilinear === resliceTrilinear);
});

Deno.test("wasm trilinear equals JS on random volumes and motions, edges and outside rows", () => {
  const r = rng(11);
  const cases: Dims[] = [[64, 64, 36], [17, 9, 6], [5, 7, 3], [2, 2, 2], [9, 1, 4], [1, 1, 1]];
  let zeros = 0, inside = 0;
  for (const dims of cases) {
    const src = volume(dims, r);
    const n3 = src.length;
    for (const size of [0.3, 1, 4]) {
      for (let rep = 0; rep < 3; rep++) {
        const v2v = motion(dims, randomMotion(r, size));
        const js = new Float32Array(n3).fill(-1), w = new Float32Array(n3).fill(-2);
        resliceTrilinear(src, dims, v2v, js);
        wasm!.resliceTrilinear(src, dims, v2v, w);
        const [z, nz] = assertNear(w, js, `trilinear ${dims} size ${size}`);
        zeros += z;
        inside += nz;
      }
    }
  }
  assert(zeros > 1000 && inside > 100000, `both outside (${zeros}) and inside (${inside}) covered`);
});

/** A random general affine (rotation, scaling, shear, reflection; steps of either sign). */
function randomAffine(dims: Dims, r: () => number): Mat4 {
  const m: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) m.push(3 * r() - 1.5);
    m.push((r() - 0.5) * dims[i]! + dims[i]! / 2);
  }
  return [...m, 0, 0, 0, 1];
}

Deno.test("wasm kernels equal JS under general affines (scaling, shear, negative steps)", () => {
  const r = rng(17);
  const dims: Dims = [23, 19, 11];
  const src = volume(dims, r);
  const js = new Float32Array(src.length), w = new Float32Array(src.length);
  let zeros = 0, inside = 0;
  for (let rep = 0; rep < 12; rep++) {
    const v2v = randomAffine(dims, r);
    resliceTrilinear(src, dims, v2v, js);
    wasm!.resliceTrilinear(src, dims, v2v, w);
    const [z, nz] = assertNear(w, js, `trilinear affine ${rep}`);
    zeros += z;
    inside += nz;
    for (const degree of [3, 4]) {
      const coef = bsplineCoefficients(src, dims, degree);
      resliceBspline(coef, dims, degree, v2v, js);
      wasm!.resliceBspline(coef, dims, degree, v2v, w);
      assertNear(w, js, `B-spline ${degree} affine ${rep}`);
    }
  }
  assert(zeros > 1000 && inside > 1000, `both outside (${zeros}) and inside (${inside}) covered`);
});

Deno.test("wasm trilinear: identity and integer shifts copy exactly, oblique A⁻¹·A keeps edges", () => {
  const r = rng(5);
  const dims: Dims = [13, 8, 6];
  const src = volume(dims, r);
  const out = new Float32Array(src.length);
  wasm!.resliceTrilinear(src, dims, shift(0, 0, 0), out);
  assertEquals(out, src);
  for (const [sx, sy, sz] of [[1, 0, 0], [-2, 1, 0], [0, 0, -1], [3, -2, 1]] as const) {
    const js = new Float32Array(src.length);
    resliceTrilinear(src, dims, shift(sx, sy, sz), js);
    wasm!.resliceTrilinear(src, dims, shift(sx, sy, sz), out);
    assertEquals(out, js, `shift ${sx},${sy},${sz}`);
  }
  // Rounding makes A⁻¹·A differ from I by ~1e-16: the careful edge path.
  const a = mul4(spmMatrix([-90.3, 12.1, 7.7, 0.3, -0.2, 0.1]), [
    3.5,
    0,
    0,
    0,
    0,
    3.5,
    0,
    0,
    0,
    0,
    4,
    0,
    0,
    0,
    0,
    1,
  ]);
  const v2v = mul4(invert4(a), a);
  const js = new Float32Array(src.length);
  resliceTrilinear(src, dims, v2v, js);
  wasm!.resliceTrilinear(src, dims, v2v, out);
  assertNear(out, js, "oblique identity");
  assert(out[src.length - 1] !== 0, "last voxel kept");
});

Deno.test("wasm prefilter equals JS bit for bit, every degree, thin and odd dims, in place", () => {
  const r = rng(7);
  for (const dims of [[16, 12, 9], [5, 3, 7], [9, 1, 4], [1, 6, 1], [2, 2, 2]] as Dims[]) {
    const src = volume(dims, r);
    for (let degree = 0; degree <= 7; degree++) {
      const js = bsplineCoefficients(src, dims, degree);
      assertEquals(wasm!.bsplineCoefficients(src, dims, degree), js, `degree ${degree} ${dims}`);
      const inPlace = src.slice();
      assert(wasm!.bsplineCoefficients(inPlace, dims, degree, inPlace) === inPlace);
      assertEquals(inPlace, js, `in place, degree ${degree} ${dims}`);
    }
  }
  // A plain array as input, as the JS kernel accepts.
  const dims: Dims = [6, 5, 4];
  const src = Array.from(volume(dims, r));
  assertEquals(wasm!.bsplineCoefficients(src, dims, 3), bsplineCoefficients(src, dims, 3));
});

Deno.test("wasm B-spline reslice equals JS, degrees 0–7, random motions, edges, outside rows", () => {
  const r = rng(3);
  let zeros = 0, inside = 0;
  for (const dims of [[24, 20, 12], [9, 7, 5], [6, 1, 4]] as Dims[]) {
    const src = volume(dims, r);
    const n3 = src.length;
    for (let degree = 0; degree <= 7; degree++) {
      const coef = bsplineCoefficients(src, dims, degree);
      for (const size of [0.3, 1, 4]) {
        const v2v = motion(dims, randomMotion(r, size));
        const js = new Float32Array(n3).fill(-1), w = new Float32Array(n3).fill(-2);
        resliceBspline(coef, dims, degree, v2v, js);
        wasm!.resliceBspline(coef, dims, degree, v2v, w);
        const [z, nz] = assertNear(w, js, `B-spline ${degree} ${dims} size ${size}`);
        zeros += z;
        inside += nz;
      }
    }
  }
  assert(zeros > 1000 && inside > 10000, `both outside (${zeros}) and inside (${inside}) covered`);
});

Deno.test("wasm B-spline reslice: identity reproduces the input, integer shift moves it", () => {
  const r = rng(9);
  const dims: Dims = [11, 9, 7];
  const src = volume(dims, r);
  const out = new Float32Array(src.length);
  const tol = 1e-4 * 1000; // the JS kernel's own test tolerance (Float32 coefficients)
  for (const degree of [2, 3, 4, 5, 6, 7]) {
    const coef = bsplineCoefficients(src, dims, degree);
    // exactly the identity, and with rounding noise below the edge tolerance
    for (const v2v of [shift(0, 0, 0), shift(-3e-6, 2e-6, -1e-6)]) {
      wasm!.resliceBspline(coef, dims, degree, v2v, out);
      for (let i = 0; i < src.length; i++) {
        assert(Math.abs(out[i]! - src[i]!) <= tol, `degree ${degree} identity voxel ${i}`);
      }
      const js = new Float32Array(src.length);
      resliceBspline(coef, dims, degree, v2v, js);
      assertNear(out, js, `degree ${degree} identity vs JS`);
    }
    const js = new Float32Array(src.length);
    resliceBspline(coef, dims, degree, shift(2, -1, 1), js);
    wasm!.resliceBspline(coef, dims, degree, shift(2, -1, 1), out);
    assertNear(out, js, `degree ${degree} shift`);
    // voxel (0, 1, 0) comes from (2, 0, 1); x = nx − 2 has no source (x + 2 > nx − 1)
    assert(Math.abs(out[dims[0]]! - src[2 + dims[0] * dims[1]]!) <= tol);
    assertEquals(out[dims[0] - 1], 0);
  }
});

Deno.test("wasm memory grows for a larger volume, smaller ones after stay right; sizes are checked", () => {
  const r = rng(13);
  for (const dims of [[4, 4, 4], [96, 96, 40], [5, 6, 7]] as Dims[]) {
    const src = volume(dims, r);
    const v2v = motion(dims, [0.7, -0.4, 0.2, 0.01, 0.02, -0.015]);
    const js = new Float32Array(src.length), w = new Float32Array(src.length);
    resliceTrilinear(src, dims, v2v, js);
    wasm!.resliceTrilinear(src, dims, v2v, w);
    assertNear(w, js, `trilinear ${dims}`);
  }
  let threw = false;
  try {
    wasm!.resliceTrilinear(new Float32Array(7), [2, 2, 2], shift(0, 0, 0), new Float32Array(8));
  } catch (e) {
    threw = e instanceof RangeError;
  }
  assert(threw, "a short source is a RangeError");
});

Deno.test("the Worker's kernels.wasm is the embedded module, and a provided module is used", async () => {
  const { provideWasmModule, wasmKernelBytes, loadWasmKernels } = await import(
    "../../shared/wasm/wasm_kernels.ts"
  );
  const file = await Deno.readFile(new URL("../../infra/cloudflare/kernels.wasm", import.meta.url));
  const embedded = wasmKernelBytes();
  if (file.length !== embedded.length || !file.every((v, i) => v === embedded[i])) {
    throw new Error(
      "infra/cloudflare/kernels.wasm differs from the embedded bytes: deno task build-wasm",
    );
  }
  // A platform-compiled module (as a Worker imports it) gives working kernels.
  provideWasmModule(new WebAssembly.Module(file));
  const k = loadWasmKernels();
  if (!k) throw new Error("no kernels from the provided module");
  const out = new Float32Array(3);
  k.resliceTrilinear(new Float32Array([1, 2, 3]), [3, 1, 1], [
    1,
    0,
    0,
    1,
    0,
    1,
    0,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    1,
  ], out);
  if (out[0] !== 2 || out[1] !== 3 || out[2] !== 0) throw new Error(`got ${Array.from(out)}`);
});

Deno.test("wasm coverage equals JS frameCoverage voxel for voxel, over many frames", () => {
  const wasm = loadWasmKernels()!;
  const r = rng(41);
  const cases: Dims[] = [[64, 64, 36], [17, 9, 6], [9, 1, 4], [5, 7, 1], [1, 1, 1]];
  for (const dims of cases) {
    const n3 = dims[0] * dims[1] * dims[2];
    for (const scale of [0.2, 3, 20]) {
      // frames moved by up to `scale` mm and degrees, plus an identity and a shift of exactly 1 voxel
      const v2vs: Mat4[] = [[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]];
      v2vs.push([1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
      for (let f = 0; f < 12; f++) {
        const p = [0, 1, 2, 3, 4, 5].map((k) => (r() - 0.5) * scale * (k < 3 ? 1 : Math.PI / 180));
        v2vs.push(motion(dims, p));
      }
      const js = new Uint8Array(n3).fill(1), viaWasm = new Uint8Array(n3).fill(1);
      JS_KERNELS.coverage(dims, v2vs, js);
      wasm.coverage(dims, v2vs, viaWasm);
      assertEquals(viaWasm, js, `coverage ${dims} at ${scale}`);
      if (scale === 20 && n3 > 100) assert(js.includes(0) && js.includes(1), "a partial mask");
    }
  }
});
