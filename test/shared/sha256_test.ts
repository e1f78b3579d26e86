import { assertEquals } from "../helpers/assert.ts";
import { randomBytes } from "../helpers/corrupt_files.ts";
import { Sha256 } from "../../shared/sha256.ts";

async function subtleHex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("SHA-256 of known messages (FIPS 180-4 examples)", () => {
  const enc = new TextEncoder();
  assertEquals(
    new Sha256().hex(),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assertEquals(
    new Sha256().update(enc.encode("abc")).hex(),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assertEquals(
    new Sha256().update(enc.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
      .hex(),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
});

Deno.test("SHA-256 fed in uneven chunks equals crypto.subtle on random data of several lengths", async () => {
  const lengths = [1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 4096, 65537, 1 << 20];
  for (const n of lengths) {
    const data = randomBytes(n, n);
    const want = await subtleHex(data);
    assertEquals(new Sha256().update(data).hex(), want, `${n} bytes in one piece`);
    const h = new Sha256();
    let o = 0;
    for (let step = 1; o < n; step = (step * 7 + 3) % 200 + 1) {
      h.update(data.subarray(o, Math.min(n, o + step)));
      o += step;
    }
    assertEquals(h.hex(), want, `${n} bytes in uneven pieces`);
  }
});

Deno.test("the node:crypto hash factory gives the pure SHA-256's digest, chunk by chunk", async () => {
  const { nodeSha256 } = await import("../../infra/deno/node_sha256.ts");
  const { Sha256 } = await import("../../shared/sha256.ts");
  const data = new Uint8Array(100_003).map((_, i) => (i * 2654435761) >>> 24);
  const a = nodeSha256(), b = new Sha256();
  for (let o = 0; o < data.length; o += 7777) {
    a.update(data.subarray(o, o + 7777));
    b.update(data.subarray(o, o + 7777));
  }
  const want = b.hex();
  if (a.hex() !== want) throw new Error(`node ${a.hex()} != pure ${want}`);
});
