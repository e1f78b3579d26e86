/**
 * A small PNG encoder for 8-bit greyscale, RGB and RGBA pixels: the report's
 * mosaics and carpet plot, without a canvas or a native module.
 *
 * The file is the signature, one IHDR, one IDAT (a zlib stream by pako) and
 * IEND, each chunk with its CRC-32 (PNG's CRC is zlib's, see `../crc32.ts`).
 * Each row gets the filter that minimises the sum of absolute filtered bytes
 * (libpng's "minimum sum of absolute differences" heuristic), which shrinks
 * smooth images by about a third against filter 0; `filter: "none"` writes
 * every row with filter 0.
 *
 * @example Encode a 2×1 grey image
 * ```ts
 * import { encodePng } from "./png.ts";
 *
 * const png = encodePng({ width: 2, height: 1, channels: 1, pixels: new Uint8Array([0, 255]) });
 * if (png[1] !== 0x50 || png[2] !== 0x4e || png[3] !== 0x47) throw new Error("not a PNG");
 * ```
 *
 * @module
 */

import pako from "pako";
import { crc32 } from "../crc32.ts";
import type { Compression } from "../ports/compression.ts";

/** The eight bytes every PNG file begins with. */
export const PNG_SIGNATURE: Uint8Array = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

/** An 8-bit image, rows top to bottom, each `width * channels` bytes. */
export interface PngImage {
  width: number;
  height: number;
  /** 1 grey, 3 RGB, 4 RGBA. */
  channels: 1 | 3 | 4;
  pixels: Uint8Array;
}

/** How {@link encodePng} filters rows. */
export interface PngOptions {
  /** `"adaptive"` (default): per row, the filter with the smallest sum; `"none"`: filter 0. */
  filter?: "adaptive" | "none";
  /** zlib level 0–9, default 6. */
  level?: number;
}

const deflate = (pako as { deflate: (d: Uint8Array, o: { level: number }) => Uint8Array })
  .deflate;

/** PNG colour type for each channel count. */
function colourType(channels: number): number {
  return channels === 1 ? 0 : channels === 3 ? 2 : 6;
}

function checkImage(img: PngImage): void {
  const { width, height, channels, pixels } = img;
  if (!(Number.isInteger(width) && width > 0 && width < 2 ** 31)) {
    throw new RangeError(
      `Cannot encode PNG: width must be a positive integer, current value is ${width}`,
    );
  }
  if (!(Number.isInteger(height) && height > 0 && height < 2 ** 31)) {
    throw new RangeError(
      `Cannot encode PNG: height must be a positive integer, current value is ${height}`,
    );
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new RangeError(
      `Cannot encode PNG: channels must be 1, 3 or 4, current value is ${channels}`,
    );
  }
  const want = width * height * channels;
  if (pixels.length !== want) {
    throw new RangeError(
      `Cannot encode PNG: pixels must hold width*height*channels = ${want} bytes, ` +
        `current value is ${pixels.length}`,
    );
  }
}

/** Paeth predictor (PNG spec 9.4). */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = p > a ? p - a : a - p;
  const pb = p > b ? p - b : b - p;
  const pc = p > c ? p - c : c - p;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Writes row `y` filtered with `type` into `out` at `at + 1` (the type byte
 * at `at`); returns the sum of the filtered bytes read as signed values.
 */
function filterRow(
  px: Uint8Array,
  y: number,
  stride: number,
  bpp: number,
  type: number,
  out: Uint8Array,
  at: number,
): number {
  const row = y * stride;
  const prev = row - stride; // negative on the first row: "up" is 0 there
  out[at] = type;
  let sum = 0;
  for (let i = 0; i < stride; i++) {
    const x = px[row + i]!;
    const a = i >= bpp ? px[row + i - bpp]! : 0;
    const b = y > 0 ? px[prev + i]! : 0;
    const c = i >= bpp && y > 0 ? px[prev + i - bpp]! : 0;
    const pred = type === 0
      ? 0
      : type === 1
      ? a
      : type === 2
      ? b
      : type === 3
      ? (a + b) >>> 1
      : paeth(a, b, c);
    const v = (x - pred) & 0xff;
    out[at + 1 + i] = v;
    sum += v < 128 ? v : 256 - v;
  }
  return sum;
}

/** The filtered scanlines: one type byte and `stride` bytes per row. */
function filterImage(img: PngImage, adaptive: boolean): Uint8Array {
  const { width, height, channels, pixels } = img;
  const stride = width * channels;
  const out = new Uint8Array(height * (stride + 1));
  const scratch = adaptive ? new Uint8Array(stride + 1) : out;
  for (let y = 0; y < height; y++) {
    const at = y * (stride + 1);
    if (!adaptive) { // filter 0: the row as it is
      out.set(pixels.subarray(y * stride, (y + 1) * stride), at + 1);
      continue;
    }
    let best = filterRow(pixels, y, stride, channels, 0, out, at);
    for (let type = 1; type <= 4; type++) {
      const s = filterRow(pixels, y, stride, channels, type, scratch, 0);
      if (s < best) {
        best = s;
        out.set(scratch, at);
      }
    }
  }
  return out;
}

/** Writes one chunk (length, type, data, CRC of type+data) into `out` at `at`; returns the new offset. */
function writeChunk(out: Uint8Array, at: number, type: string, data: Uint8Array): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(at, data.length);
  for (let i = 0; i < 4; i++) out[at + 4 + i] = type.charCodeAt(i);
  out.set(data, at + 8);
  view.setUint32(at + 8 + data.length, crc32(out.subarray(at + 4, at + 8 + data.length)));
  return at + 12 + data.length;
}

/**
 * Encodes 8-bit pixels as a PNG file.
 *
 * @example A 1×1 RGBA pixel
 * ```ts
 * import { encodePng } from "./png.ts";
 *
 * const png = encodePng({ width: 1, height: 1, channels: 4, pixels: new Uint8Array([255, 0, 0, 255]) });
 * if (png.length < 8 + 25 + 12 + 12) throw new Error("too short");
 * ```
 */
export function encodePng(img: PngImage, opts: PngOptions = {}): Uint8Array {
  checkImage(img);
  const level = checkLevel(opts.level ?? 6);
  return assemblePng(img, deflate(filterImage(img, opts.filter !== "none"), { level }));
}

/**
 * {@link encodePng} with the deflating done by `deflateRaw`: raw deflate
 * ending with a sync flush, as the Compression port's `deflateSync` gives it
 * (a runtime's native zlib, several times faster than the pure-JS one). The
 * same pixels and filters, so the same image; the bytes may differ.
 */
export async function encodePngWith(
  img: PngImage,
  deflateRaw: (bytes: Uint8Array, level: number) => Promise<Uint8Array>,
  opts: PngOptions = {},
): Promise<Uint8Array> {
  checkImage(img);
  const level = checkLevel(opts.level ?? 6);
  const filtered = filterImage(img, opts.filter !== "none");
  return assemblePng(img, zlibFromSyncFlushed(filtered, await deflateRaw(filtered, level)));
}

/**
 * A PNG encoder deflating with `compression` (a runtime's native zlib, the
 * Compression port's `deflateSync`), rows unfiltered: on the report's mosaics
 * and carpet zlib alone makes the smaller file (350 vs 362 KB of report on the
 * bench run), and on a rendered plot it takes about half of resvg's own
 * encoding time; the per-row filter search is skipped.
 */
export function zlibPngEncoder(compression: Compression): (img: PngImage) => Promise<Uint8Array> {
  return (img) =>
    encodePngWith(img, (bytes, level) => compression.deflateSync(bytes, level), {
      filter: "none",
    });
}

function checkLevel(level: number): number {
  if (!(Number.isInteger(level) && level >= 0 && level <= 9)) {
    throw new RangeError(
      `Cannot encode PNG: level must be an integer 0-9, current value is ${level}`,
    );
  }
  return level;
}

/** Adler-32 of `bytes` (RFC 1950), the zlib stream's checksum. */
export function adler32(bytes: Uint8Array): number {
  let a = 1, b = 0;
  const n = bytes.length;
  // 5552: the most bytes before b can overflow 2^32 (zlib's NMAX)
  for (let i = 0; i < n;) {
    const end = Math.min(n, i + 5552);
    for (; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * A zlib stream (RFC 1950) of `raw` from its raw deflate data `deflated`
 * that ends with a sync flush (`00 00 ff ff`, not final): the two-byte
 * header, the data, an empty final block (`03 00`), then the Adler-32.
 */
export function zlibFromSyncFlushed(raw: Uint8Array, deflated: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + deflated.length + 2 + 4);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x9c; // default level; (0x78 << 8 | 0x9c) % 31 === 0
  out.set(deflated, 2);
  out[2 + deflated.length] = 0x03; // BFINAL=1, fixed Huffman, end of block
  new DataView(out.buffer).setUint32(out.length - 4, adler32(raw));
  return out;
}

/** The PNG file: signature, IHDR, one IDAT of the zlib stream `idat`, IEND. */
function assemblePng(img: PngImage, idat: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, img.width);
  hv.setUint32(4, img.height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colourType(img.channels);
  // compression 0, filter method 0, interlace 0
  const out = new Uint8Array(8 + 25 + 12 + idat.length + 12);
  out.set(PNG_SIGNATURE, 0);
  let at = writeChunk(out, 8, "IHDR", ihdr);
  at = writeChunk(out, at, "IDAT", idat);
  writeChunk(out, at, "IEND", new Uint8Array(0));
  return out;
}
