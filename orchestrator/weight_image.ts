/**
 * `--weight`: a weight image for estimation (SPM's `PW`), read, checked
 * against the run's grid and hashed into the job. A 3-D NIfTI (or a 4-D one
 * with one frame) on the run's voxel grid; each sample point's row in the
 * normal equations is weighted by the image there (0, negative or NaN drops
 * the point). Typical use: a brain mask, or down-weighting a region with
 * artefacts (eyes, susceptibility).
 *
 * @module
 */
import { InputError } from "../shared/errors.ts";
import type { RunLayout } from "../shared/job.ts";
import { readNifti } from "../shared/nifti/read.ts";
import type { Compression } from "../shared/ports/compression.ts";
import type { InputSource } from "./input_reader.ts";
import { sha256Hex } from "./job_id.ts";

/** Largest weight file read (a 3-D float64 256³ volume is 128 MB). */
const MAX_WEIGHT_BYTES = 256 * 1024 * 1024;
/** Largest allowed difference between the weight's and the run's voxel → world maps (mm). */
const GRID_TOLERANCE_MM = 1e-3;

export interface WeightImage {
  /** Weights in NIfTI voxel order, NaN replaced by 0. */
  data: Float32Array;
  /** SHA-256 of the file, part of the job's options (and so of its id). */
  hash: string;
}

/** Reads and checks the weight image; every problem is an {@link InputError} naming it. */
export async function readWeightImage(
  src: InputSource,
  layout: RunLayout,
  compression: Compression,
): Promise<WeightImage> {
  const info = await src.store.head(src.key);
  if (!info) throw new InputError(src.name, "no such file (--weight)");
  if (info.size > MAX_WEIGHT_BYTES) {
    throw new InputError(src.name, `is ${info.size} bytes, too large for a weight image`);
  }
  const bytes = await src.store.get(src.key);
  if (!bytes) throw new InputError(src.name, "no such file (--weight)");
  const img = await readNifti(bytes, src.name, { allow3d: true, gunzip: compression.gunzip });
  const d = img.header.dims;
  const [nx, ny, nz] = layout.dims;
  const frames = d[0]! >= 4 ? d[4]! : 1;
  if (d[1] !== nx || d[2] !== ny || (d[0]! >= 3 ? d[3] : 1) !== nz || frames !== 1) {
    throw new InputError(
      src.name,
      `is ${d.slice(1, d[0]! + 1).join("×")} voxels; a weight image must be one volume ` +
        `on the run's grid (${nx}×${ny}×${nz})`,
    );
  }
  for (let i = 0; i < 12; i++) {
    // Compare the maps at the far corner too: translation, then column × extent.
    const extent = i % 4 === 3 ? 1 : Math.max(1, layout.dims[i % 4]! - 1);
    if (Math.abs(img.affine[i]! - layout.affine[i]!) * extent > GRID_TOLERANCE_MM) {
      throw new InputError(
        src.name,
        "has a different voxel-to-world transform (qform/sform) from the run: " +
          "resample it onto the run's grid first",
      );
    }
  }
  const data = img.data;
  let positive = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v !== v || v === Infinity || v === -Infinity) data[i] = 0;
    else if (v > 0) positive++;
  }
  if (positive === 0) {
    throw new InputError(src.name, "has no positive weight: no voxel would be used");
  }
  return { data, hash: await sha256Hex(bytes) };
}
