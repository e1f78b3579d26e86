/**
 * A small independent PNG decoder for tests: signature, chunk walk with a
 * CRC-32 check of every chunk, IHDR facts (8-bit, no interlace), pako's
 * inflate of the joined IDAT data, then each row unfiltered. Assertion
 * failures name what is wrong.
 *
 * @module
 */
import pako from "pako";
import { crc32 } from "../../shared/crc32.ts";
import { assertEquals } from "./assert.ts";

const inflate = (pako as { inflate: (d: Uint8Array) => Uint8Array }).inflate;

/** A decoded PNG: size, colour type, unfiltered pixels, the filter of each row, chunk order. */
export interface Decoded {
  width: number;
  height: number;
  colourType: number;
  pixels: Uint8Array;
  filters: number[];
  chunks: string[];
}

/** A small independent decoder: chunk walk with CRC checks, inflate, unfilter. */
export function decodePng(png: Uint8Array): Decoded {
  assertEquals(Array.from(png.subarray(0, 8)), [137, 80, 78, 71, 13, 10, 26, 10], "signature");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  const chunks: string[] = [];
  const idat: Uint8Array[] = [];
  let width = 0, height = 0, colourType = -1;
  while (at < png.length) {
    const len = view.getUint32(at);
    const type = new TextDecoder().decode(png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + len);
    const crc = view.getUint32(at + 8 + len);
    assertEquals(crc, crc32(png.subarray(at + 4, at + 8 + len)), `CRC of ${type}`);
    chunks.push(type);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      assertEquals(data[8], 8, "bit depth");
      colourType = data[9]!;
      assertEquals([data[10], data[11], data[12]], [0, 0, 0], "compression, filter, interlace");
    }
    if (type === "IDAT") idat.push(data);
    at += 12 + len;
  }
  assertEquals(at, png.length, "chunks end at the file's end");
  const bpp = colourType === 0 ? 1 : colourType === 2 ? 3 : 4;
  const joined = new Uint8Array(idat.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const d of idat) joined.set(d, (o += d.length) - d.length);
  const raw = inflate(joined);
  const stride = width * bpp;
  assertEquals(raw.length, height * (stride + 1), "inflated size");
  const px = new Uint8Array(height * stride);
  const filters: number[] = [];
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    filters.push(f);
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= bpp ? px[y * stride + i - bpp]! : 0;
      const b = y > 0 ? px[(y - 1) * stride + i]! : 0;
      const c = i >= bpp && y > 0 ? px[(y - 1) * stride + i - bpp]! : 0;
      let pred = 0;
      if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else assertEquals(f, 0, "filter type");
      px[y * stride + i] = (x + pred) & 0xff;
    }
  }
  return { width, height, colourType, pixels: px, filters, chunks };
}

/** Channels per pixel of a decoded image (grey 1, RGB 3, RGBA 4). */
export function channelsOf(d: Decoded): number {
  return d.colourType === 0 ? 1 : d.colourType === 2 ? 3 : 4;
}
