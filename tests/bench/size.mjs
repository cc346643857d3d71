// Issue 5: bytes a visitor downloads, gzip -9 and brotli (quality 11), for webexp's script tag and
// the peers' files as published on npm.
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const FILES = [
  ["webexp `dist/webexp.js` (script tag, wasm inlined)", "dist/webexp.js"],
  ["GrowthBook `auto.min.js` (script tag, @growthbook/growthbook 1.8.0)", "node_modules/@growthbook/growthbook/dist/bundles/auto.min.js"],
  ["dom-mutator 0.7.0 (`dom-mutator.cjs.production.min.js`, DOM changes only)", "node_modules/dom-mutator/dist/dom-mutator.cjs.production.min.js"],
];

export function sizeSection(root) {
  const rows = FILES.map(([name, path]) => {
    const bytes = readFileSync(new URL(path, root));
    const gzip = gzipSync(bytes, { level: 9 }).length;
    const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    return `| ${name} | ${bytes.length} | ${gzip} | ${brotli} |`;
  });
  return `## Size

What it measures: the bytes of each file as shipped, then compressed as a server would send it
(gzip level 9, brotli quality 11). webexp's file includes its evaluation engine and its wasm; the
GrowthBook file includes its SDK and dom-mutator; dom-mutator alone applies DOM changes only.

| file | bytes | gzip | brotli |
|---|---:|---:|---:|
${rows.join("\n")}`;
}
