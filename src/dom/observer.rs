//! An RAII `MutationObserver`, and the filter that keeps its batches out of the wasm unless they
//! concern an installed mutation.
//!
//! A page that re-renders hands the observer hundreds of records per frame. Looking at each one
//! from Rust costs a dozen calls across the wasm boundary (target, type, added nodes, each node,
//! `matches`...), so the first look happens in JavaScript, next to the records: only records that
//! may concern a mutation reach [`DomObserver`]'s callback, and a batch with none costs no wasm
//! call at all. The filter answers with the browser's own selector matching, never a query of the
//! whole document.

use wasm_bindgen::prelude::*;
use web_sys::{Element, MutationObserver, Node};

#[wasm_bindgen(inline_js = r#"
export function new_filter() {
  return { all: false, added: null, content: null, removed: false, tracked: new WeakSet() };
}
export function filter_set(f, key, value) { f[key] = value; }
export function filter_track(f, el) { f.tracked.add(el); }
// Selectors anchored on an id (`#row-3 .title`, `#cta > b`: only descendant and child combinators
// after it) can match only at or inside the element with that id; when the document has none,
// they match nothing at all. One getElementById per batch (a hash lookup) then spares testing each
// new node against them, as experiments mostly target ids. Anything else goes into one list
// tested with matches/querySelector.
export function filter_selectors(f, key, list) {
  if (!list.length) return (f[key] = null);
  const anchored = [], rest = [];
  for (const sel of list) {
    const m = /^#([\w-]+)(?![\w-])/.exec(sel);
    if (m && !/[,+~\\]|:has\(/.test(sel)) anchored.push({ sel, id: m[1], el: null });
    else rest.push(sel);
  }
  f[key] = { anchored, rest: rest.length ? rest.join(", ") : null };
}
// Whether `n` (an element) is or holds a match of the selectors `s` (live anchors found first).
function holds(s, n) {
  if (s.rest && (n.matches(s.rest) || n.querySelector(s.rest))) return true;
  for (const a of s.anchored) {
    if (a.el && (a.el === n || a.el.contains(n) || n.contains(a.el)) && (n.matches(a.sel) || n.querySelector(a.sel))) return true;
  }
  return false;
}
// Whether `el` is inside (or is) a match of the selectors `s`.
function within(s, el) {
  if (s.rest && el.closest(s.rest)) return true;
  for (const a of s.anchored) if (a.el && a.el.contains(el) && el.closest(a.sel)) return true;
  return false;
}
const findAnchors = (s) => { if (s) for (const a of s.anchored) a.el = document.getElementById(a.id); };
export function observe(root, f, cb) {
  const o = new MutationObserver((records) => {
    if (f.all) return cb(records);
    findAnchors(f.added);
    findAnchors(f.content);
    const out = [];
    for (const r of records) {
      const t = r.target;
      // An attribute of an element a mutation changed (the page may be overwriting it).
      if (r.type === "attributes") { if (f.tracked.has(t)) out.push(r); continue; }
      // Nodes taken out where an insert of ours may have been.
      if (f.removed && r.removedNodes.length) { out.push(r); continue; }
      // A change inside an element whose html or text a mutation sets.
      const el = t.nodeType === 1 ? t : t.parentElement;
      if (f.content && el && within(f.content, el)) { out.push(r); continue; }
      // New elements that a mutation's selector matches, or that hold one.
      if (f.added) {
        for (const n of r.addedNodes) if (n.nodeType === 1 && holds(f.added, n)) { out.push(r); break; }
      }
    }
    if (out.length) cb(out);
  });
  o.observe(root, { childList: true, subtree: true, attributes: true, characterData: true });
  return o;
}
"#)]
extern "C" {
    fn new_filter() -> JsValue;
    fn filter_set(filter: &JsValue, key: &str, value: &JsValue);
    fn filter_track(filter: &JsValue, el: &Element);
    fn filter_selectors(filter: &JsValue, key: &str, list: js_sys::Array);
    #[wasm_bindgen(catch)]
    fn observe(
        root: &Node,
        filter: &JsValue,
        callback: &JsValue,
    ) -> Result<MutationObserver, JsValue>;
}

/// Which mutation records are worth the wasm's attention. Starts passing nothing: each setter
/// widens it.
pub struct RecordFilter(JsValue);

impl Default for RecordFilter {
    fn default() -> Self {
        RecordFilter(new_filter())
    }
}

impl RecordFilter {
    /// Passes every record (while elements the parser has not finished are held back, every batch
    /// may be the one that finishes them).
    pub fn pass_all(&self, on: bool) {
        filter_set(&self.0, "all", &JsValue::from_bool(on));
    }

    /// Passes records adding elements that one of `added` matches (or holding one), and
    /// records of changes inside elements that one of `content` matches.
    pub fn set_selectors<'a>(
        &self,
        added: impl Iterator<Item = &'a str>,
        content: impl Iterator<Item = &'a str>,
    ) {
        let list = |sels: &mut dyn Iterator<Item = &'a str>| {
            sels.map(JsValue::from_str).collect::<js_sys::Array>()
        };
        filter_selectors(&self.0, "added", list(&mut { added }));
        filter_selectors(&self.0, "content", list(&mut { content }));
    }

    /// Passes every record that removes nodes.
    pub fn pass_removals(&self) {
        filter_set(&self.0, "removed", &JsValue::TRUE);
    }

    /// Passes the attribute records of `el`.
    pub fn track(&self, el: &Element) {
        filter_track(&self.0, el);
    }
}

/// A `MutationObserver` on a subtree that owns its callback and disconnects when dropped.
#[must_use = "the observer disconnects when dropped"]
pub struct DomObserver {
    observer: MutationObserver,
    _callback: Closure<dyn FnMut(js_sys::Array)>,
}

impl DomObserver {
    /// Observes child lists, attributes and text below `root`, calling `on_records` with the
    /// records of each batch that `filter` passes (an `Array` of `MutationRecord`; never empty).
    pub fn new(
        root: &Node,
        filter: &RecordFilter,
        mut on_records: impl FnMut(&js_sys::Array) + 'static,
    ) -> Result<DomObserver, JsValue> {
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |records: js_sys::Array| {
            on_records(&records);
        });
        let observer = observe(root, &filter.0, callback.as_ref())?;
        Ok(DomObserver {
            observer,
            _callback: callback,
        })
    }
}

impl Drop for DomObserver {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}
