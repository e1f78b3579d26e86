// pako ships no types; Deno treats it as untyped too (deno.json maps it to npm:pako@2.1.0).
declare module "pako";
