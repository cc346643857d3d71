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

/// The length of the run of ASCII digits at the start of `s`.
fn digits(s: &[u8]) -> usize {
    s.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// Whether `s` matches `([-\w]+\.?)*` entirely: word characters, `-` and single dots, not
/// starting with a dot.
fn is_pre_release_body(s: &[u8]) -> bool {
    let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-';
    s.first().is_none_or(word)
        && s.iter().all(|c| word(c) || *c == b'.')
        && !s.windows(2).any(|w| w == b"..")
}

/// Splits a non-empty run of digits off the front of `s`.
fn number<'s, H: Host>(host: &H, s: &'s [u8]) -> Option<(f64, &'s [u8])> {
    let n = digits(s);
    (n > 0).then(|| (js::number(host, &s[..n]), &s[n..]))
}

impl<'a> SemanticVersion<'a> {
    /// `SemanticVersion.parse`: `None` where the reference returns `undefined`.
    pub fn parse<H: Host>(host: &H, s: &'a [u8]) -> Option<Self> {
        let (major, rest) = number(host, s)?;
        let (minor, rest) = number(host, rest.strip_prefix(b".")?)?;
        let mut v = SemanticVersion {
            major,
            minor,
            patch: 0.0,
            pre_release: None,
        };
        if rest.is_empty() {
            return Some(v);
        }
        let (patch, rest) = number(host, rest.strip_prefix(b".")?)?;
        v.patch = patch;
        if !rest.is_empty() {
            let body = rest.strip_prefix(b"-")?;
            if !is_pre_release_body(body) {
                return None;
            }
            v.pre_release = Some(rest);
        }
        Some(v)
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
            match a.partial_cmp(&b) {
                Some(Ordering::Equal) | None => {}
                Some(o) => return o,
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
