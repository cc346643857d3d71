// Build step (./build.sh): writes the wasm into the script-tag bundle as a string literal.
//
// Why not base64: base64 turns 3 bytes into 4 characters, so a byte sequence that repeats in the
// wasm repeats in 3 different alignments and gzip finds far fewer matches (measured: 54.2 KB vs
// 43.2 KB gzipped for the same module). Here each byte becomes one character: the most frequent
// bytes become printable ASCII and control characters (1 byte of UTF-8), the others U+0080 to
// U+00FF (2 bytes), so byte patterns stay byte patterns and gzip sees almost the raw module. The
// file starts with a UTF-8 byte order mark, which browsers honour over the page's own encoding.
//
// The decoder module (src/js/decode.wat), all ASCII, goes in as one character per byte, escaped
// where a template literal needs it.
//
// Usage: node src/js/inline-wasm.mjs <bundle.js> <module.wasm> <decoder.wasm>
import { readFileSync, writeFileSync } from "node:fs";

const [bundlePath, wasmPath, decoderPath] = process.argv.slice(2);
const bundle = readFileSync(bundlePath, "utf8");
const wasm = readFileSync(wasmPath);

// What a template literal cannot hold as itself: its delimiter, escape and substitution
// characters, CR (read as LF), and NUL (kept out of the file's text).
const NEEDS_ESCAPE = "`\\$\r\0";
const counts = new Array(256).fill(0);
for (const b of wasm) counts[b]++;
const byFrequency = [...counts.keys()].sort((a, b) => counts[b] - counts[a] || a - b);
const printable = [];
for (let c = 0x20; c < 0x7f; c++) if (!NEEDS_ESCAPE.includes(String.fromCharCode(c))) printable.push(c);
// Control characters stand for themselves in a template literal too (CR and NUL aside, above).
const controls = [];
for (let c = 0x01; c < 0x20; c++) if (!NEEDS_ESCAPE.includes(String.fromCharCode(c))) controls.push(c);
// Then U+0080 to U+00FF, and last, for the five rarest bytes, the characters a template literal
// takes only escaped. Every character stays below U+0100: the whole file is then Latin-1 text,
// which the browser and V8 keep one byte per character (a single character above U+00FF makes
// all 175,000 of them two bytes each, to decode and to scan).
const targets = [...printable, ...controls, 0x7f];
for (let c = 0x80; c < 0x100; c++) targets.push(c);
for (const c of NEEDS_ESCAPE) targets.push(c.charCodeAt(0));
if (targets.length !== 256) throw new Error("inline-wasm: the targets must be 256 characters");
const charOf = new Array(256);
byFrequency.forEach((byte, rank) => (charOf[byte] = targets[rank]));

// Characters go into a template literal, the five above escaped.
const escaped = (c) => (NEEDS_ESCAPE.includes(String.fromCharCode(c)) ? "\\x" + c.toString(16).padStart(2, "0") : String.fromCharCode(c));
const text = (bytes) => bytes.map((b) => escaped(charOf[b])).join("");
let data = "";
for (let i = 0; i < wasm.length; i += 8192) data += text([...wasm.subarray(i, i + 8192)]);
const table = text([...Array(256).keys()]);
const decoderBytes = readFileSync(decoderPath);
if (decoderBytes.some((b) => b >= 0x80)) throw new Error("inline-wasm: the decoder must be ASCII (see decode.wat)");
const decoder = [...decoderBytes].map(escaped).join("");

const out = bundle
  .replace('"__WEBEXP_WASM__"', () => "`" + data + "`")
  .replace('"__WEBEXP_TABLE__"', () => "`" + table + "`")
  .replace('"__WEBEXP_DECODER__"', () => "`" + decoder + "`");
if (out === bundle || out.includes("__WEBEXP_")) throw new Error("inline-wasm: placeholders not found in " + bundlePath);
writeFileSync(bundlePath, "\ufeff" + out, "utf8");
