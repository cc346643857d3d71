//! An RAII `MutationObserver`, and the filter that keeps its batches out of the wasm unless they
//! concern an installed mutation, and finds which mutations the added nodes match.
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
  return { all: false, anchored: [], loose: [], looseList: null, content: null, removed: false, tracked: new WeakSet() };
}
export function filter_set(f, key, value) { f[key] = value; }
export function filter_track(f, el) { f.tracked.add(el); }
// `entries`: [id, selector, ...] of the active mutations; `content`: the selectors of those that
// set html or text. Selectors anchored on an id (`#row-3 .title`, `#cta > b`: only descendant and
// child combinators after it) can match only at or inside the element with that id, and match
// nothing while the document has none. So per batch there is one getElementById per anchor (a
// hash lookup) and, per record, one walk up from its target: the same cost for 1 selector or 100.
// Other selectors are tested together with the browser's matches/closest/querySelector first.
export function filter_selectors(f, entries, content) {
  const anchored = [], loose = [], looseContent = [];
  for (let i = 0; i < entries.length; i += 2) {
    const id = entries[i], sel = entries[i + 1], isContent = content.includes(sel);
    // The id must end at a combinator, class, attribute, pseudo-class or the end: an id with
    // other characters (`#café`, escapes) is left to the general path.
    const m = /^#([\w-]+)(?=$|[\s>.:\[#])/.exec(sel);
    if (m && !/[,+~\\]|:has\(/.test(sel)) anchored.push({ id, sel, anchor: m[1], content: isContent, el: null, seen: null });
    else {
      loose.push({ id, sel });
      if (isContent) looseContent.push(sel);
    }
  }
  f.anchored = anchored;
  f.loose = loose;
  f.looseList = loose.length ? loose.map((e) => e.sel).join(", ") : null;
  f.content = looseContent.length ? looseContent.join(", ") : null;
}
// Adds to `hits` [id, element, ...] for each mutation that matches `n` or an element inside it.
function match(hits, id, sel, n) {
  if (n.matches(sel)) hits.push(id, n);
  for (const e of n.querySelectorAll(sel)) hits.push(id, e);
}
export function observe(root, f, cb) {
  const o = new MutationObserver((records) => {
    // The anchors now on the page, each with its mutations. One that is another element than in
    // the last batch came with this batch: the added nodes are checked for holding it.
    const live = new Map(), fresh = [];
    for (const a of f.anchored) {
      const el = document.getElementById(a.anchor);
      a.el = el;
      if (!el) continue;
      if (el !== a.seen) fresh.push(el);
      a.seen = el;
      const list = live.get(el);
      if (list) list.push(a); else live.set(el, [a]);
    }
    const out = [], hits = [];
    let lastTarget = null, around = null;
    for (let i = 0; i < records.length; i++) {
      const r = records[i], t = r.target, h = [];
      // The anchored mutations around the record's target (walking up from it; a re-render
      // gives many records in a row with the same target, walked once).
      if (t !== lastTarget) {
        lastTarget = t;
        around = null;
        if (live.size) for (let n = t; n; n = n.parentNode) { const l = live.get(n); if (l) (around || (around = [])).push(...l); }
      }
      const added = r.addedNodes;
      if (added.length) {
        // New elements: the mutations they match are found here, in the browser, and only the
        // pairs go to the wasm. An anchored mutation is tested only where its anchor is: around
        // the new element, the element itself, or a fresh anchor inside it.
        for (let j = 0; j < added.length; j++) {
          const n = added[j];
          if (n.nodeType !== 1) continue;
          if (around) for (const a of around) match(h, a.id, a.sel, n);
          const own = live.get(n);
          if (own) for (const a of own) match(h, a.id, a.sel, n);
          for (const el of fresh) {
            if (el !== n && n.contains(el)) for (const a of live.get(el)) match(h, a.id, a.sel, n);
          }
          if (f.looseList && (n.matches(f.looseList) || n.querySelector(f.looseList))) {
            for (const e of f.loose) match(h, e.id, e.sel, n);
          }
        }
      }
      let wanted = f.all || h.length > 0;
      if (!wanted) {
        if (r.type === "attributes") wanted = f.tracked.has(t);
        else if (f.removed && r.removedNodes.length) wanted = true;
        else {
          // A change inside an element whose html or text a mutation sets.
          wanted = !!around && around.some((a) => a.content);
          const el = t.nodeType === 1 ? t : t.parentElement;
          if (!wanted && f.content && el) wanted = !!el.closest(f.content);
        }
      }
      if (wanted) { out.push(r); hits.push(h); }
    }
    if (out.length) cb(out, hits);
  });
  o.observe(root, { childList: true, subtree: true, attributes: true, characterData: true });
  return o;
}
"#)]
extern "C" {
    fn new_filter() -> JsValue;
    fn filter_set(filter: &JsValue, key: &str, value: &JsValue);
    fn filter_track(filter: &JsValue, el: &Element);
    fn filter_selectors(filter: &JsValue, entries: js_sys::Array, content: js_sys::Array);
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

    /// Sets the active mutations, as `(id, selector)`: records adding elements they match (or
    /// holding one) pass, with the matches found; and the selectors of the html and text ones:
    /// records of changes inside elements they match pass.
    pub fn set_selectors<'a>(
        &self,
        entries: impl Iterator<Item = (usize, &'a str)>,
        content: impl Iterator<Item = &'a str>,
    ) {
        let list = js_sys::Array::new();
        for (id, selector) in entries {
            list.push(&JsValue::from(id as u32));
            list.push(&JsValue::from_str(selector));
        }
        let content = content.map(JsValue::from_str).collect();
        filter_selectors(&self.0, list, content);
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
    _callback: Closure<dyn FnMut(js_sys::Array, js_sys::Array)>,
}

impl DomObserver {
    /// Observes child lists, attributes and text below `root`, calling `on_records` with the
    /// records of each batch that `filter` passes (an `Array` of `MutationRecord`; never empty)
    /// and, for each, the matches among the nodes it added (an `Array` of `[id, element, ...]`).
    pub fn new(
        root: &Node,
        filter: &RecordFilter,
        mut on_records: impl FnMut(&js_sys::Array, &js_sys::Array) + 'static,
    ) -> Result<DomObserver, JsValue> {
        let callback = Closure::<dyn FnMut(js_sys::Array, js_sys::Array)>::new(
            move |records: js_sys::Array, hits: js_sys::Array| on_records(&records, &hits),
        );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dom::document;
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    async fn settle() {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            crate::dom::window()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
                .unwrap();
        });
        wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    }

    /// `(id, element id)` pairs of every hit the observer reported, and the number of batches.
    type Seen = Rc<RefCell<(Vec<(u32, String)>, usize)>>;

    fn watch(filter: &RecordFilter) -> (Seen, DomObserver) {
        let seen: Seen = Rc::default();
        let s = seen.clone();
        let observer = DomObserver::new(&document(), filter, move |_, hits| {
            let mut s = s.borrow_mut();
            s.1 += 1;
            for h in hits.iter() {
                let h: js_sys::Array = h.unchecked_into();
                let mut i = 0;
                while i + 1 < h.length() {
                    let el: Element = h.get(i + 1).unchecked_into();
                    s.0.push((h.get(i).as_f64().unwrap() as u32, el.id()));
                    i += 2;
                }
            }
        })
        .unwrap();
        (seen, observer)
    }

    fn add(parent: &Element, html: &str) -> Element {
        let el = document().create_element("div").unwrap();
        el.set_inner_html(html);
        parent.append_child(&el).unwrap();
        el
    }

    #[wasm_bindgen_test]
    async fn added_nodes_are_matched_in_the_browser_and_other_batches_stay_out() {
        let body: Element = document().body().unwrap().unchecked_into();
        let root = add(&body, "<section id='anchor-a'><p id='old'>x</p></section>");
        let filter = RecordFilter::default();
        filter.set_selectors(
            [
                (0, "#anchor-a .t"),
                (1, "#anchor-b > .t"),
                (2, ".loose"),
                (3, "#café .t"),
            ]
            .into_iter(),
            core::iter::empty(),
        );
        let (seen, _observer) = watch(&filter);
        // Nothing any mutation matches: no batch reaches the callback at all.
        add(&root, "<p id='n1' class='other'>n</p>");
        settle().await;
        assert_eq!(seen.borrow().1, 0);
        // Inside an anchor that was already there.
        let a = document().get_element_by_id("anchor-a").unwrap();
        add(&a, "<span id='in-a' class='t'></span>");
        // A new anchor element holding a match, and a loose match anywhere.
        add(
            &root,
            "<div id='anchor-b'><b id='in-b' class='t'></b></div><i id='obs-l1' class='loose'></i>",
        );
        // An id the anchor pattern does not take whole is matched the general way.
        add(&root, "<div id='café'><b id='in-c' class='t'></b></div>");
        settle().await;
        let mut hits = seen.borrow().0.clone();
        hits.sort();
        assert_eq!(
            hits,
            [
                (0, "in-a".into()),
                (1, "in-b".into()),
                (2, "obs-l1".into()),
                (3, "in-c".into())
            ]
        );
        root.remove();
    }
}
