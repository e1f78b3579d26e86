/**
 * The {@link Rasterizer} on Deno: resvg compiled to WebAssembly
 * (`@resvg/resvg-wasm`) with DejaVu Sans from npm (`dejavu-fonts-ttf`), both
 * read as bytes through import attributes (`with { type: "bytes" }`, enabled
 * by `"unstable": ["raw-imports"]` in deno.json) and loaded on first use.
 *
 * {@link makeResvgRasterizer} is the runtime-neutral part: given the wasm (as
 * bytes or a compiled `WebAssembly.Module`, which is what a Cloudflare Worker
 * gets from `import wasm from "…/index_bg.wasm"`) and the font bytes, it
 * renders. resvg's wasm can be initialised once per isolate; the first call
 * does it and later calls share it.
 *
 * @module
 */
import type { Rasterizer } from "../../shared/ports/rasterizer.ts";
import { makeResvgRasterizer } from "./resvg_render.ts";
import { zlibPngEncoder } from "../../shared/report/png.ts";
import { zlibCompression } from "./zlib_compression.ts";

export { BUNDLED_FONT_FAMILY, makeResvgRasterizer } from "./resvg_render.ts";

/**
 * The Deno rasterizer; the wasm (2.5 MB) and the font load on first use. The
 * PNG is written from resvg's pixels with node:zlib ({@link zlibPngEncoder}).
 */
export const resvgRasterizer: Rasterizer = makeResvgRasterizer(
  async () =>
    (await import("@resvg/resvg-wasm/index_bg.wasm", { with: { type: "bytes" } })).default,
  async () => [
    (await import("dejavu-fonts-ttf/ttf/DejaVuSans.ttf", { with: { type: "bytes" } })).default,
  ],
  zlibPngEncoder(zlibCompression),
);
