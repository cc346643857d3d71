//! JavaScript semantics the reference engine relies on implicitly: `Number(string)`, string
//! ordering by UTF-16 code units, and `toLowerCase`.
//!
//! Our strings are WTF-8; these helpers give the answers a JavaScript engine gives for the
//! corresponding UTF-16 strings, so conditions match exactly as in the reference.

use super::json::push_code_point;
use super::Host;
use crate::prelude::*;
use core::cmp::Ordering;

/// Decodes the (generalised UTF-8) code point at `i`: `(code point, byte length)`. Malformed
/// bytes decode to something without panicking; well-formed WTF-8 decodes exactly.
fn decode(s: &[u8], i: usize) -> (u32, usize) {
    let b = s[i];
    let (len, first) = match b {
        0xC0..=0xDF => (2, b & 0x1F),
        0xE0..=0xEF => (3, b & 0x0F),
        0xF0..=0xFF => (4, b & 0x07),
        _ => (1, b),
    };
    let len = len.min(s.len() - i);
    let cp = s[i + 1..i + len]
        .iter()
        .fold(u32::from(first), |cp, &c| (cp << 6) | u32::from(c & 0x3F));
    (cp, len)
}

/// The string with each supplementary character written as its two surrogates (CESU-8), so that
/// bytes stand for UTF-16 code units: JavaScript compares and searches strings by code units,
/// which then is comparing and searching bytes (each unit's encoding is prefix-free, order
/// preserving and self-synchronising, so a match cannot start inside a unit).
fn utf16_bytes(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let (cp, len) = decode(s, i);
        if cp >= 0x10000 {
            let c = cp - 0x10000;
            push_code_point(&mut out, 0xD800 | (c >> 10));
            push_code_point(&mut out, 0xDC00 | (c & 0x3FF));
        } else {
            out.extend_from_slice(&s[i..i + len]);
        }
        i += len;
    }
    out
}

/// `a < b` ordering of JavaScript strings (by UTF-16 code units), for WTF-8 strings.
pub fn cmp_utf16(a: &[u8], b: &[u8]) -> Ordering {
    utf16_bytes(a).cmp(&utf16_bytes(b))
}

/// `haystack.includes(needle)` of JavaScript strings, which also finds a lone surrogate inside a
/// surrogate pair.
pub fn includes(haystack: &[u8], needle: &[u8]) -> bool {
    let (haystack, needle) = (utf16_bytes(haystack), utf16_bytes(needle));
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// `s.toLowerCase()`, by the host's engine, whose Unicode tables we do not want to ship. ASCII
/// goes there too: an ASCII fast path here measured as more wasm than it saves in calls.
pub fn to_lower<H: Host>(host: &H, s: &[u8]) -> Vec<u8> {
    host.to_lower_case(s)
}

/// JavaScript's StrWhiteSpaceChar: WhiteSpace and LineTerminator code points.
fn is_js_space(cp: u32) -> bool {
    matches!(
        cp,
        0x09..=0x0D
            | 0x20
            | 0xA0
            | 0x1680
            | 0x2000..=0x200A
            | 0x2028
            | 0x2029
            | 0x202F
            | 0x205F
            | 0x3000
            | 0xFEFF
    )
}

/// `s` without the JavaScript white space at either end.
fn trim(s: &[u8]) -> &[u8] {
    // The first and the end of the last character that is not white space.
    let (mut start, mut end, mut i) = (s.len(), 0, 0);
    while i < s.len() {
        let (cp, len) = decode(s, i);
        if !is_js_space(cp) {
            start = start.min(i);
            end = i + len;
        }
        i += len;
    }
    &s[start.min(end)..end]
}

/// The value of the digits of `s` in radix `2^bits`, correctly rounded like JavaScript does;
/// `None` when `s` is empty or holds a non-digit.
fn radix_value(s: &[u8], bits: u32) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    let (mut m, mut sticky, mut extra) = (0u64, false, 0u32);
    for &c in s {
        // Not `char::to_digit`: with a radix it cannot see is constant, it keeps a panic path.
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        if d >> bits != 0 {
            return None;
        }
        if m < 1 << (64 - bits) {
            m = (m << bits) | u64::from(d);
        } else {
            // Digits beyond 64 bits only matter for rounding: keep a sticky bit.
            sticky |= d != 0;
            extra += bits;
        }
    }
    let mut f = (m | u64::from(sticky)) as f64;
    for _ in 0..extra {
        f *= 2.0;
    }
    Some(f)
}

/// Whether `s` matches StrUnsignedDecimalLiteral without `Infinity`: digits with an optional
/// fraction (`5.`, `.5`) and an optional exponent.
fn is_decimal(s: &[u8]) -> bool {
    let digits = |i: &mut usize| {
        let start = *i;
        while s.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut i = 0;
    let mut n = digits(&mut i);
    if s.get(i) == Some(&b'.') {
        i += 1;
        n += digits(&mut i);
    }
    if n == 0 {
        return false;
    }
    if let Some(b'e' | b'E') = s.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = s.get(i) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == s.len()
}

/// A validated decimal literal that is a plain integer of at most 15 digits (below 2^53, so
/// exact), which covers ranges, counts and ids. Everything else goes to the host's parser (the
/// browser's own `Number`), which keeps correctly rounded decimal conversion out of the wasm.
fn small_integer(s: &[u8]) -> Option<f64> {
    if s.len() > 15 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0')) as f64)
}

/// `Number(s)` for a JavaScript string, which numeric conditions and versions rely on
/// (`""` is 0, `"0x10"` is 16, `"1_000"` is NaN).
pub fn number<H: Host>(host: &H, s: &[u8]) -> f64 {
    let s = trim(s);
    if s.is_empty() {
        return 0.0;
    }
    if let [b'0', p, rest @ ..] = s {
        let bits = match p {
            b'x' | b'X' => 4,
            b'o' | b'O' => 3,
            b'b' | b'B' => 1,
            _ => 0,
        };
        if bits > 0 {
            return radix_value(rest, bits).unwrap_or(f64::NAN);
        }
    }
    let (negative, unsigned) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    let magnitude = if unsigned == b"Infinity" {
        f64::INFINITY
    } else if is_decimal(unsigned) {
        small_integer(unsigned).unwrap_or_else(|| {
            // Validated above: ASCII digits, '.', 'e', signs.
            host.parse_decimal(core::str::from_utf8(unsigned).unwrap_or("NaN"))
        })
    } else {
        f64::NAN
    };
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::wtf8_of as wtf8;
    use crate::core::test_host::TestHost;

    fn num(s: &str) -> f64 {
        number(&TestHost, s.as_bytes())
    }

    #[test]
    fn number_follows_js_grammar() {
        assert_eq!(num(""), 0.0);
        assert_eq!(num("   "), 0.0);
        assert_eq!(num(" 12 "), 12.0);
        assert_eq!(num("\u{a0}\u{feff}\u{2028}\u{3000}7\u{2029}\n\t"), 7.0);
        assert_eq!(num("0x10"), 16.0);
        assert_eq!(num("0X1F"), 31.0);
        assert_eq!(num(" 0b101 "), 5.0);
        assert_eq!(num("0o17"), 15.0);
        assert_eq!(num("1e3"), 1000.0);
        assert_eq!(num("+.5e1"), 5.0);
        assert_eq!(num("5."), 5.0);
        assert_eq!(num(".5"), 0.5);
        assert_eq!(num("00012"), 12.0);
        assert_eq!(num("-1.5E-1"), -0.15);
        assert_eq!(num("Infinity"), f64::INFINITY);
        assert_eq!(num("+Infinity"), f64::INFINITY);
        assert_eq!(num("-Infinity"), f64::NEG_INFINITY);
        assert_eq!(num("1e400"), f64::INFINITY);
        assert!(num("-0").is_sign_negative());
    }

    #[test]
    fn number_rejects_what_js_rejects() {
        for bad in [
            "1_000",
            "inf",
            "nan",
            "NaN",
            "infinity",
            "-0x10",
            "+0x10",
            "0x",
            "0xg",
            "0b2",
            "0o8",
            ".",
            "1e",
            "1e+",
            "e5",
            "1..2",
            "1.2.3",
            "12px",
            "\u{180e}1",
            "--1",
            "1 2",
        ] {
            assert!(num(bad).is_nan(), "{bad:?} must be NaN");
        }
    }

    #[test]
    fn radix_literals_round_correctly_beyond_64_bits() {
        // Values from node: Number("0x200000000000011"), Number("0x" + "f".repeat(20)).
        assert_eq!(num("0x200000000000011"), 144115188075855904.0);
        assert_eq!(num("0xffffffffffffffffffff"), 1.2089258196146292e24);
        assert_eq!(num("0x20000000000001"), 9007199254740992.0);
        assert_eq!(num("0x20000000000003"), 9007199254740996.0);
    }

    #[test]
    fn utf16_order_differs_from_code_point_order() {
        // U+FF61 is after U+1F600 in code points but before it in UTF-16 (0xD83D...).
        assert_eq!(
            cmp_utf16("\u{ff61}".as_bytes(), "😀".as_bytes()),
            Ordering::Greater
        );
        assert!("\u{ff61}".as_bytes() < "😀".as_bytes());
        assert_eq!(cmp_utf16(b"a", b"b"), Ordering::Less);
        assert_eq!(cmp_utf16(b"ab", b"a"), Ordering::Greater);
        assert_eq!(cmp_utf16(b"", b""), Ordering::Equal);
        // A lone high surrogate sorts before the pair it starts.
        let lone = wtf8(&[0xD83D]);
        assert_eq!(cmp_utf16(&lone, "😀".as_bytes()), Ordering::Less);
        assert_eq!(
            cmp_utf16(&wtf8(&[0xDC00]), "😀".as_bytes()),
            Ordering::Greater
        );
    }

    #[test]
    fn includes_finds_lone_surrogates_inside_pairs() {
        assert!(includes(b"hello", b"ell"));
        assert!(includes(b"hello", b""));
        assert!(!includes(b"hello", b"elo"));
        assert!(includes("a😀b".as_bytes(), &wtf8(&[0xD83D])));
        assert!(includes("a😀b".as_bytes(), &wtf8(&[0xDE00, 'b' as u32])));
        assert!(!includes("a😀b".as_bytes(), &wtf8(&[0xDE01])));
    }

    #[test]
    fn lowercases_via_the_host() {
        assert_eq!(to_lower(&TestHost, b"HeLLo"), b"hello");
        assert_eq!(to_lower(&TestHost, "ÀÉ".as_bytes()), "àé".as_bytes());
        assert_eq!(to_lower(&TestHost, "\u{212a}".as_bytes()), b"k");
    }
}
