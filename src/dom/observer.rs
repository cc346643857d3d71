//! An RAII `MutationObserver`, and the filter that keeps its batches out of the wasm unless they
//! concern an installed mutation, and finds which mutations the added nodes match.
//!
//! A page that re-renders hands the observer hundreds of records per frame. Looking at each one
//! from Rust costs a dozen calls across the wasm boundary (target, type, added nodes, each node,
//! `matches`...), so the first look happens in JavaScript, next to the records: only records that
//! may concern a mutation reach [`DomObserver`]'s callback, and a batch with none costs no wasm
//! call at all. The filter answers with the browser's own selector matching, never a query of the
//! whole document.
//!
//! Elements are compared in Rust by [`NodeKey`]: a number per node, kept in a JS `WeakMap`, so
//! that finding an element's records costs no call per record.

use crate::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{Element, MutationObserver, Node};

#[wasm_bindgen(inline_js = r#"
export function new_filter(memory, at, cap) {
  return { live: new Map(), liveCount: 0, all: false, anchored: [], loose: [], looseList: null, content: null, removed: false, tracked: new WeakSet(), memory, at, cap, mail: new Uint32Array(0) };
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
  // (A page in quirks mode matches ids in selectors without regard to case, which
  // getElementById does not, and finds an id's elements only by walking the document: its
  // selectors all take the general path.)
  const anchored = [], loose = [], looseContent = [], contentIds = new Set(), quirks = document.compatMode === "BackCompat";
  for (let i = 0; i < entries.length; i += 2) {
    const id = entries[i], sel = entries[i + 1], isContent = content.includes(sel);
    if (isContent) contentIds.add(id);
    // The id must end at a combinator, class, attribute, pseudo-class or the end: an id with
    // other characters (`#café`, escapes) is left to the general path.
    const m = /^#([\w-]+)(?=$|[\s>.:\[#])/.exec(sel);
    // The id is kept as a property key: V8 interns those, and `getElementById` takes an interned
    // string about twice as fast (measured: 0.2 µs against 0.5 µs a call).
    // (An id with bit 29 set is matched among added nodes even so: a move or removal, made
    // again when the page puts its element back.)
    if (m && !quirks && !(id & 0x20000000) && !/[,+~\\]|:has\(/.test(sel)) {
      // Where the anchor's compound is the id alone and a descendant or child combinator
      // follows, the matches in the anchor are queried as `:scope .rest`: a query that starts
      // with an id costs the browser 3 to 10 times more (measured: 10-45 µs against 0-5 µs in a
      // re-rendered row). `whole`: the selector is the id alone, whose one match is the anchor.
      const c = /^#[\w-]+(\s*>\s*|\s+)(?=\S)/.exec(sel);
      const scoped = c && ":scope " + (c[1].includes(">") ? "> " : "") + sel.slice(c[0].length);
      anchored.push({ id, sel, anchor: Object.keys({ [m[1]]: 0 })[0], all: `#${CSS.escape(m[1])}`, whole: sel.length === m[0].length, scoped, content: isContent, seen: NONE });
    } else {
      loose.push({ id, sel });
      if (isContent) looseContent.push(sel);
    }
  }
  // Every anchor starts unseen: those on the page are matched in full at the next batch.
  f.anchored = anchored;
  f.live = new Map();
  f.liveCount = 0;
  f.loose = loose;
  const g = grouped(loose.map((e) => e.sel));
  f.looseList = loose.length ? g.list : null;
  f.looseGroups = g.groups;
  f.content = looseContent.length ? grouped(looseContent).list : null;
  f.contentIds = contentIds;
  // Selectors that an element can start to match when its siblings change (`li:first-child`
  // once the first item is removed): then the elements around each child-list change are
  // matched too, not only those it added.
  f.structural = entries.some((e, i) => i % 2 && /:(first|last|only|nth)-|:empty/.test(e));
}
// `selectors` as one list that matches what any of them matches, for the browser to test an
// element against at less cost: those that end alike (the same last compound after the same
// combinator) are joined as `:is(.a, .b) .title`. The browser tests a list one selector after
// the other, each from its last compound, so 25 selectors that end in 3 ways cost about 3
// (measured: 50 µs against 130 for 40 re-rendered rows against the churn benchmark's 25).
// A selector is kept as it is where it is a list itself, or its start may not go into `:is()`
// (pseudo-elements and shadow-tree selectors, which `:is()` would drop without a word).
// Returns the list and its `groups`: each one selector of it, with the indexes in `selectors`
// of those it stands for.
function grouped(selectors) {
  // (None: nothing to ask the browser. An empty list is a syntax error, whose exception costs a
  // stack trace, which in a file this large takes 5 to 15 ms of the page's start: measured.)
  if (!selectors.length) return { list: "", groups: [] };
  const groups = new Map();
  selectors.forEach((sel, k) => {
    sel = sel.trim();
    const at = lastCombinator(sel), head = at && sel.slice(0, at[0]).trim(), comb = at && sel.slice(at[0], at[1]).trim();
    const key = at && !/::|:(before|after|first-l|host|slotted|part|-)/i.test(head) ? (comb ? ` ${comb} ` : " ") + sel.slice(at[1]) : "\0" + sel;
    const g = groups.get(key);
    if (g) g.heads.push(head), g.members.push(k);
    else groups.set(key, { sel, heads: [head], tail: key, members: [k] });
  });
  for (const g of groups.values()) if (new Set(g.heads).size > 1) g.sel = `:is(${g.heads.join(", ")})${g.tail}`;
  const list = [...groups.values()].map((g) => g.sel).join(", ");
  // (Where the browser cannot read the joined list, an older one without `:is()`: one group per
  // selector.)
  try {
    document.createDocumentFragment().querySelector(list);
    return { list, groups: [...groups.values()] };
  } catch {
    return { list: selectors.join(", "), groups: selectors.map((sel, k) => ({ sel, members: [k] })) };
  }
}
// Where the last combinator of `sel` (outside brackets, parentheses and strings) starts and its
// compound after it starts; `null` when there is none, or `sel` is a list (a comma).
function lastCombinator(sel) {
  let depth = 0, quote = "", last = null;
  for (let i = 0; i < sel.length; i++) {
    const c = sel[i];
    if (c === "\\") i++;
    else if (quote) quote = c === quote ? "" : quote;
    else if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (!depth && c === ",") return null;
    else if (!depth && /[\s>+~]/.test(c)) {
      const start = i;
      while (i + 1 < sel.length && /[\s>+~]/.test(sel[i + 1])) i++;
      // (Not at the very start or end: that is only space around the selector.)
      if (start > 0 && i + 1 < sel.length && sel.slice(0, start).trim()) last = [start, i + 1];
    }
  }
  return last;
}
// Adds to `hits` [id, element, ...] for each mutation that matches `n` or an element inside it;
// returns `hits`, made when it was `null` (most records hit nothing and allocate nothing).
function match(hits, id, sel, n) {
  if (n.matches(sel)) (hits || (hits = [])).push(id, n);
  return inside(hits, id, sel, n);
}
// `match` of the elements inside `n` only.
function inside(hits, id, sel, n) {
  const all = n.querySelectorAll(sel);
  for (let i = 0; i < all.length; i++) (hits || (hits = [])).push(id, all[i]);
  return hits;
}
// `match` of every loose mutation at once: the elements that match the whole list are found first
// (mostly one, among the many a re-render added), and only for them each group, then each
// selector of a group that matches. In the order `match` of each mutation in turn gives.
// `itself`: whether `n` matches the whole list (the caller asked already).
function looseHits(f, hits, n, itself) {
  const found = [...n.querySelectorAll(f.looseList)], pairs = [];
  if (itself) found.unshift(n);
  for (let c = 0; c < found.length; c++) for (const g of f.looseGroups) {
    if (!found[c].matches(g.sel)) continue;
    for (const k of g.members) if (g.members.length === 1 || found[c].matches(f.loose[k].sel)) pairs.push([k, c]);
  }
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [k, c] of pairs) (hits || (hits = [])).push(f.loose[k].id, found[c]);
  return hits;
}
// `hits` without those already handed to the wasm in this observer callback (`f.given`: element
// to mutation ids); `null` when none is left.
function unseen(f, hits) {
  let out = null;
  for (let j = 0; j < hits.length; j += 2) {
    if (!f.given?.get(hits[j + 1])?.includes(hits[j])) (out || (out = [])).push(hits[j], hits[j + 1]);
  }
  return out;
}
// (No elements: one array for every anchor absent from the page.)
const NONE = [];
// Whether two lists hold the same elements in the same order.
function same(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
// The records of one batch that concern the mutations, and for each the matches among the nodes
// it added; `null` when none does. `ours`: records our own writes just made, of which only those
// that bring a mutation's matches matter (elements added, or an attribute set that makes an
// element match); the wasm knows its writes' other effects.
// A record given as a number (its kind, below) stands for the matches in and at anchors that came
// with the batch.
function scan(f, doc, records, ours) {
  const out = [], hits = [];
  // The anchors now on the page, each with its mutations. One that is another element than in
  // the last batch (or was absent from it) came with this batch: its mutations are matched in
  // it at once, whichever record brought it, and the records inside it need nothing more.
  // `live` maps each anchor element on the page to its mutations, from batch to batch.
  let fresh = null;
  const anchored = f.anchored, live = f.live;
  // Our own writes bring or take an anchor only when they add or remove elements or set an id;
  // else the anchors stay as the page's batch left them, and looking them up again would cost a
  // lookup per anchor for each change applied.
  let anchorsMayMove = !ours;
  if (ours) for (const r of records) {
    anchorsMayMove ||= r.attributeName === "id";
    for (const n of [...r.addedNodes, ...r.removedNodes]) anchorsMayMove ||= n.nodeType === 1;
  }
  if (anchorsMayMove) for (let i = 0; i < anchored.length; i++) {
    const a = anchored[i], first = doc.getElementById(a.anchor), was = a.seen;
    // Every element with the id: one, but some pages have several (invalid, and common: a
    // header rendered twice, for phones and for desktops), and each matches as it would in a
    // query. Asked only where the id is on the page, which the browser answers from its id
    // map unless the id is on several elements.
    const all = first && doc.querySelectorAll(a.all);
    if (!first ? !was.length : all.length === 1 ? was.length === 1 && was[0] === first : same(all, was)) continue;
    const now = !first ? NONE : all.length === 1 ? [first] : [...all];
    for (const el of was) {
      if (now.includes(el)) continue;
      const l = live.get(el), k = l.indexOf(a);
      if (k >= 0) l.splice(k, 1);
      if (!l.length) { live.delete(el); f.liveCount--; }
    }
    a.seen = now;
    for (const el of now) {
      if (was.includes(el)) continue;
      (fresh || (fresh = new Set())).add(el);
      const l = live.get(el);
      if (l) l.push(a); else { live.set(el, [a]); f.liveCount++; }
      const h = a.whole ? [a.id, el] : a.scoped ? inside(null, a.id, a.scoped, el) : match(null, a.id, a.sel, el);
      if (!h) continue;
      // Kind 1 asks the wasm to check whether the matches are its own output (inside html it
      // wrote, or nodes an insert put in); kind 2 tells none can be: none is, or is inside, an
      // element whose html or text a mutation sets or that an insert put in.
      let mine = false;
      for (let j = 1; j < h.length && !mine; j += 2) mine = !!keys_around(h[j], true);
      out.push(mine ? 1 : 2);
      hits.push(h);
    }
  }
  // (`inContent`: whether the target is in an element whose html or text a loose mutation sets;
  // found once per target, when first needed.)
  // (`freshContent`: whether the target is in a fresh anchor element of a mutation that sets
  // html or text.)
  let lastTarget = null, around = null, freshContent = false, tracked = false, inContent;
  for (let i = 0; i < records.length; i++) {
    // (Only attribute records name an attribute: `r.type` is not read, a call less per record.)
    const r = records[i], t = r.target, attribute = r.attributeName;
    let h = null;
    // The anchored mutations around the record's target (walking up from it; a re-render
    // gives many records in a row with the same target, walked once).
    if (t !== lastTarget) {
      lastTarget = t;
      tracked = f.tracked.has(t);
      around = null;
      freshContent = false;
      inContent = undefined;
      // (A fresh anchor's whole content is matched already.)
      if (f.liveCount) for (let n = t; n; n = n.parentNode) {
        const l = live.get(n);
        if (!l) continue;
        if (fresh && fresh.has(n)) freshContent ||= l.some((a) => a.content);
        else (around || (around = [])).push(...l);
      }
    }
    // New elements: the mutations they match are found here, in the browser, and only the
    // pairs go to the wasm. An anchored mutation is tested only inside its anchor. An element
    // whose attributes changed (a class or state set later: `.menu.open .item`, by the page or
    // by another mutation) is tested again, with what it holds; not for `style`, which pages
    // animate constantly and selectors hardly use.
    if (around || f.looseList) {
      let added = attribute === null ? r.addedNodes : attribute === "style" ? [] : [t];
      // (The first and last children and the neighbours of the change: those whose place among
      // their siblings it changed at the ends. Not every child of a long list at every change.)
      if (attribute === null && f.structural && t.nodeType === 1) {
        added = [...added, t.firstElementChild, t.lastElementChild, r.previousSibling, r.nextSibling].filter((n, i, all) => n && all.indexOf(n) === i);
      }
      // (An anchor alone, `#id`, matched its element before our own write to its attributes.)
      const skipWhole = ours && attribute !== null;
      for (let j = 0; j < added.length; j++) {
        const n = added[j];
        if (n.nodeType !== 1) continue;
        if (around) for (const a of around) if (!(skipWhole && a.whole)) h = match(h, a.id, a.sel, n);
        if (f.looseList) {
          const itself = n.matches(f.looseList);
          if (itself || n.querySelector(f.looseList)) h = looseHits(f, h, n, itself);
        }
      }
    }
    // (Our writes bring again matches the wasm had in this batch's earlier rounds: an appended
    // class keeps its element matching the selector that appended it.)
    if (ours && h) h = unseen(f, h);
    let wanted = h !== null || (f.all && !ours);
    // The record is looked at further only when something could want it.
    if (!wanted && !ours && (tracked || around || freshContent || f.removed || f.content || f.contentIds?.size)) {
      if (attribute !== null) wanted = tracked;
      else if (f.removed && r.removedNodes.length) wanted = true;
      else {
        // A change inside an element whose html or text a mutation sets; at such an element,
        // found by it also once it no longer matches the selector (the page took the class it
        // names), as the element's class and attribute changes are (\`tracked\`).
        wanted = freshContent || (!!around && around.some((a) => a.content));
        if (!wanted) {
          const el = t.nodeType === 1 ? t : t.parentElement;
          wanted = inContent ??= !!el && (contentKeys.has(el) || (!!f.content && !!el.closest(f.content)));
        }
      }
    }
    if (wanted) { out.push(r); hits.push(h || []); }
  }
  if (!out.length) return null;
  for (const h of hits) for (let j = 0; j < h.length; j += 2) {
    const ids = (f.given ||= new Map()).get(h[j + 1]);
    if (ids) ids.push(h[j]); else f.given.set(h[j + 1], [h[j]]);
  }
  // For the wasm, in as few calls across the boundary as possible: the records (for anchors,
  // their kind); the plan, numbers giving per record its kind (0 a record, 1 an anchor whose
  // matches may be the wasm's own output, 2 one whose cannot), its number of hits and each hit's
  // mutation id and element key; and the hits' elements in the same order. The plan is written
  // straight into the wasm's memory (its mailbox) when it fits, else handed over after them.
  const plan = [], els = [];
  for (let i = 0; i < out.length; i++) {
    const r = out[i], h = hits[i];
    plan.push(typeof r == "number" ? r : 0, h.length / 2);
    for (let j = 0; j < h.length; j += 2) {
      plan.push(h[j], key_of(h[j + 1], f.contentIds.has(h[j])));
      els.push(h[j + 1]);
    }
  }
  // (A larger plan follows the elements, as a typed array.)
  if (plan.length > f.cap) els.push(new Uint32Array(plan));
  else {
    // (A view on the memory is detached, length 0, once the wasm has grown its memory.)
    if (!f.mail.length) f.mail = new Uint32Array(f.memory.buffer, f.at, f.cap);
    f.mail.set(plan);
  }
  return [out, plan.length, els];
}
export function observe(root, f, cb) {
  const doc = root.ownerDocument || root;
  const o = new MutationObserver((records) => {
    // After the wasm has handled a batch, the records its own writes made are taken at once
    // rather than delivered as a batch of their own: that would cost a wasm call per change
    // applied, to learn what the wasm already knows. They can still bring a mutation's matches
    // (an insert's HTML, a class another mutation's selector needs), so those go to the wasm; a
    // few rounds at most.
    try {
      f.given = null;
      for (let round = 0; ; round++) {
        const batch = scan(f, doc, records, round > 0);
        if (!batch) return;
        cb(batch[0], batch[1], batch[2]);
        // (After the last round, what the writes made is delivered as a batch of its own.)
        if (round === 3) return;
        records = o.takeRecords();
        if (!records.length) return;
      }
    } catch (e) {
      // Not into the page (its window.onerror): a page method webexp calls that throws (an
      // Element.prototype.matches of its own), said once.
      if (!f.threw) console.error("webexp: reading the page's changes failed; skipped:", e);
      f.threw = true;
    }
  });
  o.observe(root, { childList: true, subtree: true, attributes: true, characterData: true });
  return o;
}
// A number for each element the mutator keeps, so that it compares numbers instead of asking
// JavaScript whether two elements are the same (a call per comparison). Elements whose html or
// text a mutation sets are also in `contentKeys`: what happens inside them concerns them.
const keys = new WeakMap(), contentKeys = new WeakMap();
let lastKey = 0;
export function key_of(el, content) {
  let k = keys.get(el);
  if (k === undefined) keys.set(el, (k = ++lastKey));
  if (content) contentKeys.set(el, k);
  return k;
}
// The keys of the content elements (above) at `n` (when `self`) and around it, innermost
// first; `undefined` when there is none, as mostly.
export function keys_around(n, self) {
  let out;
  for (n = self ? n : n.parentNode; n; n = n.parentNode) { const k = contentKeys.get(n); if (k !== undefined) (out || (out = [])).push(k); }
  return out && new Uint32Array(out);
}
"#)]
extern "C" {
    fn new_filter(memory: JsValue, at: u32, cap: u32) -> JsValue;
    fn filter_set(filter: &JsValue, key: &str, value: &JsValue);
    fn filter_track(filter: &JsValue, el: &Element);
    fn filter_selectors(filter: &JsValue, entries: js_sys::Array, content: js_sys::Array);
    fn key_of(el: &Node, content: bool) -> u32;
    fn keys_around(node: &Node, itself: bool) -> Option<js_sys::Uint32Array>;
    #[wasm_bindgen(catch)]
    fn observe(
        root: &Node,
        filter: &JsValue,
        callback: &JsValue,
    ) -> Result<MutationObserver, JsValue>;
}

/// A number that stands for a node while it lives: the same node always gets the same one, two
/// nodes never do. Comparing keys costs nothing, where comparing two nodes costs a call into
/// JavaScript.
pub type NodeKey = u32;

/// The key of `node`.
pub fn node_key(node: &Node) -> NodeKey {
    key_of(node, false)
}

/// The key of `el`, an element whose html or text a mutation sets: from now on it is among the
/// [`content_keys_around`] of the nodes inside it.
pub fn content_key(el: &Node) -> NodeKey {
    key_of(el, true)
}

/// The keys of `node` (when `itself`) and of its ancestors that got a [`content_key`],
/// innermost first.
pub fn content_keys_around(node: &Node, itself: bool) -> Vec<NodeKey> {
    keys_around(node, itself).map_or_else(Vec::new, |keys| keys.to_vec())
}

/// Which mutation records are worth the wasm's attention. Starts passing nothing: each setter
/// widens it.
pub struct RecordFilter {
    filter: JsValue,
    /// What [`RecordFilter::pass_all`] last set (set on every attach; told to JS on a change).
    all: core::cell::Cell<bool>,
}

/// Capacity of the [`MAILBOX`], in numbers: the plan of a batch with up to about 300 hits.
const MAILBOX_LEN: usize = 1024;

/// Where the filter writes the plan of each batch (see [`Batch`]), in the wasm's memory: that
/// costs no call across the boundary, where copying it out of a JS array costs two (about 8 µs
/// on a page that re-renders; measured). A larger plan comes after the hits' elements, as a
/// typed array.
struct Mailbox(core::cell::UnsafeCell<[u32; MAILBOX_LEN]>);

// The wasm runs on one thread; the mailbox is read only inside the observer's callback, right
// after JS wrote it.
unsafe impl Sync for Mailbox {}

static MAILBOX: Mailbox = Mailbox(core::cell::UnsafeCell::new([0; MAILBOX_LEN]));

impl Default for RecordFilter {
    fn default() -> Self {
        RecordFilter {
            filter: new_filter(
                wasm_bindgen::memory(),
                MAILBOX.0.get() as u32,
                MAILBOX_LEN as u32,
            ),
            all: core::cell::Cell::new(false),
        }
    }
}

impl RecordFilter {
    /// Passes every record (while elements the parser has not finished are held back, every batch
    /// may be the one that finishes them).
    pub fn pass_all(&self, on: bool) {
        if self.all.replace(on) != on {
            filter_set(&self.filter, "all", &JsValue::from_bool(on));
        }
    }

    /// Sets the active mutations, as `(id, selector)`: records adding elements they match (or
    /// holding one) pass, with the matches found; and the selectors of the html and text ones:
    /// records of changes inside elements they match pass.
    pub fn set_selectors(&self, entries: &[(usize, &str)], content: &[&str]) {
        let list = js_sys::Array::new();
        for &(id, selector) in entries {
            list.push(&JsValue::from(id as u32));
            list.push(&JsValue::from_str(selector));
        }
        let content = content.iter().map(|s| JsValue::from_str(s)).collect();
        filter_selectors(&self.filter, list, content);
    }

    /// Passes every record that removes nodes.
    pub fn pass_removals(&self) {
        filter_set(&self.filter, "removed", &JsValue::TRUE);
    }

    /// Passes the attribute records of `el`.
    pub fn track(&self, el: &Element) {
        filter_track(&self.filter, el);
    }
}

/// One observer batch as the filter hands it over: the records worth looking at and, for each,
/// the mutations that the elements it added match (see [`DomObserver::new`]).
pub struct Batch {
    records: js_sys::Array,
    /// Per record: its kind, its number of hits, then `(mutation id, element key)` per hit.
    plan: Vec<u32>,
    /// The hits' elements, in the order of the plan.
    els: js_sys::Array,
    /// Where the next record starts in `plan`, its index, and the index of its first hit in `els`.
    at: usize,
    index: u32,
    first: u32,
}

/// What a record of a [`Batch`] is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A `MutationRecord` ([`Batch::record`]).
    Record,
    /// Anchor elements that came with the batch, with their matches, of which some have or are
    /// inside an element with a [`content_key`] (they may be the mutator's own output).
    AnchorInContent,
    /// Anchor elements that came with the batch, with their matches, none of which has or is
    /// inside an element with a [`content_key`].
    Anchor,
}

/// One record of a [`Batch`] and its hits.
pub struct Slot {
    /// What it is.
    pub origin: Origin,
    /// Its number of hits.
    pub hits: usize,
    /// Its index in the batch.
    index: u32,
    /// Where its hits start in the plan.
    at: usize,
    /// The index of its first hit's element.
    first: u32,
}

impl Batch {
    /// The next record and its hits.
    pub fn next_slot(&mut self) -> Option<Slot> {
        let head = self.plan.get(self.at..self.at + 2)?;
        let (kind, hits) = (head[0], head[1] as usize);
        let slot = Slot {
            origin: match kind {
                0 => Origin::Record,
                1 => Origin::AnchorInContent,
                _ => Origin::Anchor,
            },
            hits,
            index: self.index,
            at: self.at + 2,
            first: self.first,
        };
        self.at += 2 + 2 * hits;
        self.index += 1;
        self.first += hits as u32;
        Some(slot)
    }

    /// Starts [`Batch::next_slot`] over from the first record.
    pub fn rewind(&mut self) {
        (self.at, self.index, self.first) = (0, 0, 0);
    }

    /// Hit `i` of `slot`: the mutation id (as the filter got it) and the element's key.
    pub fn hit(&self, slot: &Slot, i: usize) -> (usize, NodeKey) {
        let at = slot.at + 2 * i;
        match self.plan.get(at..at + 2) {
            Some(pair) => (pair[0] as usize, pair[1]),
            None => (usize::MAX, 0),
        }
    }

    /// The `MutationRecord` of a slot of origin [`Origin::Record`].
    pub fn record(&self, slot: &Slot) -> web_sys::MutationRecord {
        self.records.get(slot.index).unchecked_into()
    }

    /// The element of hit `i` of `slot`.
    pub fn element(&self, slot: &Slot, i: usize) -> Element {
        self.els.get(slot.first + i as u32).unchecked_into()
    }
}

/// A `MutationObserver` on a subtree that owns its callback and disconnects when dropped.
#[must_use = "the observer disconnects when dropped"]
pub struct DomObserver {
    observer: MutationObserver,
    _callback: Closure<dyn FnMut(js_sys::Array, u32, js_sys::Array)>,
}

impl DomObserver {
    /// Observes child lists, attributes and text below `root`, calling `on_records` with each
    /// batch that `filter` passes: its records (never none) and, for each, the matches among the
    /// nodes it added, as mutation ids and element keys (the element's key is taken here, a
    /// [`content_key`] for the mutations that set html or text). Anchor elements new in the
    /// batch come as records of their own ([`Origin::Anchor`]), with their matches.
    ///
    /// The records that `on_records`'s own writes make are taken right after it returns (not
    /// delivered as a batch of their own), and passed on only where they add elements that a
    /// mutation matches: `on_records` must not run page code (a delivery to the integration
    /// belongs in a later microtask), whose DOM changes would be taken with them.
    pub fn new(
        root: &Node,
        filter: &RecordFilter,
        mut on_records: impl FnMut(Batch) + 'static,
    ) -> Result<DomObserver, JsValue> {
        let callback = Closure::<dyn FnMut(js_sys::Array, u32, js_sys::Array)>::new(
            move |records, len: u32, els: js_sys::Array| {
                let len = len as usize;
                let plan = match len <= MAILBOX_LEN {
                    // SAFETY: single-threaded, and JS wrote `len` numbers there just before this
                    // call; nothing else touches the mailbox.
                    true => unsafe {
                        core::slice::from_raw_parts(MAILBOX.0.get().cast::<u32>(), len).to_vec()
                    },
                    false => els.pop().unchecked_into::<js_sys::Uint32Array>().to_vec(),
                };
                on_records(Batch {
                    records,
                    plan,
                    els,
                    at: 0,
                    index: 0,
                    first: 0,
                })
            },
        );
        let observer = observe(root, &filter.filter, callback.as_ref())?;
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
        watch_and_write(filter, |_| {})
    }

    /// [`watch`], calling `write` with each hit's element, as the mutator writes to it.
    fn watch_and_write(
        filter: &RecordFilter,
        write: impl Fn(&Element) + 'static,
    ) -> (Seen, DomObserver) {
        let seen: Seen = Rc::default();
        let s = seen.clone();
        let observer = DomObserver::new(&document(), filter, move |mut batch| {
            let mut s = s.borrow_mut();
            s.1 += 1;
            while let Some(slot) = batch.next_slot() {
                for i in 0..slot.hits {
                    let el = batch.element(&slot, i);
                    s.0.push((batch.hit(&slot, i).0 as u32, el.id()));
                    write(&el);
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
            &[
                (0, "#anchor-a .t"),
                (1, "#anchor-b > .t"),
                (2, ".loose"),
                (3, "#café .t"),
                (4, "#anchor-w"),
            ],
            &[],
        );
        let (seen, _observer) = watch(&filter);
        // Nothing any mutation matches: no batch reaches the callback at all.
        add(&root, "<p id='n1' class='other'>n</p>");
        settle().await;
        assert_eq!(seen.borrow().1, 0);
        // Inside an anchor that was already there.
        let a = document().get_element_by_id("anchor-a").unwrap();
        add(&a, "<span id='in-a' class='t'></span>");
        // A new anchor element holding a match (a child: a grandchild does not match `>`), a
        // selector that is an anchor alone, and a loose match anywhere.
        add(
            &root,
            "<div id='anchor-b'><b id='in-b' class='t'></b><i><b id='deep-b' class='t'></b></i></div>\
             <p id='anchor-w'></p><i id='obs-l1' class='loose'></i>",
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
                (3, "in-c".into()),
                (4, "anchor-w".into())
            ]
        );
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn selectors_that_end_alike_are_matched_together_and_each_as_itself() {
        let body: Element = document().body().unwrap().unchecked_into();
        let filter = RecordFilter::default();
        // Tested as one `:is()` per last compound and combinator: `.p > .x` and `.p i > .x`
        // end alike, `.q .x` and `[data-x='a b, c'] .x` too (a comma and a space inside
        // quotes), and two mutations share a selector.
        filter.set_selectors(
            &[
                (0, ".p > .x"),
                (1, ".q .x"),
                (2, "[data-x='a b, c'] .x"),
                (3, ".p i > .x"),
                (4, ".p > .x"),
                (5, ".zzz .x"),
                (6, ":not(.p, .q) > i > .x"),
            ],
            &[],
        );
        let (seen, _observer) = watch(&filter);
        let root = add(
            &body,
            "<div class='p'><b class='x' id='g-child'></b><i><b class='x' id='g-deep'></b></i></div>\
             <div class='q' data-x='a b, c'><b class='x' id='g-q'></b><i><b class='x' id='g-q-deep'></b></i></div>",
        );
        settle().await;
        let mut hits = seen.borrow().0.clone();
        hits.sort();
        assert_eq!(
            hits,
            [
                (0, "g-child".into()),
                (1, "g-q".into()),
                (1, "g-q-deep".into()),
                (2, "g-q".into()),
                (2, "g-q-deep".into()),
                (3, "g-deep".into()),
                (4, "g-child".into()),
            ]
        );
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn a_match_our_own_write_keeps_is_not_handed_over_again_but_one_it_makes_is() {
        let body: Element = document().body().unwrap().unchecked_into();
        let filter = RecordFilter::default();
        filter.set_selectors(&[(0, ".own"), (1, ".own.changed")], &[]);
        // Writes as the mutator does: a class appended to each element matched, unless there.
        // The element still matches `.own`, which was handed over already, and now matches
        // `.own.changed`.
        let (seen, _observer) = watch_and_write(&filter, |el| {
            if !el.class_list().contains("changed") {
                el.class_list().add_1("changed").unwrap();
            }
        });
        let root = add(&body, "<p class='own' id='own-1'></p>");
        settle().await;
        assert_eq!(
            *seen.borrow(),
            (vec![(0, "own-1".into()), (1, "own-1".into())], 2)
        );
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn a_batch_too_large_for_the_mailbox_arrives_whole() {
        let body: Element = document().body().unwrap().unchecked_into();
        let filter = RecordFilter::default();
        filter.set_selectors(&[(7, ".many")], &[]);
        let (seen, _observer) = watch(&filter);
        // 600 matches in one record: 1202 numbers, more than the mailbox holds.
        let root = add(&body, &"<i class='many'></i>".repeat(600));
        settle().await;
        let seen = seen.borrow();
        assert_eq!(seen.0.len(), 600);
        assert!(seen.0.iter().all(|(id, _)| *id == 7));
        root.remove();
    }
}
