/**
 * A plausible NIfTI header for a simulated run: sform (code 1, scanner) from
 * the affine, no qform, mm and seconds, TR in pixdim[4].
 *
 * @module
 */
import type { NiftiHeader } from "../../shared/nifti/header.ts";
import type { Mat4 } from "../../shared/rigid.ts";

export function syntheticHeader(
  dims: number[],
  affine: Mat4,
  opts: { tr?: number; datatype?: number } = {},
): NiftiHeader {
  const col = (j: number) => Math.hypot(affine[j]!, affine[4 + j]!, affine[8 + j]!);
  const d = [dims.length, ...dims];
  while (d.length < 8) d.push(1);
  return {
    version: 1,
    littleEndian: true,
    magic: "n+1",
    dims: d,
    datatype: opts.datatype ?? 16,
    bitpix: 32,
    pixdim: [1, col(0), col(1), col(2), opts.tr ?? 2, 1, 1, 1],
    voxOffset: 352,
    sclSlope: 1,
    sclInter: 0,
    xyztUnits: 2 | 8,
    qformCode: 0,
    sformCode: 1,
    quatern: [0, 0, 0],
    qoffset: [0, 0, 0],
    srow: affine.slice(0, 12),
    description: "realign simulated run",
    auxFile: "",
    intentCode: 0,
    intentName: "",
    intentP: [0, 0, 0],
    dimInfo: 0,
    sliceCode: 0,
    sliceStart: 0,
    sliceEnd: 0,
    sliceDuration: 0,
    toffset: 0,
    calMin: 0,
    calMax: 0,
  };
}
