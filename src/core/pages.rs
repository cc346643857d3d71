//! Page objects (CONTRACT section 2): where each flag's actions may run.
//!
//! A flag with no entry in `pageObjects` is active on every page. Otherwise it is active while one
//! of its pages is: its `conditions` match the context (by the rules of segment conditions, so
//! `["context", "page", "url"]` selects the page's URL) and its trigger is satisfied
//! (`url_change`, the default, always is; `manual` while page code has switched it on).

use super::config::{fail, push_error, ConfigError};
use super::evaluation::match_page_conditions;
use super::flag::{check_and, Path};
use super::json::Value;
use super::Host;
use crate::prelude::*;

/// One page of a flag.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    /// `id`, which action scopes name (the member name when the page has no `id`).
    pub id: String,
    /// For a `manual` trigger: the name page code switches it by (`trigger_value.name`, else the
    /// page's `name`, else its id); `None` for `url_change`.
    pub manual: Option<String>,
    /// OR of ANDs; empty matches every page.
    pub conditions: Vec<Value>,
}

/// Reads the pages of one flag (`pageObjects[flag_key]`, an object of pages). A malformed page is
/// reported and left out, so it never matches: a flag whose pages are all malformed runs nowhere
/// rather than everywhere.
pub fn read_pages(flag_key: &str, pages: &Value, errors: &mut Vec<ConfigError>) -> Vec<Page> {
    let mut out = Vec::new();
    let mut path = Path::default();
    for (member, page) in pages.as_object().unwrap_or_default() {
        path.0.clear();
        path.enter(b"pageObjects");
        path.enter(flag_key.as_bytes());
        path.enter(member);
        if let Err(message) = read_page(member, page, &mut path, &mut out) {
            push_error(errors, &path, message);
        }
    }
    out
}

fn read_page(
    member: &[u8],
    v: &Value,
    path: &mut Path,
    out: &mut Vec<Page>,
) -> Result<(), &'static str> {
    if v.as_object().is_none() {
        return Err("must be an object");
    }
    let text = |name: &str, path: &mut Path| match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(s) => s
            .as_str()
            .map(Some)
            .ok_or_else(|| fail(path, name, "must be a string")),
    };
    let id: String = match text("id", path)? {
        Some(id) => id.into(),
        None => core::str::from_utf8(member)
            .map_err(|_| "has a name that is not valid text")?
            .into(),
    };
    let name = text("name", path)?;
    let manual = match text("trigger_type", path)? {
        None | Some("url_change") => None,
        Some("manual") => {
            let value_name = v
                .get("trigger_value")
                .and_then(|t| t.get("name"))
                .and_then(Value::as_str);
            Some(value_name.or(name).unwrap_or(id.as_str()).into())
        }
        Some(_) => {
            return Err(fail(
                path,
                "trigger_type",
                "must be \"url_change\" or \"manual\"",
            ))
        }
    };
    let conditions = match v.get("conditions") {
        None | Some(Value::Null) => Vec::new(),
        Some(c) => {
            path.list(b"conditions", Some(c), check_and)?;
            c.as_array().unwrap_or_default().to_vec()
        }
    };
    out.push(Page {
        id,
        manual,
        conditions,
    });
    Ok(())
}

impl Page {
    /// Whether the page is active for `context` (`{ user, page: { url } }`) with the manual pages
    /// named in `manual_on` switched on. `None` when one of its regular expressions is invalid.
    pub fn is_active<H: Host>(
        &self,
        host: &H,
        context: &Value,
        manual_on: &[String],
    ) -> Option<bool> {
        if let Some(name) = &self.manual {
            if !manual_on.contains(name) {
                return Some(false);
            }
        }
        if self.conditions.is_empty() {
            return Some(true);
        }
        match_page_conditions(host, context, &self.conditions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::parse;
    use crate::core::test_host::TestHost;

    fn context(url: &str) -> Value {
        let mut s = String::from(r#"{"user":{},"page":{"url":"#);
        s.push_str(&Value::string(url).to_json());
        s.push_str("}}");
        parse(&s).unwrap()
    }

    fn pages(json: &str) -> (Vec<Page>, Vec<ConfigError>) {
        let mut errors = Vec::new();
        let p = read_pages("f", &parse(json).unwrap(), &mut errors);
        (p, errors)
    }

    const PRICING: &str = r#"{"pricing":{"id":"pricing","conditions":[[{"selector":["context","page","url"],"op":"regex match","values":["/pricing"]}]]}}"#;

    #[test]
    fn a_url_change_page_is_active_where_its_conditions_match() {
        let (p, errors) = pages(PRICING);
        assert!(errors.is_empty());
        assert_eq!(p[0].id, "pricing");
        let active = |url| p[0].is_active(&TestHost, &context(url), &[]);
        assert_eq!(active("https://shop.example/pricing?x=1"), Some(true));
        assert_eq!(active("https://shop.example/about"), Some(false));
    }

    #[test]
    fn a_page_without_conditions_matches_everywhere() {
        let (p, _) = pages(r#"{"all":{"trigger_type":"url_change"}}"#);
        assert_eq!(p[0].id, "all");
        assert_eq!(
            p[0].is_active(&TestHost, &context("https://x/"), &[]),
            Some(true)
        );
    }

    #[test]
    fn a_manual_page_is_active_only_while_switched_on() {
        let (p, _) = pages(
            r#"{"m":{"id":"m","name":"Checkout modal","trigger_type":"manual","trigger_value":{"name":"modal"}},
                "n":{"id":"n","name":"By name","trigger_type":"manual"}}"#,
        );
        assert_eq!(p[0].manual.as_deref(), Some("modal"));
        assert_eq!(p[1].manual.as_deref(), Some("By name"));
        let ctx = context("https://x/");
        assert_eq!(p[0].is_active(&TestHost, &ctx, &[]), Some(false));
        assert_eq!(
            p[0].is_active(&TestHost, &ctx, &["modal".into()]),
            Some(true)
        );
    }

    #[test]
    fn malformed_pages_are_reported_with_their_path_and_left_out() {
        let (p, errors) = pages(
            r#"{"a":1,"b":{"trigger_type":"scrolled_to"},"c":{"conditions":[[{"selector":["context","page","url"],"values":"x"}]]},"d":{"id":"d"}}"#,
        );
        assert_eq!(p.len(), 1);
        let got: Vec<_> = errors
            .iter()
            .map(|e| (e.path.as_str(), e.message))
            .collect();
        assert_eq!(
            got,
            [
                ("pageObjects.f.a", "must be an object"),
                (
                    "pageObjects.f.b.trigger_type",
                    "must be \"url_change\" or \"manual\""
                ),
                (
                    "pageObjects.f.c.conditions[0][0].values",
                    "must be an array"
                ),
            ]
        );
    }

    #[test]
    fn an_invalid_regex_is_an_error_not_a_match() {
        let (p, _) = pages(
            r#"{"x":{"conditions":[[{"selector":["context","page","url"],"op":"regex match","values":["("]}]]}}"#,
        );
        assert_eq!(
            p[0].is_active(&TestHost, &context("https://x/("), &[]),
            None
        );
    }
}
