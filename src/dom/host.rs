//! The browser as the evaluation [`Host`]: its own `RegExp`, `toLowerCase` and `String(n)`, so
//! operators behave exactly as in the JavaScript reference engine.

use crate::core::json::push_code_point;
use crate::core::Host;
use crate::prelude::*;
use js_sys::JsString;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = RegExp)]
    type JsRegExp;
    #[wasm_bindgen(catch, constructor, js_class = "RegExp")]
    fn new(pattern: &JsString) -> Result<JsRegExp, JsValue>;
    #[wasm_bindgen(method)]
    fn test(this: &JsRegExp, input: &JsString) -> bool;
}

/// The page's JavaScript engine.
pub struct BrowserHost;

/// A WTF-8 string as a JS string (lone surrogates included).
pub fn to_js_string(s: &[u8]) -> JsString {
    if let Ok(text) = core::str::from_utf8(s) {
        return JsString::from(text);
    }
    let mut units = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        let (cp, len) = if b < 0x80 {
            (u32::from(b), 1)
        } else if b < 0xE0 {
            ((u32::from(b & 0x1F) << 6) | u32::from(s[i + 1] & 0x3F), 2)
        } else if b < 0xF0 {
            let cp = (u32::from(b & 0x0F) << 12)
                | (u32::from(s[i + 1] & 0x3F) << 6)
                | u32::from(s[i + 2] & 0x3F);
            (cp, 3)
        } else {
            let cp = (u32::from(b & 0x07) << 18)
                | (u32::from(s[i + 1] & 0x3F) << 12)
                | (u32::from(s[i + 2] & 0x3F) << 6)
                | u32::from(s[i + 3] & 0x3F);
            (cp, 4)
        };
        if cp >= 0x10000 {
            let c = cp - 0x10000;
            units.push(0xD800 + (c >> 10) as u16);
            units.push(0xDC00 + (c & 0x3FF) as u16);
        } else {
            units.push(cp as u16);
        }
        i += len;
    }
    JsString::from_char_code(&units)
}

/// A JS string as WTF-8, code unit by code unit (lone surrogates kept as 3-byte sequences).
fn units_to_wtf8(s: &JsString) -> Vec<u8> {
    let units: Vec<u16> = s.iter().collect();
    let mut out = Vec::with_capacity(units.len());
    let mut i = 0;
    while i < units.len() {
        let u = u32::from(units[i]);
        let lo = units.get(i + 1).map_or(0, |&lo| u32::from(lo));
        if (0xD800..0xDC00).contains(&u) && (0xDC00..0xE000).contains(&lo) {
            push_code_point(&mut out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
            i += 2;
        } else {
            push_code_point(&mut out, u);
            i += 1;
        }
    }
    out
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = Number)]
    fn js_number(text: &str) -> f64;
}

impl Host for BrowserHost {
    fn parse_decimal(&self, text: &str) -> f64 {
        js_number(text)
    }

    fn to_lower_case(&self, s: &[u8]) -> Vec<u8> {
        let lower = to_js_string(s).to_lower_case();
        // Lowercasing adds no lone surrogate: valid UTF-8 in, valid UTF-8 out.
        match (core::str::from_utf8(s).is_ok(), lower.as_string()) {
            (true, Some(text)) => text.into_bytes(),
            _ => units_to_wtf8(&lower),
        }
    }

    fn regex_exec(&self, pattern: &[u8], input: &[u8]) -> Option<bool> {
        let re = JsRegExp::new(&to_js_string(pattern)).ok()?;
        Some(re.test(&to_js_string(input)))
    }

    fn number_to_string(&self, n: f64) -> String {
        js_sys::Number::from(n)
            .to_string_with_radix(10)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    }
}
