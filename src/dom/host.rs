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

/// A WTF-8 string as a JS string, lone surrogates included: decoded to UTF-16 code units here
/// (the strings are short: selectors, patterns, property values).
pub fn to_js_string(s: &[u8]) -> JsString {
    let mut units = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let b = u32::from(s[i]);
        let cont = |k: usize| u32::from(s.get(i + k).copied().unwrap_or(0x80) & 0x3F);
        let (cp, len) = match b {
            0..=0x7F => (b, 1),
            0x80..=0xDF => (((b & 0x1F) << 6) | cont(1), 2),
            0xE0..=0xEF => (((b & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3),
            _ => (
                ((b & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
                4,
            ),
        };
        if cp >= 0x10000 {
            units.push(0xD800 | ((cp - 0x10000) >> 10) as u16);
            units.push(0xDC00 | (cp & 0x3FF) as u16);
        } else {
            units.push(cp as u16);
        }
        i += len;
    }
    JsString::from_char_code(&units)
}

/// A JS string as WTF-8, code unit by code unit (lone surrogates kept as 3-byte sequences).
fn to_wtf8(s: &JsString) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.length() as usize);
    let mut high = 0u32;
    for u in s.iter() {
        let u = u32::from(u);
        if high != 0 && (0xDC00..0xE000).contains(&u) {
            // The high surrogate written just before pairs with this one: one 4-byte character.
            out.truncate(out.len() - 3);
            push_code_point(&mut out, 0x10000 + ((high - 0xD800) << 10) + (u - 0xDC00));
            high = 0;
            continue;
        }
        high = if (0xD800..0xDC00).contains(&u) { u } else { 0 };
        push_code_point(&mut out, u);
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
        to_wtf8(&to_js_string(s).to_lower_case())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::wtf8_of as wtf8;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    fn strings_cross_both_ways_with_lone_surrogates_and_pairs() {
        let cases: [&[u32]; 5] = [
            &[0x61, 0xE9, 0x4E2D],
            &[0x1F680],
            &[0xD800, 0x61],
            &[0x61, 0xDC00],
            // A lone high surrogate right before a pair (WTF-8 keeps pairs as one character).
            &[0xD83D, 0x1F680],
        ];
        for cps in cases {
            let bytes = wtf8(cps);
            let js = to_js_string(&bytes);
            let units: Vec<u16> = js.iter().collect();
            let mut expected = Vec::new();
            for &cp in cps {
                if cp >= 0x10000 {
                    expected.push(0xD800 | ((cp - 0x10000) >> 10) as u16);
                    expected.push(0xDC00 | (cp & 0x3FF) as u16);
                } else {
                    expected.push(cp as u16);
                }
            }
            assert_eq!(units, expected, "{cps:x?}");
            assert_eq!(to_wtf8(&js), bytes, "{cps:x?}");
        }
    }

    #[wasm_bindgen_test]
    fn the_host_is_the_browser() {
        let host = BrowserHost;
        // JavaScript's own rules, final sigma included: a word-final Σ lowercases to ς.
        let lower = host.to_lower_case(&wtf8(&[0x41, 0xC4, 0x3A3, 0xD800]));
        assert_eq!(lower, wtf8(&[0x61, 0xE4, 0x3C2, 0xD800]));
        assert_eq!(
            host.to_lower_case(&wtf8(&[0x3A3, 0x41])),
            wtf8(&[0x3C3, 0x61])
        );
        assert_eq!(host.regex_exec(b"^a.c$", b"abc"), Some(true));
        assert_eq!(host.regex_exec(b"(", b"abc"), None);
        assert_eq!(host.number_to_string(1e21), "1e+21");
        assert_eq!(host.parse_decimal("0.1e1"), 1.0);
    }
}
