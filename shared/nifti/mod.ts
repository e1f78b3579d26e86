/**
 * The NIfTI codec: read NIfTI-1/NIfTI-2 files (gzipped or not, either byte
 * order, eight real datatypes) into Float32Array voxels with their
 * voxel-to-world affine, validate runs, and write NIfTI-1 files that keep the
 * input's geometry.
 *
 * @module
 */

export {
  bytesPerVoxel,
  datatypeCode,
  type DatatypeInfo,
  datatypeInfo,
  datatypeName,
  DT,
  isSupportedDatatype,
  SUPPORTED_DATATYPES,
} from "./datatypes.ts";
export {
  dimOf,
  frameCount,
  frameVoxels,
  MAX_IMAGE_BYTES,
  NIFTI1_HEADER_SIZE,
  NIFTI2_HEADER_SIZE,
  type NiftiHeader,
  parseNiftiHeader,
  spatialUnitsToMm,
  TR_MS_GUESS_THRESHOLD,
  trSeconds,
  trUnitsGuessed,
  validateImage,
  type ValidateOptions,
  validateRun,
} from "./header.ts";
export {
  affineSource,
  affineVoxelSizes,
  niftiAffine,
  qformAffine,
  sformAffine,
  voxelSizes,
} from "./affine.ts";
export { decodeVoxels, PLATFORM_LITTLE_ENDIAN } from "./decode.ts";
export { chooseScaling, encodeVoxels, type Scaling } from "./encode.ts";
export { encodeNifti1Header, type HeaderOverrides, NIFTI1_WRITE_SIZE } from "./write_header.ts";
export {
  encodeNifti,
  finiteRange,
  gunzip,
  gzip,
  isGzip,
  type NiftiImage,
  readNifti,
  type ReadOptions,
} from "./read.ts";
