import { assert, assertClose } from "../../helpers/assert.ts";
import { sampleTrilinear, sampleTrilinearGrad } from "../../../shared/interp/trilinear.ts";

const dims = [5, 4, 3] as const;
const lin = (x: number, y: number, z: number) => 2 + 0.5 * x - 1.25 * y + 3 * z;

function linearVolume() {
  const [nx, ny, nz] = dims;
  const v = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) v[i + nx * (j + ny * k)] = lin(i, j, k);
    }
  }
  return v;
}

Deno.test("sampleTrilinear is exact on a linear function, edges included", () => {
  const v = linearVolume();
  const g = new Float64Array(4);
  const pts = [[0, 0, 0], [4, 3, 2], [1.25, 2.5, 0.75], [3.999, 0.001, 1.5], [4, 1.5, 2], [
    0.5,
    3,
    1,
  ]];
  for (const [x, y, z] of pts) {
    assertClose(
      sampleTrilinear(v, 5, 4, 3, x!, y!, z!),
      lin(x!, y!, z!),
      1e-5,
      `at ${x},${y},${z}`,
    );
    assert(sampleTrilinearGrad(v, 5, 4, 3, x!, y!, z!, g), "inside");
    assertClose(Array.from(g), [lin(x!, y!, z!), 0.5, -1.25, 3], 1e-5, `grad at ${x},${y},${z}`);
  }
});

Deno.test("sampleTrilinear returns voxel values exactly at integer positions, NaN outside", () => {
  const v = new Float32Array(60).map((_, i) => Math.sin(i) * 100);
  for (let i = 0; i < 60; i++) {
    const x = i % 5, y = Math.floor(i / 5) % 4, z = Math.floor(i / 20);
    assert(sampleTrilinear(v, 5, 4, 3, x, y, z) === v[i], `voxel ${i}`);
  }
  assert(Number.isNaN(sampleTrilinear(v, 5, 4, 3, -0.01, 1, 1)), "below 0");
  assert(Number.isNaN(sampleTrilinear(v, 5, 4, 3, 4.01, 1, 1)), "beyond n-1");
  assert(Number.isNaN(sampleTrilinear(v, 5, 4, 3, 1, 1, 2.5)), "beyond z");
  // Rounding-level excursions still count as inside.
  assertClose(sampleTrilinear(v, 5, 4, 3, 4 + 1e-9, 3, 2), v[59]!, 1e-6, "last voxel + 1e-9");
});

Deno.test("sampleTrilinear on a single-slice volume samples that slice", () => {
  const v = new Float32Array([1, 3, 5, 7]);
  assertClose(sampleTrilinear(v, 2, 2, 1, 0.5, 0.5, 0), 4, 1e-12);
  const g = new Float64Array(4);
  assert(sampleTrilinearGrad(v, 2, 2, 1, 0.5, 0.5, 0, g));
  assertClose(Array.from(g), [4, 2, 4, 0], 1e-12);
  assert(Number.isNaN(sampleTrilinear(v, 2, 2, 1, 0.5, 0.5, 0.5)), "off the slice");
});
