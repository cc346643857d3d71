//! Preview links (`?PREVIEW=true&<flagKey>=<variantKey>`): their parameters are read and taken
//! out of the visible URL.

use crate::prelude::*;
use wasm_bindgen::prelude::*;

// Works on the raw `a=b` parts of `location.search`, so the parameters that stay keep their exact
// encoding; `replaceState` keeps the path, the history state and the hash.
#[wasm_bindgen(inline_js = r#"
export function take_preview(keys) {
  const l = location, out = [], kept = [];
  const dec = (s) => { try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch (e) { return s; } };
  const parts = l.search.slice(1).split("&").filter(Boolean).map((p) => {
    const i = p.indexOf("=");
    return [p, dec(i < 0 ? p : p.slice(0, i)), i < 0 ? "" : dec(p.slice(i + 1))];
  });
  const mode = parts.find((p) => p[1] === "PREVIEW");
  if (!mode) return;
  out.push(mode[2]);
  keys = JSON.parse(keys);
  for (const [p, k, v] of parts) {
    if (k === "PREVIEW") continue;
    if (keys.includes(k)) out.push(k, v);
    else {
      if (mode[2] === "true") console.error("webexp: preview: " + k + ": not a configured flag; ignored");
      kept.push(p);
    }
  }
  try { history.replaceState(history.state, "", l.pathname + (kept.length ? "?" + kept.join("&") : "") + l.hash); } catch (e) {}
  return JSON.stringify(out);
}
"#)]
extern "C" {
    fn take_preview(flag_keys_json: &str) -> Option<String>;
}

/// When the URL has a `PREVIEW` parameter: `["<its value>", flagKey, variantKey, ...]` as JSON
/// text, for the parameters named like one of `flag_keys_json` (a JSON array); those and
/// `PREVIEW` are removed from the visible URL. Other parameters stay, and with `PREVIEW=true`
/// each is reported as not a configured flag.
pub fn take_params(flag_keys_json: &str) -> Option<String> {
    take_preview(flag_keys_json)
}
