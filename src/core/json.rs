//! A small strict JSON reader and writer (what `JSON.parse` accepts, what `JSON.stringify` writes).
//!
//! Why not serde: `serde-wasm-bindgen` alone costs about 30 KB gzipped of wasm (measured, see
//! `shared/reference/rust-wasm.md`), the whole script budget. The browser does `JSON.stringify`
//! natively; we read its output here in a few KB.
//!
//! Strings are kept as WTF-8 bytes: JavaScript strings may hold lone UTF-16 surrogates
//! (`JSON.stringify` writes them as `\udXXX` escapes), and bucketing must hash them exactly as the
//! JavaScript engine encodes them (a lone surrogate becomes its 3-byte generalised UTF-8 form).
//! Numbers keep their source text: `JSON.stringify` writes a number as `String(n)`, so the text is
//! exactly what the reference engine's `coerceString` produces, with no float formatting here.

use crate::prelude::*;
/// A parsed JSON value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as its source text (`-1.5e3`).
    Number(Box<str>),
    /// A string, as WTF-8 bytes.
    Str(Vec<u8>),
    /// An array.
    Array(Vec<Value>),
    /// An object, members in source order (duplicates kept; [`Value::get`] takes the last).
    Object(Vec<(Vec<u8>, Value)>),
}

/// Why a JSON text was rejected, and at which byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset of the problem in the input.
    pub offset: usize,
    /// What is wrong there.
    pub what: &'static str,
}

/// Nesting deeper than this is rejected instead of exhausting the stack.
const MAX_DEPTH: usize = 256;

/// What a text nested deeper than [`MAX_DEPTH`] gets as its error.
pub const TOO_DEEP: &str = "nesting too deep";

impl Value {
    /// The member `key` of an object (the last one when the key repeats, as `JSON.parse` does).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members
                .iter()
                .rev()
                .find(|(k, _)| k.as_slice() == key.as_bytes())
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, when this is a string of valid UTF-8 (no lone surrogates).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => core::str::from_utf8(s).ok(),
            _ => None,
        }
    }

    /// The array's elements, when this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The object's members, when this is an object.
    pub fn as_object(&self) -> Option<&[(Vec<u8>, Value)]> {
        match self {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// `true` for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A string value from UTF-8 text.
    pub fn string(s: &str) -> Value {
        Value::Str(s.as_bytes().to_vec())
    }

    /// This value as JSON text, written the way `JSON.stringify` writes it.
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        write(&mut out, self);
        // Every byte written is ASCII or copied from valid UTF-8 (lone surrogates are escaped).
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Parses a complete JSON text.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    parse_bytes(text.as_bytes())
}

/// Parses a complete JSON text given as UTF-8 bytes (text this crate wrote, which needs no
/// check).
pub fn parse_bytes(text: &[u8]) -> Result<Value, JsonError> {
    let mut p = Parser {
        b: text,
        i: 0,
        what: "",
    };
    let v = p.value(0);
    if v.is_some() && p.peek_ws().is_some() {
        p.what = "unexpected text after the JSON value";
    } else if let Some(v) = v {
        return Ok(v);
    }
    Err(JsonError {
        offset: p.i,
        what: p.what,
    })
}

/// The parser's state. A failed step records what is wrong in `what` and returns `None`, with
/// `i` left at the problem: an `Option` is smaller to pass around than a `Result` carrying the
/// error, and every step shares the one place that builds it.
struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    what: &'static str,
}

impl Parser<'_> {
    /// Records what is wrong at the current offset.
    fn fail<T>(&mut self, what: &'static str) -> Option<T> {
        self.what = what;
        None
    }

    // Inlined: an `Option<u8>` returned from a call goes through memory in wasm.
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips whitespace; the next byte.
    #[inline(always)]
    fn peek_ws(&mut self) -> Option<u8> {
        self.ws();
        self.peek()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// Skips `c` if it is next; whether it was.
    fn skip(&mut self, c: u8) -> bool {
        let next = self.peek() == Some(c);
        if next {
            self.i += 1;
        }
        next
    }

    /// Skips whitespace and `c`; `None` (recording `what`) when the next byte is not `c`.
    fn expect(&mut self, c: u8, what: &'static str) -> Option<()> {
        self.ws();
        if !self.skip(c) {
            return self.fail(what);
        }
        Some(())
    }

    /// After an element of an array or object: `Some(true)` past the closing `end`,
    /// `Some(false)` past a comma.
    fn next(&mut self, end: u8, what: &'static str) -> Option<bool> {
        self.ws();
        if self.skip(b',') {
            return Some(false);
        }
        if !self.skip(end) {
            return self.fail(what);
        }
        Some(true)
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return self.fail(TOO_DEEP);
        }
        let Some(c) = self.peek_ws() else {
            return self.fail("unexpected end of JSON");
        };
        match c {
            b'n' | b't' | b'f' => {
                let (word, v): (&[u8], _) = match c {
                    b'n' => (b"null", Value::Null),
                    b't' => (b"true", Value::Bool(true)),
                    _ => (b"false", Value::Bool(false)),
                };
                if !self.b[self.i..].starts_with(word) {
                    return self.fail("invalid literal");
                }
                self.i += word.len();
                Some(v)
            }
            b'"' => self.string().map(Value::Str),
            b'[' | b'{' => {
                // One loop for both: they differ only in the key before each element.
                let object = c == b'{';
                let (end, what) = if object {
                    (b'}', "expected ',' or '}'")
                } else {
                    (b']', "expected ',' or ']'")
                };
                self.i += 1;
                let (mut items, mut members) = (Vec::new(), Vec::new());
                self.ws();
                if !self.skip(end) {
                    loop {
                        let mut key = None;
                        if object {
                            if self.peek_ws() != Some(b'"') {
                                return self.fail("expected a string key");
                            }
                            key = Some(self.string()?);
                            self.expect(b':', "expected ':'")?;
                        }
                        let v = self.value(depth + 1)?;
                        match key {
                            Some(key) => members.push((key, v)),
                            None => items.push(v),
                        }
                        if self.next(end, what)? {
                            break;
                        }
                    }
                }
                Some(if object {
                    Value::Object(members)
                } else {
                    Value::Array(items)
                })
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => self.fail("unexpected character"),
        }
    }

    /// Skips digits; whether there was one.
    fn digits(&mut self) -> bool {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i > start
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        self.skip(b'-');
        let valid = (self.skip(b'0') || self.digits())
            && (!self.skip(b'.') || self.digits())
            && (!(self.skip(b'e') || self.skip(b'E')) || {
                let _sign = self.skip(b'+') || self.skip(b'-');
                self.digits()
            });
        if !valid {
            return self.fail("invalid number");
        }
        // The slice is ASCII digits and signs, so it is valid UTF-8.
        let text = core::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
        Some(Value::Number(text.into()))
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut n = 0u32;
        for _ in 0..4 {
            let Some(d) = self.peek().and_then(|c| char::from(c).to_digit(16)) else {
                return self.fail("invalid \\u escape");
            };
            n = n * 16 + d;
            self.i += 1;
        }
        Some(n)
    }

    fn string(&mut self) -> Option<Vec<u8>> {
        self.i += 1; // opening quote
        let mut out = Vec::new();
        loop {
            // Copy the run of plain bytes in one go.
            let start = self.i;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.extend_from_slice(&self.b[start..self.i]);
            let Some(c) = self.peek() else {
                return self.fail("unterminated string");
            };
            self.i += 1;
            match c {
                b'"' => return Some(out),
                b'\\' => {
                    let Some(c) = self.peek() else {
                        return self.fail("unterminated string");
                    };
                    self.i += 1;
                    if c == b'u' {
                        let mut cp = self.hex4()?;
                        if (0xD800..0xDC00).contains(&cp) && self.b[self.i..].starts_with(b"\\u") {
                            let save = self.i;
                            self.i += 2;
                            let lo = self.hex4()?;
                            if (0xDC00..0xE000).contains(&lo) {
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                            } else {
                                self.i = save;
                            }
                        }
                        push_code_point(&mut out, cp);
                        continue;
                    }
                    // The other escapes, by a table: smaller than a `match` arm each.
                    let Some(k) = b"\"\\/bfnrt".iter().position(|&e| e == c) else {
                        self.i -= 1;
                        return self.fail("invalid escape");
                    };
                    out.push(b"\"\\/\x08\x0c\n\r\t"[k]);
                }
                // The run stopped at a control character.
                _ => {
                    self.i -= 1;
                    return self.fail("control character in string");
                }
            }
        }
    }
}

/// Appends a code point (surrogates included) in generalised UTF-8, as the reference engine's
/// `stringToUtf8ByteArray` encodes it.
pub fn push_code_point(out: &mut Vec<u8>, cp: u32) {
    if cp < 0x80 {
        out.push(cp as u8);
    } else if cp < 0x800 {
        out.push((cp >> 6) as u8 | 0xC0);
        out.push((cp & 0x3F) as u8 | 0x80);
    } else if cp < 0x10000 {
        out.push((cp >> 12) as u8 | 0xE0);
        out.push(((cp >> 6) & 0x3F) as u8 | 0x80);
        out.push((cp & 0x3F) as u8 | 0x80);
    } else {
        out.push((cp >> 18) as u8 | 0xF0);
        out.push(((cp >> 12) & 0x3F) as u8 | 0x80);
        out.push(((cp >> 6) & 0x3F) as u8 | 0x80);
        out.push((cp & 0x3F) as u8 | 0x80);
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes a WTF-8 string as a JSON string literal, escaping as `JSON.stringify` does
/// (lone surrogates as lowercase `\udXXX`).
pub fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        // The short escapes, by a table: smaller than a `match` arm each.
        if let Some(k) = b"\x08\x0c\n\r\t\"\\".iter().position(|&e| e == c) {
            out.push(b'\\');
            out.push(b"bfnrt\"\\"[k]);
        } else if c < 0x20 {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 15)]);
        } else if c == 0xED && s.get(i).is_some_and(|&b| b >= 0xA0) && i + 1 < s.len() {
            // A surrogate code point (ED A0..BF xx) can only be a lone one in WTF-8.
            let cp = (u32::from(c & 0x0F) << 12)
                | (u32::from(s[i] & 0x3F) << 6)
                | u32::from(s[i + 1] & 0x3F);
            out.extend_from_slice(b"\\u");
            for shift in [12, 8, 4, 0] {
                out.push(HEX[((cp >> shift) & 15) as usize]);
            }
            i += 2;
        } else {
            out.push(c);
        }
    }
    out.push(b'"');
}

/// Writes a value as JSON text, members in stored order, numbers as their source text.
pub fn write(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(n.as_bytes()),
        Value::Str(s) => write_string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(out, item);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            out.push(b'{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, k);
                out.push(b':');
                write(out, item);
            }
            out.push(b'}');
        }
    }
}

/// WTF-8 text (what the parser keeps) as a `String` for a message: exact when it is UTF-8, else
/// each byte outside ASCII shown as U+FFFD. (`String::from_utf8_lossy` would do it per sequence,
/// for 1 KB of code no message needs.)
pub fn message_text(text: &[u8]) -> String {
    match core::str::from_utf8(text) {
        Ok(s) => s.into(),
        Err(_) => text
            .iter()
            .map(|&b| if b < 0x80 { b as char } else { '\u{FFFD}' })
            .collect(),
    }
}

/// Appends the decimal digits of `n` (integer formatting without `core::fmt`).
pub fn push_usize(out: &mut String, n: usize) {
    push_digits(out, n as u64, 1);
}

/// The whole number written by [`push_digits`] (ASCII digits only, leading zeros allowed);
/// `None` when anything else is there.
pub fn parse_digits(digits: &str) -> Option<f64> {
    let mut v = 0.0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10.0 + f64::from(b - b'0');
    }
    Some(v)
}

/// Appends the decimal digits of `n`, left-padded with zeros to at least `width` digits (at most
/// 20). `u64`, as times in milliseconds do not fit wasm32's `usize`.
pub fn push_digits(out: &mut String, mut n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    let start = i.min(buf.len().saturating_sub(width));
    // Digits are ASCII.
    out.push_str(core::str::from_utf8(buf.get(start..).unwrap_or_default()).unwrap_or_default());
}

/// WTF-8 bytes of a sequence of code points, surrogates allowed (tests build inputs with it).
#[cfg(test)]
pub(crate) fn wtf8_of(cps: &[u32]) -> Vec<u8> {
    let mut out = Vec::new();
    for &cp in cps {
        push_code_point(&mut out, cp);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        parse(text).unwrap().to_json()
    }

    #[test]
    fn parses_and_writes_canonical_json() {
        assert_eq!(
            round_trip(r#" { "a" : [1, -2.5e3, true, false, null], "b": {"c": "d"} } "#),
            r#"{"a":[1,-2.5e3,true,false,null],"b":{"c":"d"}}"#
        );
    }

    #[test]
    fn keeps_lone_surrogates_as_wtf8_and_escapes_them_back() {
        let v = parse(r#""a\ud800b""#).unwrap();
        assert_eq!(v, Value::Str(vec![b'a', 0xED, 0xA0, 0x80, b'b']));
        assert_eq!(v.to_json(), r#""a\ud800b""#);
        // A pair written as two escapes is one 4-byte character.
        let rocket = parse(r#""\ud83d\ude80""#).unwrap();
        assert_eq!(rocket, Value::string("🚀"));
        assert_eq!(rocket.to_json(), "\"🚀\"");
        // A high surrogate followed by a non-low escape stays lone.
        let v = parse(r#""\ud83d\u0041""#).unwrap();
        assert_eq!(v, Value::Str(vec![0xED, 0xA0, 0xBD, b'A']));
    }

    #[test]
    fn escapes_like_json_stringify() {
        let v = Value::Str(b"q\"b\\n\nc\x01\x7f/".to_vec());
        assert_eq!(v.to_json(), "\"q\\\"b\\\\n\\nc\\u0001\x7f/\"");
    }

    #[test]
    fn rejects_what_json_parse_rejects() {
        for bad in [
            "",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "+1",
            "-",
            "1e",
            "\"\t\"",
            "'a'",
            "[1 2]",
            "{a:1}",
            "nul",
            "\"\\x\"",
            "\"\\u12\"",
            "[] x",
            "NaN",
            "Infinity",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn reports_the_offset_of_an_error() {
        let e = parse(r#"{"a": [1, 2,, 3]}"#).unwrap_err();
        assert_eq!(e.offset, 12);
    }

    #[test]
    fn limits_nesting() {
        let deep = "[".repeat(MAX_DEPTH + 5);
        assert_eq!(parse(&deep).unwrap_err().what, "nesting too deep");
    }

    #[test]
    fn get_takes_the_last_duplicate() {
        let v = parse(r#"{"a":1,"a":2}"#).unwrap();
        assert_eq!(v.get("a"), Some(&Value::Number("2".into())));
        assert_eq!(v.get("b"), None);
    }

    #[test]
    fn push_usize_writes_decimal() {
        let mut s = String::new();
        for n in [0, 7, 10, 12345, usize::MAX] {
            s.clear();
            push_usize(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }
}
