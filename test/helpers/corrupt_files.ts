/**
 * Builds small NIfTI files byte by byte, independently of the codec under
 * test, so that tests can make valid files of any version, byte order and
 * datatype, and corrupt ones (wrong magic, wrong sizeof_hdr, odd dims, cut
 * short) without committing broken files.
 *
 * @module
 */

/** Fields of a hand-built NIfTI file; anything omitted gets a valid default. */
export interface RawNiftiSpec {
  version?: 1 | 2;
  littleEndian?: boolean;
  /** sizeof_hdr to write (default 348 or 540). */
  sizeofHdr?: number;
  /** Magic to write (default "n+1" or "n+2"; NIfTI-2 gets "\0\r\n\x1a\n" appended). */
  magic?: string;
  dims?: number[];
  datatype?: number;
  bitpix?: number;
  pixdim?: number[];
  voxOffset?: number;
  sclSlope?: number;
  sclInter?: number;
  xyztUnits?: number;
  qformCode?: number;
  sformCode?: number;
  quatern?: [number, number, number];
  qoffset?: [number, number, number];
  srow?: number[];
  description?: string;
  /** Stored voxel values (already in the datatype's units); default 0, 1, 2, ... */
  values?: ArrayLike<number>;
  /** Number of voxels to write (default: what dims say; fewer makes a truncated file). */
  writeVoxels?: number;
}

const BYTES: Record<number, number> = { 2: 1, 256: 1, 4: 2, 512: 2, 8: 4, 768: 4, 16: 4, 64: 8 };

function setValue(dv: DataView, o: number, dt: number, v: number, le: boolean): void {
  switch (dt) {
    case 2:
      return dv.setUint8(o, v);
    case 256:
      return dv.setInt8(o, v);
    case 4:
      return dv.setInt16(o, v, le);
    case 512:
      return dv.setUint16(o, v, le);
    case 8:
      return dv.setInt32(o, v, le);
    case 768:
      return dv.setUint32(o, v, le);
    case 16:
      return dv.setFloat32(o, v, le);
    case 64:
      return dv.setFloat64(o, v, le);
    default:
      throw new Error(`corrupt_files: no encoder for datatype ${dt}`);
  }
}

/** Number of voxels the dims describe (dims past dim[0] ignored). */
export function voxelCount(dims: number[]): number {
  let n = 1;
  for (let i = 1; i <= Math.min(dims[0]!, 7); i++) n *= dims[i] ?? 1;
  return n;
}

/** Builds a complete single-file NIfTI-1 or NIfTI-2 image from `spec`. */
export function buildNifti(spec: RawNiftiSpec = {}): Uint8Array {
  const v = spec.version ?? 1;
  const le = spec.littleEndian ?? true;
  const dims = spec.dims ?? [4, 3, 4, 2, 3, 1, 1, 1];
  const dt = spec.datatype ?? 4;
  const bpv = BYTES[dt] ?? 2;
  const hdrSize = v === 1 ? 348 : 540;
  const voxOffset = spec.voxOffset ?? (v === 1 ? 352 : 544);
  const nvox = spec.writeVoxels ?? Math.max(0, voxelCount(dims));
  const total = Math.max(voxOffset, hdrSize) + nvox * bpv;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const pixdim = spec.pixdim ?? [1, 2, 2, 3, 2.5, 0, 0, 0];
  const quatern = spec.quatern ?? [0, 0, 0];
  const qoffset = spec.qoffset ?? [0, 0, 0];
  const srow = spec.srow ?? [2, 0, 0, -10, 0, 2, 0, -20, 0, 0, 3, -30];
  const ascii = (o: number, s: string, max: number) => {
    for (let i = 0; i < Math.min(s.length, max); i++) out[o + i] = s.charCodeAt(i);
  };
  dv.setInt32(0, spec.sizeofHdr ?? hdrSize, le);
  if (v === 1) {
    for (let i = 0; i < 8; i++) dv.setInt16(40 + 2 * i, dims[i] ?? 1, le);
    dv.setInt16(70, dt, le);
    dv.setInt16(72, spec.bitpix ?? bpv * 8, le);
    for (let i = 0; i < 8; i++) dv.setFloat32(76 + 4 * i, pixdim[i] ?? 0, le);
    dv.setFloat32(108, voxOffset, le);
    dv.setFloat32(112, spec.sclSlope ?? 1, le);
    dv.setFloat32(116, spec.sclInter ?? 0, le);
    out[123] = spec.xyztUnits ?? 10;
    ascii(148, spec.description ?? "built by corrupt_files.ts", 79);
    dv.setInt16(252, spec.qformCode ?? 0, le);
    dv.setInt16(254, spec.sformCode ?? 1, le);
    for (let i = 0; i < 3; i++) dv.setFloat32(256 + 4 * i, quatern[i]!, le);
    for (let i = 0; i < 3; i++) dv.setFloat32(268 + 4 * i, qoffset[i]!, le);
    for (let i = 0; i < 12; i++) dv.setFloat32(280 + 4 * i, srow[i]!, le);
    ascii(344, spec.magic ?? "n+1", 4);
  } else {
    ascii(4, spec.magic ?? "n+2", 4);
    if (spec.magic === undefined) out.set([0, 0x0d, 0x0a, 0x1a, 0x0a], 7);
    dv.setInt16(12, dt, le);
    dv.setInt16(14, spec.bitpix ?? bpv * 8, le);
    for (let i = 0; i < 8; i++) dv.setBigInt64(16 + 8 * i, BigInt(dims[i] ?? 1), le);
    for (let i = 0; i < 8; i++) dv.setFloat64(104 + 8 * i, pixdim[i] ?? 0, le);
    dv.setBigInt64(168, BigInt(voxOffset), le);
    dv.setFloat64(176, spec.sclSlope ?? 1, le);
    dv.setFloat64(184, spec.sclInter ?? 0, le);
    ascii(240, spec.description ?? "built by corrupt_files.ts", 79);
    dv.setInt32(344, spec.qformCode ?? 0, le);
    dv.setInt32(348, spec.sformCode ?? 1, le);
    for (let i = 0; i < 3; i++) dv.setFloat64(352 + 8 * i, quatern[i]!, le);
    for (let i = 0; i < 3; i++) dv.setFloat64(376 + 8 * i, qoffset[i]!, le);
    for (let i = 0; i < 12; i++) dv.setFloat64(400 + 8 * i, srow[i]!, le);
    dv.setInt32(500, spec.xyztUnits ?? 10, le);
  }
  const values = spec.values;
  for (let i = 0; i < nvox; i++) {
    setValue(dv, voxOffset + i * bpv, dt, values ? values[i]! : i % 100, le);
  }
  return out;
}

/** Deterministic pseudo-random bytes (LCG), for "random bytes" inputs. */
export function randomBytes(n: number, seed = 12345): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/**
 * Builds a `.hdr`/`.img` pair holding the same image as {@link buildNifti}
 * with `spec`: the header with magic "ni1" (or "ni2") and vox_offset 0, and
 * the voxels alone.
 */
export function buildPair(spec: RawNiftiSpec = {}): { hdr: Uint8Array; img: Uint8Array } {
  const v = spec.version ?? 1;
  const le = spec.littleEndian ?? true;
  const hdrSize = v === 1 ? 348 : 540;
  const voxOffset = v === 1 ? 352 : 544;
  const single = buildNifti({ ...spec, voxOffset });
  const hdr = single.slice(0, hdrSize);
  const dv = new DataView(hdr.buffer);
  if (v === 1) {
    dv.setFloat32(108, 0, le);
    hdr.set([0x6e, 0x69, 0x31, 0], 344); // "ni1\0"
  } else {
    dv.setBigInt64(168, 0n, le);
    hdr.set([0x6e, 0x69, 0x32, 0], 4); // "ni2\0", then "\r\n\x1a\n" as built
  }
  return { hdr, img: single.slice(voxOffset) };
}
