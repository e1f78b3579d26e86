/**
 * NIfTI datatype codes: names, bytes per voxel, value ranges, and which ones
 * this codec reads and writes (the real-valued scalar types: uint8, int8,
 * int16, uint16, int32, uint32, float32, float64).
 *
 * @example Look a datatype up
 * ```ts
 * import { datatypeInfo, DT } from "./datatypes.ts";
 *
 * const t = datatypeInfo(DT.INT16, "run.nii");
 * if (t.bytes !== 2 || t.name !== "int16" || t.max !== 32767) throw new Error("int16");
 * ```
 *
 * @module
 */

import { InputError } from "../errors.ts";

/** NIfTI-1 datatype codes (nifti1.h `NIFTI_TYPE_*`). */
export const DT = {
  BINARY: 1,
  UINT8: 2,
  INT16: 4,
  INT32: 8,
  FLOAT32: 16,
  COMPLEX64: 32,
  FLOAT64: 64,
  RGB24: 128,
  INT8: 256,
  UINT16: 512,
  UINT32: 768,
  INT64: 1024,
  UINT64: 1280,
  FLOAT128: 1536,
  COMPLEX128: 1792,
  COMPLEX256: 2048,
  RGBA32: 2304,
} as const;

/** What the codec knows about one supported datatype. */
export interface DatatypeInfo {
  /** The NIfTI code. */
  code: number;
  /** Lower-case name, as nibabel and the CLI's `--dtype` spell it. */
  name: string;
  /** Bytes per voxel. */
  bytes: number;
  /** True for the integer types (written with rounding, clamping and scaling). */
  integer: boolean;
  /** Smallest storable value (-Infinity for floats). */
  min: number;
  /** Largest storable value (Infinity for floats). */
  max: number;
}

const SUPPORTED: readonly DatatypeInfo[] = [
  { code: DT.UINT8, name: "uint8", bytes: 1, integer: true, min: 0, max: 255 },
  { code: DT.INT8, name: "int8", bytes: 1, integer: true, min: -128, max: 127 },
  { code: DT.INT16, name: "int16", bytes: 2, integer: true, min: -32768, max: 32767 },
  { code: DT.UINT16, name: "uint16", bytes: 2, integer: true, min: 0, max: 65535 },
  { code: DT.INT32, name: "int32", bytes: 4, integer: true, min: -2147483648, max: 2147483647 },
  { code: DT.UINT32, name: "uint32", bytes: 4, integer: true, min: 0, max: 4294967295 },
  { code: DT.FLOAT32, name: "float32", bytes: 4, integer: false, min: -Infinity, max: Infinity },
  { code: DT.FLOAT64, name: "float64", bytes: 8, integer: false, min: -Infinity, max: Infinity },
];

/** Names of the datatypes this codec cannot handle (for error messages). */
const OTHER_NAMES: Readonly<Record<number, string>> = {
  [DT.BINARY]: "binary (1 bit)",
  [DT.COMPLEX64]: "complex64",
  [DT.RGB24]: "RGB24",
  [DT.INT64]: "int64",
  [DT.UINT64]: "uint64",
  [DT.FLOAT128]: "float128",
  [DT.COMPLEX128]: "complex128",
  [DT.COMPLEX256]: "complex256",
  [DT.RGBA32]: "RGBA32",
};

const BY_CODE = new Map<number, DatatypeInfo>(SUPPORTED.map((t) => [t.code, t]));

/** The codes this codec reads and writes, in the order listed in error messages. */
export const SUPPORTED_DATATYPES: readonly number[] = SUPPORTED.map((t) => t.code);

/** A human name for any datatype code, e.g. `"int16"`, `"complex64"`, `"unknown (99)"`. */
export function datatypeName(code: number): string {
  return BY_CODE.get(code)?.name ?? OTHER_NAMES[code] ?? `unknown (${code})`;
}

/** True when the codec can read and write voxels of this datatype. */
export function isSupportedDatatype(code: number): boolean {
  return BY_CODE.has(code);
}

/**
 * The facts about a supported datatype, or an {@link InputError} naming `input`
 * and the type when it is not supported (complex, RGB, 64-bit integers, ...).
 */
export function datatypeInfo(code: number, input: string): DatatypeInfo {
  const t = BY_CODE.get(code);
  if (t) return t;
  const names = SUPPORTED.map((s) => s.name).join(", ");
  throw new InputError(
    input,
    `datatype ${code} (${datatypeName(code)}) is not supported; supported types are ${names}`,
  );
}

/** Bytes per voxel of a supported datatype (throws an `InputError` for any other). */
export function bytesPerVoxel(code: number, input = "datatype"): number {
  return datatypeInfo(code, input).bytes;
}

/** The code of a supported datatype by name (`"int16"` → 4), or undefined. */
export function datatypeCode(name: string): number | undefined {
  const n = name.trim().toLowerCase();
  return SUPPORTED.find((t) => t.name === n)?.code;
}
