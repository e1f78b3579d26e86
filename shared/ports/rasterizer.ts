/**
 * The rasterizer port: an SVG document (ours, from `motionPlotSvg`) to a PNG
 * file, with real text drawn from a font the adapter bundles. Rendering text
 * needs a font and a renderer that no web standard provides everywhere, so
 * the adapter owns both: `infra/deno/resvg_rasterizer.ts` (resvg compiled to
 * WebAssembly, DejaVu Sans from npm; on Cloudflare Workers the same renderer
 * with the wasm imported as a module).
 *
 * @module
 */

/** How {@link Rasterizer.svgToPng} sizes the image. */
export interface RasterOptions {
  /** Pixels per SVG user unit; default 1 (the SVG's own width and height). */
  scale?: number;
  /** Fill behind the drawing (CSS colour); default opaque white. */
  background?: string;
}

/** Turns SVG into PNG. */
export interface Rasterizer {
  /**
   * The PNG file of `svg` rendered at `scale` × its size. Text in the SVG is
   * drawn with the adapter's bundled font whatever family it names. Rejects
   * with a `RangeError` for a scale that is not positive, an `Error` for SVG
   * the renderer cannot parse.
   */
  svgToPng(svg: string, options?: RasterOptions): Promise<Uint8Array>;
  /**
   * Optional: load the renderer now (start its worker, compile its wasm, read
   * its font) so the first `svgToPng` does not wait for that; the
   * orchestrator calls it when a job starts.
   */
  warm?(): Promise<void>;
  /** Optional: release what the renderer holds (a worker); later calls reject. */
  close?(): Promise<void>;
}
