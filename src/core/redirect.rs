//! The URL arithmetic of `redirect` actions, and the hand-over of their impressions.
//!
//! A redirect's `$impression` is not sent from the page that redirects when the destination is on
//! the same origin (the visitor may never see the destination): it is stored in sessionStorage with
//! the destination, and sent by the destination page once it has loaded webexp. An entry whose
//! destination never loads is dropped after [`HANDOFF_TTL_MS`], unsent.
//!
//! A destination on another origin cannot read this origin's sessionStorage, nor can any other
//! storage reach it without changing its URL, so that impression is sent from the page that
//! redirects: without it, every visitor of that variant would be missing from the experiment.

use super::json::{self, Value};
use crate::prelude::*;

/// How long a handed-over impression waits for its destination page.
pub const HANDOFF_TTL_MS: f64 = 60_000.0;

/// A redirect loop guard: a redirect back to a page that redirected here this recently is refused.
pub const LOOP_WINDOW_MS: f64 = 10_000.0;

/// `s` cut at its first `sep` (an ASCII byte), without it. A byte scan with `get`: index slicing
/// carries a char-boundary panic path, and with it the formatting machinery, into the wasm, and
/// a `char` pattern's searcher costs 0.4 KB more than this.
fn cut(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// The pieces of `s` between `sep` bytes, as `str::split` gives them.
fn pieces(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    core::iter::from_fn(move || {
        let r = rest?;
        match cut(r, sep) {
            Some((piece, after)) => {
                rest = Some(after);
                Some(piece)
            }
            None => rest.take(),
        }
    })
}

/// `(before the query, query without '?', fragment with '#')` of an absolute URL.
fn split(url: &str) -> (&str, &str, &str) {
    let (rest, hash) = match cut(url, b'#') {
        Some((rest, _)) => (rest, url.get(rest.len()..).unwrap_or_default()),
        None => (url, ""),
    };
    match cut(rest, b'?') {
        Some((base, query)) => (base, query, hash),
        None => (rest, "", hash),
    }
}

/// Whether `a` and `b` lead to the same page: the same URL without the fragment, the query
/// parameters in any order (a redirect to `?v=2` of a visitor at `?utm=x&v=2` is no redirect).
pub fn same_url(a: &str, b: &str) -> bool {
    let ((base_a, query_a, _), (base_b, query_b, _)) = (split(a), split(b));
    let params = |query| pieces(query, b'&').filter(|p| !p.is_empty());
    let within = |x, y| params(x).all(|p| params(y).any(|q| q == p));
    // The same parameters both ways (not sorted: that would link a sorting routine, 2.5 KB).
    base_a == base_b && within(query_a, query_b) && within(query_b, query_a)
}

/// Whether `here` is where a server moved the page `to` (its address with another prefix or a
/// trailing slash: `/b` to `/en/b` or `/b/`): the last segment of `to`'s path is a segment of
/// `here`'s. A login page or the page the visitor came from is not.
pub fn moved_to(to: &str, here: &str) -> bool {
    // (`https:`, ``, the host, then the path's segments.)
    let segments = |url| pieces(address(url), b'/').skip(3).filter(|s| !s.is_empty());
    segments(to)
        .last()
        .is_some_and(|last| segments(here).any(|s| s == last))
}

/// The key of a `key=value` query parameter, as written.
fn key(param: &str) -> &str {
    cut(param, b'=').map_or(param, |(key, _)| key)
}

/// The redirect destination: `target` (absolute, as the browser resolved it) with the query
/// parameters of `current` that it lacks appended (the target's own values win), and the
/// target's fragment (the current page's is dropped).
pub fn destination(target: &str, current: &str) -> String {
    let (base, query, hash) = split(target);
    let (_, current_query, _) = split(current);
    let mut params: Vec<&str> = pieces(query, b'&').filter(|p| !p.is_empty()).collect();
    let own = params.len();
    for p in pieces(current_query, b'&').filter(|p| !p.is_empty()) {
        if !params.iter().take(own).any(|q| key(q) == key(p)) {
            params.push(p);
        }
    }
    let mut out = String::from(base);
    for (i, p) in params.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(p);
    }
    out.push_str(hash);
    out
}

/// The URL without its fragment: a redirect to where the visitor already is (up to the
/// fragment) is skipped.
pub fn without_fragment(url: &str) -> &str {
    cut(url, b'#').map_or(url, |(before, _)| before)
}

/// The URL without query, fragment and trailing `/`: a handed-over impression is sent when the
/// page at this address loads (servers may add or reorder query parameters on the way, and add
/// or drop the slash at the end of a path).
pub fn address(url: &str) -> &str {
    let base = split(url).0;
    base.strip_suffix('/').unwrap_or(base)
}

/// One handed-over impression.
#[derive(Clone, Debug, PartialEq)]
pub struct Handoff {
    /// When it was stored (`Date.now()`).
    pub at: f64,
    /// This hand-over's own id (random): two redirects of one flag to one destination can
    /// share the millisecond (a test's fixed clock), and the second must not pass for the first.
    /// Empty in entries stored before it was kept.
    pub id: String,
    /// The flag that redirected.
    pub flag: String,
    /// The page that redirected.
    pub from: String,
    /// The destination.
    pub to: String,
    /// The event, as JSON text; empty once the destination has sent it (the entry then only
    /// serves the loop guard, until [`LOOP_WINDOW_MS`] has passed).
    pub event: String,
    /// A page with webexp has loaded in this tab since: the redirect's destination, or the page
    /// a server sent it on to.
    pub landed: bool,
}

/// Reads the stored list (`[{at, id, flag, from, to, event, landed?}]`); unreadable entries are
/// dropped.
pub fn read_handoffs(text: &str) -> Vec<Handoff> {
    let Ok(Value::Array(items)) = json::parse(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &items {
        let field = |name| item.get(name).and_then(Value::as_str).map(String::from);
        let at = match item.get("at") {
            Some(Value::Number(n)) => json::parse_digits(n),
            _ => None,
        };
        if let (Some(at), Some(flag), Some(from), Some(to), Some(event)) = (
            at,
            field("flag"),
            field("from"),
            field("to"),
            field("event"),
        ) {
            out.push(Handoff {
                at,
                id: field("id").unwrap_or_default(),
                flag,
                from,
                to,
                event,
                landed: item.get("landed") == Some(&Value::Bool(true)),
            });
        }
    }
    out
}

/// The list as stored.
pub fn write_handoffs(list: &[Handoff]) -> String {
    let mut out = Vec::new();
    out.push(b'[');
    for (i, h) in list.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"at\":");
        let mut at = String::new();
        json::push_digits(&mut at, h.at as u64, 1);
        out.extend_from_slice(at.as_bytes());
        for (name, v) in [
            ("id", &h.id),
            ("flag", &h.flag),
            ("from", &h.from),
            ("to", &h.to),
            ("event", &h.event),
        ] {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            json::write_string(&mut out, v.as_bytes());
        }
        if h.landed {
            out.extend_from_slice(b",\"landed\":true");
        }
        out.push(b'}');
    }
    out.push(b']');
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_destination_keeps_the_visitors_query_parameters_it_lacks() {
        assert_eq!(
            destination(
                "https://shop.example/b?variant=1&utm_source=ad#top",
                "https://shop.example/a?utm_source=mail&gclid=xyz&variant=0#old"
            ),
            "https://shop.example/b?variant=1&utm_source=ad&gclid=xyz#top"
        );
        assert_eq!(
            destination("https://x.example/b", "https://x.example/a?q=1&&r#h"),
            "https://x.example/b?q=1&r"
        );
        assert_eq!(
            destination("https://x.example/b?", "https://x.example/a"),
            "https://x.example/b"
        );
    }

    #[test]
    fn the_same_url_ignores_the_order_of_parameters_and_the_fragment() {
        assert!(same_url("https://x/a?v=2&utm=x", "https://x/a?utm=x&v=2#h"));
        assert!(same_url("https://x/a?", "https://x/a"));
        assert!(!same_url("https://x/a?v=2", "https://x/a?v=2&utm=x"));
        assert!(!same_url("https://x/a?v=2", "https://x/a?v=3"));
        assert!(!same_url("https://x/a", "https://x/b"));
    }

    #[test]
    fn a_moved_destination_keeps_its_last_path_segment() {
        assert!(moved_to("https://x/b", "https://x/en/b"));
        assert!(moved_to("https://x/shop/b?v=2", "https://x/b/"));
        assert!(!moved_to("https://x/b", "https://x/login?next=/b"));
        assert!(!moved_to("https://x/", "https://x/en/"));
    }

    #[test]
    fn addresses_ignore_query_and_fragment() {
        assert_eq!(address("https://x.example/b?q=1#h"), "https://x.example/b");
        assert_eq!(address("https://x.example/b/?q=1"), "https://x.example/b");
        assert_eq!(
            without_fragment("https://x.example/b?q=1#h"),
            "https://x.example/b?q=1"
        );
    }

    #[test]
    fn handoffs_round_trip_and_bad_entries_are_dropped() {
        let list = vec![Handoff {
            at: 1_700_000_000_123.0,
            id: "5f0c2a4e-0000-4000-8000-000000000001".into(),
            flag: "f".into(),
            from: "https://x/a".into(),
            to: "https://x/b?\"q\"".into(),
            event: r#"{"eventType":"$impression"}"#.into(),
            landed: false,
        }];
        let text = write_handoffs(&list);
        assert_eq!(read_handoffs(&text), list);
        let landed = [Handoff {
            landed: true,
            ..list[0].clone()
        }];
        assert_eq!(read_handoffs(&write_handoffs(&landed)), landed);
        assert_eq!(read_handoffs("not json"), vec![]);
        // An entry stored before hand-overs had ids reads with an empty one.
        let old = r#"[{"at":5,"flag":"f","from":"a","to":"b","event":"{}"}]"#;
        assert_eq!(read_handoffs(old)[0].id, "");
        assert_eq!(
            read_handoffs(r#"[{"at":-1,"from":"a","to":"b","event":"{}"},{"at":5,"from":"a"}]"#),
            vec![]
        );
    }
}
