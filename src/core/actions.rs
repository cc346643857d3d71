//! Variant actions (CONTRACT section 3): the payload `[{ action, data }]` read into a typed plan,
//! and the pure value transforms that `mutate` applies.

use super::config::{fail, push_error, ConfigError};
use super::flag::Path;
use super::json::Value;
use crate::prelude::*;

/// One action of a variant's payload.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `mutate`: declarative DOM changes.
    Mutate(Vec<Mutation>),
    /// `inject`: CSS, JS and HTML added to the page.
    Inject(Inject),
    /// `redirect`: send the visitor to another URL.
    Redirect(Redirect),
}

/// What a mutation changes on each matching element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Property {
    /// `innerHTML`.
    Html,
    /// The class list.
    Class,
    /// The element's place (`parentSelector`, `insertBeforeSelector`).
    Position,
    /// Any other attribute, by its validated name.
    Attribute(String),
    /// `text`: `textContent`, never parsed as HTML.
    Text,
    /// `style`: the whole inline declaration block, written through CSSOM (`style.cssText`),
    /// which a `style-src` CSP without `'unsafe-inline'` allows where `setAttribute` is blocked.
    Style,
    /// `style.<name>`: one declaration (`setProperty`/`removeProperty`), its value written
    /// `value` or `value !important`. Also `element` set `hidden` (`display: none !important`).
    StyleProperty(String),
    /// `element` remove: the element taken out of the page.
    Element,
    /// `insert.*`: new HTML next to or inside the element; the index into [`INSERT_POSITIONS`].
    Insert(u8),
}

/// `insertAdjacentHTML` positions of `insert.before`, `insert.after`, `insert.prepend` and
/// `insert.append`, in that order: the first two insert next to the element, the others inside.
pub const INSERT_POSITIONS: [&str; 4] = ["beforebegin", "afterend", "afterbegin", "beforeend"];

/// The suffix of a style value that sets the declaration's priority.
pub const IMPORTANT: &str = " !important";

/// How a mutation combines its value with the current one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Replace.
    Set,
    /// Add to the end (html, attributes) or add classes.
    Append,
    /// Remove the attribute, or the classes.
    Remove,
}

/// One declarative change (dom-mutator's form).
#[derive(Clone, Debug, PartialEq)]
pub struct Mutation {
    /// CSS selector of the elements to change.
    pub selector: String,
    /// What to change.
    pub property: Property,
    /// How.
    pub op: Op,
    /// The value (empty for `remove`).
    pub value: String,
    /// For `position`: the new parent.
    pub parent_selector: Option<String>,
    /// For `position`: the sibling to insert before.
    pub insert_before_selector: Option<String>,
    /// Page ids where this mutation may run (`metadata.scope`); empty = every page of the flag.
    pub scope: Vec<String>,
}

/// `inject` data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inject {
    /// Identifies the injection (runs once per id).
    pub id: String,
    /// CSS text.
    pub css: Option<String>,
    /// JS source.
    pub js: Option<String>,
    /// HTML fragment.
    pub html: Option<String>,
    /// Page ids (`data.scope`).
    pub scope: Vec<String>,
}

/// `redirect` data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// Target URL.
    pub url: String,
    /// Page ids (`metadata.scope`).
    pub scope: Vec<String>,
}

/// A malformed action: the field path (from the payload, such as
/// `payload[0].data.mutations[2].attribute`) and what is wrong. The same type as config errors.
pub type ActionError = ConfigError;

/// The outcome of a check: on failure the message, with the [`Path`] left at the problem.
type Check<T> = Result<T, &'static str>;

/// Member `name` as text; `None` when absent or `null`.
fn optional_str<'v>(v: &'v Value, name: &str, path: &mut Path) -> Check<Option<&'v str>> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(s) => match s.as_str() {
            Some(s) => Ok(Some(s)),
            None => Err(fail(path, name, "must be a string")),
        },
    }
}

/// Member `name` as text, which must be there.
fn required_str<'v>(v: &'v Value, name: &str, path: &mut Path) -> Check<&'v str> {
    match optional_str(v, name, path)? {
        Some(s) => Ok(s),
        None => Err(fail(path, name, "is required")),
    }
}

/// Page ids at `name` (checked here, copied by [`page_ids`] once the whole action is valid);
/// absent or `null` is none.
fn scope<'v>(v: Option<&'v Value>, name: &str, path: &mut Path) -> Check<&'v [Value]> {
    match v {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(ids)) if ids.iter().all(|id| id.as_str().is_some()) => Ok(ids),
        _ => Err(fail(path, name, "must be an array of page ids")),
    }
}

/// `metadata.scope` of `v`.
fn metadata_scope<'v>(v: &'v Value, path: &mut Path) -> Check<&'v [Value]> {
    scope(
        v.get("metadata").and_then(|m| m.get("scope")),
        "metadata.scope",
        path,
    )
}

/// Checked page ids, copied.
fn page_ids(ids: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for id in ids {
        out.push(id.as_str().unwrap_or_default().into());
    }
    out
}

/// A checked optional text, copied.
fn owned(s: Option<&str>) -> Option<String> {
    s.map(String::from)
}

/// `true` for attribute names the DOM accepts and dom-mutator allows (`^[a-zA-Z:_][a-zA-Z0-9:_.-]*$`).
pub fn is_valid_attribute_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'A'..=b'Z' | b':' | b'_'))
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'.' | b'-'))
}

/// `true` for CSS property names: a custom property (`--name`), or letters, digits and hyphens
/// starting with a letter, optionally vendor-prefixed (`-webkit-...`); CSSOM lower-cases them.
/// Anything else would be ignored by `setProperty` without a word, so it is reported instead.
pub fn is_valid_css_property(name: &str) -> bool {
    if let Some(custom) = name.strip_prefix("--") {
        return !custom.is_empty()
            && custom
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_') || b >= 0x80);
    }
    let body = name.strip_prefix('-').unwrap_or(name);
    matches!(body.bytes().next(), Some(b'a'..=b'z' | b'A'..=b'Z'))
        && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// What `attribute` names, borrowed from the payload: copied into a [`Property`] only once every
/// check has passed, so a failed check has nothing to free.
#[derive(Clone, Copy, PartialEq)]
enum Kind<'v> {
    Html,
    Class,
    Position,
    Text,
    Style,
    StyleProperty(&'v str),
    Element,
    Insert(u8),
    Attribute(&'v str),
}

/// Reads `attribute` (the path points at the mutation).
fn kind<'v>(attribute: &'v str, path: &mut Path) -> Check<Kind<'v>> {
    let kind =
        match attribute {
            "html" => Kind::Html,
            "class" | "className" => Kind::Class,
            "position" => Kind::Position,
            "text" => Kind::Text,
            "style" => Kind::Style,
            "element" => Kind::Element,
            _ => {
                if let Some(name) = attribute.strip_prefix("style.") {
                    if !is_valid_css_property(name) {
                        return Err(fail(path, "attribute", "is not a valid CSS property name"));
                    }
                    Kind::StyleProperty(name)
                } else if let Some(at) = attribute.strip_prefix("insert.") {
                    match ["before", "after", "prepend", "append"]
                        .iter()
                        .position(|p| *p == at)
                    {
                        Some(i) => Kind::Insert(i as u8),
                        None => return Err(fail(
                            path,
                            "attribute",
                            "must be insert.before, insert.after, insert.prepend or insert.append",
                        )),
                    }
                } else if is_valid_attribute_name(attribute) {
                    Kind::Attribute(attribute)
                } else {
                    return Err(fail(path, "attribute", "is not a valid attribute name"));
                }
            }
        };
    Ok(kind)
}

/// Reads one mutation; the path points at it. Everything is checked before anything is copied,
/// so a failed check has nothing to free.
fn parse_mutation(v: &Value, path: &mut Path, out: &mut Vec<Mutation>) -> Check<()> {
    if v.as_object().is_none() {
        return Err("must be an object");
    }
    let selector = required_str(v, "selector", path)?;
    let op = match required_str(v, "action", path)? {
        "set" => Op::Set,
        "append" => Op::Append,
        "remove" => Op::Remove,
        _ => {
            return Err(fail(
                path,
                "action",
                "must be \"set\", \"append\" or \"remove\"",
            ))
        }
    };
    let kind = kind(required_str(v, "attribute", path)?, path)?;
    let supported = match op {
        Op::Set => true,
        Op::Append => !matches!(
            kind,
            Kind::Position | Kind::StyleProperty(_) | Kind::Element | Kind::Insert(_)
        ),
        Op::Remove => !matches!(
            kind,
            Kind::Position | Kind::Html | Kind::Text | Kind::Insert(_)
        ),
    };
    if !supported {
        return Err(fail(path, "action", "is not supported for this attribute"));
    }
    let position = kind == Kind::Position;
    // `value?` (CONTRACT section 3): none is "", as dom-mutator takes it (a set empties, an
    // append adds nothing).
    let value = optional_str(v, "value", path)?.unwrap_or_default();
    let hide = kind == Kind::Element && op == Op::Set;
    if hide && value != "hidden" {
        return Err(fail(
            path,
            "value",
            "must be \"hidden\" (or use action \"remove\")",
        ));
    }
    let parent_selector = optional_str(v, "parentSelector", path)?;
    if position && parent_selector.is_none() {
        return Err(fail(path, "parentSelector", "is required for position"));
    }
    let insert_before_selector = optional_str(v, "insertBeforeSelector", path)?;
    let scope = metadata_scope(v, path)?;
    let (property, value) = match kind {
        Kind::Html => (Property::Html, value),
        Kind::Class => (Property::Class, value),
        Kind::Position => (Property::Position, value),
        Kind::Text => (Property::Text, value),
        Kind::Style => (Property::Style, value),
        // Hiding is the `display` declaration, so it stacks and reverts like `style.display`.
        Kind::Element if hide => (Property::StyleProperty("display".into()), "none !important"),
        Kind::Element => (Property::Element, value),
        Kind::StyleProperty(name) => (Property::StyleProperty(name.into()), value),
        Kind::Insert(at) => (Property::Insert(at), value),
        Kind::Attribute(name) => (Property::Attribute(name.into()), value),
    };
    out.push(Mutation {
        selector: selector.into(),
        property,
        op,
        value: value.into(),
        parent_selector: owned(parent_selector),
        insert_before_selector: owned(insert_before_selector),
        scope: page_ids(scope),
    });
    Ok(())
}

/// Reads a variant payload into actions. Each malformed action (or mutation) is reported and
/// skipped; the rest are kept. An absent or `null` payload has no actions.
pub fn parse_payload(payload: Option<&Value>) -> (Vec<Action>, Vec<ActionError>) {
    let mut actions = Vec::new();
    let mut errors = Vec::new();
    let mut path = Path::default();
    // A payload that is not a list of actions is a plain feature-flag payload: no actions. One
    // action on its own is a mistake worth saying: nothing would be applied, and yet tracked.
    let kind = payload
        .and_then(|p| p.get("action"))
        .and_then(Value::as_str);
    if matches!(kind, Some("mutate" | "inject" | "redirect")) {
        path.enter(b"payload");
        push_error(
            &mut errors,
            &path,
            "must be an array of actions ([ ] around one)",
        );
    }
    let items = payload.and_then(Value::as_array).unwrap_or_default();
    for (i, item) in items.iter().enumerate() {
        path.0.clear();
        path.enter(b"payload");
        path.index(i);
        if let Err(message) = parse_action(item, &mut path, &mut actions, &mut errors) {
            push_error(&mut errors, &path, message);
        }
    }
    (actions, errors)
}

/// Reads one action; the path points at it. Malformed mutations are reported into `errors` and
/// left out of a `mutate` action.
fn parse_action(
    v: &Value,
    path: &mut Path,
    actions: &mut Vec<Action>,
    errors: &mut Vec<ActionError>,
) -> Check<()> {
    let kind = required_str(v, "action", path)?;
    let data = v.get("data").filter(|d| d.as_object().is_some());
    let Some(data) = data else {
        return Err(fail(path, "data", "must be an object"));
    };
    if !matches!(kind, "mutate" | "inject" | "redirect") {
        return Err(fail(
            path,
            "action",
            "must be \"mutate\", \"inject\" or \"redirect\"",
        ));
    }
    path.enter(b"data");
    if kind == "mutate" {
        let Some(list) = data.get("mutations").and_then(Value::as_array) else {
            return Err(fail(path, "mutations", "must be an array"));
        };
        let mut mutations = Vec::new();
        let len = path.enter(b"mutations");
        for (i, m) in list.iter().enumerate() {
            let len = path.index(i);
            if let Err(message) = parse_mutation(m, path, &mut mutations) {
                push_error(errors, path, message);
            }
            path.0.truncate(len);
        }
        path.0.truncate(len);
        actions.push(Action::Mutate(mutations));
        return Ok(());
    }
    if kind == "inject" {
        let id = required_str(data, "id", path)?;
        let css = optional_str(data, "css", path)?;
        let js = optional_str(data, "js", path)?;
        let html = optional_str(data, "html", path)?;
        let scope = scope(data.get("scope"), "scope", path)?;
        actions.push(Action::Inject(Inject {
            id: id.into(),
            css: owned(css),
            js: owned(js),
            html: owned(html),
            scope: page_ids(scope),
        }));
        return Ok(());
    }
    let url = required_str(data, "url", path)?;
    let scope = metadata_scope(data, path)?;
    actions.push(Action::Redirect(Redirect {
        url: url.into(),
        scope: page_ids(scope),
    }));
    Ok(())
}

/// The value a mutation produces from the current one (`None` = attribute absent).
///
/// `html`, `text`, `style`, `style.<name>` and attributes: set replaces, append concatenates (an
/// absent value counts as empty), remove deletes. `class`: set replaces the class list, append
/// adds classes, remove deletes them; the result is the list joined by single spaces, as
/// dom-mutator writes it. `insert.*`: the HTML of every insert at the same place, in order.
pub fn transform(
    property: &Property,
    op: Op,
    value: &str,
    current: Option<&str>,
) -> Option<String> {
    match property {
        Property::Class => {
            let mut classes: Vec<&str> = Vec::new();
            if op != Op::Set {
                for c in current.unwrap_or("").split_ascii_whitespace() {
                    if !classes.contains(&c) {
                        classes.push(c);
                    }
                }
            }
            for c in value.split_ascii_whitespace() {
                if op == Op::Remove {
                    classes.retain(|x| *x != c);
                } else if !classes.contains(&c) {
                    classes.push(c);
                }
            }
            let mut out = String::new();
            for c in classes {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(c);
            }
            Some(out)
        }
        _ => match op {
            Op::Set if !matches!(property, Property::Insert(_)) => Some(value.to_string()),
            Op::Set | Op::Append => {
                let mut s = current.unwrap_or("").to_string();
                // Declarations appended to declarations: `color: red` and `margin: 0`.
                // (A byte scan: `trim_end` links Unicode's whitespace table.)
                let last = s.bytes().rev().find(|b| !b.is_ascii_whitespace());
                if *property == Property::Style && last.is_some_and(|b| b != b';') {
                    s.push_str("; ");
                }
                s.push_str(value);
                Some(s)
            }
            Op::Remove => None,
        },
    }
}

/// The page's own classes, when it edited them after our change (`classList.toggle`) and left
/// the classes we added in: `current` without those, with those we removed put back. `None`
/// when one of ours is gone (the page wrote its whole value: that is its own).
pub fn page_classes(original: &str, applied: &str, current: &str) -> Option<String> {
    let has = |s: &str, c: &str| s.split_ascii_whitespace().any(|x| x == c);
    let added = |c: &&str| !has(original, c);
    let mut ours = applied.split_ascii_whitespace().filter(added).peekable();
    ours.peek()?;
    if !ours.all(|c| has(current, c)) {
        return None;
    }
    let mut out = String::new();
    let kept = current
        .split_ascii_whitespace()
        .filter(|c| !has(applied, c) || !added(c));
    let removed = original
        .split_ascii_whitespace()
        .filter(|c| !has(applied, c) && !has(current, c));
    for c in kept.chain(removed) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(c);
    }
    Some(out)
}

/// A style value split into the value and the priority `setProperty` takes: `"red !important"`
/// is `("red", "important")`, `"red"` is `("red", "")`.
pub fn split_priority(value: &str) -> (&str, &str) {
    // ASCII trims: `trim_end` would link Unicode whitespace tables for no real case.
    match value.trim_ascii_end().strip_suffix("!important") {
        Some(rest) => (rest.trim_ascii_end(), "important"),
        None => (value, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    fn payload(text: &str) -> (Vec<Action>, Vec<ActionError>) {
        let v = parse(text).unwrap();
        parse_payload(Some(&v))
    }

    #[test]
    fn the_pages_class_edits_keep_ours_out_of_its_value() {
        // We appended `promo`; the page toggled `open` on.
        assert_eq!(
            page_classes("card", "card promo", "card promo open").as_deref(),
            Some("card open")
        );
        // We removed `old`; the page added `open`: `old` is the page's.
        assert_eq!(
            page_classes("card old x", "card x promo", "card x promo open").as_deref(),
            Some("card x open old")
        );
        // The page wrote its whole value (ours gone): that is its own.
        assert_eq!(page_classes("card", "card promo", "card"), None);
        // Nothing of ours added: nothing to take out.
        assert_eq!(page_classes("a b", "a", "a c"), None);
    }

    #[test]
    fn style_appends_join_declarations() {
        assert_eq!(
            transform(
                &Property::Style,
                Op::Append,
                "margin: 0",
                Some("color: red")
            )
            .as_deref(),
            Some("color: red; margin: 0")
        );
        assert_eq!(
            transform(
                &Property::Style,
                Op::Append,
                "margin: 0",
                Some("color: red;")
            )
            .as_deref(),
            Some("color: red;margin: 0")
        );
        assert_eq!(
            transform(&Property::Style, Op::Append, "margin: 0", None).as_deref(),
            Some("margin: 0")
        );
    }

    #[test]
    fn reads_the_three_action_kinds() {
        let (actions, errors) = payload(
            r#"[{"action":"mutate","data":{"mutations":[{"selector":"h1","action":"set","attribute":"html","value":"New","metadata":{"scope":["pg1"]}}]}},
                {"action":"inject","data":{"id":"x","css":".h{color:red}","scope":["pg1"]}},
                {"action":"redirect","data":{"url":"https://ex.com/b","metadata":{"scope":["pg2"]}}}]"#,
        );
        assert!(errors.is_empty());
        assert_eq!(
            actions[0],
            Action::Mutate(vec![Mutation {
                selector: "h1".into(),
                property: Property::Html,
                op: Op::Set,
                value: "New".into(),
                parent_selector: None,
                insert_before_selector: None,
                scope: vec!["pg1".into()],
            }])
        );
        assert!(
            matches!(&actions[1], Action::Inject(i) if i.css.as_deref() == Some(".h{color:red}") && i.scope == ["pg1"])
        );
        assert!(
            matches!(&actions[2], Action::Redirect(r) if r.url == "https://ex.com/b" && r.scope == ["pg2"])
        );
    }

    #[test]
    fn names_the_path_of_a_bad_mutation_and_keeps_the_others() {
        let (actions, errors) = payload(
            r#"[{"action":"mutate","data":{"mutations":[
                {"selector":"h1","action":"set","attribute":"on click","value":"x"},
                {"selector":"h2","action":"set","attribute":"title","value":"t"}]}}]"#,
        );
        assert_eq!(
            errors,
            vec![ActionError {
                path: "payload[0].data.mutations[0].attribute".into(),
                message: "is not a valid attribute name"
            }]
        );
        assert!(matches!(&actions[0], Action::Mutate(m) if m.len() == 1 && m[0].selector == "h2"));
    }

    #[test]
    fn rejects_unknown_actions_and_missing_fields() {
        let (actions, errors) = payload(
            r#"[{"action":"explode","data":{}},{"action":"redirect","data":{}},{"action":"mutate"}]"#,
        );
        assert!(actions.is_empty());
        let paths: Vec<_> = errors
            .iter()
            .map(|e| (e.path.as_str(), e.message))
            .collect();
        assert_eq!(
            paths,
            [
                (
                    "payload[0].action",
                    "must be \"mutate\", \"inject\" or \"redirect\""
                ),
                ("payload[1].data.url", "is required"),
                ("payload[2].data", "must be an object"),
            ]
        );
    }

    #[test]
    fn a_non_list_payload_has_no_actions() {
        assert_eq!(payload(r#"{"color":"red"}"#), (vec![], vec![]));
        assert_eq!(parse_payload(None), (vec![], vec![]));
    }

    #[test]
    fn one_action_not_in_a_list_is_an_error() {
        let (actions, errors) = payload(r#"{"action":"redirect","data":{"url":"/b"}}"#);
        assert_eq!(actions, vec![]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "payload");
        assert_eq!(
            errors[0].message,
            "must be an array of actions ([ ] around one)"
        );
    }

    #[test]
    fn validates_attribute_names_like_dom_mutator() {
        for ok in ["title", "data-x", "aria-label", "xlink:href", "_a.b"] {
            assert!(is_valid_attribute_name(ok), "{ok}");
        }
        for bad in ["", "1a", "on click", "a\"b", "-x", "a>b"] {
            assert!(!is_valid_attribute_name(bad), "{bad}");
        }
    }

    #[test]
    fn transforms_html_and_attributes() {
        let html = Property::Html;
        assert_eq!(
            transform(&html, Op::Set, "new", Some("old")),
            Some("new".into())
        );
        assert_eq!(
            transform(&html, Op::Append, "+", Some("old")),
            Some("old+".into())
        );
        let title = Property::Attribute("title".into());
        assert_eq!(transform(&title, Op::Append, "x", None), Some("x".into()));
        assert_eq!(transform(&title, Op::Remove, "", Some("t")), None);
    }

    #[test]
    fn transforms_classes_as_a_set() {
        let c = Property::Class;
        assert_eq!(
            transform(&c, Op::Append, "b c", Some(" a  b ")),
            Some("a b c".into())
        );
        assert_eq!(
            transform(&c, Op::Remove, "a", Some("a b a")),
            Some("b".into())
        );
        assert_eq!(
            transform(&c, Op::Set, "x y x", Some("a")),
            Some("x y".into())
        );
        assert_eq!(transform(&c, Op::Append, "z", None), Some("z".into()));
    }

    #[test]
    fn unsupported_combinations_are_errors() {
        let (_, errors) = payload(
            r#"[{"action":"mutate","data":{"mutations":[{"selector":"h1","action":"remove","attribute":"html"},
               {"selector":"h1","action":"set","attribute":"position"}]}}]"#,
        );
        assert_eq!(errors[0].message, "is not supported for this attribute");
        assert_eq!(
            errors[1].path,
            "payload[0].data.mutations[1].parentSelector"
        );
    }

    #[test]
    fn a_mutation_without_value_takes_the_empty_string_as_dom_mutator_does() {
        for fields in [
            r#""action":"set","attribute":"html""#,
            r#""action":"append","attribute":"class""#,
            r#""action":"set","attribute":"title""#,
            r#""action":"set","attribute":"value","value":null"#,
        ] {
            let (mutations, errors) = one_mutation(fields);
            assert!(errors.is_empty(), "{fields}: {errors:?}");
            assert_eq!(mutations[0].value, "", "{fields}");
        }
    }

    fn one_mutation(fields: &str) -> (Vec<Mutation>, Vec<ActionError>) {
        let (actions, errors) = payload(
            &[
                r##"[{"action":"mutate","data":{"mutations":[{"selector":"#t","##,
                fields,
                "}]}}]",
            ]
            .concat(),
        );
        match actions.into_iter().next() {
            Some(Action::Mutate(m)) => (m, errors),
            _ => (vec![], errors),
        }
    }

    #[test]
    fn reads_text_style_element_and_insert_mutations() {
        let cases: [(&str, Property, Op, &str); 10] = [
            (
                r#""action":"set","attribute":"text","value":"<b>""#,
                Property::Text,
                Op::Set,
                "<b>",
            ),
            (
                r#""action":"append","attribute":"style","value":"color:red""#,
                Property::Style,
                Op::Append,
                "color:red",
            ),
            (
                r#""action":"set","attribute":"style.background-color","value":"red !important""#,
                Property::StyleProperty("background-color".into()),
                Op::Set,
                "red !important",
            ),
            (
                r#""action":"remove","attribute":"style.--brand""#,
                Property::StyleProperty("--brand".into()),
                Op::Remove,
                "",
            ),
            (
                r#""action":"remove","attribute":"element""#,
                Property::Element,
                Op::Remove,
                "",
            ),
            (
                r#""action":"set","attribute":"element","value":"hidden""#,
                Property::StyleProperty("display".into()),
                Op::Set,
                "none !important",
            ),
            (
                r#""action":"set","attribute":"insert.before","value":"<i>""#,
                Property::Insert(0),
                Op::Set,
                "<i>",
            ),
            (
                r#""action":"set","attribute":"insert.after","value":"<i>""#,
                Property::Insert(1),
                Op::Set,
                "<i>",
            ),
            (
                r#""action":"set","attribute":"insert.prepend","value":"<i>""#,
                Property::Insert(2),
                Op::Set,
                "<i>",
            ),
            (
                r#""action":"set","attribute":"insert.append","value":"<i>""#,
                Property::Insert(3),
                Op::Set,
                "<i>",
            ),
        ];
        for (fields, property, op, value) in cases {
            let (m, errors) = one_mutation(fields);
            assert!(errors.is_empty(), "{fields}: {errors:?}");
            assert_eq!(
                (&m[0].property, m[0].op, m[0].value.as_str()),
                (&property, op, value),
                "{fields}"
            );
        }
    }

    #[test]
    fn reports_bad_text_style_element_and_insert_mutations_by_field() {
        let cases = [
            (
                r#""action":"set","attribute":"style.","value":"x""#,
                "attribute",
                "is not a valid CSS property name",
            ),
            (
                r#""action":"set","attribute":"style.col or","value":"x""#,
                "attribute",
                "is not a valid CSS property name",
            ),
            (
                r#""action":"set","attribute":"style.a;b","value":"x""#,
                "attribute",
                "is not a valid CSS property name",
            ),
            (
                r#""action":"set","attribute":"style.--","value":"x""#,
                "attribute",
                "is not a valid CSS property name",
            ),
            (
                r#""action":"set","attribute":"insert.inside","value":"x""#,
                "attribute",
                "must be insert.before, insert.after, insert.prepend or insert.append",
            ),
            (
                r#""action":"set","attribute":"element","value":"gone""#,
                "value",
                "must be \"hidden\" (or use action \"remove\")",
            ),
            (
                r#""action":"remove","attribute":"text""#,
                "action",
                "is not supported for this attribute",
            ),
            (
                r#""action":"append","attribute":"style.color","value":"x""#,
                "action",
                "is not supported for this attribute",
            ),
            (
                r#""action":"remove","attribute":"insert.before""#,
                "action",
                "is not supported for this attribute",
            ),
            (
                r#""action":"append","attribute":"element","value":"x""#,
                "action",
                "is not supported for this attribute",
            ),
            (
                r#""action":"set","attribute":"text","value":42"#,
                "value",
                "must be a string",
            ),
        ];
        for (fields, field, message) in cases {
            let (m, errors) = one_mutation(fields);
            assert!(m.is_empty(), "{fields}");
            let path = ["payload[0].data.mutations[0].", field].concat();
            assert_eq!(errors, vec![ActionError { path, message }], "{fields}");
        }
    }

    #[test]
    fn validates_css_property_names() {
        for ok in [
            "color",
            "background-color",
            "-webkit-line-clamp",
            "--brand",
            "--x_1",
            "Color",
            "grid-row-2",
        ] {
            assert!(is_valid_css_property(ok), "{ok}");
        }
        for bad in ["", "-", "--", "1a", "a b", "a:b", "a;b", "col\\or", "-1x"] {
            assert!(!is_valid_css_property(bad), "{bad}");
        }
    }

    #[test]
    fn inserts_at_one_place_concatenate_and_text_appends() {
        let at = Property::Insert(1);
        let first = transform(&at, Op::Set, "<i>1</i>", None);
        assert_eq!(
            transform(&at, Op::Set, "<i>2</i>", first.as_deref()),
            Some("<i>1</i><i>2</i>".into())
        );
        assert_eq!(
            transform(&Property::Text, Op::Append, "!", Some("hi")),
            Some("hi!".into())
        );
        let color = Property::StyleProperty("color".into());
        assert_eq!(
            transform(&color, Op::Set, "red", Some("blue")),
            Some("red".into())
        );
        assert_eq!(transform(&color, Op::Remove, "", Some("blue")), None);
    }

    #[test]
    fn splits_the_important_priority() {
        assert_eq!(split_priority("red !important"), ("red", "important"));
        assert_eq!(split_priority("red!important "), ("red", "important"));
        assert_eq!(split_priority("red"), ("red", ""));
        assert_eq!(split_priority(""), ("", ""));
    }
}
