/**
 * Reading an input run as a stream from an {@link ObjectStore}: a single-file
 * NIfTI (`.nii`, `.nii.gz`) or a NIfTI pair (`.hdr` + `.img`, either gzip'd),
 * given by either of its file names. Hashes the raw bytes as they pass
 * (SHA-256, the job's content key), gunzips through the compression port,
 * parses and validates the header from the first bytes, then hands out the
 * voxel data chunk by chunk, checking that the file holds as much as the
 * header claims. Nothing is ever held whole: one chunk at a time.
 *
 * @module
 */
import { InputError } from "../shared/errors.ts";
import {
  NIFTI1_HEADER_SIZE,
  NIFTI2_HEADER_SIZE,
  type NiftiHeader,
  parseNiftiHeader,
  validateRun,
} from "../shared/nifti/header.ts";
import { bytesPerVoxel } from "../shared/nifti/datatypes.ts";
import type { Compression } from "../shared/ports/compression.ts";
import type { ObjectStore } from "../shared/ports/object_store.ts";
import { Sha256 } from "../shared/sha256.ts";
import type { HashFactory, IncrementalHash } from "../shared/ports/digest.ts";
import { ByteSource } from "./byte_source.ts";

/** An input run: an object in a store. `name` is what messages and output names use. */
export interface InputSource {
  /** The input as the user or trigger named it (a path or key); its file name gives the stem. */
  name: string;
  store: ObjectStore;
  /** The object's key in `store`: the `.nii`/`.nii.gz`, or either file of a `.hdr`/`.img` pair. */
  key: string;
  /**
   * True when `store` is the service's bucket, which outlives this run: the
   * job record then keeps `key`, so the job can be re-run from its record
   * (resume at start, scheduled reprocessing). A CLI run's local file is not.
   */
  durable?: boolean;
}

/** One file of an input: its key and the name messages use. */
interface Part {
  key: string;
  name: string;
}

const PAIR_EXT = /\.(hdr|img)(\.gz)?$/i;

/** True when the name is one file of a `.hdr`/`.img` pair. */
export function isPairName(name: string): boolean {
  return PAIR_EXT.test(name);
}

/** `name` with its pair extension replaced by `ext` (".img", ".hdr.gz", ...). */
function withExt(name: string, ext: string): string {
  return name.replace(PAIR_EXT, ext);
}

/** Find the header and image files of the input (one file for a single-file NIfTI). */
async function resolveParts(input: InputSource): Promise<{ header: Part; image: Part }> {
  const given: Part = { key: input.key, name: input.name };
  if (!(await input.store.head(input.key))) throw new InputError(input.name, "no such file");
  const m = PAIR_EXT.exec(input.key);
  if (!m) return { header: given, image: given };
  const isHdr = m[1]!.toLowerCase() === "hdr";
  const other = isHdr ? ".img" : ".hdr";
  const gz = m[2] ?? "";
  const tries = gz ? [other + gz, other] : [other, `${other}.gz`];
  for (const ext of tries) {
    const key = withExt(input.key, ext);
    if (await input.store.head(key)) {
      const companion: Part = { key, name: withExt(input.name, ext) };
      return isHdr ? { header: given, image: companion } : { header: companion, image: given };
    }
  }
  throw new InputError(
    input.name,
    `the companion ${withExt(input.name, tries[0]!)} is missing ` +
      "(a .hdr/.img pair needs both files, side by side)",
  );
}

/** A gunzip failure as the user's file's fault. */
function gzipError(name: string, e: unknown): InputError {
  if (e instanceof InputError) return e;
  const why = e instanceof Error ? e.message : String(e);
  const cut = /unexpected end|truncat|premature|end of file|incomplete/i.test(why);
  return new InputError(
    name,
    cut
      ? "the gzip stream is cut short (the file is truncated)"
      : `is not a valid gzip file (${why})`,
  );
}

/**
 * Open one file: its raw bytes feed `hash` (and `count`) as they are read,
 * and pass through gunzip when they start with the gzip magic.
 */
async function openPart(
  store: ObjectStore,
  part: Part,
  compression: Compression,
  hash: IncrementalHash,
  count: { bytes: number },
): Promise<ByteSource> {
  const raw = await store.getStream(part.key);
  if (!raw) throw new InputError(part.name, "no such file");
  const reader = raw.getReader();
  const hashed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await reader.read();
      if (r.done) {
        controller.close();
        return;
      }
      hash.update(r.value);
      count.bytes += r.value.length;
      controller.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  const plain = new ByteSource(hashed);
  const magic = await plain.peek(2);
  if (magic.length === 0) {
    await plain.cancel();
    throw new InputError(part.name, "the file is empty");
  }
  const gzip = magic.length === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  if (!gzip) {
    if (/\.gz$/i.test(part.name)) {
      await plain.cancel();
      throw new InputError(part.name, "is named .gz but is not a gzip file");
    }
    return plain;
  }
  // re-stream what was peeked, then the rest, through gunzip
  const again = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const c = await plain.next(Infinity);
      if (c) controller.enqueue(c);
      else controller.close();
    },
    cancel() {
      return plain.cancel();
    },
  }, { highWaterMark: 0 });
  return new ByteSource(again.pipeThrough(compression.gunzip()), (e) => gzipError(part.name, e));
}

/**
 * An input opened for one pass: {@link open} reads and validates the header,
 * {@link voxels} yields the voxel bytes, after which {@link hash} and
 * {@link size} describe the raw input. {@link cancel} releases it early.
 */
export class InputReader {
  /** The parsed header (of the `.hdr` for a pair). */
  readonly header: NiftiHeader;
  /** The header's bytes as stored (348 or 540, uncompressed). */
  readonly headerBytes: Uint8Array;
  /** The name of the file holding the voxels (the `.img` of a pair). */
  readonly imageName: string;
  /** Bytes of voxel data the header claims. */
  readonly dataBytes: number;
  #source: ByteSource;
  #pair: boolean;
  #hash: IncrementalHash;
  #count: { bytes: number };
  #done = false;

  private constructor(init: {
    header: NiftiHeader;
    headerBytes: Uint8Array;
    source: ByteSource;
    image: Part;
    pair: boolean;
    hash: IncrementalHash;
    count: { bytes: number };
  }) {
    this.header = init.header;
    this.headerBytes = init.headerBytes;
    this.imageName = init.image.name;
    this.#source = init.source;
    this.#pair = init.pair;
    this.#hash = init.hash;
    this.#count = init.count;
    const d = init.header.dims;
    this.dataBytes = d[1]! * d[2]! * d[3]! * d[4]! * bytesPerVoxel(init.header.datatype);
  }

  /**
   * Open the input and read, parse and validate its header (a 4-D run; the
   * data length is checked later, as the voxels stream). Throws an
   * {@link InputError} naming the file for anything wrong so far.
   */
  static async open(
    input: InputSource,
    compression: Compression,
    sha256: HashFactory = () => new Sha256(),
  ): Promise<InputReader> {
    const parts = await resolveParts(input);
    const pair = parts.header.key !== parts.image.key;
    const hash = sha256();
    const count = { bytes: 0 };
    let source = await openPart(input.store, parts.header, compression, hash, count);
    try {
      const name = parts.header.name;
      const first = await source.peek(NIFTI2_HEADER_SIZE);
      const header = parseNiftiHeader(first, name);
      const size = header.version === 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE;
      const headerBytes = first.slice(0, size);
      const paired = header.magic === "ni1" || header.magic === "ni2";
      if (pair && !paired) {
        throw new InputError(
          name,
          `magic "${header.magic}" says a single-file NIfTI, not the header of a .hdr/.img pair`,
        );
      }
      if (!pair && paired) {
        throw new InputError(
          name,
          `is the header of a .hdr/.img pair (magic "${header.magic}"): ` +
            "name it .hdr and keep its .img beside it",
        );
      }
      validateRun(header, name, null);
      if (pair) {
        await source.drain();
        source = await openPart(input.store, parts.image, compression, hash, count);
      }
      return new InputReader({
        header,
        headerBytes,
        source,
        image: parts.image,
        pair,
        hash,
        count,
      });
    } catch (e) {
      await source.cancel();
      throw e;
    }
  }

  /**
   * The voxel data, `dataBytes` in all, in chunks of at most `maxChunk` bytes;
   * then the rest of the input is read (and hashed). Throws an
   * {@link InputError} when the file ends early or its gzip stream is broken.
   */
  async *voxels(maxChunk = 1 << 20): AsyncGenerator<Uint8Array> {
    const src = this.#source;
    try {
      const off = this.header.voxOffset;
      await src.skip(off - src.position);
      if (src.position < off) {
        throw new InputError(
          this.imageName,
          `vox_offset ${off} is past the end of the file (${src.position} bytes)`,
        );
      }
      let left = this.dataBytes;
      while (left > 0) {
        const c = await src.next(Math.min(left, maxChunk));
        if (!c) {
          throw new InputError(
            this.imageName,
            `header claims ${this.dataBytes} bytes of voxel data but the file holds only ` +
              `${this.dataBytes - left} (truncated download or copy?)`,
          );
        }
        left -= c.length;
        yield c;
      }
      await src.drain();
      this.#done = true;
    } finally {
      if (!this.#done) await src.cancel();
    }
  }

  /** Lower-case hex SHA-256 of the raw input (header file, then image file, for a pair). */
  hash(): string {
    if (!this.#done) throw new Error("Cannot hash the input before it has been read to the end");
    return this.#hash.hex();
  }

  /** Raw bytes read (both files of a pair). */
  get size(): number {
    return this.#count.bytes;
  }

  /** True for a `.hdr`/`.img` pair. */
  get pair(): boolean {
    return this.#pair;
  }

  /** Release the input without reading further. */
  async cancel(): Promise<void> {
    await this.#source.cancel();
  }
}
