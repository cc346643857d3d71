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
  return { all: false, anchors: [], added: null, content: null, removed: false, tracked: new WeakSet() };
}
export function filter_set(f, key, value) { f[key] = value; }
export function filter_track(f, el) { f.tracked.add(el); }
// Selectors anchored on an id (`#row-3 .title`, `#cta > b`: only descendant and child combinators
// after it) can match only at or inside the element with that id, and when the document has none
// they match nothing. So per batch: one getElementById per anchor (a hash lookup), and per record
// a walk up from its target looking for a live anchor, the same cost for 1 selector or 100.
// Other selectors go into one list tested with the browser's matches/closest/querySelector.
export function filter_selectors(f, added, content) {
  const anchors = [];
  const rest = (list) => {
    const out = [];
    for (const sel of list) {
      const m = /^#([\w-]+)(?![\w-])/.exec(sel);
      if (m && !/[,+~\\]|:has\(/.test(sel)) anchors.push({ id: m[1], el: null, seen: null });
      else out.push(sel);
    }
    return out.length ? out.join(", ") : null;
  };
  f.added = rest(added);
  f.content = rest(content);
  f.anchors = anchors;
}
export function observe(root, f, cb) {
  const o = new MutationObserver((records) => {
    if (f.all) return cb(records);
    // The anchors now on the page; one that is a new element since the last batch was added by
    // this batch (or moved): then each added node is checked against it.
    const live = new Set(), fresh = [];
    for (const a of f.anchors) {
      const el = document.getElementById(a.id);
      if (el) {
        live.add(el);
        if (el !== a.seen) fresh.push(el);
      }
      a.seen = el;
    }
    const out = [];
    for (let i = 0; i < records.length; i++) {
      const r = records[i], t = r.target;
      // An attribute of an element a mutation changed (the page may be overwriting it).
      if (r.type === "attributes") { if (f.tracked.has(t)) out.push(r); continue; }
      // Nodes taken out where an insert of ours may have been.
      if (f.removed && r.removedNodes.length) { out.push(r); continue; }
      // A change inside a live anchor.
      let inside = false;
      if (live.size) for (let n = t; n && !inside; n = n.parentNode) inside = live.has(n);
      if (inside) { out.push(r); continue; }
      // A change inside an element whose html or text an unanchored mutation sets.
      const el = t.nodeType === 1 ? t : t.parentElement;
      if (f.content && el && el.closest(f.content)) { out.push(r); continue; }
      // New elements: an anchor, one holding a fresh anchor, or one an unanchored selector
      // matches (or holding one).
      const added = r.addedNodes;
      for (let j = 0; j < added.length; j++) {
        const n = added[j];
        if (n.nodeType !== 1) continue;
        if (live.has(n) || fresh.some((a) => n.contains(a)) ||
            (f.added && (n.matches(f.added) || n.querySelector(f.added)))) { out.push(r); break; }
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
    fn filter_selectors(filter: &JsValue, added: js_sys::Array, content: js_sys::Array);
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
        filter_selectors(&self.0, list(&mut { added }), list(&mut { content }));
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
