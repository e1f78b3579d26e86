/**
 * A {@link ReferenceModel} as bytes, so it is built once per job and pass (by
 * a `prepare` task) and read by every estimate function instead of each of
 * them smoothing the reference, laying out and thinning the points again.
 *
 * Layout: little-endian Float64 throughout — a header of
 * {@link HEADER_LENGTH} numbers (format version, dims, point count, whether
 * weights follow, the settings, voxel size, FWHM, affine and its inverse),
 * then `px`, `py`, `pz`, `cols` (7 per point), `sw` when weighted, `ata` and
 * `ataCoarse` (49 each).
 *
 * @module
 */
import { NCOL, type ReferenceModel } from "./reference_model.ts";

const FORMAT = 1;
/** Numbers before the arrays. */
export const HEADER_LENGTH = 48;

/** The model as bytes (see the module doc). */
export function encodeModel(m: ReferenceModel): Uint8Array {
  const n = m.n;
  const weighted = m.sw !== null;
  const len = HEADER_LENGTH + n * (3 + NCOL + (weighted ? 1 : 0)) + 2 * NCOL * NCOL;
  const f = new Float64Array(len);
  const head = [
    FORMAT,
    ...m.dims,
    n,
    weighted ? 1 : 0,
    m.settings.fwhm,
    m.settings.sep,
    m.settings.degree,
    m.settings.quality,
    ...m.voxelSize,
    ...m.smoothFwhm,
  ];
  f.set(head, 0);
  f.set(m.affine, 16);
  f.set(m.affineInv, 32);
  let o = HEADER_LENGTH;
  for (const a of [m.px, m.py, m.pz, m.cols, ...(m.sw ? [m.sw] : []), m.ata, m.ataCoarse]) {
    f.set(a, o);
    o += a.length;
  }
  return new Uint8Array(f.buffer);
}

/** The model back from {@link encodeModel}'s bytes; throws on bytes of another shape. */
export function decodeModel(bytes: Uint8Array): ReferenceModel {
  if (bytes.byteLength % 8 !== 0 || bytes.byteLength < HEADER_LENGTH * 8) {
    throw new RangeError(`Cannot decode a reference model from ${bytes.byteLength} bytes`);
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const f = new Float64Array(copy.buffer);
  if (f[0] !== FORMAT) throw new RangeError(`Cannot decode a reference model of format ${f[0]}`);
  // Integers as int32: doubles here make every voxel index in the hot loops a double (1.7× slower).
  const n = f[4]! | 0, weighted = f[5] === 1;
  const want = HEADER_LENGTH + n * (3 + NCOL + (weighted ? 1 : 0)) + 2 * NCOL * NCOL;
  if (f.length !== want) {
    throw new RangeError(`Cannot decode a reference model: ${f.length} numbers, ${want} expected`);
  }
  let o = HEADER_LENGTH;
  const take = (k: number) => {
    const a = f.subarray(o, o + k);
    o += k;
    return a;
  };
  const px = take(n), py = take(n), pz = take(n), cols = take(n * NCOL);
  const sw = weighted ? take(n) : null;
  const ata = take(NCOL * NCOL), ataCoarse = take(NCOL * NCOL);
  return {
    dims: [f[1]! | 0, f[2]! | 0, f[3]! | 0],
    affine: Array.from(f.subarray(16, 32)),
    affineInv: Array.from(f.subarray(32, 48)),
    voxelSize: [f[10]!, f[11]!, f[12]!],
    smoothFwhm: [f[13]!, f[14]!, f[15]!],
    settings: { fwhm: f[6]!, sep: f[7]!, degree: f[8]! | 0, quality: f[9]! },
    n,
    px,
    py,
    pz,
    cols,
    sw,
    ata,
    ataCoarse,
  };
}
