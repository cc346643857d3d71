// The script tag bundle (CONTRACT section 1): one classic synchronous file. The wasm is inlined
// and instantiated with initSync, so webexp is set up before the parser reads the next
// tag, and its MutationObserver sees every element the parser inserts later, before paint.
import { initSync, setInitMs } from "../../target/gen/webexp.js";
import * as api from "./api.js";

// The wasm, one character per byte, and the character of each byte value; both written in by
// src/js/inline-wasm.mjs after bundling (see there for why not base64). DECODER is the module of
// src/js/decode.wat, all of whose bytes are ASCII.
const WASM = "__WEBEXP_WASM__";
const TABLE = "__WEBEXP_TABLE__";
const DECODER = "__WEBEXP_DECODER__";

// The bytes of `text`: the browser encodes it as UTF-8 into the decoder's memory, and the decoder
// maps each character through the table (src/js/decode.wat). A JavaScript loop over the
// characters took 1.4 to 6 ms of every page load; this about half as much, most of it the
// decoder's set-up (measured in fresh browser contexts).
function decode(text, table) {
  const utf8 = new TextEncoder();
  const { m, d } = new WebAssembly.Instance(new WebAssembly.Module(utf8.encode(DECODER))).exports;
  m.grow((0x200 + text.length * 2) >> 16);
  const mem = new Uint8Array(m.buffer);
  for (let b = 0; b < 256; b++) mem[table.charCodeAt(b)] = b;
  const { written } = utf8.encodeInto(text, mem.subarray(0x200));
  return mem.subarray(0x200, d(0x200, 0x200 + written, 0));
}

// Config: window.webexpConfig, else <script type="application/json" id="webexp-config">.
function readConfig() {
  try {
    const config = window.webexpConfig;
    // (Not an element: `id="webexpConfig"` is window.webexpConfig too when nothing else is.)
    if (config && typeof config === "object") {
      if (!(config.nodeType > 0)) return config;
    } else if (config !== undefined) console.error("webexp: window.webexpConfig is not an object; looking for #webexp-config");
  } catch (e) {
    console.error("webexp: reading window.webexpConfig threw; looking for #webexp-config:", e);
  }
  const el = document.getElementById("webexp-config");
  if (!el) return undefined;
  try {
    return JSON.parse(el.textContent);
  } catch (e) {
    console.error("webexp: #webexp-config is not valid JSON:", e.message);
    return undefined;
  }
}

(() => {
  const t0 = performance.now();
  // A second copy on the page (the tag pasted twice, or added again by a tag manager) does
  // nothing, and leaves the first one's API in place (see otherCopyRuns).
  const running = api.otherCopyRuns();
  if (running) {
    // (The first copy was the npm package: its API goes where the tag's would.)
    if (running.api && !("webexp" in window)) window.webexp = running.api;
    return;
  }
  // Our own nonce, for the elements `inject` adds; only readable while this script runs.
  const nonce = document.currentScript?.nonce || "";
  // start() is the npm entry's; the script tag starts itself from the page's config. The API is
  // there even when WebAssembly cannot start: its calls then return their empty values.
  const { start, setReady, pageApi } = api;
  try {
    window.webexp = pageApi;
  } catch {}
  if (window.webexp !== pageApi) console.error("webexp: window.webexp is taken by the page: no API there (experiments run)");
  try {
    initSync({ module: decode(WASM, TABLE) });
  } catch (e) {
    console.error("webexp: could not start WebAssembly (does the Content-Security-Policy allow 'wasm-unsafe-eval'?):", e);
    setReady(null);
    return;
  }
  setReady();
  setInitMs(performance.now() - t0);
  const config = readConfig();
  if (config === undefined) {
    console.error("webexp: no config: set window.webexpConfig or add <script type=\"application/json\" id=\"webexp-config\"> before the webexp tag");
    return;
  }
  start(config, nonce);
})();
