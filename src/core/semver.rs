//! Versions as the reference engine's `SemanticVersion` reads and orders them, for the
//! `version …` operators.
//!
//! The reference matches `^(\d+)\.(\d+)(\.(\d+)(-(([-\w]+\.?)*))?)?$`; the pattern is simple
//! enough to check by hand, which spares shipping a regex engine.

use super::js;
use crate::core::Host;
use core::cmp::Ordering;

/// A parsed version. Numbers are `f64` because the reference reads them with `Number()`.
#[derive(Clone, Debug, PartialEq)]
pub struct SemanticVersion<'a> {
    /// `Number()` of the first group of digits.
    pub major: f64,
    /// `Number()` of the second group of digits.
    pub minor: f64,
    /// `Number()` of the third group of digits, 0 when absent.
    pub patch: f64,
    /// The pre-release suffix including its leading `-` (the reference's group 5), compared as a
    /// JavaScript string.
    pub pre_release: Option<&'a [u8]>,
}

/// Whether `s` matches `([-\w]+\.?)*` entirely: word characters, `-` and single dots, not
/// starting with a dot.
fn is_pre_release_body(s: &[u8]) -> bool {
    // At the start and after a dot, a word character must come next.
    let mut after_dot = true;
    for &c in s {
        if c == b'.' {
            if after_dot {
                return false;
            }
            after_dot = true;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
            after_dot = false;
        } else {
            return false;
        }
    }
    true
}

impl<'a> SemanticVersion<'a> {
    /// `SemanticVersion.parse`: `None` where the reference returns `undefined`.
    pub fn parse<H: Host>(host: &H, s: &'a [u8]) -> Option<Self> {
        // Major, minor and the optional patch: each a run of digits, read with `Number()`.
        let mut numbers = [0.0; 3];
        let mut rest = s;
        for (i, number) in numbers.iter_mut().enumerate() {
            let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            *number = js::number(host, &rest[..n]);
            rest = &rest[n..];
            match rest.first() {
                Some(b'.') if i < 2 => rest = &rest[1..],
                None if i > 0 => break,
                Some(b'-') if i == 2 => break,
                _ => return None,
            }
        }
        let pre_release = match rest {
            [] => None,
            [b'-', body @ ..] if is_pre_release_body(body) => Some(rest),
            _ => return None,
        };
        let [major, minor, patch] = numbers;
        Some(SemanticVersion {
            major,
            minor,
            patch,
            pre_release,
        })
    }

    /// `compareTo`: numbers first, then a version without pre-release above one with, then
    /// pre-releases as JavaScript strings.
    pub fn compare_to(&self, other: &Self) -> Ordering {
        let numbers = [
            (self.major, other.major),
            (self.minor, other.minor),
            (self.patch, other.patch),
        ];
        for (a, b) in numbers {
            if a != b {
                return if a < b {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
        }
        match (self.pre_release, other.pre_release) {
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(a), Some(b)) => js::cmp_utf16(a, b),
            (None, None) => Ordering::Equal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_host::TestHost;

    fn parsed(s: &str) -> Option<(f64, f64, f64, Option<&str>)> {
        SemanticVersion::parse(&TestHost, s.as_bytes()).map(|v| {
            let pre = v.pre_release.map(|p| std::str::from_utf8(p).unwrap());
            (v.major, v.minor, v.patch, pre)
        })
    }

    #[test]
    fn parses_like_the_reference() {
        // Expectations printed by the reference `SemanticVersion.parse` in node.
        assert_eq!(parsed("1.2"), Some((1.0, 2.0, 0.0, None)));
        assert_eq!(parsed("1.2.3"), Some((1.0, 2.0, 3.0, None)));
        assert_eq!(parsed("1.2.3-"), Some((1.0, 2.0, 3.0, Some("-"))));
        assert_eq!(
            parsed("1.2.3-alpha.1"),
            Some((1.0, 2.0, 3.0, Some("-alpha.1")))
        );
        assert_eq!(parsed("1.2.3-a."), Some((1.0, 2.0, 3.0, Some("-a."))));
        assert_eq!(parsed("1.2.3--x"), Some((1.0, 2.0, 3.0, Some("--x"))));
        assert_eq!(parsed("1.2.3-a_b-c"), Some((1.0, 2.0, 3.0, Some("-a_b-c"))));
        assert_eq!(parsed("01.002.0003"), Some((1.0, 2.0, 3.0, None)));
        assert_eq!(
            parsed("99999999999999999999.1"),
            Some((1e20, 1.0, 0.0, None))
        );
    }

    #[test]
    fn rejects_what_the_reference_rejects() {
        for bad in [
            "",
            "1",
            "1.2.3-alpha..1",
            "1.2.3-.a",
            "1.2-alpha",
            "1.2.3.4",
            "1.2.",
            "1..2",
            "a.1",
            "1.2.3-é",
            " 1.2.3",
            "1.2.3\n",
            "1.2.3 ",
            "1.2.3-a b",
        ] {
            assert_eq!(parsed(bad), None, "{bad:?}");
        }
    }

    fn cmp(a: &str, b: &str) -> Ordering {
        let a = SemanticVersion::parse(&TestHost, a.as_bytes()).unwrap();
        let b = SemanticVersion::parse(&TestHost, b.as_bytes()).unwrap();
        a.compare_to(&b)
    }

    #[test]
    fn orders_like_compare_to() {
        assert_eq!(cmp("10.0.0", "9.9.9"), Ordering::Greater);
        assert_eq!(cmp("1.2", "1.2.0"), Ordering::Equal);
        assert_eq!(cmp("1.2.3", "1.2.4"), Ordering::Less);
        assert_eq!(cmp("1.3.0", "1.2.9"), Ordering::Greater);
        assert_eq!(cmp("2.0.0-rc.1", "2.0.0"), Ordering::Less);
        assert_eq!(cmp("2.0.0", "2.0.0-rc.1"), Ordering::Greater);
        // Pre-releases compare as strings: "-rc.10" < "-rc.9", "-Beta" < "-beta".
        assert_eq!(cmp("2.0.0-rc.10", "2.0.0-rc.9"), Ordering::Less);
        assert_eq!(cmp("1.2.3-Beta", "1.2.3-beta"), Ordering::Less);
        assert_eq!(cmp("1.2.3-beta", "1.2.3-beta"), Ordering::Equal);
    }
}
