/**
 * Open an input run: decompress it when it is gzip, parse and validate the
 * header against the bytes actually present. Touches no job state, so a bad
 * file leaves nothing behind.
 *
 * @module
 */
import { InputError } from "../shared/errors.ts";
import type { RunLayout } from "../shared/job.ts";
import { niftiAffine, voxelSizes } from "../shared/nifti/affine.ts";
import { bytesPerVoxel } from "../shared/nifti/datatypes.ts";
import { type NiftiHeader, parseNiftiHeader, validateRun } from "../shared/nifti/header.ts";
import { isGzip } from "../shared/nifti/read.ts";
import type { Compression } from "../shared/ports/compression.ts";

export interface OpenedRun {
  /** The uncompressed file bytes (header, extensions and voxels). */
  bytes: Uint8Array;
  header: NiftiHeader;
  layout: RunLayout;
}

/** Gunzip through the compression port; a broken stream is the user's file's fault. */
export async function gunzipInput(
  name: string,
  bytes: Uint8Array,
  compression: Compression,
): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
      compression.gunzip(),
    );
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const cut = /unexpected end|truncat|premature|end of file|incomplete/i.test(why);
    throw new InputError(
      name,
      cut
        ? "the gzip stream is cut short (the file is truncated)"
        : `is not a valid gzip file (${why})`,
    );
  }
}

/** Decompress (when gzip), parse and validate; throws {@link InputError} for a bad file. */
export async function openRun(
  name: string,
  fileBytes: Uint8Array,
  compression: Compression,
): Promise<OpenedRun> {
  if (fileBytes.length === 0) throw new InputError(name, "the file is empty");
  const bytes = isGzip(fileBytes) ? await gunzipInput(name, fileBytes, compression) : fileBytes;
  if (!isGzip(fileBytes) && /\.gz$/i.test(name)) {
    throw new InputError(name, "is named .gz but is not a gzip file");
  }
  const header = parseNiftiHeader(bytes, name);
  validateRun(header, name, bytes.length);
  const affine = niftiAffine(header);
  const d = header.dims;
  const slope = header.sclSlope === 0 || !Number.isFinite(header.sclSlope) ? 1 : header.sclSlope;
  const inter = header.sclSlope === 0 || !Number.isFinite(header.sclInter) ? 0 : header.sclInter;
  const layout: RunLayout = {
    dims: [d[1]!, d[2]!, d[3]!, d[4]!],
    datatype: header.datatype,
    bytesPerVoxel: bytesPerVoxel(header.datatype),
    littleEndian: header.littleEndian,
    voxOffset: header.voxOffset,
    slope,
    inter,
    affine,
    voxelSize: voxelSizes(header),
  };
  return { bytes, header, layout };
}
