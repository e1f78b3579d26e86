/**
 * A Web Worker that draws PNGs with resvg, so the orchestrator's thread
 * does not: the plot renders beside gather's other work.
 *
 * Messages in: `{ id, svg, options? }`, or `{ id }` to load resvg's wasm and
 * font now. Messages out: `{ id, png }` (the PNG's buffer, transferred; no
 * `png` for a load) or `{ id, error: { name, message } }`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import type { RasterOptions } from "../../shared/ports/rasterizer.ts";
import { resvgRasterizer } from "./resvg_rasterizer.ts";

self.onmessage = async (e: MessageEvent) => {
  const { id, svg, options } = e.data as { id: number; svg?: string; options?: RasterOptions };
  try {
    if (svg === undefined) { // warm: load only
      await resvgRasterizer.warm!();
      self.postMessage({ id });
      return;
    }
    const png = await resvgRasterizer.svgToPng(svg, options);
    const buffer = png.slice().buffer; // its own ArrayBuffer, moved to the caller
    self.postMessage({ id, png: buffer }, [buffer]);
  } catch (err) {
    const x = err instanceof Error ? err : new Error(String(err));
    self.postMessage({ id, error: { name: x.name, message: x.message } });
  }
};
