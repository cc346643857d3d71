//! Variant actions (CONTRACT section 3): the payload `[{ action, data }]` read into a typed plan,
//! and the pure value transforms that `mutate` applies.

use super::json::{push_usize, Value};
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
}

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

/// A malformed action: the field path (from the payload) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionError {
    /// Path such as `payload[0].data.mutations[2].attribute`.
    pub path: String,
    /// What is wrong.
    pub message: &'static str,
}

fn error(path: &str, field: &str, message: &'static str) -> ActionError {
    let mut p = String::from(path);
    if !field.is_empty() {
        p.push('.');
        p.push_str(field);
    }
    ActionError { path: p, message }
}

fn indexed(path: &str, field: &str, i: usize) -> String {
    let mut p = String::from(path);
    p.push('.');
    p.push_str(field);
    p.push('[');
    push_usize(&mut p, i);
    p.push(']');
    p
}

fn required_str(v: &Value, path: &str, field: &str) -> Result<String, ActionError> {
    optional_str(v, path, field)?.ok_or_else(|| error(path, field, "is required"))
}

fn optional_str(v: &Value, path: &str, field: &str) -> Result<Option<String>, ActionError> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(s) => s
            .as_str()
            .map(|s| Some(s.to_string()))
            .ok_or_else(|| error(path, field, "must be a string")),
    }
}

fn scope(v: Option<&Value>, path: &str) -> Result<Vec<String>, ActionError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let items = v
        .as_array()
        .ok_or_else(|| error(path, "", "must be an array of page ids"))?;
    items
        .iter()
        .map(|s| {
            s.as_str()
                .map(str::to_string)
                .ok_or_else(|| error(path, "", "must be an array of page ids"))
        })
        .collect()
}

/// `true` for attribute names the DOM accepts and dom-mutator allows (`^[a-zA-Z:_][a-zA-Z0-9:_.-]*$`).
pub fn is_valid_attribute_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'A'..=b'Z' | b':' | b'_'))
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'.' | b'-'))
}

/// Reads one mutation at `path`.
pub fn parse_mutation(v: &Value, path: &str) -> Result<Mutation, ActionError> {
    if v.as_object().is_none() {
        return Err(error(path, "", "must be an object"));
    }
    let selector = required_str(v, path, "selector")?;
    let op = match required_str(v, path, "action")?.as_str() {
        "set" => Op::Set,
        "append" => Op::Append,
        "remove" => Op::Remove,
        _ => {
            return Err(error(
                path,
                "action",
                "must be \"set\", \"append\" or \"remove\"",
            ))
        }
    };
    let attribute = required_str(v, path, "attribute")?;
    let property = match attribute.as_str() {
        "html" => Property::Html,
        "class" | "className" => Property::Class,
        "position" => Property::Position,
        name if is_valid_attribute_name(name) => Property::Attribute(name.to_string()),
        _ => return Err(error(path, "attribute", "is not a valid attribute name")),
    };
    let supported = !matches!(
        (&property, op),
        (Property::Html, Op::Remove) | (Property::Position, Op::Append | Op::Remove)
    );
    if !supported {
        return Err(error(path, "action", "is not supported for this attribute"));
    }
    let value = match op {
        Op::Remove if property != Property::Class => {
            optional_str(v, path, "value")?.unwrap_or_default()
        }
        _ if property == Property::Position => optional_str(v, path, "value")?.unwrap_or_default(),
        _ => required_str(v, path, "value")?,
    };
    let parent_selector = optional_str(v, path, "parentSelector")?;
    if property == Property::Position && parent_selector.is_none() {
        return Err(error(path, "parentSelector", "is required for position"));
    }
    let mut scope_path = String::from(path);
    scope_path.push_str(".metadata.scope");
    Ok(Mutation {
        selector,
        property,
        op,
        value,
        parent_selector,
        insert_before_selector: optional_str(v, path, "insertBeforeSelector")?,
        scope: scope(v.get("metadata").and_then(|m| m.get("scope")), &scope_path)?,
    })
}

/// Reads a variant payload into actions. Each malformed action (or mutation) is reported and
/// skipped; the rest are kept. An absent or `null` payload has no actions.
pub fn parse_payload(payload: Option<&Value>) -> (Vec<Action>, Vec<ActionError>) {
    let mut actions = Vec::new();
    let mut errors = Vec::new();
    let Some(payload) = payload.filter(|p| !p.is_null()) else {
        return (actions, errors);
    };
    let Some(items) = payload.as_array() else {
        // A payload that is not a list of actions is a plain feature-flag payload: no actions.
        return (actions, errors);
    };
    for (i, item) in items.iter().enumerate() {
        let mut path = String::from("payload[");
        push_usize(&mut path, i);
        path.push(']');
        match parse_action(item, &path, &mut errors) {
            Ok(a) => actions.push(a),
            Err(e) => errors.push(e),
        }
    }
    (actions, errors)
}

fn parse_action(
    v: &Value,
    path: &str,
    errors: &mut Vec<ActionError>,
) -> Result<Action, ActionError> {
    let kind = required_str(v, path, "action")?;
    let mut data_path = String::from(path);
    data_path.push_str(".data");
    let data = v
        .get("data")
        .filter(|d| d.as_object().is_some())
        .ok_or_else(|| error(path, "data", "must be an object"))?;
    match kind.as_str() {
        "mutate" => {
            let list = data
                .get("mutations")
                .and_then(Value::as_array)
                .ok_or_else(|| error(&data_path, "mutations", "must be an array"))?;
            let mut mutations = Vec::new();
            for (i, m) in list.iter().enumerate() {
                match parse_mutation(m, &indexed(&data_path, "mutations", i)) {
                    Ok(m) => mutations.push(m),
                    Err(e) => errors.push(e),
                }
            }
            Ok(Action::Mutate(mutations))
        }
        "inject" => Ok(Action::Inject(Inject {
            id: required_str(data, &data_path, "id")?,
            css: optional_str(data, &data_path, "css")?,
            js: optional_str(data, &data_path, "js")?,
            html: optional_str(data, &data_path, "html")?,
            scope: scope(data.get("scope"), &{
                let mut p = data_path.clone();
                p.push_str(".scope");
                p
            })?,
        })),
        "redirect" => Ok(Action::Redirect(Redirect {
            url: required_str(data, &data_path, "url")?,
            scope: scope(data.get("metadata").and_then(|m| m.get("scope")), &{
                let mut p = data_path.clone();
                p.push_str(".metadata.scope");
                p
            })?,
        })),
        _ => Err(error(
            path,
            "action",
            "must be \"mutate\", \"inject\" or \"redirect\"",
        )),
    }
}

/// The value a mutation produces from the current one (`None` = attribute absent).
///
/// `html` and attributes: set replaces, append concatenates (an absent attribute counts as empty),
/// remove deletes the attribute. `class`: set replaces the class list, append adds classes,
/// remove deletes them; the result is the list joined by single spaces, as dom-mutator writes it.
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
            Op::Set => Some(value.to_string()),
            Op::Append => {
                let mut s = current.unwrap_or("").to_string();
                s.push_str(value);
                Some(s)
            }
            Op::Remove => None,
        },
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
}
