/**
 * The voxel-to-world affine of a NIfTI header by the NIfTI-1 rules: the sform
 * when sform_code > 0, else the qform (quaternion, offsets, pixdim, qfac) when
 * qform_code > 0, else plain pixdim scaling ("method 1"). Voxel indices are
 * 0-based; world coordinates are the header's (mm for nearly every file).
 *
 * @example The affine of a pixdim-only header
 * ```ts ignore
 * const a = niftiAffine(h); // row-major 4×4: [dx,0,0,0, 0,dy,0,0, 0,0,dz,0, 0,0,0,1]
 * ```
 *
 * @module
 */

import type { NiftiHeader } from "./header.ts";

/** Which rule {@link niftiAffine} applies to `h`. */
export function affineSource(h: NiftiHeader): "sform" | "qform" | "pixdim" {
  return h.sformCode > 0 ? "sform" : h.qformCode > 0 ? "qform" : "pixdim";
}

/**
 * The qform as a row-major 4×4 (nifti1.h method 2). The quaternion's a is
 * sqrt(1 - b² - c² - d²), renormalised when rounding makes that negative (as
 * nifti1_io does); qfac is the sign of pixdim[0] (0 counts as +1); voxel
 * sizes are |pixdim[1..3]|.
 */
export function qformAffine(h: NiftiHeader): number[] {
  let [b, c, d] = h.quatern;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    const s = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= s;
    c *= s;
    d *= s;
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  const qfac = (h.pixdim[0] ?? 0) < 0 ? -1 : 1;
  const dx = Math.abs(h.pixdim[1] ?? NaN);
  const dy = Math.abs(h.pixdim[2] ?? NaN);
  const dz = Math.abs(h.pixdim[3] ?? NaN) * qfac;
  const [ox, oy, oz] = h.qoffset;
  return [
    (a * a + b * b - c * c - d * d) * dx,
    2 * (b * c - a * d) * dy,
    2 * (b * d + a * c) * dz,
    ox,
    2 * (b * c + a * d) * dx,
    (a * a + c * c - b * b - d * d) * dy,
    2 * (c * d - a * b) * dz,
    oy,
    2 * (b * d - a * c) * dx,
    2 * (c * d + a * b) * dy,
    (a * a + d * d - b * b - c * c) * dz,
    oz,
    0,
    0,
    0,
    1,
  ];
}

/** The sform (srow_x, srow_y, srow_z) as a row-major 4×4. */
export function sformAffine(h: NiftiHeader): number[] {
  return [...h.srow.slice(0, 12), 0, 0, 0, 1];
}

/**
 * The voxel (0-based i, j, k) → world affine of `h`, row-major 4×4, by the
 * NIfTI-1 rules (sform, else qform, else pixdim[1..3] on the diagonal as
 * nifti1.h's method 1 writes it).
 */
export function niftiAffine(h: NiftiHeader): number[] {
  switch (affineSource(h)) {
    case "sform":
      return sformAffine(h);
    case "qform":
      return qformAffine(h);
    default:
      return [
        h.pixdim[1] ?? NaN,
        0,
        0,
        0,
        0,
        h.pixdim[2] ?? NaN,
        0,
        0,
        0,
        0,
        h.pixdim[3] ?? NaN,
        0,
        0,
        0,
        0,
        1,
      ];
  }
}

/** Voxel sizes from the header: |pixdim[1..3]|. */
export function voxelSizes(h: NiftiHeader): [number, number, number] {
  return [Math.abs(h.pixdim[1] ?? NaN), Math.abs(h.pixdim[2] ?? NaN), Math.abs(h.pixdim[3] ?? NaN)];
}

/** Voxel sizes implied by a row-major affine: the lengths of its first three columns. */
export function affineVoxelSizes(a: readonly number[]): [number, number, number] {
  const col = (j: number) => Math.hypot(a[j]!, a[4 + j]!, a[8 + j]!);
  return [col(0), col(1), col(2)];
}
