// Issue 5: bytes a visitor downloads, gzip -9 and brotli (quality 11), for webexp's script tag and
// the peers' files as published on npm.
import { existsSync, readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const FILES = [
  ["webexp `dist/webexp.js` (script tag, wasm inlined)", "dist/webexp.js"],
  ["GrowthBook `auto.min.js` (script tag, @growthbook/growthbook 1.8.0)", "node_modules/@growthbook/growthbook/dist/bundles/auto.min.js"],
  ["dom-mutator 0.7.0 (`dom-mutator.cjs.production.min.js`, DOM changes only)", "node_modules/dom-mutator/dist/dom-mutator.cjs.production.min.js"],
];

// webexp's wasm, and the evaluation engine alone: the same crate built the same way with only the
// `evaluate` export (`./build.sh bench` builds it with the cargo feature `evaluation-only`). It
// is what the runtime's wasm costs before any of the page runtime (actions, events, SPA...).
const PARTS = [
  ["its JavaScript (wasm-bindgen's glue, the API, the page-side helpers, the analytics adapters, the tag's start-up), before the wasm is inlined (`target/gen/script-without-wasm.js`)", "target/gen/script-without-wasm.js"],
  ["webexp's wasm (`dist/npm/webexp_bg.wasm`, the module `dist/webexp.js` inlines)", "dist/npm/webexp_bg.wasm"],
  ["of it, the evaluation engine alone (JSON reader, flags, evaluation, bucketing; `target/evaluation-only/webexp_bg.wasm`)", "target/evaluation-only/webexp_bg.wasm"],
];

const row = (root) => ([name, path]) => {
  const url = new URL(path, root);
  if (!existsSync(url)) return `| ${name} | missing (\`./build.sh bench\` builds webexp's parts) | | |`;
  const bytes = readFileSync(url);
  const gzip = gzipSync(bytes, { level: 9 }).length;
  const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  return `| ${name} | ${bytes.length} | ${gzip} | ${brotli} |`;
};

export function sizeSection(root) {
  const rows = FILES.map(row(root));
  const parts = PARTS.map(row(root));
  return `## Size

What it measures: the bytes of each file as shipped, then compressed as a server would send it
(gzip level 9, brotli quality 11). webexp's file includes its evaluation engine and its wasm; the
GrowthBook file includes its SDK and dom-mutator; dom-mutator alone applies DOM changes only.

| file | bytes | gzip | brotli |
|---|---:|---:|---:|
${rows.join("\n")}

Where webexp's bytes are: its JavaScript, its wasm, and the part of the wasm that the evaluation engine alone costs
(the crate built with \`evaluate\` as its only export, through the same compiler and wasm-opt
settings; what remains of the wasm is the page runtime: config, actions and the DOM layer,
events and their delivery, pages, redirects, preview). Issue 2's budget for the whole file is
30 KB gzipped (30,720 bytes).

| part | bytes | gzip | brotli |
|---|---:|---:|---:|
${parts.join("\n")}`;
}
