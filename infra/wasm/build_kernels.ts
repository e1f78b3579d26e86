/**
 * `deno task build-wasm`: compiles the AssemblyScript kernels
 * (shared/wasm/kernels.as) with a pinned asc and writes the module, base64
 * embedded, to shared/wasm/kernels_wasm_bytes.ts, so `shared/` stays free of
 * file I/O and CI needs no build step. Run it after editing kernels.as and
 * commit both files.
 *
 * @module
 */

const ASC = "npm:assemblyscript@0.28.20/asc";
const root = new URL("../../", import.meta.url).pathname;
const src = `${root}shared/wasm/kernels.as`;
const target = `${root}shared/wasm/kernels_wasm_bytes.ts`;

const tmp = await Deno.makeTempDir({ prefix: "realign-asc-" });
try {
  // asc wants a .ts entry; the source keeps .as so Deno's tools leave it alone.
  await Deno.copyFile(src, `${tmp}/kernels.ts`);
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--no-lock",
      "--no-config",
      ASC,
      "kernels.ts",
      "-o",
      "kernels.wasm",
      "-O3",
      "--noAssert",
      "--runtime",
      "stub",
      "--enable",
      "simd",
      "--use",
      "abort=",
    ],
    cwd: tmp,
  }).output();
  const err = new TextDecoder().decode(r.stderr);
  if (!r.success) throw new Error(`asc failed:\n${err}`);
  const bytes = await Deno.readFile(`${tmp}/kernels.wasm`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  const b64 = btoa(bin);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 96) lines.push(`  "${b64.slice(i, i + 96)}",`);
  const text = `/**
 * The WebAssembly resampling kernels (shared/wasm/kernels.as), compiled by
 * \`deno task build-wasm\` (AssemblyScript 0.28.20, -O3, SIMD): ${bytes.length} bytes,
 * base64. Generated: do not edit.
 *
 * @module
 */

/** The module's bytes, base64 in chunks. */
export const KERNELS_WASM_BASE64: string = [
${lines.join("\n")}
].join("");
`;
  await Deno.writeTextFile(target, text);
  console.log(`wrote ${target} (${bytes.length} bytes of wasm)`);
  // The same bytes as a file, for the Cloudflare Worker to import as a compiled module.
  await Deno.writeFile(`${root}infra/cloudflare/kernels.wasm`, bytes);
  console.log(`wrote ${root}infra/cloudflare/kernels.wasm`);
} finally {
  await Deno.remove(tmp, { recursive: true });
}
