// pako ships no types; Deno treats it as untyped too (deno.json maps it to npm:pako@2.1.0).
declare module "pako";

// wrangler's CompiledWasm rule: a .wasm import is a compiled WebAssembly.Module. (The .ttf
// Data rule's type, an ArrayBuffer, is in the generated worker_env.d.ts.)
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
