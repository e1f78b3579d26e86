/**
 * The {@link Rasterizer} on Deno for the orchestrator: resvg
 * (`resvg_rasterizer.ts`) in its own Web Worker (`rasterizer_worker.ts`),
 * started by `warm()` or the first render, so the plot renders on another
 * core while gather builds the rest of the outputs. `close()` stops the worker.
 *
 * @module
 */
import type { Rasterizer, RasterOptions } from "../../shared/ports/rasterizer.ts";

interface Pending {
  resolve: (png: Uint8Array | undefined) => void;
  reject: (e: Error) => void;
}

/** Raised for an error inside the worker, with its name (a `RangeError` stays one). */
function workerError(e: { name: string; message: string }): Error {
  const err = e.name === "RangeError" ? new RangeError(e.message) : new Error(e.message);
  if (err.name !== e.name) err.name = e.name;
  return err;
}

export class WorkerRasterizer implements Rasterizer {
  #worker: Worker | null = null;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  #post(svg?: string, options?: RasterOptions): Promise<Uint8Array | undefined> {
    if (!this.#worker) {
      const w = new Worker(new URL("./rasterizer_worker.ts", import.meta.url), { type: "module" });
      w.onmessage = (e: MessageEvent) => {
        const { id, png, error } = e.data as {
          id: number;
          png?: ArrayBuffer;
          error?: { name: string; message: string };
        };
        const p = this.#pending.get(id);
        if (!p) return;
        this.#pending.delete(id);
        if (error) p.reject(workerError(error));
        else p.resolve(png ? new Uint8Array(png) : undefined);
      };
      w.onerror = (e) => {
        e.preventDefault();
        const err = new Error(`Cannot rasterize SVG: the renderer's worker failed: ${e.message}`);
        for (const p of this.#pending.values()) p.reject(err);
        this.#pending.clear();
        this.#worker = null;
      };
      this.#worker = w;
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker!.postMessage({ id, svg, options });
    });
  }

  async svgToPng(svg: string, options?: RasterOptions): Promise<Uint8Array> {
    const scale = options?.scale ?? 1;
    if (!(Number.isFinite(scale) && scale > 0)) {
      throw new RangeError(
        `Cannot rasterize SVG: scale must be positive, current value is ${scale}`,
      );
    }
    return (await this.#post(svg, options))!;
  }

  /** Start the worker and load resvg's wasm and font there. */
  async warm(): Promise<void> {
    await this.#post();
  }

  close(): Promise<void> {
    this.#worker?.terminate();
    this.#worker = null;
    const err = new Error("Cannot rasterize SVG: the renderer was closed");
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    return Promise.resolve();
  }
}
