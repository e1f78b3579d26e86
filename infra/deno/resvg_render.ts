/**
 * The runtime-neutral half of the resvg {@link Rasterizer}: given resvg's
 * wasm (bytes, or a compiled `WebAssembly.Module` as a Cloudflare Worker
 * imports it) and font bytes, render SVG to PNG. The Deno wiring is
 * `resvg_rasterizer.ts`, the Workers wiring `infra/cloudflare/resvg_rasterizer.ts`;
 * this file imports no wasm or font itself, so either bundler can take it.
 *
 * @module
 */
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import type { Rasterizer, RasterOptions } from "../../shared/ports/rasterizer.ts";
import type { PngImage } from "../../shared/report/png.ts";

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

/**
 * A rasterizer from resvg's wasm and font files (TTF/OTF bytes). `encode`,
 * when given, writes the PNG from resvg's RGBA pixels (a runtime's native
 * zlib is faster than resvg's own encoder in wasm: `zlibPngEncoder` of
 * `shared/report/png.ts`); else resvg encodes it.
 */
export function makeResvgRasterizer(
  wasm: () => Promise<BufferSource | WebAssembly.Module>,
  fonts: () => Promise<Uint8Array[]>,
  encode?: (img: PngImage) => Promise<Uint8Array>,
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
          if (encode) {
            return await encode({
              width: img.width,
              height: img.height,
              channels: 4,
              pixels: img.pixels,
            });
          }
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
