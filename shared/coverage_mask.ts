/**
 * The coverage mask: voxels of the first frame's grid that every frame's
 * resampling reaches from inside its volume. Reslice zeroes the rest so no
 * frame brings in edge artefacts.
 *
 * The mask of all frames is the AND of the masks of any split of them, so
 * the estimate functions can each make their frames' part (when their
 * corrections are already relative to the first frame) and the orchestrator
 * only ANDs the parts ({@link andInto}).
 *
 * @module
 */
import type { RunLayout } from "./job.ts";
import { resampleKernels } from "./resample_kernels.ts";
import { invert4, type Mat4, mul4 } from "./rigid.ts";

/** Uint8 mask (1 = covered by every frame) from the corrections M(t) relative to the first frame. */
export function coverageMask(layout: RunLayout, corrections: Mat4[]): Uint8Array {
  const [nx, ny, nz] = layout.dims;
  const mask = new Uint8Array(nx * ny * nz).fill(1);
  const a = layout.affine;
  const aInv = invert4(a);
  const v2vs = corrections.map((m) => mul4(mul4(aInv, invert4(m)), a));
  resampleKernels().coverage([nx, ny, nz], v2vs, mask); // WebAssembly where it runs: same voxels
  return mask;
}

/** `into[i] &= part[i]` for every voxel. */
export function andInto(into: Uint8Array, part: Uint8Array): void {
  if (part.length !== into.length) {
    throw new RangeError(
      `Cannot combine coverage masks: ${part.length} voxels, expected ${into.length}`,
    );
  }
  for (let i = 0; i < into.length; i++) into[i]! &= part[i]!;
}
