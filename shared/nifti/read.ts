/**
 * Whole-file NIfTI reading and writing: gunzip when needed, parse and
 * validate the header, decode the voxels to Float32Array; and the reverse,
 * a complete NIfTI-1 file (`.nii`, or `.nii.gz` via CompressionStream).
 *
 * @example Read a run
 * ```ts ignore
 * import { readNifti } from "./read.ts";
 *
 * const { header, affine, data } = await readNifti(bytes, "sub-01_bold.nii.gz");
 * const n3 = header.dims[1] * header.dims[2] * header.dims[3];
 * const frame0 = data.subarray(0, n3);
 * ```
 *
 * @module
 */

import pako from "pako";
import { InputError } from "../errors.ts";
import { niftiAffine } from "./affine.ts";
import { datatypeInfo } from "./datatypes.ts";
import { decodeVoxels } from "./decode.ts";
import { chooseScaling, encodeVoxels } from "./encode.ts";
import {
  frameCount,
  frameVoxels,
  type NiftiHeader,
  parseNiftiHeader,
  validateImage,
} from "./header.ts";
import { encodeNifti1Header, type HeaderOverrides, NIFTI1_WRITE_SIZE } from "./write_header.ts";

/** A decoded NIfTI image. */
export interface NiftiImage {
  /** The parsed header. */
  header: NiftiHeader;
  /** Voxel (0-based) → world affine, row-major 4×4 (see `niftiAffine`). */
  affine: number[];
  /** Voxel values after scl_slope/scl_inter, NIfTI order (x fastest, then y, z, t). */
  data: Float32Array;
}

/** Options for {@link readNifti}. */
export interface ReadOptions {
  /** Accept a 3-D image (one frame). Default false: a run must be 4-D with ≥ 2 frames. */
  allow3d?: boolean;
  /**
   * A gunzip transform to use instead of `DecompressionStream("gzip")`, e.g. the
   * Compression port's `gunzip` (which also handles multi-member gzip).
   */
  gunzip?: () => TransformStream<Uint8Array, Uint8Array>;
}

/** True when `bytes` start with the gzip magic (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Why a gzip stream failed, found by a second, pure-JS pass (only on the error path). */
function gzipProblem(bytes: Uint8Array): string {
  const inf = new pako.Inflate();
  inf.push(bytes, true);
  if (inf.err === 0 && !inf.ended) return "gzip stream is cut short (truncated file?)";
  return `is not a valid gzip file (${inf.msg || "corrupt or multi-member stream"})`;
}

/**
 * Decompresses a whole gzip file. The output buffer is sized from the gzip
 * trailer (ISIZE) when that is plausible, so a large image is not copied
 * twice. A corrupt or truncated stream becomes an {@link InputError} naming
 * `name` ("is not a valid gzip file" / "gzip stream is cut short").
 */
export async function gunzip(
  bytes: Uint8Array,
  name = "input",
  transform?: () => TransformStream<Uint8Array, Uint8Array>,
): Promise<Uint8Array> {
  if (!isGzip(bytes)) throw new InputError(name, "is not a valid gzip file (no gzip magic)");
  // ISIZE: the uncompressed size mod 2^32, in the last 4 bytes (single-member files).
  let guess = 0;
  if (bytes.length >= 18) {
    const e = bytes.length;
    guess =
      (bytes[e - 4]! | (bytes[e - 3]! << 8) | (bytes[e - 2]! << 16) | (bytes[e - 1]! << 24)) >>>
      0;
    if (guess > bytes.length * 1100) guess = 0; // deflate cannot expand more than ~1032×
  }
  let out = new Uint8Array(guess || Math.max(1024, bytes.length * 4));
  let len = 0;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
      .pipeThrough(transform ? transform() : new DecompressionStream("gzip"));
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (len + value.length > out.length) {
        const grown = new Uint8Array(Math.max(out.length * 2, len + value.length));
        grown.set(out.subarray(0, len));
        out = grown;
      }
      out.set(value, len);
      len += value.length;
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(name, gzipProblem(bytes));
  }
  return len === out.length ? out : out.subarray(0, len);
}

/**
 * Reads a whole NIfTI file (`.nii` or `.nii.gz`, NIfTI-1 or -2, either byte
 * order): gunzips when needed, parses and validates the header against the
 * data present (see `validateImage`; a 3-D image only with `opts.allow3d`),
 * and decodes the voxels (scaled) into one Float32Array. Every user-caused
 * problem is an {@link InputError} naming `name`.
 */
export async function readNifti(
  fileBytes: Uint8Array,
  name: string,
  opts: ReadOptions = {},
): Promise<NiftiImage> {
  const raw = isGzip(fileBytes) ? await gunzip(fileBytes, name, opts.gunzip) : fileBytes;
  const header = parseNiftiHeader(raw, name);
  if (header.magic === "ni1" || header.magic === "ni2") {
    throw new InputError(
      name,
      `is the header of a .hdr/.img pair (magic "${header.magic}"); give a single-file .nii`,
    );
  }
  validateImage(header, name, raw.length, { allow3d: opts.allow3d ?? false });
  const n = frameVoxels(header) * frameCount(header);
  const bpv = datatypeInfo(header.datatype, name).bytes;
  const data = new Float32Array(n);
  decodeVoxels(
    raw.subarray(header.voxOffset, header.voxOffset + n * bpv),
    header.datatype,
    header.littleEndian,
    header.sclSlope,
    header.sclInter,
    data,
  );
  return { header, affine: niftiAffine(header), data };
}

/** Gzips `bytes` with CompressionStream. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Finite min and max of `data` (NaN and ±Inf ignored); [Infinity, -Infinity] when none. */
export function finiteRange(data: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < lo && v > -Infinity) lo = v;
    if (v > hi && v < Infinity) hi = v;
  }
  return [lo, hi];
}

/**
 * The input's own scl_slope/scl_inter, when the output has the input's integer
 * datatype, the input is scaled, and [lo, hi] fits under that scaling: then
 * an unchanged voxel is written back bit for bit.
 */
function keepsInputScaling(
  h: NiftiHeader,
  datatype: number,
  lo: number,
  hi: number,
): { slope: number; inter: number } | undefined {
  const s = h.sclSlope;
  const b = Number.isFinite(h.sclInter) ? h.sclInter : 0;
  if (datatype !== h.datatype || s === 0 || s === 1 && b === 0 || !Number.isFinite(s)) {
    return undefined;
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { slope: s, inter: b };
  const t = datatypeInfo(datatype, "output datatype");
  const a = Math.round((lo - b) / s);
  const z = Math.round((hi - b) / s);
  return Math.min(a, z) >= t.min && Math.max(a, z) <= t.max ? { slope: s, inter: b } : undefined;
}

/**
 * Encodes a whole NIfTI-1 single file: the header of {@link encodeNifti1Header}
 * (geometry of `header`, with `over` applied) and `data` as the output
 * datatype (`over.datatype`, else the input's), little-endian; gzipped when
 * `gzip` is true. For an integer datatype without `over.sclSlope`, the
 * input's own scaling is kept when the output has its datatype and the data
 * fit it; otherwise the scaling is chosen from the data's finite range
 * (`chooseScaling`).
 * `data.length` must equal the product of the output dims.
 */
export async function encodeNifti(
  header: NiftiHeader,
  data: Float32Array,
  over: HeaderOverrides,
  gzipped: boolean,
): Promise<Uint8Array> {
  const dims = over.dims ?? header.dims;
  const datatype = over.datatype ?? header.datatype;
  const t = datatypeInfo(datatype, "output datatype");
  let n = 1;
  for (let i = 1; i <= dims[0]!; i++) n *= dims[i]!;
  if (n !== data.length) {
    throw new RangeError(
      `Cannot encode NIfTI: dims ${dims.slice(1, dims[0]! + 1).join("×")} hold ${n} voxels, ` +
        `data has ${data.length}`,
    );
  }
  let slope = over.sclSlope;
  let inter = over.sclInter ?? 0;
  if (slope === undefined) {
    if (t.integer) {
      const [lo, hi] = finiteRange(data);
      ({ slope, inter } = keepsInputScaling(header, datatype, lo, hi) ??
        chooseScaling(datatype, lo, hi));
    } else {
      slope = 1;
      inter = 0;
    }
  }
  const head = encodeNifti1Header(header, {
    ...over,
    dims,
    datatype,
    sclSlope: slope,
    sclInter: inter,
  });
  const out = new Uint8Array(NIFTI1_WRITE_SIZE + n * t.bytes);
  out.set(head);
  encodeVoxels(data, datatype, slope, inter, out.subarray(NIFTI1_WRITE_SIZE));
  return gzipped ? await gzip(out) : out;
}
