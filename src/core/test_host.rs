//! A native stand-in for the browser's JavaScript engine, for tests only.

use super::Host;

/// Implements [`Host`] with Rust's Unicode tables, the `regex` crate and a port of
/// `Number.prototype.toString`.
pub(crate) struct TestHost;

impl Host for TestHost {
    fn to_lower_case(&self, s: &[u8]) -> Vec<u8> {
        // Lone surrogates (invalid UTF-8) are kept as they are, as JavaScript keeps them.
        let mut out = Vec::new();
        for chunk in s.utf8_chunks() {
            out.extend_from_slice(chunk.valid().to_lowercase().as_bytes());
            out.extend_from_slice(chunk.invalid());
        }
        out
    }

    fn regex_exec(&self, pattern: &[u8], input: &[u8]) -> Option<bool> {
        let re = regex::Regex::new(&String::from_utf8_lossy(pattern)).ok()?;
        Some(re.is_match(&String::from_utf8_lossy(input)))
    }

    fn number_to_string(&self, n: f64) -> String {
        js_number_to_string(n)
    }

    fn parse_decimal(&self, text: &str) -> f64 {
        text.parse().unwrap_or(f64::NAN)
    }
}

/// `String(n)`: shortest round-trip digits laid out by ECMAScript's Number::toString rules.
pub(crate) fn js_number_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n == 0.0 {
        return "0".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    let sci = format!("{:e}", n.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap();
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let e: i32 = exp.parse().unwrap();
    let p = e + 1; // position of the decimal point relative to the digits
    let body = if k <= p && p <= 21 {
        format!("{digits}{}", "0".repeat((p - k) as usize))
    } else if 0 < p && p <= 21 {
        format!("{}.{}", &digits[..p as usize], &digits[p as usize..])
    } else if -6 < p && p <= 0 {
        format!("0.{}{digits}", "0".repeat((-p) as usize))
    } else {
        let exp_sign = if e < 0 { '-' } else { '+' };
        let (d, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        format!("{d}{frac}e{exp_sign}{}", e.abs())
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers_like_javascript() {
        for (n, s) in [
            (1.0, "1"),
            (-0.0, "0"),
            (100.0, "100"),
            (0.5, "0.5"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (1e21, "1e+21"),
            (1.25e21, "1.25e+21"),
            (123456789012345680000.0, "123456789012345680000"),
            (-12.75, "-12.75"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (f64::NAN, "NaN"),
            (0.1 + 0.2, "0.30000000000000004"),
        ] {
            assert_eq!(js_number_to_string(n), s);
        }
    }
}
