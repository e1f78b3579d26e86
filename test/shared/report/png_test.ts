import { inflateSync } from "node:zlib";
import { zlibCompression } from "../../../infra/deno/zlib_compression.ts";
import {
  adler32,
  encodePng,
  encodePngWith,
  type PngImage,
  zlibFromSyncFlushed,
} from "../../../shared/report/png.ts";
import { mulberry32 } from "../../../shared/estimate/prng.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../../helpers/assert.ts";
import { decodePng } from "../../helpers/png_decode.ts";

/** Random bytes mixed with gradients, so every filter has something to win on. */
function testImage(width: number, height: number, channels: 1 | 3 | 4, seed: number): PngImage {
  const rnd = mulberry32(seed);
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const i = (y * width + x) * channels + c;
        pixels[i] = y < height / 3
          ? Math.floor(rnd() * 256)
          : y < (2 * height) / 3
          ? (x * 7 + c * 40) & 0xff
          : (x * 3 + y * 5 + c) & 0xff;
      }
    }
  }
  return { width, height, channels, pixels };
}

Deno.test("encodePng round-trips grey, RGB and RGBA pixels with either filter mode", () => {
  const colour = { 1: 0, 3: 2, 4: 6 } as const;
  for (const channels of [1, 3, 4] as const) {
    for (const [w, h] of [[1, 1], [37, 23], [5, 64]] as const) {
      for (const filter of ["adaptive", "none"] as const) {
        const img = testImage(w, h, channels, w * 31 + h + channels);
        const d = decodePng(encodePng(img, { filter }));
        assertEquals(d.chunks, ["IHDR", "IDAT", "IEND"]);
        assertEquals([d.width, d.height, d.colourType], [w, h, colour[channels]]);
        assertEquals(d.pixels, img.pixels, `pixels ${channels}ch ${w}x${h} ${filter}`);
        if (filter === "none") assert(d.filters.every((f) => f === 0), "filter 0 everywhere");
      }
    }
  }
});

Deno.test("adaptive filtering picks several filters and shrinks a smooth image", () => {
  const w = 200, h = 150;
  const pixels = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      pixels[y * w + x] = Math.round(127 + 120 * Math.sin(x / 13) * Math.cos(y / 17));
    }
  }
  const img = { width: w, height: h, channels: 1 as const, pixels };
  const adaptive = encodePng(img);
  const none = encodePng(img, { filter: "none" });
  const d = decodePng(adaptive);
  assertEquals(d.pixels, pixels);
  assert(new Set(d.filters).size >= 2, `filters used: ${[...new Set(d.filters)]}`);
  assert(adaptive.length < none.length, `adaptive ${adaptive.length} < none ${none.length}`);
});

Deno.test("encodePng rejects a wrong pixel count and bad sizes", () => {
  assertThrows(
    () => encodePng({ width: 2, height: 2, channels: 1, pixels: new Uint8Array(3) }),
    RangeError,
    "4 bytes",
  );
  assertThrows(
    () => encodePng({ width: 0, height: 2, channels: 1, pixels: new Uint8Array(0) }),
    RangeError,
    "width",
  );
  assertThrows(
    () => encodePng({ width: 1, height: 1, channels: 2 as 1, pixels: new Uint8Array(2) }),
    RangeError,
    "channels",
  );
});

const PYTHON_READER = `
import json, struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", "signature"
at, chunks, idat = 8, [], b""
while at < len(data):
    (n,) = struct.unpack(">I", data[at:at + 4])
    kind = data[at + 4:at + 8]
    body = data[at + 8:at + 8 + n]
    (crc,) = struct.unpack(">I", data[at + 8 + n:at + 12 + n])
    assert zlib.crc32(kind + body) & 0xffffffff == crc, "crc " + kind.decode()
    chunks.append(kind.decode())
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    if kind == b"IDAT":
        idat += body
    at += 12 + n
bpp = {0: 1, 2: 3, 6: 4}[ctype]
raw = zlib.decompress(idat)
stride = w * bpp
assert len(raw) == h * (stride + 1), "size"
px = bytearray(h * stride)
for y in range(h):
    f = raw[y * (stride + 1)]
    for i in range(stride):
        x = raw[y * (stride + 1) + 1 + i]
        a = px[y * stride + i - bpp] if i >= bpp else 0
        b = px[(y - 1) * stride + i] if y > 0 else 0
        c = px[(y - 1) * stride + i - bpp] if i >= bpp and y > 0 else 0
        if f == 0: p = 0
        elif f == 1: p = a
        elif f == 2: p = b
        elif f == 3: p = (a + b) // 2
        else:
            q = a + b - c; pa, pb, pc = abs(q - a), abs(q - b), abs(q - c)
            p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        px[y * stride + i] = (x + p) & 255
print(json.dumps({"chunks": chunks, "width": w, "height": h, "type": ctype,
                  "sum": sum(px), "first": list(px[:8]), "last": px[-1]}))
`;

Deno.test("python's zlib and struct accept the PNG: chunk CRCs, size, pixels", async () => {
  const img = testImage(41, 27, 3, 7);
  const path = await Deno.makeTempFile({ suffix: ".png" });
  try {
    await Deno.writeFile(path, encodePng(img));
    const out = await new Deno.Command("python3", { args: ["-c", PYTHON_READER, path] }).output();
    const err = new TextDecoder().decode(out.stderr);
    assert(out.success, `python3 failed: ${err}`);
    const got = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(got.chunks, ["IHDR", "IDAT", "IEND"]);
    assertEquals([got.width, got.height, got.type], [41, 27, 2]);
    assertEquals(got.sum, img.pixels.reduce((a, b) => a + b, 0), "pixel sum");
    assertEquals(got.first, Array.from(img.pixels.subarray(0, 8)));
    assertEquals(got.last, img.pixels[img.pixels.length - 1]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("adler32 matches the RFC 1950 checksum of known strings", () => {
  const enc = new TextEncoder();
  assertEquals(adler32(enc.encode("Wikipedia")), 0x11e60398);
  assertEquals(adler32(new Uint8Array(0)), 1);
  // long enough to wrap both sums many times (the 5552-byte blocks)
  const ff = new Uint8Array(100_000).fill(0xff);
  let a = 1, b = 0;
  for (const v of ff) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  assertEquals(adler32(ff), ((b << 16) | a) >>> 0);
});

Deno.test("encodePngWith: native zlib's sync-flushed deflate makes the same image, a valid zlib stream", async () => {
  for (const channels of [1, 3, 4] as const) {
    const img = testImage(61, 40, channels, 5 + channels);
    const png = await encodePngWith(img, (b, level) => zlibCompression.deflateSync(b, level));
    const d = decodePng(png); // pako's inflate checks the Adler-32
    assertEquals(d.pixels, img.pixels, `pixels ${channels}ch`);
    assertEquals(d.chunks, ["IHDR", "IDAT", "IEND"]);
    assertEquals(d.filters, decodePng(encodePng(img)).filters, "the same filters as encodePng");
  }
  // node's own inflate accepts the stream too
  const raw = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
  const z = zlibFromSyncFlushed(raw, await zlibCompression.deflateSync(raw));
  assertEquals(new Uint8Array(inflateSync(z)), raw);
  await assertRejects(
    () =>
      encodePngWith(testImage(2, 2, 1, 1), (b) => zlibCompression.deflateSync(b), { level: 11 }),
    RangeError,
    "level",
  );
});
