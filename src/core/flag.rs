//! Flags as the flag API serves them: checked once, then read in place.
//!
//! [`Flag::parse`] checks a whole flag up front, so every shape the reference engine would throw
//! on (a missing `segments`, a non-string condition value, …) becomes one [`FlagError`] for that
//! flag, and one bad flag cannot break the others. Evaluation then reads the flag's JSON in place
//! through the borrowed views here ([`Flag`], [`Segment`], [`Bucket`], [`Condition`]): nothing is
//! copied, which keeps both the wasm and the work small. Shapes the reference tolerates are read
//! with its meaning (a null `conditions` matches everyone, a null `metadata` is empty, …).

use super::json::{push_usize, Value};
use crate::prelude::*;

/// Object members in order, as [`Value::Object`] holds them.
pub type Members = [(Vec<u8>, Value)];

/// The reference's operators, spelled as in flag JSON.
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
    /// An error for the flag `key` at `path` (WTF-8 both, as flag JSON spells them).
    pub fn new(key: &[u8], path: &[u8], message: &'static str) -> Self {
        FlagError {
            flag_key: crate::core::json::message_text(key),
            path: crate::core::json::message_text(path),
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

/// `String(v)` of a scalar, which is also the property key JavaScript looks up with it; `None`
/// for arrays and objects. Number text is taken as is: the input is `JSON.stringify` output,
/// whose numbers are canonical.
pub(crate) fn scalar_text(v: &Value) -> Option<&[u8]> {
    Some(match v {
        Value::Null => b"null",
        Value::Bool(true) => b"true",
        Value::Bool(false) => b"false",
        Value::Number(n) => n.as_bytes(),
        Value::Str(s) => s,
        Value::Array(_) | Value::Object(_) => return None,
    })
}

/// The bytes of a string value; empty for anything else (checked flags hold strings where this
/// is used).
pub(crate) fn text(v: &Value) -> &[u8] {
    match v {
        Value::Str(s) => s,
        _ => &[],
    }
}

/// An array's elements; empty for anything else, which a checked flag only has where the
/// reference reads nothing.
pub(crate) fn items(v: Option<&Value>) -> &[Value] {
    match v {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// An object's members; empty for anything else (null or missing is empty, as `Object.assign`
/// treats it).
pub(crate) fn members(v: Option<&Value>) -> &Members {
    match v {
        Some(Value::Object(members)) => members,
        _ => &[],
    }
}

/// `object[key]` for a parsed object (the last duplicate wins, as with `JSON.parse`).
pub(crate) fn member<'a>(members: &'a Members, key: &[u8]) -> Option<&'a Value> {
    members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// A variant key (`variant`), as the property key JavaScript would look it up with; `None` when
/// missing (or, in a flag that failed its check, not a scalar).
pub(crate) fn variant_key(v: Option<&Value>) -> Option<&[u8]> {
    v.and_then(scalar_text)
}

/// A selector as `select` sees it: its keys, or nothing at all when it is not an array or holds a
/// falsy element (a string selector's characters are never keys of `{context, result}`).
/// `None`, a malformed flag, when it holds an array or object before any falsy element, or is a
/// truthy boolean, number or object.
fn selector(v: Option<&Value>) -> Option<&[Value]> {
    match v {
        Some(Value::Array(keys)) => {
            for key in keys {
                if !truthy(key) {
                    return Some(&[]);
                }
                scalar_text(key)?;
            }
            Some(keys)
        }
        Some(v @ (Value::Bool(_) | Value::Number(_) | Value::Object(_))) if truthy(v) => None,
        _ => Some(&[]),
    }
}

/// A `range`'s `[start, end)` as number text (converted with the host's exact `Number()` when
/// bucketing); `None` unless it starts with two numbers.
pub(crate) fn range(v: &Value) -> Option<[&str; 2]> {
    match v.get("range") {
        Some(Value::Array(r)) => match &r[..] {
            [Value::Number(start), Value::Number(end), ..] => Some([start, end]),
            _ => None,
        },
        _ => None,
    }
}

/// One flag, read in place from its checked JSON object.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Flag<'a> {
    /// The key results are reported under and dependencies refer to.
    pub key: &'a [u8],
    /// Variant key → the whole variant object, so fields we do not know reach the result.
    pub variants: &'a Members,
    /// Tried in order (each read with [`Segment::read`]); the first that yields a variant wins.
    pub segments: &'a [Value],
    /// Keys (strings) of flags whose results this flag's conditions read (`["result", key, …]`).
    pub dependencies: &'a [Value],
    /// Merged under the segment's and the variant's metadata in the result.
    pub metadata: &'a Members,
}

/// A group of users (by conditions) and how they are split between variants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment<'a> {
    /// How users are split; `None` gives everyone [`Segment::variant`].
    pub bucket: Option<Bucket<'a>>,
    /// OR of ANDs (arrays of conditions, each read with [`Condition::read`]); `None` (falsy)
    /// matches everyone, an empty list no one.
    pub conditions: Option<&'a [Value]>,
    /// The variant key when bucketing does not decide, as JavaScript would spell the property
    /// key (`null` is `"null"`); `None` when missing, which makes the segment yield nothing.
    pub variant: Option<&'a [u8]>,
    /// Merged between the flag's and the variant's metadata in the result.
    pub metadata: &'a Members,
}

/// Deterministic split of users by the hash of a selected value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket<'a> {
    /// Keys of the value users are bucketed by (empty: select nothing).
    pub selector: &'a [Value],
    /// Prefix of the hashed text, as a JavaScript template literal writes it.
    pub salt: &'a [u8],
    /// Tried in order against `hash % 100`: objects with a `range` and `distributions`, tried
    /// in order against `floor(hash / 100)`: objects with a `range` and a `variant`.
    pub allocations: &'a [Value],
}

/// One test of a selected value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Condition<'a> {
    /// Keys of the value in `{context, result}` (empty: select nothing).
    pub selector: &'a [Value],
    /// The comparison.
    pub op: Op,
    /// What the selected value is compared with (strings).
    pub values: &'a [Value],
}

impl<'a> Segment<'a> {
    /// Reads a segment of a checked flag.
    pub fn read(v: &'a Value) -> Self {
        let bucket = match v.get("bucket") {
            // Any other value selects no bucketing value, which gives the segment's variant.
            Some(b @ Value::Object(_)) => Some(Bucket {
                selector: selector(b.get("selector")).unwrap_or_default(),
                salt: b
                    .get("salt")
                    .map_or(&b"undefined"[..], |s| scalar_text(s).unwrap_or_default()),
                allocations: items(b.get("allocations")),
            }),
            _ => None,
        };
        Segment {
            bucket,
            conditions: v
                .get("conditions")
                .filter(|c| truthy(c))
                .map(|c| items(Some(c))),
            variant: variant_key(v.get("variant")),
            metadata: members(v.get("metadata")),
        }
    }
}

impl<'a> Condition<'a> {
    /// Reads a condition of a checked flag.
    pub fn read(v: &'a Value) -> Self {
        Condition {
            selector: selector(v.get("selector")).unwrap_or_default(),
            op: Op::parse(text(v.get("op").unwrap_or(&Value::Null))),
            values: items(v.get("values")),
        }
    }
}

impl<'a> Flag<'a> {
    /// Checks a flag's JSON object and reads it.
    pub fn parse(v: &'a Value) -> Result<Flag<'a>, FlagError> {
        let (mut key, mut path) = (&[][..], Path::default());
        check_flag(v, &mut key, &mut path)
            .map_err(|message| FlagError::new(key, &path.0, message))?;
        Ok(Flag {
            key,
            variants: members(v.get("variants")),
            segments: items(v.get("segments")),
            dependencies: items(v.get("dependencies")),
            metadata: members(v.get("metadata")),
        })
    }

    /// The variant object for `key`; `None` when missing or falsy, which moves evaluation on to
    /// the next segment.
    pub fn variant(&self, key: &[u8]) -> Option<&'a Value> {
        member(self.variants, key).filter(|v| truthy(v))
    }
}

const OBJECT: &str = "must be an object";
const STRING: &str = "must be a string";
const ARRAY: &str = "must be an array";
const RANGE: &str = "must be an array of two numbers";
const SELECTOR: &str = "must be an array of strings";

/// What is wrong where the [`Path`] points.
pub(crate) type Check = Result<(), &'static str>;

/// A place in a flag (`segments[1].bucket`), as [`FlagError::path`] spells it, in bytes
/// (member names are keys of the flag JSON). A failed check returns at once, leaving the path at
/// the problem, so the path costs nothing until there is an error to report.
#[derive(Default)]
pub(crate) struct Path(pub(crate) Vec<u8>);

impl Path {
    /// Enters member `name`; returns the length to truncate to when leaving it.
    pub(crate) fn enter(&mut self, name: &[u8]) -> usize {
        let len = self.0.len();
        if len > 0 {
            self.0.push(b'.');
        }
        self.0.extend_from_slice(name);
        len
    }

    /// Enters element `i`; returns the length to truncate to when leaving it.
    pub(crate) fn index(&mut self, i: usize) -> usize {
        let len = self.0.len();
        let mut digits = String::new();
        push_usize(&mut digits, i);
        self.0.push(b'[');
        self.0.extend_from_slice(digits.as_bytes());
        self.0.push(b']');
        len
    }

    /// The outcome of checking member `name`, which has nothing nested to point into: the path
    /// only enters it to report a problem.
    fn field(&mut self, name: &[u8], check: Check) -> Check {
        if check.is_err() {
            self.enter(name);
        }
        check
    }

    /// Checks that member `name` is an array, then each element with `check`.
    pub(crate) fn list(
        &mut self,
        name: &[u8],
        v: Option<&Value>,
        check: fn(&Value, &mut Path) -> Check,
    ) -> Check {
        let len = self.enter(name);
        self.elements(v, check)?;
        self.0.truncate(len);
        Ok(())
    }

    /// Checks that `v` is an array, then each element with `check`, the path pointing at it.
    fn elements(&mut self, v: Option<&Value>, check: fn(&Value, &mut Path) -> Check) -> Check {
        let Some(Value::Array(items)) = v else {
            return Err(ARRAY);
        };
        for (i, item) in items.iter().enumerate() {
            let len = self.index(i);
            check(item, self)?;
            self.0.truncate(len);
        }
        Ok(())
    }
}

fn object(v: &Value) -> Check {
    match v {
        Value::Object(_) => Ok(()),
        _ => Err(OBJECT),
    }
}

/// A string (the path is unused: a list element check, see [`Path::list`]).
fn string(v: &Value, _: &mut Path) -> Check {
    match v {
        Value::Str(_) => Ok(()),
        _ => Err(STRING),
    }
}

/// An object, or null or missing (read as empty).
fn optional_object(v: Option<&Value>) -> Check {
    match v {
        None | Some(Value::Null) => Ok(()),
        Some(v) => object(v),
    }
}

/// A scalar (a variant key or salt), or missing.
fn optional_scalar(v: Option<&Value>) -> Check {
    match v.map(scalar_text) {
        Some(None) => Err(STRING),
        _ => Ok(()),
    }
}

/// `v.range`: see [`range`].
fn check_range(v: &Value) -> Check {
    range(v).map(drop).ok_or(RANGE)
}

/// A selector: see [`selector`].
fn check_selector(v: Option<&Value>) -> Check {
    selector(v).map(drop).ok_or(SELECTOR)
}

/// What [`Condition::read`] reads.
fn check_condition(v: &Value, p: &mut Path) -> Check {
    object(v)?;
    p.field(b"selector", check_selector(v.get("selector")))?;
    p.list(b"values", v.get("values"), string)
}

/// An element of `conditions`: conditions that must all match.
pub(crate) fn check_and(v: &Value, p: &mut Path) -> Check {
    p.elements(Some(v), check_condition)
}

/// An element of an allocation's `distributions`.
fn check_distribution(v: &Value, p: &mut Path) -> Check {
    object(v)?;
    p.field(b"variant", optional_scalar(v.get("variant")))?;
    p.field(b"range", check_range(v))
}

/// An element of a bucket's `allocations`.
fn check_allocation(v: &Value, p: &mut Path) -> Check {
    object(v)?;
    p.field(b"range", check_range(v))?;
    p.list(b"distributions", v.get("distributions"), check_distribution)
}

/// What [`Segment::read`] reads.
fn check_segment(v: &Value, p: &mut Path) -> Check {
    object(v)?;
    if let Some(b @ Value::Object(_)) = v.get("bucket") {
        let len = p.enter(b"bucket");
        p.field(b"salt", optional_scalar(b.get("salt")))?;
        p.field(b"selector", check_selector(b.get("selector")))?;
        p.list(b"allocations", b.get("allocations"), check_allocation)?;
        p.0.truncate(len);
    }
    match v.get("conditions") {
        Some(c) if truthy(c) => p.list(b"conditions", Some(c), check_and)?,
        _ => {}
    }
    p.field(b"variant", optional_scalar(v.get("variant")))?;
    p.field(b"metadata", optional_object(v.get("metadata")))
}

/// Checks everything evaluation reads, in the order the fields have always been checked in (so
/// the problem reported first stays the same), and reads the key (a problem found before it has
/// no key to report).
fn check_flag<'a>(v: &'a Value, key: &mut &'a [u8], p: &mut Path) -> Check {
    object(v)?;
    let Some(Value::Str(k)) = v.get("key") else {
        return p.field(b"key", Err(STRING));
    };
    *key = k;
    let segments = v.get("segments");
    let array = segments.and_then(Value::as_array).map(drop);
    p.field(b"segments", array.ok_or(ARRAY))?;
    // Variants must be objects (their metadata too); a falsy one counts as missing, as in the
    // reference's `if (result)`.
    let Some(Value::Object(variants)) = v.get("variants") else {
        return p.field(b"variants", Err(OBJECT));
    };
    for (key, variant) in variants {
        if truthy(variant) {
            let len = p.enter(b"variants");
            p.enter(key);
            object(variant)?;
            p.field(b"metadata", optional_object(variant.get("metadata")))?;
            p.0.truncate(len);
        }
    }
    p.list(b"segments", segments, check_segment)?;
    match v.get("dependencies") {
        Some(d) if truthy(d) => p.list(b"dependencies", Some(d), string)?,
        _ => {}
    }
    p.field(b"metadata", optional_object(v.get("metadata")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json;

    /// Flags borrow their JSON; a test's JSON lives as long as the test run.
    fn parse(text: &str) -> Result<Flag<'static>, FlagError> {
        Flag::parse(Box::leak(Box::new(json::parse(text).unwrap())))
    }

    /// The segments as evaluation reads them.
    fn segments<'a>(f: &Flag<'a>) -> Vec<Segment<'a>> {
        f.segments.iter().map(Segment::read).collect()
    }

    /// A segment's conditions (OR of ANDs) as evaluation reads them.
    fn conditions<'a>(s: &Segment<'a>) -> Option<Vec<Vec<Condition<'a>>>> {
        let and = |ands: &'a Value| items(Some(ands)).iter().map(Condition::read).collect();
        s.conditions.map(|ors| ors.iter().map(and).collect())
    }

    /// A selector's keys, as `select` looks them up.
    fn keys(selector: &[Value]) -> Vec<&[u8]> {
        selector.iter().filter_map(scalar_text).collect()
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
        assert_eq!(f.dependencies, [Value::string("dep")]);
        assert_eq!(f.metadata.len(), 1);
        assert_eq!(
            f.variant(b"on").unwrap().get("payload").unwrap().to_json(),
            "[1]"
        );
        assert_eq!(f.variant(b"off"), None);
        assert_eq!(f.variant(b"nope"), None);
        let s = &segments(&f)[0];
        assert_eq!(s.variant, Some(&b"off"[..]));
        let conditions = conditions(s).unwrap();
        assert_eq!(conditions[0][0].op, Op::SetContainsAny);
        assert_eq!(
            keys(conditions[0][0].selector),
            [&b"context"[..], b"user", b"id"]
        );
        assert_eq!(conditions[0][1].op, Op::Unknown);
        let b = s.bucket.as_ref().unwrap();
        assert_eq!(b.salt, b"xyz");
        assert_eq!(range(&b.allocations[0]), Some(["0", "50"]));
        let distribution = &items(b.allocations[0].get("distributions"))[0];
        assert_eq!(range(distribution), Some(["0", "42949673"]));
        assert_eq!(variant_key(distribution.get("variant")), Some(&b"on"[..]));
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
        let [a, b, c] = &segments(&f)[..] else {
            panic!()
        };
        assert_eq!(conditions(a), None);
        assert_eq!(a.bucket, None);
        assert_eq!(a.variant, Some(&b"null"[..]));
        assert_eq!(conditions(b), Some(vec![]));
        let bucket = b.bucket.as_ref().unwrap();
        assert_eq!(bucket.salt, b"undefined");
        assert!(bucket.selector.is_empty());
        assert_eq!(b.variant, Some(&b"1"[..]));
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
            keys(conditions(&segments(&f.unwrap())[0]).unwrap()[0][0].selector)
        };
        assert_eq!(
            selector(r#"["context",1,true]"#),
            [&b"context"[..], b"1", b"true"]
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
