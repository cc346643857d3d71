//! The compact authoring format, for people who write configs by hand (issue 3):
//!
//! ```json
//! { "experiments": [{ "key": "hero", "experimentKey": "exp-1", "pages": ["/pricing"],
//!     "audience": [{ "prop": "country", "op": "is", "values": ["us"] }], "traffic": 50,
//!     "variants": { "control": { "weight": 1 }, "treatment": { "weight": 1, "actions": [] } } }] }
//! ```
//!
//! Each experiment compiles into a flag of the evaluation model and, with `pages`, into the
//! flag's `pageObjects`, so the same evaluator and page matcher run both forms:
//! - `variants` weights become distribution ranges that cover `[0, 42949673)` exactly, in the
//!   order written; `traffic` (a whole percent, default 100) becomes the allocation `[0, traffic)`;
//!   users outside the audience or the traffic get `off`, the default variant.
//! - `audience` conditions (all must hold) use the evaluation operators; `prop` is shorthand for
//!   the selector `["context", "user", prop]`.
//! - `pages` patterns, each a string or an object: `"https://…"` an exact URL (its query and
//!   hash are ignored unless the pattern has them), `"/path"` a path prefix (`/pricing` matches
//!   `/pricing/team`, not `/pricingx`), any other text `contains`, and a pattern with `*` a glob
//!   (any number of `*`, each matching any run of characters); `{ "regex": "…" }` is a regular
//!   expression, and `{ "exact" | "prefix" | "contains" | "glob": "…" }` name the kind outright.
//!   All compile to `regex match` conditions on `context.page.url`.
//!
//! Bucketing uses `user.web_exp_id` with the experiment `key` as salt (or `salt`).

use super::config::{fail, push_error, Config, ConfigError};
use super::flag::{self, Members, Path};
use super::json::{self, push_usize, write_string, Value};
use super::{js, Host};
use crate::prelude::*;

/// Distribution ranges are over `floor(hash / 100)`, whose values are `0..=42949672`.
const DISTRIBUTION_END: f64 = 42949673.0;

/// The outcome of a check: on failure the message, with the [`Path`] left at the problem.
type Check = Result<(), &'static str>;

/// Member `name` as non-empty text.
fn text<'v>(v: Option<&'v Value>, name: &str, path: &mut Path) -> Result<&'v str, &'static str> {
    match v.and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(fail(path, name, "must be a non-empty string")),
    }
}

/// Compiles `experiments` into flags and `pageObjects` of `config`. Each bad experiment is
/// reported into `errors` (naming it and the field) and left out; the others compile.
pub fn compile<H: Host>(
    host: &H,
    experiments: &Value,
    config: &mut Config,
    errors: &mut Vec<ConfigError>,
) {
    let mut path = Path::default();
    let Some(items) = experiments.as_array() else {
        path.enter(b"experiments");
        push_error(errors, &path, "must be an array of experiments");
        return;
    };
    // The flag's and the pages' JSON text, written by the checks as they go: one pair of
    // buffers owned here, so a failed check has nothing to free.
    let (mut flag, mut pages) = (Vec::new(), Vec::new());
    for (i, e) in items.iter().enumerate() {
        path.0.clear();
        path.enter(b"experiments");
        path.index(i);
        let key = e.get("key").and_then(Value::as_str);
        if let Some(key) = key {
            path.0.extend_from_slice(b" \"");
            path.0.extend_from_slice(key.as_bytes());
            path.0.push(b'"');
        }
        flag.clear();
        pages.clear();
        match experiment(host, e, &mut path, &mut flag, &mut pages) {
            Ok(()) => {
                if !pages.is_empty() {
                    let key = key.unwrap_or_default().into();
                    config.page_objects.push((key, parse_own(&pages)));
                }
                config.flags.push(parse_own(&flag));
            }
            Err(message) => push_error(errors, &path, message),
        }
    }
}

/// Appends the decimal digits of `n`.
fn push_number(out: &mut Vec<u8>, n: usize) {
    let mut s = String::new();
    push_usize(&mut s, n);
    out.extend_from_slice(s.as_bytes());
}

/// `traffic`: a whole percent from 0 to 100, as `JSON.stringify` writes it (digits only).
fn percent(v: &Value) -> Option<usize> {
    let Value::Number(n) = v else {
        return None;
    };
    let mut p = 0;
    for &d in n.as_bytes() {
        if !d.is_ascii_digit() || p > 10 {
            return None;
        }
        p = p * 10 + usize::from(d - b'0');
    }
    (!n.is_empty() && p <= 100).then_some(p)
}

/// Checks experiment `e` and writes its flag into `f` and, when it has `pages`, its pages
/// object into `pages_out` (which holds the variant objects until then).
fn experiment<H: Host>(
    host: &H,
    e: &Value,
    path: &mut Path,
    f: &mut Vec<u8>,
    pages_out: &mut Vec<u8>,
) -> Check {
    if e.as_object().is_none() {
        return Err("must be an object");
    }
    let key = text(e.get("key"), "key", path)?;
    let salt = match e.get("salt") {
        None => key,
        v => text(v, "salt", path)?,
    };
    let traffic = match e.get("traffic") {
        None => Some(100),
        Some(v) => percent(v),
    };
    let Some(traffic) = traffic else {
        return Err(fail(
            path,
            "traffic",
            "must be a whole percent from 0 to 100",
        ));
    };

    f.extend_from_slice(b"{\"key\":");
    write_string(f, key.as_bytes());
    f.extend_from_slice(b",\"metadata\":{\"deliveryMethod\":\"web\",\"evaluationMode\":\"local\"");
    if let Some(k) = e.get("experimentKey") {
        f.extend_from_slice(b",\"experimentKey\":");
        write_string(f, text(Some(k), "experimentKey", path)?.as_bytes());
    }
    f.extend_from_slice(b"},\"segments\":[{");
    if let Some(audience) = e.get("audience") {
        f.extend_from_slice(b"\"conditions\":[");
        conditions(f, audience, path)?;
        f.extend_from_slice(b"],");
    }
    f.extend_from_slice(
        b"\"bucket\":{\"selector\":[\"context\",\"user\",\"web_exp_id\"],\"salt\":",
    );
    write_string(f, salt.as_bytes());
    f.extend_from_slice(b",\"allocations\":[{\"range\":[0,");
    push_number(f, traffic);
    f.extend_from_slice(b"],\"distributions\":[");
    // The variant objects go after the segments: written into `pages_out` (empty until the
    // pages) while the variants are checked, and moved over after.
    let (variants, total) = variants(host, e.get("variants"), path, pages_out)?;
    distributions(host, f, variants, total);
    f.extend_from_slice(
        b"]}]},\"variant\":\"off\",\"metadata\":{\"segmentName\":\"Experiment\"}},\
          {\"variant\":\"off\",\"metadata\":{\"segmentName\":\"All Other Users\"}}],\
          \"variants\":{\"off\":{\"key\":\"off\",\"metadata\":{\"default\":true}}",
    );
    f.append(pages_out);
    f.extend_from_slice(b"}}");
    match e.get("pages") {
        Some(p) => pages(pages_out, p, path),
        None => Ok(()),
    }
}

/// Parses JSON text this module wrote (always valid: every piece was written by `json`).
fn parse_own(text: &[u8]) -> Value {
    json::parse_bytes(text).unwrap_or(Value::Null)
}

/// A variant's `weight` (`-1` when it is not a number).
fn weight<H: Host>(host: &H, variant: &Value) -> f64 {
    match variant.get("weight") {
        Some(Value::Number(n)) => js::number(host, n.as_bytes()),
        _ => -1.0,
    }
}

/// Checks `variants` and writes their objects (each after a comma) into `out`; returns them and
/// the sum of their weights.
fn variants<'v, H: Host>(
    host: &H,
    v: Option<&'v Value>,
    path: &mut Path,
    out: &mut Vec<u8>,
) -> Result<(&'v Members, f64), &'static str> {
    let members = match v {
        Some(Value::Object(m)) if !m.is_empty() => m,
        _ => {
            return Err(fail(
                path,
                "variants",
                "must be an object with at least one variant",
            ))
        }
    };
    let mut total = 0.0;
    for (name, variant) in members {
        if core::str::from_utf8(name).is_err() {
            return Err(fail(path, "variants", "has a name that is not valid text"));
        }
        let len = path.enter(b"variants");
        path.enter(name);
        if name == b"off" || name.is_empty() {
            return Err("is a reserved name (\"off\" is the default variant)");
        }
        let w = weight(host, variant);
        if !(w >= 0.0 && w.is_finite()) {
            return Err(fail(path, "weight", "must be a number, 0 or more"));
        }
        out.push(b',');
        write_string(out, name);
        out.extend_from_slice(b":{\"key\":");
        write_string(out, name);
        out.extend_from_slice(b",\"payload\":");
        match variant.get("actions") {
            None | Some(Value::Null) => out.extend_from_slice(b"[]"),
            Some(actions @ Value::Array(_)) => json::write(out, actions),
            Some(_) => return Err(fail(path, "actions", "must be an array of actions")),
        }
        out.push(b'}');
        total += w;
        path.0.truncate(len);
    }
    if total <= 0.0 {
        return Err(fail(path, "variants", "must have a weight above 0"));
    }
    Ok((members, total))
}

/// Writes the distributions of checked variants whose weights sum to `total`.
fn distributions<H: Host>(host: &H, f: &mut Vec<u8>, variants: &Members, total: f64) {
    let (mut cumulative, mut start) = (0.0, 0usize);
    for (i, (name, variant)) in variants.iter().enumerate() {
        cumulative += weight(host, variant);
        // Boundaries are rounded cumulative shares; the last is the end itself, so the ranges
        // cover every distribution value exactly once.
        let end = if i + 1 == variants.len() {
            DISTRIBUTION_END as usize
        } else {
            // Round half up (no `f64::round` in no_std core; shares are never negative).
            (cumulative / total * DISTRIBUTION_END + 0.5) as usize
        };
        if i > 0 {
            f.push(b',');
        }
        f.extend_from_slice(b"{\"variant\":");
        write_string(f, name);
        f.extend_from_slice(b",\"range\":[");
        push_number(f, start);
        f.push(b',');
        push_number(f, end);
        f.extend_from_slice(b"]}");
        start = end;
    }
}

/// Writes the audience as one AND group of conditions.
fn conditions(f: &mut Vec<u8>, audience: &Value, path: &mut Path) -> Check {
    let Some(items) = audience.as_array() else {
        return Err(fail(path, "audience", "must be an array of conditions"));
    };
    let audience_len = path.enter(b"audience");
    f.push(b'[');
    for (i, c) in items.iter().enumerate() {
        let len = path.index(i);
        if i > 0 {
            f.push(b',');
        }
        f.extend_from_slice(b"{\"selector\":");
        match (c.get("selector"), c.get("prop").and_then(Value::as_str)) {
            (Some(sel @ Value::Array(parts)), _) if parts.iter().all(|p| p.as_str().is_some()) => {
                json::write(f, sel)
            }
            (None, Some(prop)) => {
                f.extend_from_slice(b"[\"context\",\"user\",");
                write_string(f, prop.as_bytes());
                f.push(b']');
            }
            _ => {
                return Err(fail(
                    path,
                    "selector",
                    "must be an array of strings (or give \"prop\")",
                ))
            }
        }
        // The operators evaluation knows, spelled exactly.
        let op = match c.get("op") {
            Some(Value::Str(op)) => op.as_slice(),
            _ => b"",
        };
        if flag::Op::parse(op) == flag::Op::Unknown {
            return Err(fail(path, "op", "is not one of the 20 operators"));
        }
        f.extend_from_slice(b",\"op\":");
        write_string(f, op);
        f.extend_from_slice(b",\"values\":[");
        let values = c.get("values").and_then(Value::as_array).unwrap_or(&[]);
        for (j, v) in values.iter().enumerate() {
            if j > 0 {
                f.push(b',');
            }
            // Numbers and booleans are accepted as the text the operators compare anyway.
            let text = match v {
                Value::Null => None,
                v => flag::scalar_text(v),
            };
            let Some(text) = text else {
                return Err(fail(path, "values", "must be an array of strings"));
            };
            write_string(f, text);
        }
        if values.is_empty() {
            return Err(fail(path, "values", "must be a non-empty array"));
        }
        f.extend_from_slice(b"]}");
        path.0.truncate(len);
    }
    path.0.truncate(audience_len);
    f.push(b']');
    Ok(())
}

/// How a page pattern matches the page URL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Regex,
    Exact,
    Prefix,
    Contains,
    Glob,
}

/// The kinds an object pattern can name. A table rather than a `match` on byte strings, which
/// compiles to a comparison per byte of every name.
const KINDS: [(&[u8], Kind); 5] = [
    (b"regex", Kind::Regex),
    (b"exact", Kind::Exact),
    (b"prefix", Kind::Prefix),
    (b"contains", Kind::Contains),
    (b"glob", Kind::Glob),
];

/// The kind of a pattern that does not name one, from its shape.
fn kind_of(p: &[u8]) -> Kind {
    if p.contains(&b'*') {
        Kind::Glob
    } else if has_scheme(p) {
        Kind::Exact
    } else if p.starts_with(b"/") {
        Kind::Prefix
    } else {
        Kind::Contains
    }
}

/// `pageObjects` of one flag: a page per pattern, each a `regex match` on the page URL.
fn pages(f: &mut Vec<u8>, patterns: &Value, path: &mut Path) -> Check {
    let Some(items) = patterns.as_array() else {
        return Err(fail(path, "pages", "must be an array of URL patterns"));
    };
    let pages_len = path.enter(b"pages");
    f.push(b'{');
    for (i, p) in items.iter().enumerate() {
        let len = path.index(i);
        // The kind's name (empty: from the pattern's shape) and the pattern.
        let (name, pattern): (&[u8], _) = match p {
            Value::Str(_) => (b"", p.as_str()),
            Value::Object(m) => match &m[..] {
                // A name that is not text is no name, as for a string pattern.
                [(name, pattern)] => match core::str::from_utf8(name) {
                    Ok(name) => (name.as_bytes(), pattern.as_str()),
                    Err(_) => (b"", pattern.as_str()),
                },
                _ => (b"?", None),
            },
            _ => (b"?", None),
        };
        let pattern = pattern.unwrap_or_default().as_bytes();
        let kind = match name {
            _ if pattern.is_empty() => None,
            b"" => Some(kind_of(pattern)),
            name => KINDS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k),
        };
        let Some(kind) = kind else {
            return Err("must be a URL pattern or { regex | exact | prefix | contains | glob }");
        };
        path.0.truncate(len);
        if i > 0 {
            f.push(b',');
        }
        page_id(f, i);
        f.extend_from_slice(b":{\"id\":");
        page_id(f, i);
        f.extend_from_slice(b",\"name\":");
        write_string(f, pattern);
        f.extend_from_slice(
            b",\"trigger_type\":\"url_change\",\"conditions\":[[{\"selector\":[\"context\",\"page\",\"url\"],\"op\":\"regex match\",\"values\":[",
        );
        let mut re = Vec::new();
        translate(&mut re, kind, pattern);
        write_string(f, &re);
        f.extend_from_slice(b"]}]]}");
    }
    path.0.truncate(pages_len);
    f.push(b'}');
    Ok(())
}

/// `"page-<i>"` (nothing in it needs escaping).
fn page_id(f: &mut Vec<u8>, i: usize) {
    f.extend_from_slice(b"\"page-");
    push_number(f, i);
    f.push(b'"');
}

/// Matches when the pattern has no query or hash of its own: the page's are ignored.
const ANY_QUERY_OR_HASH: &[u8] = b"(?:[?#].*)?$";
/// The scheme and host of any page URL, before a path pattern.
const ANY_ORIGIN: &[u8] = b"^https?://[^/?#]+";

fn has_scheme(p: &[u8]) -> bool {
    p.starts_with(b"http://") || p.starts_with(b"https://")
}

/// Writes the regular expression of pattern `p`: one pass for every kind (anchor, the pattern
/// with metacharacters escaped and, in a glob, `*` translated, then the end), which is smaller
/// than a function per kind.
fn translate(out: &mut Vec<u8>, kind: Kind, p: &[u8]) {
    if kind == Kind::Regex {
        out.extend_from_slice(p);
        return;
    }
    let rooted = p.starts_with(b"/");
    out.extend_from_slice(match kind {
        Kind::Exact => b"^",
        Kind::Prefix => ANY_ORIGIN,
        Kind::Glob if rooted => ANY_ORIGIN,
        Kind::Glob if has_scheme(p) => b"^",
        Kind::Glob => b"^https?://",
        _ => b"",
    });
    // Where the path starts: the first `/` after `://` (or after the start without a scheme).
    let scheme_end = p.windows(3).position(|w| w == b"://").map_or(0, |i| i + 3);
    let path_start = p[scheme_end..]
        .iter()
        .position(|&b| b == b'/')
        .map_or(p.len(), |i| i + scheme_end);
    // In the host part a `*` stays within the host (`*.ex.com` must not match
    // `ex.org/?r=a.ex.com`); after it, a `*` matches any run of characters.
    let host_end = if rooted { 0 } else { path_start };
    for (i, &c) in p.iter().enumerate() {
        if c == b'*' && kind == Kind::Glob {
            out.extend_from_slice(if i < host_end { b"[^/?#]*" } else { b".*" });
            continue;
        }
        if b"\\^$.|?*+()[]{}".contains(&c) {
            out.push(b'\\');
        }
        out.push(c);
    }
    let query_or_hash = p.iter().any(|&b| b == b'?' || b == b'#');
    match kind {
        Kind::Prefix if !p.ends_with(b"/") => {
            // A whole segment: `/pricing` matches `/pricing/team` but not `/pricingx`.
            out.extend_from_slice(b"(?:[/?#]|$)");
        }
        Kind::Exact | Kind::Glob => {
            // `https://ex.com` is the page `https://ex.com/`.
            if kind == Kind::Exact && path_start == p.len() && !query_or_hash {
                out.push(b'/');
            }
            // Exactly this end when the pattern names a query or hash, else any of the page's.
            out.extend_from_slice(if query_or_hash {
                b"$"
            } else {
                ANY_QUERY_OR_HASH
            });
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::evaluation::evaluate;
    use crate::core::json::parse;
    use crate::core::test_host::TestHost;

    fn compiled(text: &str) -> (Config, Vec<ConfigError>) {
        let (mut config, mut errors) = (Config::default(), Vec::new());
        compile(&TestHost, &parse(text).unwrap(), &mut config, &mut errors);
        (config, errors)
    }

    fn variant_of(flag: &Value, id: &str) -> String {
        let ctx = parse(&format!(
            r#"{{"user":{{"web_exp_id":"{id}","country":"us"}}}}"#
        ))
        .unwrap();
        let e = evaluate(&TestHost, &ctx, core::slice::from_ref(flag));
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        e.results[0]
            .1
            .get("key")
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn weights_become_ranges_that_cover_the_whole_space() {
        let (c, errors) = compiled(
            r#"[{"key":"k","variants":{"a":{"weight":1},"b":{"weight":1},"c":{"weight":1}}}]"#,
        );
        assert!(errors.is_empty());
        let d = c.flags[0].get("segments").unwrap().as_array().unwrap()[0]
            .get("bucket")
            .unwrap()
            .get("allocations")
            .unwrap()
            .as_array()
            .unwrap()[0]
            .get("distributions")
            .unwrap()
            .to_json();
        assert_eq!(
            d,
            r#"[{"variant":"a","range":[0,14316558]},{"variant":"b","range":[14316558,28633115]},{"variant":"c","range":[28633115,42949673]}]"#
        );
    }

    #[test]
    fn compiled_flags_split_users_by_weight_and_traffic() {
        let (c, _) = compiled(
            r#"[{"key":"k","traffic":50,"variants":{"control":{"weight":25},"treatment":{"weight":75,"actions":[{"action":"redirect","data":{"url":"/b"}}]}}}]"#,
        );
        let mut counts = [0; 3];
        for i in 0..4000 {
            match variant_of(&c.flags[0], &i.to_string()).as_str() {
                "off" => counts[0] += 1,
                "control" => counts[1] += 1,
                _ => counts[2] += 1,
            }
        }
        // About half excluded by traffic, the rest split 1:3.
        assert!((1900..2100).contains(&counts[0]), "{counts:?}");
        assert!((400..600).contains(&counts[1]), "{counts:?}");
        assert!((1400..1600).contains(&counts[2]), "{counts:?}");
        let treatment = c.flags[0]
            .get("variants")
            .unwrap()
            .get("treatment")
            .unwrap();
        assert_eq!(
            treatment.get("payload").unwrap().to_json(),
            r#"[{"action":"redirect","data":{"url":"/b"}}]"#
        );
    }

    #[test]
    fn audience_conditions_gate_the_experiment() {
        let (c, errors) = compiled(
            r#"[{"key":"k","audience":[{"prop":"country","op":"is","values":["de"]}],"variants":{"t":{"weight":1}}}]"#,
        );
        assert!(errors.is_empty());
        assert_eq!(variant_of(&c.flags[0], "u1"), "off");
        let (c, _) = compiled(
            r#"[{"key":"k","audience":[{"selector":["context","user","country"],"op":"is","values":["us"]}],"variants":{"t":{"weight":1}}}]"#,
        );
        assert_eq!(variant_of(&c.flags[0], "u1"), "t");
    }

    fn page_regex(pattern: &str) -> String {
        let (c, errors) = compiled(&format!(
            r#"[{{"key":"k","pages":[{pattern}],"variants":{{"t":{{"weight":1}}}}}}]"#
        ));
        assert!(errors.is_empty(), "{errors:?}");
        let pages = &c.page_objects[0].1;
        let page = pages.get("page-0").unwrap();
        page.get("conditions").unwrap().as_array().unwrap()[0]
            .as_array()
            .unwrap()[0]
            .get("values")
            .unwrap()
            .as_array()
            .unwrap()[0]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn matches(pattern: &str, url: &str) -> bool {
        regex::Regex::new(&page_regex(pattern))
            .unwrap()
            .is_match(url)
    }

    #[test]
    fn page_patterns() {
        // Exact URL: query and hash ignored unless the pattern has them.
        assert!(matches(
            r#""https://ex.com/pricing""#,
            "https://ex.com/pricing?utm=1#x"
        ));
        assert!(!matches(
            r#""https://ex.com/pricing""#,
            "https://ex.com/pricing/team"
        ));
        assert!(matches(r#""https://ex.com""#, "https://ex.com/"));
        assert!(!matches(
            r#""https://ex.com/p?a=1""#,
            "https://ex.com/p?a=2"
        ));
        // Path prefix, by whole segments.
        assert!(matches(r#""/pricing""#, "https://ex.com/pricing"));
        assert!(matches(r#""/pricing""#, "http://ex.com/pricing/team?x"));
        assert!(!matches(r#""/pricing""#, "https://ex.com/pricingx"));
        assert!(!matches(r#""/pricing""#, "https://ex.com/en/pricing"));
        // Contains, with metacharacters taken literally.
        assert!(matches(r#""a.b(c)""#, "https://ex.com/x?q=a.b(c)"));
        assert!(!matches(r#""a.b""#, "https://ex.com/axb"));
        // Globs with several stars.
        assert!(matches(
            r#""/blog/*/comments/*""#,
            "https://ex.com/blog/2026/comments/7"
        ));
        assert!(!matches(
            r#""/blog/*/comments/*""#,
            "https://ex.com/blog/2026/likes/7"
        ));
        assert!(matches(
            r#""https://*.ex.com/*""#,
            "https://shop.ex.com/cart"
        ));
        assert!(matches(r#""*.ex.com/*""#, "https://shop.ex.com/cart"));
        assert!(!matches(r#""*.ex.com/*""#, "https://ex.org/?r=a.ex.com/"));
        assert!(!matches(
            r#""https://*.ex.com/*""#,
            "https://evil.com/x.ex.com/"
        ));
        // Explicit kinds.
        assert!(matches(
            r#"{"regex":"^https://ex\\.com/p/\\d+$"}"#,
            "https://ex.com/p/12"
        ));
        assert!(matches(r#"{"contains":"/*"}"#, "https://ex.com/*"));
        assert_eq!(page_regex(r#"{"prefix":"/a/"}"#), "^https?://[^/?#]+/a/");
    }

    #[test]
    fn errors_name_the_experiment_and_the_field() {
        let (c, errors) = compiled(
            r#"[{"key":"ok","variants":{"a":{"weight":1}}},
                {"key":"w","variants":{"a":{"weight":"x"}}},
                {"key":"t","traffic":150,"variants":{"a":{"weight":1}}},
                {"key":"o","variants":{"off":{"weight":1}}},
                {"key":"au","audience":[{"prop":"c","op":"equals","values":["x"]}],"variants":{"a":{"weight":1}}},
                {"key":"p","pages":[{"nope":"x"}],"variants":{"a":{"weight":1}}},
                {"variants":{}}]"#,
        );
        assert_eq!(c.flags.len(), 1);
        let got: Vec<_> = errors
            .iter()
            .map(|e| (e.path.as_str(), e.message))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "experiments[1] \"w\".variants.a.weight",
                    "must be a number, 0 or more"
                ),
                (
                    "experiments[2] \"t\".traffic",
                    "must be a whole percent from 0 to 100"
                ),
                (
                    "experiments[3] \"o\".variants.off",
                    "is a reserved name (\"off\" is the default variant)"
                ),
                (
                    "experiments[4] \"au\".audience[0].op",
                    "is not one of the 20 operators"
                ),
                (
                    "experiments[5] \"p\".pages[0]",
                    "must be a URL pattern or { regex | exact | prefix | contains | glob }"
                ),
                ("experiments[6].key", "must be a non-empty string"),
            ]
        );
    }
}
