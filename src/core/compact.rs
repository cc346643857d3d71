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

use super::config::ConfigError;
use super::json::{self, push_usize, write_string, Value};
use super::{js, Host};
use crate::prelude::*;

/// What the experiments compile into.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Compiled {
    /// One flag per experiment.
    pub flags: Vec<Value>,
    /// `pageObjects` entries: flag key and its pages.
    pub page_objects: Vec<(String, Value)>,
}

/// Distribution ranges are over `floor(hash / 100)`, whose values are `0..=42949672`.
const DISTRIBUTION_END: f64 = 42949673.0;

const OPERATORS: [&str; 20] = [
    "is",
    "is not",
    "contains",
    "does not contain",
    "less",
    "less or equal",
    "greater",
    "greater or equal",
    "version less",
    "version less or equal",
    "version greater",
    "version greater or equal",
    "set is",
    "set is not",
    "set contains",
    "set does not contain",
    "set contains any",
    "set does not contain any",
    "regex match",
    "regex does not match",
];

/// An error at `path` below `experiments[i] "key"`.
struct Failure(String, &'static str);

fn fail<T>(path: &str, message: &'static str) -> Result<T, Failure> {
    Err(Failure(path.into(), message))
}

fn text<'v>(v: Option<&'v Value>, path: &str) -> Result<&'v str, Failure> {
    match v.and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => fail(path, "must be a non-empty string"),
    }
}

/// Compiles `experiments`. Each bad experiment is reported (naming it and the field) and left
/// out; the others compile.
pub fn compile<H: Host>(host: &H, experiments: &Value) -> (Compiled, Vec<ConfigError>) {
    let mut out = Compiled::default();
    let mut errors = Vec::new();
    let Some(items) = experiments.as_array() else {
        errors.push(ConfigError {
            path: "experiments".into(),
            message: "must be an array of experiments",
        });
        return (out, errors);
    };
    for (i, e) in items.iter().enumerate() {
        let mut path = String::from("experiments[");
        push_usize(&mut path, i);
        path.push(']');
        if let Some(key) = e.get("key").and_then(Value::as_str) {
            path.push_str(" \"");
            path.push_str(key);
            path.push('"');
        }
        match experiment(host, e) {
            Ok((flag, pages)) => {
                let key = text(e.get("key"), "").unwrap_or_default().to_string();
                if let Some(pages) = pages {
                    out.page_objects.push((key, pages));
                }
                out.flags.push(flag);
            }
            Err(Failure(field, message)) => {
                if !field.is_empty() {
                    path.push('.');
                    path.push_str(&field);
                }
                errors.push(ConfigError { path, message });
            }
        }
    }
    (out, errors)
}

fn push_json_str(out: &mut Vec<u8>, s: &str) {
    write_string(out, s.as_bytes());
}

fn push_number(out: &mut Vec<u8>, n: usize) {
    let mut s = String::new();
    push_usize(&mut s, n);
    out.extend_from_slice(s.as_bytes());
}

fn experiment<H: Host>(host: &H, e: &Value) -> Result<(Value, Option<Value>), Failure> {
    if e.as_object().is_none() {
        return fail("", "must be an object");
    }
    let key = text(e.get("key"), "key")?;
    let salt = match e.get("salt") {
        None => key,
        v => text(v, "salt")?,
    };
    let traffic = match e.get("traffic") {
        None => 100,
        Some(Value::Number(n)) => match n.parse::<u8>() {
            Ok(t) if t <= 100 => usize::from(t),
            _ => return fail("traffic", "must be a whole percent from 0 to 100"),
        },
        Some(_) => return fail("traffic", "must be a whole percent from 0 to 100"),
    };

    let mut f = Vec::new();
    f.extend_from_slice(b"{\"key\":");
    push_json_str(&mut f, key);
    f.extend_from_slice(b",\"metadata\":{\"deliveryMethod\":\"web\",\"evaluationMode\":\"local\"");
    if let Some(k) = e.get("experimentKey") {
        f.extend_from_slice(b",\"experimentKey\":");
        push_json_str(&mut f, text(Some(k), "experimentKey")?);
    }
    f.extend_from_slice(b"},\"segments\":[{");
    if let Some(audience) = e.get("audience") {
        f.extend_from_slice(b"\"conditions\":[");
        conditions(&mut f, audience)?;
        f.extend_from_slice(b"],");
    }
    f.extend_from_slice(
        b"\"bucket\":{\"selector\":[\"context\",\"user\",\"web_exp_id\"],\"salt\":",
    );
    push_json_str(&mut f, salt);
    f.extend_from_slice(b",\"allocations\":[{\"range\":[0,");
    push_number(&mut f, traffic);
    f.extend_from_slice(b"],\"distributions\":[");
    let mut variants_json = Vec::new();
    variants(host, e.get("variants"), &mut f, &mut variants_json)?;
    f.extend_from_slice(
        b"]}]},\"variant\":\"off\",\"metadata\":{\"segmentName\":\"Experiment\"}},\
          {\"variant\":\"off\",\"metadata\":{\"segmentName\":\"All Other Users\"}}],\
          \"variants\":{\"off\":{\"key\":\"off\",\"metadata\":{\"default\":true}}",
    );
    f.extend_from_slice(&variants_json);
    f.extend_from_slice(b"}}");
    let flag = parse_own(f);
    let pages = match e.get("pages") {
        None => None,
        Some(p) => Some(parse_own(pages(p)?)),
    };
    Ok((flag, pages))
}

/// Parses JSON text this module wrote (always valid: every piece was written by `json`).
fn parse_own(text: Vec<u8>) -> Value {
    String::from_utf8(text)
        .ok()
        .and_then(|t| json::parse(&t).ok())
        .unwrap_or(Value::Null)
}

/// Writes the distributions into `f` and the variant objects into `out`.
fn variants<H: Host>(
    host: &H,
    v: Option<&Value>,
    f: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> Result<(), Failure> {
    let members = match v {
        Some(Value::Object(m)) if !m.is_empty() => m,
        _ => return fail("variants", "must be an object with at least one variant"),
    };
    let mut weights = Vec::new();
    for (name, variant) in members {
        let mut path = String::from("variants.");
        path.push_str(&String::from_utf8_lossy(name));
        let Ok(name) = core::str::from_utf8(name) else {
            return fail("variants", "has a name that is not valid text");
        };
        if name == "off" || name.is_empty() {
            return fail(&path, "is a reserved name (\"off\" is the default variant)");
        }
        let weight = match variant.get("weight") {
            Some(Value::Number(n)) => js::number(host, n.as_bytes()),
            _ => -1.0,
        };
        if !(weight >= 0.0 && weight.is_finite()) {
            path.push_str(".weight");
            return fail(&path, "must be a number, 0 or more");
        }
        weights.push(weight);
        out.extend_from_slice(b",");
        push_json_str(out, name);
        out.extend_from_slice(b":{\"key\":");
        push_json_str(out, name);
        match variant.get("actions") {
            None | Some(Value::Null) => out.extend_from_slice(b",\"payload\":[]"),
            Some(actions @ Value::Array(_)) => {
                out.extend_from_slice(b",\"payload\":");
                json::write(out, actions);
            }
            Some(_) => {
                path.push_str(".actions");
                return fail(&path, "must be an array of actions");
            }
        }
        out.push(b'}');
    }
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return fail("variants", "must have a weight above 0");
    }
    let (mut cumulative, mut start) = (0.0, 0usize);
    for (i, ((name, _), w)) in members.iter().zip(&weights).enumerate() {
        cumulative += w;
        // Boundaries are rounded cumulative shares; the last is the end itself, so the ranges
        // cover every distribution value exactly once.
        let end = if i + 1 == weights.len() {
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
    Ok(())
}

/// Writes the audience as one AND group of conditions.
fn conditions(f: &mut Vec<u8>, audience: &Value) -> Result<(), Failure> {
    let Some(items) = audience.as_array() else {
        return fail("audience", "must be an array of conditions");
    };
    f.push(b'[');
    for (i, c) in items.iter().enumerate() {
        let mut path = String::from("audience[");
        push_usize(&mut path, i);
        path.push(']');
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
                push_json_str(f, prop);
                f.push(b']');
            }
            _ => {
                path.push_str(".selector");
                return fail(&path, "must be an array of strings (or give \"prop\")");
            }
        }
        let op = c.get("op").and_then(Value::as_str).unwrap_or("");
        if !OPERATORS.contains(&op) {
            path.push_str(".op");
            return fail(&path, "is not one of the 20 operators");
        }
        f.extend_from_slice(b",\"op\":");
        push_json_str(f, op);
        f.extend_from_slice(b",\"values\":[");
        let values = c.get("values").and_then(Value::as_array).unwrap_or(&[]);
        for (j, v) in values.iter().enumerate() {
            if j > 0 {
                f.push(b',');
            }
            // Numbers and booleans are accepted as the text the operators compare anyway.
            match v {
                Value::Str(s) => write_string(f, s),
                Value::Number(n) => push_json_str(f, n),
                Value::Bool(b) => push_json_str(f, if *b { "true" } else { "false" }),
                _ => {
                    path.push_str(".values");
                    return fail(&path, "must be an array of strings");
                }
            }
        }
        if values.is_empty() {
            path.push_str(".values");
            return fail(&path, "must be a non-empty array");
        }
        f.extend_from_slice(b"]}");
    }
    f.push(b']');
    Ok(())
}

/// `pageObjects` of one flag: a page per pattern, each a `regex match` on the page URL.
fn pages(patterns: &Value) -> Result<Vec<u8>, Failure> {
    let Some(items) = patterns.as_array() else {
        return fail("pages", "must be an array of URL patterns");
    };
    let mut f = vec![b'{'];
    for (i, p) in items.iter().enumerate() {
        let mut path = String::from("pages[");
        push_usize(&mut path, i);
        path.push(']');
        let (kind, pattern) = match p {
            Value::Str(_) => ("", p.as_str().unwrap_or("")),
            Value::Object(m) if m.len() == 1 => {
                let kind = core::str::from_utf8(&m[0].0).unwrap_or("");
                (kind, m[0].1.as_str().unwrap_or(""))
            }
            _ => ("?", ""),
        };
        let regex = match (kind, pattern) {
            (_, "") => None,
            ("regex", p) => Some(p.to_string()),
            ("exact", p) => Some(exact(p)),
            ("prefix", p) => Some(prefix(p)),
            ("contains", p) => Some(escape(p)),
            ("glob", p) => Some(glob(p)),
            ("", p) if p.as_bytes().contains(&b'*') => Some(glob(p)),
            ("", p) if p.starts_with("http://") || p.starts_with("https://") => Some(exact(p)),
            ("", p) if p.starts_with('/') => Some(prefix(p)),
            ("", p) => Some(escape(p)),
            _ => None,
        };
        let Some(regex) = regex else {
            return fail(
                &path,
                "must be a URL pattern or { regex | exact | prefix | contains | glob }",
            );
        };
        let mut id = String::from("page-");
        push_usize(&mut id, i);
        if i > 0 {
            f.push(b',');
        }
        push_json_str(&mut f, &id);
        f.extend_from_slice(b":{\"id\":");
        push_json_str(&mut f, &id);
        f.extend_from_slice(b",\"name\":");
        push_json_str(&mut f, pattern);
        f.extend_from_slice(
            b",\"trigger_type\":\"url_change\",\"conditions\":[[{\"selector\":[\"context\",\"page\",\"url\"],\"op\":\"regex match\",\"values\":[",
        );
        push_json_str(&mut f, &regex);
        f.extend_from_slice(b"]}]]}");
    }
    f.push(b'}');
    Ok(f)
}

/// `text` with every regular-expression metacharacter escaped.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '^' | '$' | '.' | '|' | '?' | '*' | '+' | '(' | ')' | '[' | ']' | '{' | '}'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Matches when the pattern has no query or hash of its own: the page's are ignored.
const ANY_QUERY_OR_HASH: &str = "(?:[?#].*)?$";
/// The scheme and host of any page URL, before a path pattern.
const ANY_ORIGIN: &str = "^https?://[^/?#]+";

/// Byte offset just after `://`, or 0 (byte search: no `str` pattern machinery in the wasm).
fn after_scheme(url: &str) -> usize {
    url.as_bytes()
        .windows(3)
        .position(|w| w == b"://")
        .map_or(0, |i| i + 3)
}

fn has_query_or_hash(p: &str) -> bool {
    p.bytes().any(|b| b == b'?' || b == b'#')
}

fn exact(url: &str) -> String {
    let mut out = String::from("^");
    out.push_str(&escape(url));
    // `https://ex.com` is the page `https://ex.com/`.
    let path_start = after_scheme(url);
    if !url.as_bytes()[path_start..].contains(&b'/') && !has_query_or_hash(url) {
        out.push('/');
    }
    out.push_str(if has_query_or_hash(url) {
        "$"
    } else {
        ANY_QUERY_OR_HASH
    });
    out
}

fn prefix(path: &str) -> String {
    let mut out = String::from(ANY_ORIGIN);
    out.push_str(&escape(path));
    if !path.ends_with('/') {
        // A whole segment: `/pricing` matches `/pricing/team` but not `/pricingx`.
        out.push_str("(?:[/?#]|$)");
    }
    out
}

fn glob(pattern: &str) -> String {
    let has_scheme = pattern.starts_with("http://") || pattern.starts_with("https://");
    let mut out = String::from(if pattern.starts_with('/') {
        ANY_ORIGIN
    } else if has_scheme {
        "^"
    } else {
        "^https?://"
    });
    // In the host part a `*` stays within the host (`*.ex.com` must not match
    // `ex.org/?r=a.ex.com`); after it, a `*` matches any run of characters.
    let host_end = match pattern.starts_with('/') {
        true => 0,
        false => {
            let start = after_scheme(pattern);
            let bytes = &pattern.as_bytes()[start..];
            bytes
                .iter()
                .position(|&b| b == b'/')
                .map_or(pattern.len(), |i| i + start)
        }
    };
    let mut at = 0;
    for (i, part) in pattern.as_bytes().split(|&b| b == b'*').enumerate() {
        if i > 0 {
            out.push_str(if at <= host_end { "[^/?#]*" } else { ".*" });
        }
        // Splitting at an ASCII byte keeps every part valid UTF-8.
        out.push_str(&escape(core::str::from_utf8(part).unwrap_or_default()));
        at += part.len() + 1;
    }
    out.push_str(if has_query_or_hash(pattern) {
        "$"
    } else {
        ANY_QUERY_OR_HASH
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::evaluation::evaluate;
    use crate::core::json::parse;
    use crate::core::test_host::TestHost;

    fn compiled(text: &str) -> (Compiled, Vec<ConfigError>) {
        compile(&TestHost, &parse(text).unwrap())
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
