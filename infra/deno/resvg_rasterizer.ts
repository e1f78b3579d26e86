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
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import type { Rasterizer, RasterOptions } from "../../shared/ports/rasterizer.ts";

/** The family every text is drawn with. */
export const BUNDLED_FONT_FAMILY = "DejaVu Sans";

let initialised: Promise<void> | null = null;

/** Initialise resvg's wasm once per isolate (a second `initWasm` throws). */
function ensureWasm(wasm: BufferSource | WebAssembly.Module): Promise<void> {
  initialised ??= initWasm(wasm).catch((e) => {
    initialised = null;
    throw e;
  });
  return initialised;
}

/** A rasterizer from resvg's wasm and font files (TTF/OTF bytes). */
export function makeResvgRasterizer(
  wasm: () => Promise<BufferSource | WebAssembly.Module>,
  fonts: () => Promise<Uint8Array[]>,
): Rasterizer {
  let ready: Promise<Uint8Array[]> | null = null;
  const load = () =>
    ready ??= (async () => {
      await ensureWasm(await wasm());
      return await fonts();
    })();
  return {
    async warm(): Promise<void> {
      await load();
    },
    async svgToPng(svg: string, options: RasterOptions = {}): Promise<Uint8Array> {
      const scale = options.scale ?? 1;
      if (!(Number.isFinite(scale) && scale > 0)) {
        throw new RangeError(
          `Cannot rasterize SVG: scale must be positive, current value is ${scale}`,
        );
      }
      const fontBuffers = await load();
      const r = new Resvg(svg, {
        font: {
          fontBuffers,
          defaultFontFamily: BUNDLED_FONT_FAMILY,
          sansSerifFamily: BUNDLED_FONT_FAMILY,
          serifFamily: BUNDLED_FONT_FAMILY,
          monospaceFamily: BUNDLED_FONT_FAMILY,
        },
        fitTo: { mode: "zoom", value: scale },
        background: options.background ?? "#ffffff",
      });
      try {
        const img = r.render();
        try {
          return img.asPng();
        } finally {
          img.free();
        }
      } finally {
        r.free();
      }
    },
  };
}

/** The Deno rasterizer; the wasm (2.5 MB) and the font load on first use. */
export const resvgRasterizer: Rasterizer = makeResvgRasterizer(
  async () =>
    (await import("@resvg/resvg-wasm/index_bg.wasm", { with: { type: "bytes" } })).default,
  async () => [
    (await import("dejavu-fonts-ttf/ttf/DejaVuSans.ttf", { with: { type: "bytes" } })).default,
  ],
);
