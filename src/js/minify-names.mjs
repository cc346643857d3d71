// Build step (./build.sh): shortens the names that join the wasm and its JS glue.
//
// wasm-bindgen names every import like `__wbg_querySelector_72201b7c62dc196b`; each name is in
// the wasm and again in the glue, and the hash suffixes do not compress (measured: 1.7 KB gzipped
// in the wasm alone). binaryen renames imports, exports and the import module to short names and
// prints the mapping, which is applied here to the glue, so both sides still agree.
//
// Usage: node src/js/minify-names.mjs <dir holding webexp_bg.wasm and webexp.js>
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
const wasmPath = join(dir, "webexp_bg.wasm");
const gluePath = join(dir, "webexp.js");
const out = execFileSync("node_modules/.bin/wasm-opt", [
  "--minify-imports-and-exports-and-modules", wasmPath, "-o", wasmPath,
], { encoding: "utf8" });
const mapping = JSON.parse(out.slice(out.indexOf("{")));
// The glue's own imports come from "./webexp_bg.js"; `inline_js` snippets are further modules,
// which binaryen folds into the same single module.
const GLUE = "./webexp_bg.js";
const modules = new Set(mapping.imports.map(([module]) => module));
if (!modules.has(GLUE)) throw new Error("minify-names: no import from " + GLUE + ", got " + [...modules]);
// The module name binaryen gives is what the minified wasm imports from.
const module = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasmPath)))[0].module;

let glue = readFileSync(gluePath, "utf8");
const escape = (s) => s.replace(/[$]/g, "\\$&");
const escapeAll = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const fromSnippets = [];
for (const [mod, from, to] of mapping.imports) {
  if (mod !== GLUE) {
    // A snippet's function, taken from the namespace the glue binds the snippet module to.
    const binding = glue.match(new RegExp(`"${escapeAll(mod)}": (import\\d+)`));
    if (!binding) throw new Error(`minify-names: module ${mod} not found in the glue`);
    fromSnippets.push(`${JSON.stringify(to)}: ${binding[1]}[${JSON.stringify(from)}]`);
    continue;
  }
  const re = new RegExp(`(^|[\\s{,])${escape(from)}(\\s*:\\s*function)`, "g");
  const before = glue;
  glue = glue.replace(re, (_, pre, post) => `${pre}${JSON.stringify(to)}${post}`);
  if (glue === before) throw new Error(`minify-names: import ${from} not found in the glue`);
}
for (const [from, to] of mapping.exports) {
  glue = glue.replace(new RegExp(`\\bwasm\\.${escape(from)}\\b`, "g"), `wasm[${JSON.stringify(to)}]`);
}
const merged = fromSnippets.length ? `Object.assign(import0, { ${fromSnippets.join(", ")} })` : "import0";
glue = glue.replace(`"${GLUE}": import0`, `${JSON.stringify(module)}: ${merged}`);
// Every other module entry goes (wasm-bindgen may list one module under several bindings).
for (const mod of modules) {
  if (mod !== GLUE) glue = glue.replace(new RegExp(`\\s*"${escapeAll(mod)}": import\\d+,?`, "g"), "");
}
if (/__wbg_[a-zA-Z_]+_[0-9a-f]{16}\s*:/.test(glue) || /\bwasm\.(?!\[)[a-zA-Z_]/.test(glue)) {
  throw new Error("minify-names: the glue still uses an old name");
}
writeFileSync(gluePath, glue);
