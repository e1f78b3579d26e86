/**
 * Reading `_report.html` in tests: a summary element's `data-value`, an
 * image's PNG decoded from its `data:` URI.
 *
 * @module
 */
import { assert } from "./assert.ts";
import { type Decoded, decodePng } from "./png_decode.ts";

/** The PNG of `<img id="...">`'s data URI, decoded. */
export function imageOf(html: string, id: string): Decoded {
  const m = html.match(new RegExp(`<img id="${id}"[^>]* src="data:image/png;base64,([^"]+)"`));
  assert(m, `image ${id} is missing`);
  return decodePng(Uint8Array.from(atob(m[1]!), (c) => c.charCodeAt(0)));
}

/** `data-value` of the element with `id`. */
export function dataValue(html: string, id: string): string {
  const m = html.match(new RegExp(`id="${id}" data-value="([^"]*)"`));
  assert(m, `#${id} is missing`);
  return m[1]!;
}
