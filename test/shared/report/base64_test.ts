import { base64Encode } from "../../../shared/report/base64.ts";
import { mulberry32 } from "../../../shared/estimate/prng.ts";
import { assertEquals } from "../../helpers/assert.ts";

function reference(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

Deno.test("base64Encode matches RFC 4648 vectors", () => {
  const vectors: [string, string][] = [
    ["", ""],
    ["f", "Zg=="],
    ["fo", "Zm8="],
    ["foo", "Zm9v"],
    ["foob", "Zm9vYg=="],
    ["fooba", "Zm9vYmE="],
    ["foobar", "Zm9vYmFy"],
  ];
  for (const [plain, coded] of vectors) {
    assertEquals(base64Encode(new TextEncoder().encode(plain)), coded, plain);
  }
});

Deno.test("base64Encode equals btoa on every byte value and a large random buffer", () => {
  const all = new Uint8Array(256).map((_, i) => i);
  assertEquals(base64Encode(all), reference(all));
  const rnd = mulberry32(3);
  const big = new Uint8Array(1_000_001).map(() => Math.floor(rnd() * 256));
  assertEquals(base64Encode(big), reference(big));
});
