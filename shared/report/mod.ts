/**
 * The run report's pure core: PNG encoding, slice mosaics and temporal
 * statistics, the carpet plot, the brain automask and the self-contained
 * HTML page.
 *
 * @module
 */

export * from "./automask.ts";
export * from "./base64.ts";
export * from "./carpet.ts";
export * from "./mosaic.ts";
export * from "./png.ts";
export * from "./report_html.ts";
export * from "./report_part.ts";
export * from "./run_summary.ts";
