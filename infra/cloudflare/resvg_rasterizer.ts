/**
 * The {@link Rasterizer} on Workers: the same resvg renderer as on Deno
 * (`makeResvgRasterizer` from `infra/deno/resvg_rasterizer.ts`), with the
 * wasm imported as a compiled module and DejaVu Sans as a data module
 * (wrangler's `CompiledWasm` and `Data` module rules; a Worker cannot compile
 * wasm from bytes at run time). Both are part of the Worker bundle.
 *
 * @module
 */
import wasm from "@resvg/resvg-wasm/index_bg.wasm";
import dejavu from "dejavu-fonts-ttf/ttf/DejaVuSans.ttf";
import type { Rasterizer } from "../../shared/ports/rasterizer.ts";
import { makeResvgRasterizer } from "../deno/resvg_render.ts";
import { zlibPngEncoder } from "../../shared/report/png.ts";
import { zlibCompression } from "../deno/zlib_compression.ts";

/** The Workers rasterizer (the wasm is instantiated on first use, once per isolate). */
export const workersRasterizer: Rasterizer = makeResvgRasterizer(
  () => Promise.resolve(wasm),
  () => Promise.resolve([new Uint8Array(dejavu)]),
  zlibPngEncoder(zlibCompression), // the same PNG bytes as on Deno
);
