//! JavaScript semantics the reference engine relies on implicitly: `Number(string)`, string
//! ordering by UTF-16 code units, and `toLowerCase`.
//!
//! Our strings are WTF-8; these helpers give the answers a JavaScript engine gives for the
//! corresponding UTF-16 strings, so conditions match exactly as in the reference.

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

/// The UTF-16 code units of a WTF-8 string, in order.
pub struct Units<'a> {
    s: &'a [u8],
    i: usize,
    low: Option<u16>,
}

impl<'a> Units<'a> {
    /// Iterates the code units JavaScript sees for the WTF-8 string `s`.
    pub fn new(s: &'a [u8]) -> Self {
        Units { s, i: 0, low: None }
    }
}

impl Iterator for Units<'_> {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        if let Some(low) = self.low.take() {
            return Some(low);
        }
        if self.i >= self.s.len() {
            return None;
        }
        let (cp, len) = decode(self.s, self.i);
        self.i += len;
        if cp >= 0x10000 {
            let c = cp - 0x10000;
            self.low = Some(0xDC00 | (c & 0x3FF) as u16);
            Some(0xD800 | (c >> 10) as u16)
        } else {
            Some(cp as u16)
        }
    }
}

/// `a < b` ordering of JavaScript strings (by UTF-16 code units), for WTF-8 strings.
pub fn cmp_utf16(a: &[u8], b: &[u8]) -> Ordering {
    Units::new(a).cmp(Units::new(b))
}

/// True when the WTF-8 string holds a lone surrogate (`ED A0..BF xx`).
fn has_surrogate(s: &[u8]) -> bool {
    s.windows(2).any(|w| w[0] == 0xED && w[1] >= 0xA0)
}

/// `haystack.includes(needle)` of JavaScript strings.
///
/// Byte search is exact unless the needle holds a lone surrogate, which JavaScript also finds
/// inside a surrogate pair; only then do we compare code units.
pub fn includes(haystack: &[u8], needle: &[u8]) -> bool {
    if has_surrogate(needle) {
        let h: Vec<u16> = Units::new(haystack).collect();
        let n: Vec<u16> = Units::new(needle).collect();
        return n.is_empty() || h.windows(n.len()).any(|w| w == n.as_slice());
    }
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// `s.toLowerCase()`: ASCII is lowered here, anything else by the host's engine, whose Unicode
/// tables we do not want to ship.
pub fn to_lower<H: Host>(host: &H, s: &[u8]) -> Vec<u8> {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        host.to_lower_case(s)
    }
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
    let (mut start, mut end, mut i) = (None, 0, 0);
    while i < s.len() {
        let (cp, len) = decode(s, i);
        if !is_js_space(cp) {
            start.get_or_insert(i);
            end = i + len;
        }
        i += len;
    }
    start.map_or(&[], |start| &s[start..end])
}

/// The value of the digits of `s` in radix `2^bits`, correctly rounded like JavaScript does;
/// `None` when `s` is empty or holds a non-digit.
fn radix_value(s: &[u8], bits: u32) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    let (mut m, mut sticky, mut extra) = (0u64, false, 0u32);
    for &c in s {
        let d = char::from(c).to_digit(1 << bits)?;
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

/// Powers of ten that are exact in an f64 (Clinger's fast path).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A validated decimal literal as an f64 when that is exact without big arithmetic: at most
/// 2^53 significant value and a power of ten up to 22 (one rounding, so correctly rounded).
/// Everything else goes to the host's parser (the browser's own `Number`), which keeps the
/// correctly rounded slow path out of the wasm.
fn exact_decimal(s: &[u8]) -> Option<f64> {
    let (mut mantissa, mut exp, mut i) = (0u64, 0i32, 0);
    let mut seen_point = false;
    while let Some(&c) = s.get(i) {
        match c {
            b'0'..=b'9' => {
                if mantissa >= 1 << 53 {
                    return None;
                }
                mantissa = mantissa * 10 + u64::from(c - b'0');
                exp -= i32::from(seen_point);
            }
            b'.' => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if mantissa > 1 << 53 {
        return None;
    }
    if let Some(b'e' | b'E') = s.get(i) {
        let (sign, digits) = match &s[i + 1..] {
            [b'-', d @ ..] => (-1, d),
            [b'+', d @ ..] => (1, d),
            d => (1, d),
        };
        if digits.len() > 4 {
            return None;
        }
        let e: i32 = digits.iter().fold(0, |a, &d| a * 10 + i32::from(d - b'0'));
        exp += sign * e;
    }
    let m = mantissa as f64;
    if mantissa == 0 {
        return Some(0.0);
    }
    match exp {
        0..=22 => Some(m * POW10[exp as usize]),
        -22..=-1 => Some(m / POW10[(-exp) as usize]),
        _ => None,
    }
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
        exact_decimal(unsigned).unwrap_or_else(|| {
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
    use crate::core::json::push_code_point;
    use crate::core::test_host::TestHost;

    fn wtf8(cps: &[u32]) -> Vec<u8> {
        let mut out = Vec::new();
        for &cp in cps {
            push_code_point(&mut out, cp);
        }
        out
    }

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
    fn lowercases_ascii_itself_and_the_rest_via_the_host() {
        assert_eq!(to_lower(&TestHost, b"HeLLo"), b"hello");
        assert_eq!(to_lower(&TestHost, "ÀÉ".as_bytes()), "àé".as_bytes());
        assert_eq!(to_lower(&TestHost, "\u{212a}".as_bytes()), b"k");
    }
}
