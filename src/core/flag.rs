//! Flags as typed data, read from the JSON the flag API serves.
//!
//! Reading a flag up front turns every shape the reference engine would throw on (a missing
//! `segments`, a non-string condition value, …) into one [`FlagError`] for that flag, so one bad
//! flag cannot break the others. Shapes the reference tolerates are read with its meaning
//! (a null `conditions` matches everyone, a null `metadata` is empty, …).

use super::json::{push_usize, Value};
use crate::prelude::*;

/// Object members in order, as [`Value::Object`] holds them.
pub type Members = Vec<(Vec<u8>, Value)>;

/// One flag: which variant each segment of users gets.
#[derive(Clone, Debug, PartialEq)]
pub struct Flag {
    /// The key results are reported under and dependencies refer to.
    pub key: Vec<u8>,
    /// Variant key → the whole variant object, so fields we do not know reach the result.
    pub variants: Members,
    /// Tried in order; the first that yields a variant wins.
    pub segments: Vec<Segment>,
    /// Keys of flags whose results this flag's conditions read (`["result", key, …]`).
    pub dependencies: Vec<Vec<u8>>,
    /// Merged under the segment's and the variant's metadata in the result.
    pub metadata: Members,
}

/// A group of users (by conditions) and how they are split between variants.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// How users are split; `None` gives everyone [`Segment::variant`].
    pub bucket: Option<Bucket>,
    /// OR of ANDs; `None` (null or missing) matches everyone, an empty list no one.
    pub conditions: Option<Vec<Vec<Condition>>>,
    /// The variant key when bucketing does not decide, as JavaScript would spell the property
    /// key (`null` is `"null"`); `None` when missing, which makes the segment yield nothing.
    pub variant: Option<Vec<u8>>,
    /// Merged between the flag's and the variant's metadata in the result.
    pub metadata: Members,
}

/// Deterministic split of users by the hash of a selected value.
#[derive(Clone, Debug, PartialEq)]
pub struct Bucket {
    /// Path to the value users are bucketed by (empty: select nothing).
    pub selector: Vec<Vec<u8>>,
    /// Prefix of the hashed text, as a JavaScript template literal writes it.
    pub salt: Vec<u8>,
    /// Tried in order against `hash % 100`.
    pub allocations: Vec<Allocation>,
}

/// A share of users (`hash % 100` in `range`) and how it is divided.
#[derive(Clone, Debug, PartialEq)]
pub struct Allocation {
    /// `[start, end)` over `hash % 100`.
    /// Bounds as number text: converted with the host's exact `Number()` when bucketing.
    pub range: [Box<str>; 2],
    /// Tried in order against `floor(hash / 100)`.
    pub distributions: Vec<Distribution>,
}

/// The variant for users whose `floor(hash / 100)` falls in `range`.
#[derive(Clone, Debug, PartialEq)]
pub struct Distribution {
    /// The variant key; `None` (missing) makes the segment yield nothing.
    pub variant: Option<Vec<u8>>,
    /// `[start, end)` over `floor(hash / 100)`.
    /// Bounds as number text: converted with the host's exact `Number()` when bucketing.
    pub range: [Box<str>; 2],
}

/// One test of a selected value.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// Path into `{context, result}` (empty: select nothing).
    pub selector: Vec<Vec<u8>>,
    /// The comparison.
    pub op: Op,
    /// What the selected value is compared with.
    pub values: Vec<Vec<u8>>,
}

/// The reference engine's operators, spelled as in flag JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `is`
    Is,
    /// `is not`
    IsNot,
    /// `contains`
    Contains,
    /// `does not contain`
    DoesNotContain,
    /// `less`
    Less,
    /// `less or equal`
    LessOrEqual,
    /// `greater`
    Greater,
    /// `greater or equal`
    GreaterOrEqual,
    /// `version less`
    VersionLess,
    /// `version less or equal`
    VersionLessOrEqual,
    /// `version greater`
    VersionGreater,
    /// `version greater or equal`
    VersionGreaterOrEqual,
    /// `set is`
    SetIs,
    /// `set is not`
    SetIsNot,
    /// `set contains`
    SetContains,
    /// `set does not contain`
    SetDoesNotContain,
    /// `set contains any`
    SetContainsAny,
    /// `set does not contain any`
    SetDoesNotContainAny,
    /// `regex match`
    RegexMatch,
    /// `regex does not match`
    RegexDoesNotMatch,
    /// Any other operator: the reference matches nothing with it.
    Unknown,
}

const OPS: [(&[u8], Op); 20] = [
    (b"is", Op::Is),
    (b"is not", Op::IsNot),
    (b"contains", Op::Contains),
    (b"does not contain", Op::DoesNotContain),
    (b"less", Op::Less),
    (b"less or equal", Op::LessOrEqual),
    (b"greater", Op::Greater),
    (b"greater or equal", Op::GreaterOrEqual),
    (b"version less", Op::VersionLess),
    (b"version less or equal", Op::VersionLessOrEqual),
    (b"version greater", Op::VersionGreater),
    (b"version greater or equal", Op::VersionGreaterOrEqual),
    (b"set is", Op::SetIs),
    (b"set is not", Op::SetIsNot),
    (b"set contains", Op::SetContains),
    (b"set does not contain", Op::SetDoesNotContain),
    (b"set contains any", Op::SetContainsAny),
    (b"set does not contain any", Op::SetDoesNotContainAny),
    (b"regex match", Op::RegexMatch),
    (b"regex does not match", Op::RegexDoesNotMatch),
];

impl Op {
    /// The operator named `name` (exact spelling), [`Op::Unknown`] for anything else.
    pub fn parse(name: &[u8]) -> Op {
        OPS.iter()
            .find(|(n, _)| *n == name)
            .map_or(Op::Unknown, |(_, op)| *op)
    }

    /// Whether the operator compares the selected value as a set (`set …`).
    pub fn is_set(self) -> bool {
        matches!(
            self,
            Op::SetIs
                | Op::SetIsNot
                | Op::SetContains
                | Op::SetDoesNotContain
                | Op::SetContainsAny
                | Op::SetDoesNotContainAny
        )
    }
}

/// Why a flag was not evaluated, with enough context to find the problem in the flag JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagError {
    /// The flag's key (empty when the key itself is the problem).
    pub flag_key: String,
    /// Where in the flag, e.g. `segments[1].bucket.allocations[0].range`.
    pub path: String,
    /// What is wrong there.
    pub message: &'static str,
}

impl FlagError {
    /// An error for the flag `key`.
    pub fn new(key: &[u8], path: String, message: &'static str) -> Self {
        FlagError {
            flag_key: String::from_utf8_lossy(key).into_owned(),
            path,
            message,
        }
    }

    /// One line for the console: `flag "hero": segments[0].bucket.salt: must be a string`.
    pub fn message(&self) -> String {
        let mut s = String::from("flag \"");
        s.push_str(&self.flag_key);
        s.push_str("\": ");
        if !self.path.is_empty() {
            s.push_str(&self.path);
            s.push_str(": ");
        }
        s.push_str(self.message);
        s
    }
}

const OBJECT: &str = "must be an object";
const STRING: &str = "must be a string";
const ARRAY: &str = "must be an array";
const RANGE: &str = "must be an array of two numbers";
const SELECTOR: &str = "must be an array of strings";

type Res<T> = Result<T, (String, &'static str)>;

fn fail<T>(path: &str, message: &'static str) -> Res<T> {
    Err((path.into(), message))
}

/// `path.name`.
fn field(path: &str, name: &str) -> String {
    let mut p = String::from(path);
    if !p.is_empty() {
        p.push('.');
    }
    p.push_str(name);
    p
}

/// `path[i]`.
fn index(path: &str, i: usize) -> String {
    let mut p = String::from(path);
    p.push('[');
    push_usize(&mut p, i);
    p.push(']');
    p
}

/// JavaScript truthiness of a JSON value.
pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        // JSON number text is zero exactly when no digit of its significand is (the input is
        // `JSON.stringify` output, which never writes an underflowing literal).
        Value::Number(n) => n
            .bytes()
            .take_while(|b| !matches!(b, b'e' | b'E'))
            .any(|b| matches!(b, b'1'..=b'9')),
        Value::Str(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `String(v)` of a scalar, which is also the property key JavaScript looks up with it. Number
/// text is taken as is: the input is `JSON.stringify` output, whose numbers are canonical.
pub(crate) fn scalar_text(v: &Value) -> Option<Vec<u8>> {
    let text: &[u8] = match v {
        Value::Null => b"null",
        Value::Bool(true) => b"true",
        Value::Bool(false) => b"false",
        Value::Number(n) => n.as_bytes(),
        Value::Str(s) => s,
        Value::Array(_) | Value::Object(_) => return None,
    };
    Some(text.to_vec())
}

fn array<'v>(v: Option<&'v Value>, path: &str) -> Res<&'v [Value]> {
    match v {
        Some(Value::Array(items)) => Ok(items),
        _ => fail(path, ARRAY),
    }
}

fn each<T>(items: &[Value], path: &str, f: fn(&Value, &str) -> Res<T>) -> Res<Vec<T>> {
    let read = |(i, v)| f(v, &index(path, i));
    items.iter().enumerate().map(read).collect()
}

fn object(v: &Value, path: &str) -> Res<()> {
    match v {
        Value::Object(_) => Ok(()),
        _ => fail(path, OBJECT),
    }
}

/// An object's members; null or missing is empty, as `Object.assign` treats it.
fn members(v: Option<&Value>, path: &str) -> Res<Members> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        _ => fail(path, OBJECT),
    }
}

fn string(v: &Value, path: &str) -> Res<Vec<u8>> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        _ => fail(path, STRING),
    }
}

fn strings(v: Option<&Value>, path: &str) -> Res<Vec<Vec<u8>>> {
    each(array(v, path)?, path, string)
}

/// A variant key, as the property key JavaScript would look it up with.
fn variant_key(v: Option<&Value>, path: &str) -> Res<Option<Vec<u8>>> {
    v.map(|v| scalar_text(v).ok_or((path.into(), STRING)))
        .transpose()
}

/// A selector, read so that selecting gives what `select` gives: a falsy selector or element
/// selects nothing, and so does a string (its characters are never keys of `{context, result}`).
fn selector(v: Option<&Value>, path: &str) -> Res<Vec<Vec<u8>>> {
    let items = match v {
        Some(Value::Array(items)) => items,
        Some(v @ (Value::Bool(_) | Value::Number(_) | Value::Object(_))) if truthy(v) => {
            return fail(path, SELECTOR)
        }
        _ => return Ok(Vec::new()),
    };
    let mut keys = Vec::new();
    for item in items {
        if !truthy(item) {
            return Ok(Vec::new());
        }
        keys.push(scalar_text(item).ok_or((path.into(), SELECTOR))?);
    }
    Ok(keys)
}

fn range(v: Option<&Value>, path: &str) -> Res<[Box<str>; 2]> {
    match v.and_then(Value::as_array) {
        Some([Value::Number(start), Value::Number(end), ..]) => Ok([start.clone(), end.clone()]),
        _ => fail(path, RANGE),
    }
}

fn condition(v: &Value, path: &str) -> Res<Condition> {
    object(v, path)?;
    let op = match v.get("op") {
        Some(Value::Str(name)) => Op::parse(name),
        _ => Op::Unknown,
    };
    Ok(Condition {
        selector: selector(v.get("selector"), &field(path, "selector"))?,
        op,
        values: strings(v.get("values"), &field(path, "values"))?,
    })
}

fn and_conditions(v: &Value, path: &str) -> Res<Vec<Condition>> {
    each(array(Some(v), path)?, path, condition)
}

fn conditions(v: Option<&Value>, path: &str) -> Res<Option<Vec<Vec<Condition>>>> {
    match v {
        Some(v) if truthy(v) => each(array(Some(v), path)?, path, and_conditions).map(Some),
        _ => Ok(None),
    }
}

fn distribution(v: &Value, path: &str) -> Res<Distribution> {
    object(v, path)?;
    Ok(Distribution {
        variant: variant_key(v.get("variant"), &field(path, "variant"))?,
        range: range(v.get("range"), &field(path, "range"))?,
    })
}

fn allocation(v: &Value, path: &str) -> Res<Allocation> {
    object(v, path)?;
    let dists = field(path, "distributions");
    Ok(Allocation {
        range: range(v.get("range"), &field(path, "range"))?,
        distributions: each(array(v.get("distributions"), &dists)?, &dists, distribution)?,
    })
}

fn bucket(v: &Value, path: &str) -> Res<Bucket> {
    let salt = match v.get("salt") {
        None => b"undefined".to_vec(),
        Some(s) => scalar_text(s).ok_or((field(path, "salt"), STRING))?,
    };
    let allocs = field(path, "allocations");
    Ok(Bucket {
        selector: selector(v.get("selector"), &field(path, "selector"))?,
        salt,
        allocations: each(array(v.get("allocations"), &allocs)?, &allocs, allocation)?,
    })
}

fn segment(v: &Value, path: &str) -> Res<Segment> {
    object(v, path)?;
    let bucket = match v.get("bucket") {
        // Any other value selects no bucketing value, which gives the segment's variant.
        Some(b @ Value::Object(_)) => Some(bucket(b, &field(path, "bucket"))?),
        _ => None,
    };
    Ok(Segment {
        bucket,
        conditions: conditions(v.get("conditions"), &field(path, "conditions"))?,
        variant: variant_key(v.get("variant"), &field(path, "variant"))?,
        metadata: members(v.get("metadata"), &field(path, "metadata"))?,
    })
}

/// Variants must be objects (their metadata too); a falsy one counts as missing, as in the
/// reference's `if (result)`.
fn variants(v: Option<&Value>, path: &str) -> Res<Members> {
    let Some(Value::Object(variants)) = v else {
        return fail(path, OBJECT);
    };
    for (key, variant) in variants {
        let p = field(path, &String::from_utf8_lossy(key));
        if truthy(variant) {
            object(variant, &p)?;
            members(variant.get("metadata"), &field(&p, "metadata"))?;
        }
    }
    Ok(variants.clone())
}

fn dependencies(v: Option<&Value>) -> Res<Vec<Vec<u8>>> {
    match v {
        Some(v) if truthy(v) => strings(Some(v), "dependencies"),
        _ => Ok(Vec::new()),
    }
}

impl Flag {
    /// Reads a flag from its JSON object.
    pub fn parse(v: &Value) -> Result<Flag, FlagError> {
        if v.as_object().is_none() {
            return Err(FlagError::new(b"", String::new(), OBJECT));
        }
        let key = string(v.get("key").unwrap_or(&Value::Null), "key")
            .map_err(|(path, message)| FlagError::new(b"", path, message))?;
        Self::fields(v, key.clone()).map_err(|(path, message)| FlagError::new(&key, path, message))
    }

    fn fields(v: &Value, key: Vec<u8>) -> Res<Flag> {
        let segments = array(v.get("segments"), "segments")?;
        Ok(Flag {
            variants: variants(v.get("variants"), "variants")?,
            segments: each(segments, "segments", segment)?,
            dependencies: dependencies(v.get("dependencies"))?,
            metadata: members(v.get("metadata"), "metadata")?,
            key,
        })
    }

    /// The variant object for `key`; `None` when missing or falsy, which moves evaluation on to
    /// the next segment.
    pub fn variant(&self, key: &[u8]) -> Option<&Value> {
        self.variants
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| truthy(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json;

    fn parse(text: &str) -> Result<Flag, FlagError> {
        Flag::parse(&json::parse(text).unwrap())
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().message()
    }

    /// A flag `k` with one segment `segment` (JSON object members).
    fn with_segment(segment: &str) -> String {
        let mut s = String::from(r#"{"key":"k","variants":{"on":{"key":"on"}},"segments":[{"#);
        s.push_str(segment);
        s.push_str("}]}");
        s
    }

    fn with_condition(condition: &str) -> String {
        with_segment(&format!(r#""conditions":[[{{{condition}}}]]"#))
    }

    fn with_allocation(allocation: &str) -> String {
        with_segment(&format!(
            r#""bucket":{{"selector":["context","id"],"salt":"s","allocations":[{{{allocation}}}]}}"#
        ))
    }

    #[test]
    fn reads_a_complete_flag() {
        let f = parse(
            r#"{"key":"hero","metadata":{"deployed":true},"dependencies":["dep"],
            "variants":{"on":{"key":"on","payload":[1]},"off":null},
            "segments":[{"metadata":{"segmentName":"s"},"variant":"off",
              "conditions":[[{"selector":["context","user","id"],"op":"set contains any","values":["a"]},
                             {"selector":["context","x"],"op":"weird","values":[]}]],
              "bucket":{"selector":["context","id"],"salt":"xyz",
                "allocations":[{"range":[0,50],"distributions":[{"variant":"on","range":[0,42949673]}]}]}}]}"#,
        )
        .unwrap();
        assert_eq!(f.key, b"hero");
        assert_eq!(f.dependencies, [b"dep".to_vec()]);
        assert_eq!(f.metadata.len(), 1);
        assert_eq!(
            f.variant(b"on").unwrap().get("payload").unwrap().to_json(),
            "[1]"
        );
        assert_eq!(f.variant(b"off"), None);
        assert_eq!(f.variant(b"nope"), None);
        let s = &f.segments[0];
        assert_eq!(s.variant.as_deref(), Some(&b"off"[..]));
        let conditions = s.conditions.as_ref().unwrap();
        assert_eq!(conditions[0][0].op, Op::SetContainsAny);
        assert_eq!(conditions[0][0].selector, [&b"context"[..], b"user", b"id"]);
        assert_eq!(conditions[0][1].op, Op::Unknown);
        let b = s.bucket.as_ref().unwrap();
        assert_eq!(b.salt, b"xyz");
        assert_eq!(b.allocations[0].range, ["0".into(), "50".into()]);
        assert_eq!(
            b.allocations[0].distributions[0].range,
            ["0".into(), "42949673".into()]
        );
        assert_eq!(
            b.allocations[0].distributions[0].variant.as_deref(),
            Some(&b"on"[..])
        );
    }

    #[test]
    fn every_operator_name_is_known() {
        for (name, op) in OPS {
            assert_eq!(Op::parse(name), op);
        }
        assert_eq!(Op::parse(b"IS"), Op::Unknown);
        assert_eq!(Op::parse(b"is "), Op::Unknown);
        let sets = OPS.iter().filter(|(_, op)| op.is_set()).count();
        assert_eq!(sets, 6);
        assert!(!Op::Unknown.is_set());
    }

    #[test]
    fn reads_tolerated_shapes_with_the_reference_meaning() {
        // Null conditions, metadata, dependencies and bucket; a missing salt is "undefined".
        let f = parse(
            r#"{"key":"k","variants":{},"metadata":null,"dependencies":null,
            "segments":[{"conditions":null,"metadata":null,"bucket":null,"variant":null},
                        {"conditions":[],"bucket":{"selector":null,"allocations":[]},"variant":1},
                        {"conditions":"","bucket":"x"}]}"#,
        )
        .unwrap();
        assert!(f.metadata.is_empty() && f.dependencies.is_empty());
        let [a, b, c] = &f.segments[..] else { panic!() };
        assert_eq!(a.conditions, None);
        assert_eq!(a.bucket, None);
        assert_eq!(a.variant.as_deref(), Some(&b"null"[..]));
        assert_eq!(b.conditions, Some(vec![]));
        let bucket = b.bucket.as_ref().unwrap();
        assert_eq!(bucket.salt, b"undefined");
        assert!(bucket.selector.is_empty());
        assert_eq!(b.variant.as_deref(), Some(&b"1"[..]));
        assert_eq!(
            (&c.conditions, &c.bucket, &c.variant),
            (&None, &None, &None)
        );
    }

    #[test]
    fn reads_selectors_as_select_sees_them() {
        let selector = |s: &str| {
            let f = parse(&with_condition(&format!(
                r#""selector":{s},"op":"is","values":[]"#
            )));
            f.unwrap().segments[0].conditions.as_ref().unwrap()[0][0]
                .selector
                .clone()
        };
        let keys = |ks: &[&str]| ks.iter().map(|k| k.as_bytes().to_vec()).collect::<Vec<_>>();
        assert_eq!(
            selector(r#"["context",1,true]"#),
            keys(&["context", "1", "true"])
        );
        // A falsy element, a falsy or string selector: nothing is selected.
        for nothing in [
            r#"["context",0,"x"]"#,
            r#"["context",""]"#,
            r#"["a",null]"#,
            "null",
            "0",
            r#""context""#,
        ] {
            assert!(selector(nothing).is_empty(), "{nothing}");
        }
    }

    #[test]
    fn names_the_field_of_a_malformed_flag() {
        let cases: &[(String, &str)] = &[
            ("5".into(), r#"flag "": must be an object"#),
            ("{}".into(), r#"flag "": key: must be a string"#),
            (r#"{"key":7}"#.into(), r#"flag "": key: must be a string"#),
            (
                r#"{"key":"k"}"#.into(),
                r#"flag "k": segments: must be an array"#,
            ),
            (
                r#"{"key":"k","segments":[]}"#.into(),
                r#"flag "k": variants: must be an object"#,
            ),
            (
                r#"{"key":"k","segments":[],"variants":[]}"#.into(),
                r#"flag "k": variants: must be an object"#,
            ),
            (
                r#"{"key":"k","segments":[],"variants":{"on":"x"}}"#.into(),
                r#"flag "k": variants.on: must be an object"#,
            ),
            (
                r#"{"key":"k","segments":[],"variants":{"on":{"metadata":5}}}"#.into(),
                r#"flag "k": variants.on.metadata: must be an object"#,
            ),
            (
                r#"{"key":"k","segments":[],"variants":{},"metadata":"x"}"#.into(),
                r#"flag "k": metadata: must be an object"#,
            ),
            (
                r#"{"key":"k","segments":[],"variants":{},"dependencies":"a"}"#.into(),
                r#"flag "k": dependencies: must be an array"#,
            ),
            (
                r#"{"key":"k","segments":[],"variants":{},"dependencies":["a",1]}"#.into(),
                r#"flag "k": dependencies[1]: must be a string"#,
            ),
            (
                r#"{"key":"k","segments":[5],"variants":{}}"#.into(),
                r#"flag "k": segments[0]: must be an object"#,
            ),
            (
                with_segment(r#""metadata":[]"#),
                r#"flag "k": segments[0].metadata: must be an object"#,
            ),
            (
                with_segment(r#""variant":{}"#),
                r#"flag "k": segments[0].variant: must be a string"#,
            ),
            (
                with_segment(r#""conditions":"x""#),
                r#"flag "k": segments[0].conditions: must be an array"#,
            ),
            (
                with_segment(r#""conditions":{}"#),
                r#"flag "k": segments[0].conditions: must be an array"#,
            ),
            (
                with_segment(r#""conditions":[[],{}]"#),
                r#"flag "k": segments[0].conditions[1]: must be an array"#,
            ),
            (
                with_segment(r#""conditions":[[5]]"#),
                r#"flag "k": segments[0].conditions[0][0]: must be an object"#,
            ),
            (
                with_condition(r#""op":"is""#),
                r#"flag "k": segments[0].conditions[0][0].values: must be an array"#,
            ),
            (
                with_condition(r#""op":"is","values":["a",1]"#),
                r#"flag "k": segments[0].conditions[0][0].values[1]: must be a string"#,
            ),
            (
                with_condition(r#""selector":5,"values":[]"#),
                r#"flag "k": segments[0].conditions[0][0].selector: must be an array of strings"#,
            ),
            (
                with_condition(r#""selector":["context",{}],"values":[]"#),
                r#"flag "k": segments[0].conditions[0][0].selector: must be an array of strings"#,
            ),
            (
                with_segment(r#""bucket":{"salt":"s"}"#),
                r#"flag "k": segments[0].bucket.allocations: must be an array"#,
            ),
            (
                with_segment(r#""bucket":{"salt":[],"allocations":[]}"#),
                r#"flag "k": segments[0].bucket.salt: must be a string"#,
            ),
            (
                with_segment(r#""bucket":{"selector":{},"allocations":[]}"#),
                r#"flag "k": segments[0].bucket.selector: must be an array of strings"#,
            ),
            (
                with_segment(r#""bucket":{"allocations":[null]}"#),
                r#"flag "k": segments[0].bucket.allocations[0]: must be an object"#,
            ),
            (
                with_allocation(r#""distributions":[]"#),
                r#"flag "k": segments[0].bucket.allocations[0].range: must be an array of two numbers"#,
            ),
            (
                with_allocation(r#""range":[0],"distributions":[]"#),
                r#"flag "k": segments[0].bucket.allocations[0].range: must be an array of two numbers"#,
            ),
            (
                with_allocation(r#""range":["0",100],"distributions":[]"#),
                r#"flag "k": segments[0].bucket.allocations[0].range: must be an array of two numbers"#,
            ),
            (
                with_allocation(r#""range":[0,100]"#),
                r#"flag "k": segments[0].bucket.allocations[0].distributions: must be an array"#,
            ),
            (
                with_allocation(r#""range":[0,100],"distributions":[{"variant":"on"}]"#),
                r#"flag "k": segments[0].bucket.allocations[0].distributions[0].range: must be an array of two numbers"#,
            ),
            (
                with_allocation(
                    r#""range":[0,100],"distributions":[{"variant":{},"range":[0,1]}]"#,
                ),
                r#"flag "k": segments[0].bucket.allocations[0].distributions[0].variant: must be a string"#,
            ),
        ];
        for (flag, expected) in cases {
            assert_eq!(&error(flag), expected, "{flag}");
        }
    }

    #[test]
    fn names_the_segment_index_in_paths() {
        let f = r#"{"key":"hero","variants":{},"segments":[{},{"bucket":{"allocations":[{"range":null}]}}]}"#;
        let e = parse(f).unwrap_err();
        assert_eq!(e.flag_key, "hero");
        assert_eq!(e.path, "segments[1].bucket.allocations[0].range");
        assert_eq!(e.message, RANGE);
    }
}
