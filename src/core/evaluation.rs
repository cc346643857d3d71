//! Flag evaluation, bit-exact with the reference JavaScript engine (`@amplitude/experiment-core`
//! 0.13.6 `EvaluationEngine`), including its coercions and quirks, so a user gets the same
//! variant here as from Amplitude's own SDKs.
//!
//! Flags are read in place (see [`super::flag`]); only results are built.

use super::flag::{
    items, member, members, range, scalar_text, text, variant_key, Condition, Flag, FlagError,
    Members, Op, Path, Segment,
};
use super::json::{self, push_usize, Value};
use super::murmur3::murmur3_x86_32;
use super::semver::SemanticVersion;
use super::{js, Host};
use crate::prelude::*;
use core::cmp::Ordering;

/// The outcome of evaluating a set of flags.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    /// Flag key → variant (with merged `metadata`), in JavaScript property order.
    pub results: Vec<(Vec<u8>, Value)>,
    /// One entry per flag that could not be evaluated; the other flags still were.
    pub errors: Vec<FlagError>,
}

impl Evaluation {
    /// The results as the JSON object the reference's `evaluate` returns, for handing to
    /// JavaScript.
    pub fn results_json(&self) -> String {
        Value::Object(self.results.clone()).to_json()
    }
}

const CYCLE: &str = "is part of a dependency cycle";
const REPLACED: &str = "is listed again further on; the last flag with this key is used";
const BAD_REGEX: &str = "invalid regular expression";

/// Evaluates `flags` for `context` in dependency order (the SDK's `topologicalSort`), each
/// flag seeing the results of those evaluated before it under `result`.
pub fn evaluate<H: Host>(host: &H, context: &Value, flags: &[Value]) -> Evaluation {
    run(host, context, flags, true)
}

/// Evaluates `flags` for `context` in the order given, each flag seeing the results of those
/// before it under `result`, exactly as `EvaluationEngine.evaluate` does (CONTRACT section 3):
/// a flag listed before one it depends on does not see its result, and a later flag with the
/// same key replaces an earlier one's result only when it gives a variant. The runtime uses
/// [`evaluate`] instead, which orders them first as the SDK does.
pub fn evaluate_in_order<H: Host>(host: &H, context: &Value, flags: &[Value]) -> Evaluation {
    run(host, context, flags, false)
}

/// [`evaluate`] (`sorted`) or [`evaluate_in_order`]: one body, so the wasm has one copy.
fn run<H: Host>(host: &H, context: &Value, flags: &[Value], sorted: bool) -> Evaluation {
    // A plain loop: `collect` into this type costs more wasm (measured).
    let mut read = Vec::with_capacity(flags.len());
    for flag in flags {
        read.push(Flag::parse(flag));
    }
    let flags = read;
    let mut walk = Walk {
        host,
        context,
        flags: &flags,
        low: vec![0; flags.len()],
        next: 1,
        stack: Vec::new(),
        // An object from the start, so that `select` steps into it like into the context.
        results: Value::Object(Vec::new()),
        errors: Vec::new(),
    };
    for (i, flag) in flags.iter().enumerate() {
        if sorted {
            // Like the SDK's flag map, a key stands for the last flag with that key, evaluated
            // at the first one's place.
            let key = flag.as_ref().ok().map(|f| f.key);
            let last = key.and_then(|k| find(&flags, k)).unwrap_or(i);
            // (Said once per key: at its first flag.)
            if let (Some(key), true) = (key, last != i) {
                if find(&flags[..i], key).is_none() {
                    walk.errors.push(FlagError::new(key, b"", REPLACED));
                }
            }
            walk.visit(last);
        } else {
            walk.evaluate(i, false);
        }
    }
    let results = match walk.results {
        Value::Object(members) => members,
        _ => Vec::new(),
    };
    Evaluation {
        results,
        errors: walk.errors,
    }
}

/// The flag a key refers to: the last readable one with that key.
fn find(flags: &[Result<Flag, FlagError>], key: &[u8]) -> Option<usize> {
    flags
        .iter()
        .rposition(|f| f.as_ref().is_ok_and(|f| f.key == key))
}

/// A depth-first walk over dependencies that evaluates each flag after the flags it depends on
/// (otherwise in the given order). It is Tarjan's strongly connected components algorithm, so
/// it also finds every flag that is part of a cycle, even one the walk enters from the side:
/// those fail instead of being evaluated.
struct Walk<'w, 'a, H> {
    host: &'w H,
    context: &'w Value,
    flags: &'w [Result<Flag<'a>, FlagError>],
    /// Per flag: 0 when not visited yet, the lowest visit number it reaches while it is on
    /// `stack`, `usize::MAX` once evaluated (so it no longer lowers anything).
    low: Vec<usize>,
    /// Visit numbers are handed out from 1.
    next: usize,
    /// Visited flags not evaluated yet, in visit order.
    stack: Vec<usize>,
    /// The results object so far.
    results: Value,
    errors: Vec<FlagError>,
}

impl<H: Host> Walk<'_, '_, H> {
    fn visit(&mut self, v: usize) {
        if self.low[v] != 0 {
            return;
        }
        let index = self.next;
        self.next += 1;
        self.low[v] = index;
        // Only flags visited from `v` are pushed above it before it is done, so this stays its
        // place on the stack.
        let at = self.stack.len();
        self.stack.push(v);
        let mut self_loop = false;
        if let Ok(flag) = &self.flags[v] {
            for dep in flag.dependencies {
                // A missing dependency is skipped, as the reference does.
                let Some(w) = find(self.flags, text(dep)) else {
                    continue;
                };
                self.visit(w);
                self.low[v] = self.low[v].min(self.low[w]);
                self_loop |= w == v;
            }
        }
        if self.low[v] == index {
            // `v` and the flags above it on the stack are a strongly connected component.
            let cyclic = self_loop || self.stack.len() - at > 1;
            for k in at..self.stack.len() {
                let w = self.stack[k];
                self.low[w] = usize::MAX;
                self.evaluate(w, cyclic);
            }
            self.stack.truncate(at);
        }
    }

    /// Evaluates flag `i` into the results, or reports why it cannot be.
    fn evaluate(&mut self, i: usize, cyclic: bool) {
        let flag = match &self.flags[i] {
            Err(e) => return self.errors.push(e.clone()),
            Ok(flag) if cyclic => {
                let e = FlagError::new(flag.key, b"dependencies", CYCLE);
                return self.errors.push(e);
            }
            Ok(flag) => flag,
        };
        match evaluate_flag(self.host, self.context, &self.results, flag) {
            Ok(Some(variant)) => {
                if let Value::Object(results) = &mut self.results {
                    set(results, flag.key.to_vec(), variant);
                }
            }
            Ok(None) => {}
            Err(e) => self.errors.push(e),
        }
    }
}

/// The JavaScript array index a property key denotes, if any (`"0"`, `"17"`, not `"01"`).
fn array_index(key: &[u8]) -> Option<u32> {
    let canonical = key == b"0" || (key.first().is_some_and(|&c| c != b'0') && key.len() <= 10);
    if !canonical || !key.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = key.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
    u32::try_from(n).ok().filter(|&n| n != u32::MAX)
}

/// `object[key] = value` keeping JavaScript's property order: an existing key keeps its place,
/// array-index keys come first in ascending order, other keys in insertion order.
fn set(members: &mut Vec<(Vec<u8>, Value)>, key: Vec<u8>, value: Value) {
    if let Some(m) = members.iter_mut().find(|(k, _)| *k == key) {
        m.1 = value;
        return;
    }
    let at = match array_index(&key) {
        Some(n) => members
            .iter()
            .position(|(k, _)| array_index(k).is_none_or(|m| m > n))
            .unwrap_or(members.len()),
        None => members.len(),
    };
    members.insert(at, (key, value));
}

/// The reference's `select` on `{context, result}` (`results` is an object): `None` for
/// undefined and null. An array's `length` is stored nowhere, so it is written to `length` and
/// selected from there.
fn select<'a>(
    context: &'a Value,
    results: &'a Value,
    selector: &[Value],
    length: &'a mut Value,
) -> Option<&'a Value> {
    let (first, rest) = selector.split_first()?;
    let mut v = match scalar_text(first)? {
        b"context" => context,
        b"result" => results,
        _ => return None,
    };
    for (i, key) in rest.iter().enumerate() {
        let key = scalar_text(key)?;
        v = match v {
            Value::Object(members) => member(members, key)?,
            // Stepping into a number gives undefined, so only the last step can be `length`.
            Value::Array(items) if key == b"length" && i + 1 == rest.len() => {
                let mut n = String::new();
                push_usize(&mut n, items.len());
                *length = Value::Number(n.into());
                return Some(length);
            }
            Value::Array(items) => items.get(array_index(key)? as usize)?,
            _ => return None,
        };
    }
    (!v.is_null()).then_some(v)
}

/// Appends `coerceString` of a value that is not null: JSON text for objects and arrays,
/// `String(v)` for scalars.
fn push_coerced(out: &mut Vec<u8>, v: &Value) {
    match scalar_text(v) {
        Some(text) => out.extend_from_slice(text),
        None => json::write(out, v),
    }
}

/// `coerceString` of a value that is not null.
fn coerce_string(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    push_coerced(&mut out, v);
    out
}

/// `JSON.parse` of a JavaScript string. Lone surrogates become `\u` escapes first (our parser
/// reads UTF-8), except right after an escaping backslash, where `JSON.parse` throws.
fn parse_json(s: &[u8]) -> Option<Value> {
    let mut text = Vec::with_capacity(s.len());
    // Whether the last byte copied is a backslash that escapes the next character.
    let mut escaping = false;
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        if let [0xED, b1 @ 0xA0..=0xFF, b2, ..] = s[i..] {
            if escaping {
                return None;
            }
            let cp = 0xD000 | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F);
            text.extend_from_slice(b"\\u");
            for shift in [12, 8, 4, 0] {
                text.push(b"0123456789abcdef"[((cp >> shift) & 15) as usize]);
            }
            i += 3;
        } else {
            escaping = c == b'\\' && !escaping;
            text.push(c);
            i += 1;
        }
    }
    json::parse(core::str::from_utf8(&text).ok()?).ok()
}

/// Rewrites a value produced by `JSON.parse` as `String()`/`JSON.stringify` would see it:
/// numbers as `String(n)` (`null` inside containers when not finite), object keys in
/// JavaScript property order without duplicates. In place: the value is ours to change.
fn canonicalize<H: Host>(host: &H, v: &mut Value, nested: bool) {
    match v {
        Value::Number(text) => {
            let n = js::number(host, text.as_bytes());
            *v = if nested && !n.is_finite() {
                Value::Null
            } else {
                Value::Number(host.number_to_string(n).into())
            };
        }
        Value::Array(items) => {
            for e in items {
                canonicalize(host, e, true);
            }
        }
        Value::Object(members) => {
            let mut ordered = Vec::new();
            for (k, mut e) in core::mem::take(members) {
                canonicalize(host, &mut e, true);
                set(&mut ordered, k, e);
            }
            *members = ordered;
        }
        _ => {}
    }
}

/// `coerceStringArray`: arrays, or strings holding a JSON array, as their elements'
/// `coerceString`, dropping null and empty strings (`.filter(Boolean)`). The strings are
/// [`Value::Str`]s, like condition values, so both go through the same comparisons.
fn coerce_string_array<H: Host>(host: &H, v: &Value) -> Option<Vec<Value>> {
    let mut parsed;
    let elements = match v {
        Value::Array(items) => items,
        Value::Str(s) if s.first() == Some(&b'[') => {
            parsed = parse_json(s)?;
            let Value::Array(items) = &mut parsed else {
                return None;
            };
            for e in items.iter_mut() {
                canonicalize(host, e, false);
            }
            items
        }
        _ => return None,
    };
    let mut strings = Vec::new();
    for e in elements {
        if !e.is_null() {
            let s = coerce_string(e);
            if !s.is_empty() {
                strings.push(Value::Str(s));
            }
        }
    }
    Some(strings)
}

fn contains_none(values: &[Value]) -> bool {
    values.iter().any(|v| text(v) == b"(none)")
}

/// `matchNull`: how a condition treats an undefined or null value.
fn match_null(op: Op, values: &[Value]) -> bool {
    use Op::*;
    match op {
        Is
        | Contains
        | Less
        | LessOrEqual
        | Greater
        | GreaterOrEqual
        | VersionLess
        | VersionLessOrEqual
        | VersionGreater
        | VersionGreaterOrEqual
        | SetIs
        | SetContains
        | SetContainsAny => contains_none(values),
        IsNot | DoesNotContain | SetDoesNotContain | SetDoesNotContainAny => !contains_none(values),
        _ => false,
    }
}

/// `s.toLowerCase()` is `"true"` or `"false"`; no non-ASCII character lowercases to ASCII
/// letters of these words, so ASCII case folding is exact.
fn is_boolean(s: &[u8]) -> bool {
    s.eq_ignore_ascii_case(b"true") || s.eq_ignore_ascii_case(b"false")
}

/// `matchesIs`: equality, case-insensitive for booleans when some value is a boolean.
fn matches_is(prop: &[u8], values: &[Value]) -> bool {
    let booleans = is_boolean(prop) && values.iter().any(|v| is_boolean(text(v)));
    values.iter().any(|v| {
        if booleans {
            text(v).eq_ignore_ascii_case(prop)
        } else {
            text(v) == prop
        }
    })
}

fn matches_contains<H: Host>(host: &H, prop: &[u8], values: &[Value]) -> bool {
    let prop = js::to_lower(host, prop);
    values
        .iter()
        .any(|v| js::includes(&prop, &js::to_lower(host, text(v))))
}

/// The reference's `comparator` applied to an ordering (`None` for NaN: always false).
fn compare(op: Op, ord: Option<Ordering>) -> bool {
    use Op::*;
    let Some(ord) = ord else { return false };
    match op {
        Less | VersionLess => ord.is_lt(),
        LessOrEqual | VersionLessOrEqual => ord.is_le(),
        Greater | VersionGreater => ord.is_gt(),
        GreaterOrEqual | VersionGreaterOrEqual => ord.is_ge(),
        _ => false,
    }
}

/// `matchesComparable` with `Number()`: it never yields undefined, so the string fallback
/// only happens with no values, where it is false.
fn matches_number<H: Host>(host: &H, prop: &[u8], op: Op, values: &[Value]) -> bool {
    let p = js::number(host, prop);
    values
        .iter()
        .any(|v| compare(op, p.partial_cmp(&js::number(host, text(v)))))
}

/// `matchesComparable` with versions: string comparison unless both sides parse.
fn matches_version<H: Host>(host: &H, prop: &[u8], op: Op, values: &[Value]) -> bool {
    let p = SemanticVersion::parse(host, prop);
    let (mut parsed, mut matched) = (false, false);
    for v in values {
        if let Some(v) = SemanticVersion::parse(host, text(v)) {
            parsed = true;
            matched |= p
                .as_ref()
                .is_some_and(|p| compare(op, Some(p.compare_to(&v))));
        }
    }
    if p.is_some() && parsed {
        return matched;
    }
    values
        .iter()
        .any(|v| compare(op, Some(js::cmp_utf16(prop, text(v)))))
}

/// `matchesRegex`; `Err(i)` when `values[i]` is not a valid pattern (the reference throws).
fn matches_regex<H: Host>(host: &H, prop: &[u8], values: &[Value]) -> Result<bool, usize> {
    for (i, v) in values.iter().enumerate() {
        if host.regex_exec(text(v), prop).ok_or(i)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `matchString`.
fn match_string<H: Host>(host: &H, prop: &[u8], op: Op, values: &[Value]) -> Result<bool, usize> {
    use Op::*;
    Ok(match op {
        Is => matches_is(prop, values),
        IsNot => !matches_is(prop, values),
        Contains => matches_contains(host, prop, values),
        DoesNotContain => !matches_contains(host, prop, values),
        Less | LessOrEqual | Greater | GreaterOrEqual => matches_number(host, prop, op, values),
        VersionLess | VersionLessOrEqual | VersionGreater | VersionGreaterOrEqual => {
            matches_version(host, prop, op, values)
        }
        RegexMatch => matches_regex(host, prop, values)?,
        RegexDoesNotMatch => !matches_regex(host, prop, values)?,
        _ => false,
    })
}

/// `new Set(xs).size`.
fn distinct(xs: &[Value]) -> usize {
    let mut n = 0;
    for (i, x) in xs.iter().enumerate() {
        n += usize::from(!xs[..i].contains(x));
    }
    n
}

fn set_equals(xs: &[Value], ys: &[Value]) -> bool {
    distinct(xs) == distinct(ys) && ys.iter().all(|y| xs.contains(y))
}

/// `matchesSetContainsAll`, including its raw length check and swapped `matchesIs`.
fn contains_all(props: &[Value], values: &[Value]) -> bool {
    props.len() >= values.len() && values.iter().all(|v| matches_is(text(v), props))
}

fn contains_any(props: &[Value], values: &[Value]) -> bool {
    values.iter().any(|v| matches_is(text(v), props))
}

/// `matchSet`.
fn match_set(props: &[Value], op: Op, values: &[Value]) -> bool {
    use Op::*;
    match op {
        SetIs => set_equals(props, values),
        SetIsNot => !set_equals(props, values),
        SetContains => contains_all(props, values),
        SetDoesNotContain => !contains_all(props, values),
        SetContainsAny => contains_any(props, values),
        SetDoesNotContainAny => !contains_any(props, values),
        _ => false,
    }
}

/// `matchCondition`; `Err(i)` names an invalid regular expression in `values`.
fn match_condition<H: Host>(
    host: &H,
    context: &Value,
    results: &Value,
    c: &Condition,
) -> Result<bool, usize> {
    let mut length = Value::Null;
    let Some(prop) = select(context, results, c.selector, &mut length) else {
        return Ok(match_null(c.op, c.values));
    };
    let list = coerce_string_array(host, prop);
    if c.op.is_set() {
        return Ok(list.is_some_and(|l| match_set(&l, c.op, c.values)));
    }
    let Some(list) = list else {
        return match_string(host, &coerce_string(prop), c.op, c.values);
    };
    // `matchStringsNonSet`.
    for s in &list {
        if match_string(host, text(s), c.op, c.values)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `evaluateConditions` (OR of ANDs); `Err` locates an invalid regular expression as
/// `(or index, and index, value index)`.
fn match_conditions<H: Host>(
    host: &H,
    context: &Value,
    results: &Value,
    ors: &[Value],
) -> Result<bool, (usize, usize, usize)> {
    'or: for (i, ands) in ors.iter().enumerate() {
        for (j, c) in items(Some(ands)).iter().enumerate() {
            let c = Condition::read(c);
            if !match_condition(host, context, results, &c).map_err(|k| (i, j, k))? {
                continue 'or;
            }
        }
        return Ok(true);
    }
    Ok(false)
}

/// Whether a page's `conditions` (OR of ANDs, checked with `flag::check_and`) match
/// `context`, by the rules of segment conditions; `None` when one of its regular expressions is
/// invalid (`None`). `["result", ...]` selectors select nothing here.
pub fn match_page_conditions<H: Host>(host: &H, context: &Value, ors: &[Value]) -> Option<bool> {
    match_conditions(host, context, &Value::Null, ors).ok()
}

/// Whether `x` is in the `[start, end)` of an allocation or distribution object.
fn in_range<H: Host>(host: &H, v: &Value, x: f64) -> bool {
    range(v).is_some_and(|[start, end]| {
        js::number(host, start.as_bytes()) <= x && x < js::number(host, end.as_bytes())
    })
}

/// The reference's `bucket`: the variant key for the target, `None` for undefined.
fn bucket<'s, H: Host>(
    host: &H,
    context: &Value,
    results: &Value,
    segment: &Segment<'s>,
) -> Option<&'s [u8]> {
    let default = segment.variant;
    let Some(b) = segment.bucket else {
        return default;
    };
    let mut length = Value::Null;
    let Some(value) = select(context, results, b.selector, &mut length) else {
        return default;
    };
    // The reference hashes `${salt}/${value}`, and only a value that is not empty.
    let mut key = b.salt.to_vec();
    key.push(b'/');
    let prefix = key.len();
    push_coerced(&mut key, value);
    if key.len() == prefix {
        return default;
    }
    let hash = murmur3_x86_32(&key, 0);
    let (allocation, distribution) = (f64::from(hash % 100), f64::from(hash / 100));
    for a in b.allocations {
        if in_range(host, a, allocation) {
            for d in items(a.get("distributions")) {
                if in_range(host, d, distribution) {
                    return variant_key(d.get("variant"));
                }
            }
        }
    }
    default
}

/// `Object.assign(into, from)` for parsed objects.
fn assign(into: &mut Vec<(Vec<u8>, Value)>, from: &Members) {
    for (k, v) in from {
        set(into, k.clone(), v.clone());
    }
}

/// The variant with metadata merged as `Object.assign({}, ...layers, variant.metadata)`: the
/// flag's and segment's for an evaluated variant, the flag's for a forced one (the runtime).
pub fn with_metadata(layers: &[&Members], variant: &Value) -> Value {
    let mut metadata = Vec::new();
    for layer in layers {
        assign(&mut metadata, layer);
    }
    assign(&mut metadata, members(variant.get("metadata")));
    let mut result = Vec::new();
    assign(&mut result, members(Some(variant)));
    set(&mut result, b"metadata".to_vec(), Value::Object(metadata));
    Value::Object(result)
}

/// `evaluateFlag`: the first segment that matches and yields an existing variant wins.
fn evaluate_flag<H: Host>(
    host: &H,
    context: &Value,
    results: &Value,
    flag: &Flag,
) -> Result<Option<Value>, FlagError> {
    for (s, segment) in flag.segments.iter().enumerate() {
        let segment = Segment::read(segment);
        if let Some(ors) = segment.conditions {
            match match_conditions(host, context, results, ors) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(at) => return Err(regex_error(flag, s, at)),
            }
        }
        let variant = bucket(host, context, results, &segment).and_then(|key| flag.variant(key));
        if let Some(variant) = variant {
            return Ok(Some(with_metadata(
                &[flag.metadata, segment.metadata],
                variant,
            )));
        }
    }
    Ok(None)
}

/// `segments[s].conditions[i][j].values[k]: invalid regular expression`.
fn regex_error(flag: &Flag, s: usize, (i, j, k): (usize, usize, usize)) -> FlagError {
    let mut path = Path::default();
    path.enter(b"segments");
    path.index(s);
    path.enter(b"conditions");
    path.index(i);
    path.index(j);
    path.enter(b"values");
    path.index(k);
    FlagError::new(flag.key, &path.0, BAD_REGEX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_host::TestHost;

    fn run(context: &str, flags: &str) -> Evaluation {
        let context = json::parse(context).unwrap();
        let flags = json::parse(flags).unwrap();
        evaluate(&TestHost, &context, flags.as_array().unwrap())
    }

    /// `expected` is what the reference printed for the same input (`JSON.stringify` of
    /// `evaluate(context, topologicalSort(flags))`).
    fn assert_reference(context: &str, flags: &str, expected: &str) {
        let e = run(context, flags);
        assert_eq!(e.errors, vec![]);
        assert_eq!(e.results_json(), expected);
    }

    /// Whether one condition on `context.p` matches; `values` is a JSON array.
    fn matches_json(prop: Option<&str>, op: &str, values: &str) -> bool {
        let context = prop.map_or("{}".into(), |p| format!(r#"{{"p":{p}}}"#));
        let flag = format!(
            r#"[{{"key":"f","variants":{{"on":{{"key":"on"}}}},"segments":[{{"conditions":[[{{"selector":["context","p"],"op":"{op}","values":{values}}}]],"variant":"on"}}]}}]"#
        );
        let e = run(&context, &flag);
        assert_eq!(e.errors, vec![]);
        !e.results.is_empty()
    }

    fn matches(prop: Option<&str>, op: &str, values: &[&str]) -> bool {
        let values: Vec<Value> = values.iter().map(|v| Value::string(v)).collect();
        matches_json(prop, op, &Value::Array(values).to_json())
    }

    /// Operator, coercion and null-handling cases; the expectations were printed by the
    /// reference engine for the same condition on `context.p` (`None`: no `p`).
    const CONDITIONS: &[(Option<&str>, &str, &[&str], bool)] = &[
        (None, "is", &[r#"(none)"#], true),
        (Some(r#"null"#), "is", &[r#"x"#], false),
        (None, "is not", &[r#"(none)"#], false),
        (Some(r#"null"#), "is not", &[r#"x"#], true),
        (None, "contains", &[r#"(none)"#], true),
        (Some(r#"null"#), "contains", &[r#"x"#], false),
        (None, "does not contain", &[r#"(none)"#], false),
        (Some(r#"null"#), "does not contain", &[r#"x"#], true),
        (None, "less", &[r#"(none)"#], true),
        (Some(r#"null"#), "less", &[r#"x"#], false),
        (None, "less or equal", &[r#"(none)"#], true),
        (Some(r#"null"#), "less or equal", &[r#"x"#], false),
        (None, "greater", &[r#"(none)"#], true),
        (Some(r#"null"#), "greater", &[r#"x"#], false),
        (None, "greater or equal", &[r#"(none)"#], true),
        (Some(r#"null"#), "greater or equal", &[r#"x"#], false),
        (None, "version less", &[r#"(none)"#], true),
        (Some(r#"null"#), "version less", &[r#"x"#], false),
        (None, "version less or equal", &[r#"(none)"#], true),
        (Some(r#"null"#), "version less or equal", &[r#"x"#], false),
        (None, "version greater", &[r#"(none)"#], true),
        (Some(r#"null"#), "version greater", &[r#"x"#], false),
        (None, "version greater or equal", &[r#"(none)"#], true),
        (
            Some(r#"null"#),
            "version greater or equal",
            &[r#"x"#],
            false,
        ),
        (None, "set is", &[r#"(none)"#], true),
        (Some(r#"null"#), "set is", &[r#"x"#], false),
        (None, "set is not", &[r#"(none)"#], false),
        (Some(r#"null"#), "set is not", &[r#"x"#], false),
        (None, "set contains", &[r#"(none)"#], true),
        (Some(r#"null"#), "set contains", &[r#"x"#], false),
        (None, "set does not contain", &[r#"(none)"#], false),
        (Some(r#"null"#), "set does not contain", &[r#"x"#], true),
        (None, "set contains any", &[r#"(none)"#], true),
        (Some(r#"null"#), "set contains any", &[r#"x"#], false),
        (None, "set does not contain any", &[r#"(none)"#], false),
        (Some(r#"null"#), "set does not contain any", &[r#"x"#], true),
        (None, "regex match", &[r#"(none)"#], false),
        (Some(r#"null"#), "regex match", &[r#"x"#], false),
        (None, "regex does not match", &[r#"(none)"#], false),
        (Some(r#"null"#), "regex does not match", &[r#"x"#], false),
        (None, "equals", &[r#"(none)"#], false),
        (Some(r#""a""#), "is", &[r#"a"#], true),
        (Some(r#""a""#), "is", &[r#"A"#], false),
        (Some(r#""TRUE""#), "is", &[r#"true"#], true),
        (Some(r#""True""#), "is", &[r#"false"#, r#"x"#], false),
        (Some(r#""true""#), "is", &[r#"TRUE"#], true),
        (Some(r#""yes""#), "is", &[r#"true"#, r#"yes"#], true),
        (Some(r#""TRUE""#), "is", &[r#"x"#, r#"TRUE"#], true),
        (Some(r#""TRUE""#), "is", &[r#"x"#, r#"True"#], true),
        (Some(r#"true"#), "is", &[r#"true"#], true),
        (Some(r#"true"#), "is", &[r#"True"#], true),
        (Some(r#"false"#), "is not", &[r#"FALSE"#], false),
        (Some(r#"1"#), "is", &[r#"1"#], true),
        (Some(r#"1.5"#), "is", &[r#"1.5"#], true),
        (Some(r#"{"a":1}"#), "is", &[r#"{"a":1}"#], true),
        (Some(r#"["a","b"]"#), "is", &[r#"b"#], true),
        (Some(r#"[]"#), "is not", &[r#"x"#], false),
        (Some(r#"["",null]"#), "is not", &[r#"x"#], false),
        (Some(r#""[\"a\",\"b\"]""#), "is", &[r#"a"#], true),
        (Some(r#""[1, 2.0]""#), "is", &[r#"2"#], true),
        (Some(r#""[1e2]""#), "is", &[r#"100"#], true),
        (Some(r#""[\"\", null, \"x\"]""#), "is", &[r#"x"#], true),
        (Some(r#""[not json""#), "is", &[r#"[not json"#], true),
        (Some(r#""[1,2""#), "is", &[r#"[1,2"#], true),
        (
            Some(r#""[{\"b\":1,\"a\":2,\"1\":3}]""#),
            "is",
            &[r#"{"1":3,"b":1,"a":2}"#],
            true,
        ),
        (
            Some(r#""[{\"a\":1,\"a\":2,\"b\":0}]""#),
            "is",
            &[r#"{"a":2,"b":0}"#],
            true,
        ),
        (Some(r#""[{\"x\":1e400}]""#), "is", &[r#"{"x":null}"#], true),
        (Some(r#""[1e400]""#), "is", &[r#"Infinity"#], true),
        (Some(r#""[-0]""#), "is", &[r#"0"#], true),
        (Some(r#""[true,false]""#), "is", &[r#"false"#], true),
        (Some(r#""[0.10]""#), "is", &[r#"0.1"#], true),
        (
            Some(r#""[ [1.50, \"s\"] ]""#),
            "is",
            &[r#"[1.5,"s"]"#],
            true,
        ),
        (Some(r#""[1e21, 1.5e-7]""#), "is", &[r#"1e+21"#], true),
        (Some(r#""[1e21, 1.5e-7]""#), "is", &[r#"1.5e-7"#], true),
        (Some(r#""{\"a\":1}""#), "is", &[r#"{"a":1}"#], true),
        (Some(r#""[]""#), "is not", &[r#"x"#], false),
        (Some(r#""[]""#), "is", &[r#"[]"#], false),
        (Some(r#"" [1]""#), "is", &[r#"1"#], false),
        (
            Some(r#"[1,"a",{"k":[1]},null,""]"#),
            "is",
            &[r#"{"k":[1]}"#],
            true,
        ),
        (Some(r#"[1,"a",{"k":[1]},null,""]"#), "is", &[r#""#], false),
        (Some(r#"[false]"#), "is", &[r#"false"#], true),
        (Some(r#""x""#), "is", &[], false),
        (Some(r#""x""#), "is not", &[], true),
        (Some(r#""Hello World""#), "contains", &[r#"world"#], true),
        (Some(r#""abc""#), "contains", &[r#"B"#], true),
        (Some(r#""abc""#), "contains", &[r#"d"#], false),
        (Some(r#""ÀB""#), "contains", &[r#"àb"#], true),
        (Some(r#""x""#), "contains", &[r#""#], true),
        (Some(r#""abc""#), "does not contain", &[r#"b"#], false),
        (Some(r#""abc""#), "does not contain", &[r#"z"#], true),
        (Some(r#"["ab","cd"]"#), "contains", &[r#"D"#], true),
        (Some(r#""STRASSE""#), "contains", &[r#"sse"#], true),
        (Some(r#"12345"#), "contains", &[r#"234"#], true),
        (Some(r#""10""#), "less", &[r#"9"#], false),
        (Some(r#""10""#), "greater", &[r#"9"#], true),
        (Some(r#""""#), "less", &[r#"1"#], true),
        (Some(r#"" 12 ""#), "greater or equal", &[r#"12"#], true),
        (Some(r#""0x10""#), "greater", &[r#"15"#], true),
        (Some(r#""0x10""#), "less or equal", &[r#"16"#], true),
        (Some(r#""1e3""#), "greater or equal", &[r#"1000"#], true),
        (Some(r#""Infinity""#), "greater", &[r#"1e308"#], true),
        (Some(r#""1_000""#), "less", &[r#"5"#], false),
        (Some(r#""1_000""#), "greater", &[r#"5"#], false),
        (Some(r#""abc""#), "less or equal", &[r#"abc"#], false),
        (Some(r#""abc""#), "greater or equal", &[r#"abc"#], false),
        (Some(r#"5"#), "less", &[r#"6"#], true),
        (Some(r#""5""#), "less", &[], false),
        (Some(r#""5""#), "less", &[r#"x"#, r#"6"#], true),
        (Some(r#"[3,7]"#), "greater", &[r#"5"#], true),
        (Some(r#""-Infinity""#), "less", &[r#"0"#], true),
        (Some(r#""7""#), "less", &[r#""#], false),
        (Some(r#""-1""#), "less", &[r#""#], true),
        (Some(r#""0""#), "less or equal", &[r#"-0"#], true),
        (Some(r#""0b11""#), "greater", &[r#"2"#], true),
        (Some(r#"" 12 ""#), "is", &[r#"12"#], false),
        (Some(r#"" 12 ""#), "greater or equal", &[r#"12"#], true),
        (Some(r#"true"#), "greater", &[r#"0"#], false),
        (Some(r#""1,000""#), "greater", &[r#"5"#], false),
        (Some(r#""1.2.3""#), "version less", &[r#"1.2.4"#], true),
        (Some(r#""1.10.0""#), "version greater", &[r#"1.9.0"#], true),
        (Some(r#""1.2.3-beta""#), "version less", &[r#"1.2.3"#], true),
        (
            Some(r#""2.0.0-rc.10""#),
            "version less",
            &[r#"2.0.0-rc.9"#],
            true,
        ),
        (
            Some(r#""1.2""#),
            "version greater or equal",
            &[r#"1.2.0"#],
            true,
        ),
        (
            Some(r#""1.2""#),
            "version less or equal",
            &[r#"1.2.0"#],
            true,
        ),
        (Some(r#""abc""#), "version less", &[r#"abd"#], true),
        (Some(r#""abc""#), "version less", &[r#"1.0.0"#], false),
        (Some(r#""1.0.0""#), "version greater", &[r#"abc"#], false),
        (Some(r#""1.0.0""#), "version less", &[r#"abc"#], true),
        (
            Some(r#""1.0.0""#),
            "version less or equal",
            &[r#"x"#, r#"0.9"#],
            false,
        ),
        (Some(r#""10.0""#), "version less", &[r#"9.0"#], false),
        (Some(r#""10.0""#), "version less", &[r#"9.0.x"#], true),
        (
            Some(r#""1.2.3-alpha""#),
            "version less",
            &[r#"1.2.3-beta"#],
            true,
        ),
        (
            Some(r#""1.2.3""#),
            "version greater",
            &[r#"1.2.3-zzz"#],
            true,
        ),
        (Some(r#""1.2.3""#), "version less", &[], false),
        (Some(r#""1.2.3.4""#), "version greater", &[r#"1.2.3"#], true),
        (
            Some(r#"["1.0.0","3.0.0"]"#),
            "version greater",
            &[r#"2.0.0"#],
            true,
        ),
        (
            Some(r#""01.2.3""#),
            "version greater or equal",
            &[r#"1.2.3"#],
            true,
        ),
        (
            Some(r#""1.2.3""#),
            "version greater or equal",
            &[r#"1.2.3"#],
            true,
        ),
        (Some(r#""1.2.3""#), "version greater", &[r#"1.2.3"#], false),
        (Some(r#""hello""#), "regex match", &[r#"ell"#], true),
        (Some(r#""hello""#), "regex match", &[r#"^ell"#], false),
        (Some(r#""hello""#), "regex does not match", &[r#"z"#], true),
        (Some(r#""hello""#), "regex does not match", &[r#"h"#], false),
        (Some(r#""abc123""#), "regex match", &[r#"\d+"#], true),
        (Some(r#""x""#), "regex match", &[r#"a"#, r#"x"#], true),
        (Some(r#"["a","xyz"]"#), "regex match", &[r#"^x"#], true),
        (Some(r#""hello""#), "regex match", &[], false),
        (Some(r#""hello""#), "regex does not match", &[], true),
        (Some(r#"["a","b"]"#), "set is", &[r#"b"#, r#"a"#], true),
        (Some(r#"["a","b","b"]"#), "set is", &[r#"a"#, r#"b"#], true),
        (Some(r#"["a"]"#), "set is", &[r#"a"#, r#"b"#], false),
        (
            Some(r#"["a","b"]"#),
            "set is",
            &[r#"a"#, r#"a"#, r#"b"#],
            true,
        ),
        (Some(r#"["a","b"]"#), "set is not", &[r#"a"#], true),
        (Some(r#"["a","b"]"#), "set is not", &[r#"b"#, r#"a"#], false),
        (Some(r#""[\"a\",\"b\"]""#), "set contains", &[r#"a"#], true),
        (Some(r#""a""#), "set contains", &[r#"a"#], false),
        (Some(r#""a""#), "set does not contain", &[r#"a"#], false),
        (Some(r#""a""#), "set is not", &[r#"b"#], false),
        (Some(r#""a""#), "set does not contain any", &[r#"b"#], false),
        (Some(r#"["a"]"#), "set contains", &[r#"a"#, r#"a"#], false),
        (
            Some(r#"["a","b"]"#),
            "set contains",
            &[r#"a"#, r#"a"#],
            true,
        ),
        (Some(r#"["TRUE","x"]"#), "set contains", &[r#"true"#], true),
        (Some(r#"["true"]"#), "set contains", &[r#"TRUE"#], true),
        (
            Some(r#"["a","b"]"#),
            "set contains any",
            &[r#"c"#, r#"b"#],
            true,
        ),
        (
            Some(r#"["a"]"#),
            "set does not contain any",
            &[r#"b"#],
            true,
        ),
        (
            Some(r#"["a"]"#),
            "set does not contain any",
            &[r#"a"#],
            false,
        ),
        (Some(r#"["a"]"#), "set does not contain", &[r#"a"#], false),
        (
            Some(r#"["a","b"]"#),
            "set does not contain",
            &[r#"a"#, r#"c"#],
            true,
        ),
        (Some(r#"[]"#), "set is", &[], true),
        (Some(r#"[]"#), "set contains", &[], true),
        (Some(r#"["",null]"#), "set is", &[], true),
        (Some(r#"5"#), "set contains", &[r#"5"#], false),
        (Some(r#"[1,2]"#), "set contains", &[r#"2"#, r#"1"#], true),
        (Some(r#"["A"]"#), "set contains any", &[r#"a"#], false),
        (
            Some(r#"["x","FALSE"]"#),
            "set contains any",
            &[r#"False"#],
            true,
        ),
        (Some(r#""[]""#), "set contains any", &[], false),
        (Some(r#"[]"#), "set contains any", &[], false),
        (Some(r#"{"a":1}"#), "set is", &[r#"{"a":1}"#], false),
        (Some(r#""[1, 1.0]""#), "set is", &[r#"1"#], true),
        (Some(r#""a""#), "equals", &[r#"a"#], false),
        (Some(r#"["a"]"#), "equals", &[r#"a"#], false),
        (Some(r#""｡""#), "greater", &["😀"], false),
        (Some(r#""｡""#), "version greater", &["😀"], true),
    ];

    #[test]
    fn conditions_match_like_the_reference() {
        let mut wrong = Vec::new();
        for &(prop, op, values, expected) in CONDITIONS {
            if matches(prop, op, values) != expected {
                wrong.push(format!("{prop:?} {op} {values:?}: expected {expected}"));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn lone_surrogates_match_like_the_reference() {
        let p = Some(r#""a😀b""#);
        assert!(matches_json(p, "contains", r#"["\ud83d"]"#));
        assert!(matches_json(p, "contains", r#"["\ude00B"]"#));
        assert!(!matches_json(p, "contains", r#"["\ude01"]"#));
        // A JSON array inside the string, holding a raw lone surrogate.
        assert!(matches_json(
            Some(r#""[\"\ud800\"]""#),
            "is",
            r#"["\ud800"]"#
        ));
        // After an escaping backslash JSON.parse throws: the string is compared whole.
        let escaped = r#""[\"\\\ud800\"]""#;
        assert!(matches_json(Some(escaped), "is", r#"["[\"\\\ud800\"]"]"#));
        assert!(!matches_json(Some(escaped), "is", r#"["\\\ud800"]"#));
        // After an escaped backslash it parses.
        assert!(matches_json(
            Some(r#""[\"\\\\\ud800\"]""#),
            "is",
            r#"["\\\ud800"]"#
        ));
    }

    #[test]
    fn metadata_merges_flag_segment_variant() {
        assert_reference(
            r#"{}"#,
            r#"[{"key":"m","metadata":{"2":"x","a":1,"b":1,"deployed":true},"variants":{"on":{"key":"on","value":"v","metadata":{"0":"z","c":3,"d":3},"payload":{"n":[1,2]}}},"segments":[{"metadata":{"1":"y","b":2,"c":2,"segmentName":"All"},"variant":"on"}]},{"key":"n","metadata":{"a":1},"variants":{"on":{"metadata":null,"key":"on"}},"segments":[{"metadata":null,"variant":"on"}]},{"key":"o","variants":{"on":{"key":"on","value":"x"}},"segments":[{"variant":"on"}]}]"#,
            r#"{"m":{"key":"on","value":"v","metadata":{"0":"z","1":"y","2":"x","a":1,"b":2,"deployed":true,"c":3,"segmentName":"All","d":3},"payload":{"n":[1,2]}},"n":{"metadata":{"a":1},"key":"on"},"o":{"key":"on","value":"x","metadata":{}}}"#,
        );
    }

    #[test]
    fn dependencies_are_evaluated_first() {
        assert_reference(
            r#"{"user_id":"u"}"#,
            r#"[{"key":"b","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["result","a","key"],"op":"is","values":["on"]}]],"variant":"on"},{"variant":"off"}],"dependencies":["a"]},{"key":"c","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["result","b","metadata","k"],"op":"is","values":["1"]}]],"variant":"on"},{"variant":"off"}],"dependencies":["b","missing"]},{"key":"a","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"variant":"on"}],"metadata":{"k":1}},{"key":"d","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["result"],"op":"contains","values":["\"a\":{\"key\":\"on\""]}]],"variant":"on"},{"variant":"off"}]}]"#,
            r#"{"a":{"key":"on","metadata":{"k":1}},"b":{"key":"on","metadata":{}},"c":{"key":"off","metadata":{}},"d":{"key":"on","metadata":{}}}"#,
        );
    }

    #[test]
    fn in_order_evaluation_is_the_engines_plain_loop() {
        // `EvaluationEngine.evaluate` printed this for the same input: `b` before its
        // dependency `a` does not see it, the second `d` gives nothing and leaves the first's
        // result, and `c`, depending on itself, is evaluated like any flag.
        let context = json::parse("{}").unwrap();
        let flags = json::parse(r#"[{"key":"b","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["result","a","key"],"op":"is","values":["on"]}]],"variant":"on"},{"variant":"off"}],"dependencies":["a"]},{"key":"a","variants":{"on":{"key":"on"}},"segments":[{"variant":"on"}]},{"key":"d","variants":{"on":{"key":"on"}},"segments":[{"variant":"on"}]},{"key":"d","variants":{"on":{"key":"on"}},"segments":[{"conditions":[[{"selector":["context","x"],"op":"is","values":["nope"]}]],"variant":"on"}]},{"key":"c","variants":{"on":{"key":"on"}},"segments":[{"variant":"on"}],"dependencies":["c"]}]"#).unwrap();
        let e = evaluate_in_order(&TestHost, &context, flags.as_array().unwrap());
        assert_eq!(e.errors, vec![]);
        assert_eq!(
            e.results_json(),
            r#"{"b":{"key":"off","metadata":{}},"a":{"key":"on","metadata":{}},"d":{"key":"on","metadata":{}},"c":{"key":"on","metadata":{}}}"#
        );
    }

    #[test]
    fn selectors_walk_objects_and_arrays() {
        assert_reference(
            r#"{"user":{"props":{"plan":"pro","tags":["x","y"],"n":0},"s":"abc"},"list":[10,20]}"#,
            r#"[{"key":"nested","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["context","user","props","plan"],"op":"is","values":["pro"]}]],"variant":"on"}]},{"key":"index","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["context","list","1"],"op":"is","values":["20"]}]],"variant":"on"}]},{"key":"length","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["context","user","props","tags","length"],"op":"is","values":["2"]}]],"variant":"on"}]},{"key":"leading_zero","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["context","list","01"],"op":"is","values":["(none)"]}]],"variant":"on"}]},{"key":"through_string","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["context","user","s","length"],"op":"is","values":["(none)"]}]],"variant":"on"}]},{"key":"empty_selector","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":[],"op":"is","values":["(none)"]}]],"variant":"on"}]},{"key":"empty_element","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["context","","user"],"op":"is","values":["(none)"]}]],"variant":"on"}]},{"key":"zero_number","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["context","user","props","n"],"op":"is","values":["0"]}]],"variant":"on"}]},{"key":"whole_object","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["context","list"],"op":"is","values":["10"]}]],"variant":"on"}]},{"key":"whole_context","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["context","user","props","tags"],"op":"set is","values":["y","x"]}]],"variant":"on"}]},{"key":"unknown_root","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["user","props"],"op":"is not","values":["(none)"]}]],"variant":"on"}]},{"key":"numeric_element","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["context","list",1],"op":"is","values":["20"]}]],"variant":"on"}]},{"key":"falsy_element","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["context","list",0],"op":"is","values":["(none)"]}]],"variant":"on"}]},{"key":"null_selector","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":null,"op":"is","values":["(none)"]}]],"variant":"on"}]},{"key":"string_selector","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":"context","op":"is","values":["(none)"]}]],"variant":"on"}]}]"#,
            r#"{"nested":{"key":"on","metadata":{}},"index":{"key":"on","metadata":{}},"length":{"key":"on","metadata":{}},"leading_zero":{"key":"on","metadata":{}},"through_string":{"key":"on","metadata":{}},"empty_selector":{"key":"on","metadata":{}},"empty_element":{"key":"on","metadata":{}},"zero_number":{"key":"on","metadata":{}},"whole_object":{"key":"on","metadata":{}},"whole_context":{"key":"on","metadata":{}},"numeric_element":{"key":"on","metadata":{}},"falsy_element":{"key":"on","metadata":{}},"null_selector":{"key":"on","metadata":{}},"string_selector":{"key":"on","metadata":{}}}"#,
        );
    }

    #[test]
    fn conditions_or_of_ands() {
        assert_reference(
            r#"{"a":"1","b":"2"}"#,
            r#"[{"key":"null_matches","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":null,"variant":"on"}]},{"key":"empty_never","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[],"variant":"on"},{"variant":"off"}]},{"key":"empty_and_always","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[]],"variant":"on"}]},{"key":"or","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["context","a"],"op":"is","values":["x"]}],[{"selector":["context","b"],"op":"is","values":["2"]}]],"variant":"on"}]},{"key":"and","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":[[{"selector":["context","a"],"op":"is","values":["1"]},{"selector":["context","b"],"op":"is","values":["x"]}]],"variant":"on"},{"variant":"off"}]}]"#,
            r#"{"null_matches":{"key":"on","metadata":{}},"empty_never":{"key":"off","metadata":{}},"empty_and_always":{"key":"on","metadata":{}},"or":{"key":"on","metadata":{}},"and":{"key":"off","metadata":{}}}"#,
        );
    }

    #[test]
    fn variant_lookup_quirks() {
        assert_reference(
            r#"{"id":"user-1"}"#,
            r#"[{"key":"missing_variant_falls_through","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"variant":"nope"},{"variant":"off"}]},{"key":"no_variant","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"conditions":null},{"variant":"off"}]},{"key":"null_variant","variants":{"on":null,"off":{"key":"off"}},"segments":[{"variant":"on"},{"variant":"off"}]},{"key":"numeric_key","variants":{"1":{"key":"1"}},"segments":[{"variant":1}]},{"key":"null_key","variants":{"null":{"key":"null"}},"segments":[{"variant":null}]},{"key":"dist_without_variant","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"bucket":{"selector":["context","id"],"salt":"s","allocations":[{"range":[0,100],"distributions":[{"range":[0,42949673]}]}]},"variant":"on"},{"variant":"off"}]},{"key":"no_bucketing_value","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"bucket":{"selector":["context","nope"],"salt":"s","allocations":[{"range":[0,100],"distributions":[{"variant":"off","range":[0,42949673]}]}]},"variant":"on"}]},{"key":"empty_bucketing_value","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"bucket":{"selector":["context","id","x"],"salt":"s","allocations":[]},"variant":"on"}]},{"key":"outside_allocation","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"bucket":{"selector":["context","id"],"salt":"s","allocations":[{"range":[0,0],"distributions":[]}]},"variant":"off"}]},{"key":"bucket_not_object","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"bucket":"x","variant":"on"}]}]"#,
            r#"{"missing_variant_falls_through":{"key":"off","metadata":{}},"no_variant":{"key":"off","metadata":{}},"null_variant":{"key":"off","metadata":{}},"numeric_key":{"key":"1","metadata":{}},"null_key":{"key":"null","metadata":{}},"dist_without_variant":{"key":"off","metadata":{}},"no_bucketing_value":{"key":"on","metadata":{}},"empty_bucketing_value":{"key":"on","metadata":{}},"outside_allocation":{"key":"off","metadata":{}},"bucket_not_object":{"key":"on","metadata":{}}}"#,
        );
    }

    #[test]
    fn results_use_js_property_order() {
        let e = run(
            r#"{}"#,
            r#"[{"key":"b","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"variant":"on"}]},{"key":"2","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"variant":"on"}]},{"key":"a","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"variant":"off"}]},{"key":"1","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"variant":"on"}]},{"key":"b","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"variant":"off"}]},{"key":"10","variants":{"on":{"key":"on"},"off":{"key":"off"}},"segments":[{"variant":"on"}]}]"#,
        );
        // (The second "b" replaces the first, which is said; the results are the reference's.)
        assert_eq!(e.errors.len(), 1);
        assert_eq!(
            e.results_json(),
            r#"{"1":{"key":"on","metadata":{}},"2":{"key":"on","metadata":{}},"10":{"key":"on","metadata":{}},"b":{"key":"off","metadata":{}},"a":{"key":"off","metadata":{}}}"#,
        );
    }

    const HALF: &str = r#"{"key":"half","variants":{"control":{"key":"control"},"treatment":{"key":"treatment"}},"segments":[{"bucket":{"selector":["context","user","user_id"],"salt":"ab12cd","allocations":[{"range":[0,100],"distributions":[{"variant":"control","range":[0,21474837]},{"variant":"treatment","range":[21474837,42949673]}]}]},"variant":"control"}]}"#;
    const THREE: &str = r#"{"key":"three","variants":{"a":{"key":"a"},"b":{"key":"b"},"c":{"key":"c"},"off":{"key":"off"}},"segments":[{"bucket":{"selector":["context","user","device_id"],"salt":7,"allocations":[{"range":[0,30],"distributions":[{"variant":"a","range":[0,14316558]},{"variant":"b","range":[14316558,28633116]},{"variant":"c","range":[28633116,42949673]}]}]},"variant":"off"}]}"#;

    #[test]
    fn buckets_users_like_the_reference() {
        // First letters of the variants the reference assigns to user ids "1".."200" (and device
        // ids "d1".."d200"): a 50/50 split, and a 30% allocation split three ways.
        const HALF_EXPECTED: &str = "ttcccttctccttcccttttctttcctcccctcttcttcctcctccccctctcctctccttctctcttctccccttccttttcttcttctccccttttcctctttccctttttctttccccctctccttccctttttctccttcccctcttctcctcctccccttcttttccctcccctccttccctctcttcctctcct";
        const THREE_EXPECTED: &str = "obaoooboooaocooaoobooboobocoooooooooooabbbobocoobcboboboooaoooacbooobooaoooooooaocobooaocacooaooooooboaacooooooooobacbcocooocaooccoaoaocoooaooooooooobooobboooooooacoooooooooaoooooooooobooooobocbbobboo";
        let flags = format!("[{HALF},{THREE}]");
        let (mut half, mut three) = (String::new(), String::new());
        for i in 1..=200 {
            let context = format!(r#"{{"user":{{"user_id":"{i}","device_id":"d{i}"}}}}"#);
            let e = run(&context, &flags);
            let first = |key: &str| {
                let v = e.results.iter().find(|(k, _)| k == key.as_bytes()).unwrap();
                char::from(v.1.get("key").unwrap().as_str().unwrap().as_bytes()[0])
            };
            half.push(first("half"));
            three.push(first("three"));
        }
        assert_eq!(half, HALF_EXPECTED);
        assert_eq!(three, THREE_EXPECTED);
        assert_eq!(half.matches('t').count(), 95);
        assert_eq!(half.matches('c').count(), 105);
    }

    #[test]
    fn coerces_salt_and_bucketing_value_like_the_reference() {
        const TEN_WAY: &str = r#"{"key":"k","variants":{"v0":{"key":"v0"},"v1":{"key":"v1"},"v2":{"key":"v2"},"v3":{"key":"v3"},"v4":{"key":"v4"},"v5":{"key":"v5"},"v6":{"key":"v6"},"v7":{"key":"v7"},"v8":{"key":"v8"},"v9":{"key":"v9"}},"segments":[{"bucket":{"selector":["context","v"],"salt":5,"allocations":[{"range":[0,100],"distributions":[{"variant":"v0","range":[0,4294968]},{"variant":"v1","range":[4294968,8589936]},{"variant":"v2","range":[8589936,12884904]},{"variant":"v3","range":[12884904,17179872]},{"variant":"v4","range":[17179872,21474840]},{"variant":"v5","range":[21474840,25769808]},{"variant":"v6","range":[25769808,30064776]},{"variant":"v7","range":[30064776,34359744]},{"variant":"v8","range":[34359744,38654712]},{"variant":"v9","range":[38654712,42949680]}]}]},"variant":"none"}]}"#;
        // Bucketing values, then per salt the variant the reference picks for each ("-": none).
        let values = [
            "123",
            "1.5",
            "true",
            r#"{"b":1,"a":[1,"x"]}"#,
            r#"["x",null]"#,
            r#""é🚀""#,
            r#""\ud800x""#,
            r#""""#,
        ];
        let salts = [
            (r#""s""#, "v4 v3 v5 v1 v0 v2 v5 -"),
            ("5", "v1 v2 v4 v7 v2 v2 v2 -"),
            ("null", "v4 v4 v2 v2 v9 v0 v1 -"),
            ("true", "v9 v3 v7 v3 v8 v5 v4 -"),
            ("", "v1 v9 v4 v8 v7 v3 v6 -"),
            (r#""""#, "v9 v5 v5 v5 v2 v0 v3 -"),
        ];
        for (salt, expected) in salts {
            let flag = if salt.is_empty() {
                TEN_WAY.replace(r#""salt":5,"#, "")
            } else {
                TEN_WAY.replace(r#""salt":5"#, &format!(r#""salt":{salt}"#))
            };
            let got: Vec<String> = values
                .iter()
                .map(|v| {
                    let e = run(&format!(r#"{{"v":{v}}}"#), &format!("[{flag}]"));
                    e.results.first().map_or("-".into(), |(_, r)| {
                        r.get("key").unwrap().as_str().unwrap().to_string()
                    })
                })
                .collect();
            assert_eq!(got.join(" "), expected, "salt {salt}");
        }
    }

    #[test]
    fn a_cycle_fails_only_its_flags() {
        let flag = |key: &str, deps: &str| {
            format!(
                r#"{{"key":"{key}","dependencies":{deps},"variants":{{"on":{{"key":"on"}}}},"segments":[{{"conditions":[[{{"selector":["result","a","key"],"op":"is","values":["(none)"]}}]],"variant":"on"}}]}}"#
            )
        };
        let flags = [
            flag("a", r#"["b"]"#),
            flag("b", r#"["a"]"#),
            flag("c", r#"["a","zzz"]"#),
            flag("d", r#"["d"]"#),
            flag("e", "null"),
        ];
        let e = run("{}", &format!("[{}]", flags.join(",")));
        let keys: Vec<&str> = e.errors.iter().map(|e| e.flag_key.as_str()).collect();
        assert_eq!(keys, ["a", "b", "d"]);
        assert_eq!(
            e.errors[1].message(),
            r#"flag "b": dependencies: is part of a dependency cycle"#
        );
        assert_eq!(
            e.results_json(),
            r#"{"c":{"key":"on","metadata":{}},"e":{"key":"on","metadata":{}}}"#
        );
    }

    #[test]
    fn a_cycle_entered_from_the_side_fails_all_its_flags() {
        let flag = |key: &str, deps: &str| {
            format!(
                r#"{{"key":"{key}","dependencies":{deps},"variants":{{"on":{{"key":"on"}}}},"segments":[{{"variant":"on"}}]}}"#
            )
        };
        // a -> b -> a is found first; c -> b -> a -> c is a cycle through an already found one.
        let flags = [
            flag("x", r#"["c"]"#),
            flag("a", r#"["b","c"]"#),
            flag("b", r#"["a"]"#),
            flag("c", r#"["b"]"#),
        ];
        let e = run("{}", &format!("[{}]", flags.join(",")));
        let mut keys: Vec<&str> = e.errors.iter().map(|e| e.flag_key.as_str()).collect();
        keys.sort();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(e.results_json(), r#"{"x":{"key":"on","metadata":{}}}"#);
    }

    #[test]
    fn a_cycle_joined_through_a_finished_flag_fails_all_its_flags() {
        let flag = |key: &str, deps: &str| {
            format!(
                r#"{{"key":"{key}","dependencies":{deps},"variants":{{"on":{{"key":"on"}}}},"segments":[{{"variant":"on"}}]}}"#
            )
        };
        // b is done with its own dependencies (a) when c reaches it, yet c -> b -> a -> c is a
        // cycle; d only depends on the cycle.
        let flags = [
            flag("a", r#"["b","c"]"#),
            flag("b", r#"["a"]"#),
            flag("c", r#"["b"]"#),
            flag("d", r#"["c"]"#),
        ];
        let e = run("{}", &format!("[{}]", flags.join(",")));
        let keys: Vec<&str> = e.errors.iter().map(|e| e.flag_key.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(e.results_json(), r#"{"d":{"key":"on","metadata":{}}}"#);
    }

    #[test]
    fn a_later_flag_replaces_an_earlier_one_with_the_same_key() {
        let flag = |key: &str, variant: &str| {
            format!(
                r#"{{"key":"{key}","variants":{{"on":{{"key":"on"}}}},"segments":[{{"variant":"{variant}"}}]}}"#
            )
        };
        // The later "x" yields nothing, so there is no result for "x" at all.
        let flags = format!(
            "[{},{},{},{}]",
            flag("x", "on"),
            flag("y", "on"),
            flag("x", "on"),
            flag("x", "none")
        );
        let e = run("{}", &flags);
        assert_eq!(e.results_json(), r#"{"y":{"key":"on","metadata":{}}}"#);
        // Said once, of the flag that is replaced.
        let said: Vec<String> = e.errors.iter().map(|e| e.message()).collect();
        assert_eq!(
            said,
            [r#"flag "x": is listed again further on; the last flag with this key is used"#]
        );
        // The last flag is evaluated at the first one's place.
        let flags = format!(
            "[{},{},{}]",
            flag("x", "none"),
            flag("y", "on"),
            flag("x", "on")
        );
        assert_eq!(
            run("{}", &flags).results_json(),
            r#"{"x":{"key":"on","metadata":{}},"y":{"key":"on","metadata":{}}}"#
        );
    }

    #[test]
    fn a_malformed_flag_is_reported_and_the_others_evaluate() {
        let flags = r#"[
            {"key":"bad","variants":{},"segments":[{"bucket":{"salt":{},"allocations":[]}}]},
            {"key":"good","variants":{"on":{"key":"on"}},"segments":[{"variant":"on"}]}
        ]"#;
        let e = run("{}", flags);
        assert_eq!(e.results_json(), r#"{"good":{"key":"on","metadata":{}}}"#);
        assert_eq!(e.errors.len(), 1);
        assert_eq!(
            e.errors[0].message(),
            r#"flag "bad": segments[0].bucket.salt: must be a string"#
        );
    }

    #[test]
    fn an_invalid_regex_fails_its_flag_only_when_reached() {
        let flag = |key: &str, values: &str| {
            format!(
                r#"{{"key":"{key}","variants":{{"on":{{"key":"on"}}}},"segments":[{{"variant":"on","conditions":[[{{"selector":["context","p"],"op":"is","values":["x"]}}],[{{"selector":["context","p"],"op":"regex match","values":{values}}}]]}}]}}"#
            )
        };
        let flags = format!(
            "[{},{},{}]",
            flag("broken", r#"["a","("]"#),
            flag("unreached", r#"["y","("]"#),
            flag("fine", r#"["^y"]"#)
        );
        let e = run(r#"{"p":"y"}"#, &flags);
        assert_eq!(
            e.results_json(),
            r#"{"unreached":{"key":"on","metadata":{}},"fine":{"key":"on","metadata":{}}}"#
        );
        let messages: Vec<String> = e.errors.iter().map(FlagError::message).collect();
        assert_eq!(
            messages,
            [
                r#"flag "broken": segments[0].conditions[1][0].values[1]: invalid regular expression"#
            ]
        );
    }

    #[test]
    fn results_json_of_nothing_is_an_empty_object() {
        assert_eq!(run("{}", "[]").results_json(), "{}");
    }

    #[test]
    fn array_index_is_canonical_and_below_2_pow_32_minus_1() {
        assert_eq!(array_index(b"0"), Some(0));
        assert_eq!(array_index(b"4294967294"), Some(4294967294));
        for key in [
            "",
            "01",
            "-1",
            "1.0",
            "4294967295",
            "99999999999",
            "a",
            "1a",
        ] {
            assert_eq!(array_index(key.as_bytes()), None, "{key}");
        }
    }

    #[test]
    fn set_keeps_javascript_property_order() {
        let mut m = Vec::new();
        for (k, n) in [
            ("b", 1),
            ("10", 2),
            ("a", 3),
            ("2", 4),
            ("b", 5),
            ("01", 6),
            ("0", 7),
        ] {
            set(
                &mut m,
                k.as_bytes().to_vec(),
                Value::Number(n.to_string().into()),
            );
        }
        assert_eq!(
            Value::Object(m).to_json(),
            r#"{"0":7,"2":4,"10":2,"b":5,"a":3,"01":6}"#
        );
    }
}
