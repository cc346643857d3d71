//! Applies declarative mutations to the elements that match them, now and as they appear.
//!
//! Model (dom-mutator's, made incremental): for each element and property there is one
//! [`Record`] holding the value the page itself last set (`original`), the value we computed
//! (`applied`) and the ordered mutations on it. Applying runs the chain from `original` in config
//! order; an external write (current value differs from `applied`) becomes the new `original` and
//! the chain runs again on top of it. Each mutation can be switched off alone: its records run
//! their chain again without it, and a record left with no mutation gets its original back.
//!
//! Discovery scales with what changed: existing elements are found once with one
//! `querySelectorAll` when a mutation is switched on; afterwards only nodes reported by the
//! observer are examined, and which mutations they match is found next to them, in the observer's
//! JavaScript filter (`super::observer`), never with a query of the whole document.
//!
//! Two guards keep the page usable. An element the HTML parser has opened but not finished gets
//! no content-dependent change (html, text, insert) on its partial content: it is hidden alone
//! until complete, then changed once. A record that the page keeps rewriting (a fight) is
//! re-applied with an exponential back-off instead of in a tight loop with the page's code.

use super::handles::{AfterFrame, Listener, Timeout};
use super::html_sink::{
    adopt_added, append_content, appended_is, appended_part, put_back_content, write_content,
};
use super::observer::{
    content_key, content_keys_around, node_key, Batch, NodeKey, Origin, RecordFilter, Slot,
};
use crate::core::actions::{
    split_priority, transform, Mutation, Property, IMPORTANT, INSERT_POSITIONS,
};
use crate::prelude::*;
use core::sync::atomic::{AtomicBool, Ordering};
use wasm_bindgen::JsValue;
use web_sys::{Element, Node};

/// Why a selector is refused (see [`Mutator::add`]).
const SELECTOR: &str = "is not a valid CSS selector";

/// `what "text" why name`: why [`Mutator::add`] refuses a mutation. (One copy, not inlined
/// at each refusal.)
#[inline(never)]
fn refusal(what: &str, text: &str, why: &str, name: &str) -> String {
    let mut s = String::from(what);
    for part in [" \"", text, "\" ", why, name] {
        s.push_str(part);
    }
    s
}

/// Caller-chosen tag of a mutation (the runtime uses it to find the flag behind a change).
pub type Owner = usize;

/// Index of an installed mutation, returned by [`Mutator::add`].
pub type MutationId = usize;

/// Re-applies of one record within [`FIGHT_WINDOW_MS`] beyond which the page is fighting us.
/// Set on a mutation's id in the observer's entries for the selectors of its place (a move's
/// `parentSelector` and `insertBeforeSelector`), not its targets.
const WATCH: usize = 1 << 30;
/// Set on a mutation's id in the observer's entries: its selector is matched among added nodes
/// even when it is anchored on an id (see `filter_selectors`).
const ADDED: usize = 1 << 29;

const FIGHT_LIMIT: u8 = 5;
/// Moves of one element closer together than this are a loop, not a page that re-renders.
const LOOP_MS: f64 = 4.0;
const FIGHT_WINDOW_MS: f64 = 1000.0;
/// First and largest delay of a re-apply while fighting; it doubles in between.
const BACKOFF_FIRST_MS: u32 = 50;
const BACKOFF_MAX_MS: u32 = 5000;

struct Entry {
    mutation: Mutation,
    owner: Owner,
    active: bool,
}

/// Re-apply bookkeeping of one record (times from `performance.now()`).
#[derive(Default)]
struct Fight {
    /// Start of the current counting window, and the re-applies counted in it.
    window: f64,
    count: u8,
    /// When we last re-applied.
    last: f64,
    /// The current back-off delay; 0 when not fighting.
    backoff: u32,
    /// When the delayed re-apply is due; 0 when none is scheduled.
    due: f64,
    /// Reported already (once per record).
    warned: bool,
}

struct Record {
    el: Element,
    /// `el`'s key: records are looked up by element often, and keys compare without a call.
    key: NodeKey,
    property: Property,
    /// The value the page itself last set (`None` = attribute absent).
    original: Option<String>,
    /// The value we last wrote, as the browser reads it back (for `insert.*`: the inserted HTML).
    applied: Option<String>,
    /// Active mutations on this element and property, in config order (by owner, then id).
    entries: Vec<MutationId>,
    /// For `position` and `element` remove: where the page last had the element, to put it
    /// back there.
    home: Option<Place>,
    /// For `position`: the parent we last moved the element into. Found there when its place
    /// has changed (another element matches `parentSelector` first now), it is where we put
    /// it, not where the page did: its home stays.
    moved_into: Option<Node>,
    /// For `insert.*`: the nodes we inserted, removed exactly on revert.
    inserted: Vec<Node>,
    /// Their keys ([`content_key`]s: the nodes inside them are found by one walk up).
    inserted_keys: Vec<NodeKey>,
    /// A content-dependent change held back until the parser has finished the element.
    waiting: bool,
    /// For moves and inserts: the change has been made once (its impression is due then, not
    /// while its place is missing or the browser refuses the HTML).
    reached: bool,
    fight: Fight,
}

/// An element the parser had not finished when a content-dependent mutation matched it.
struct Unfinished {
    el: Element,
    key: NodeKey,
    /// Its inline style before we hid it (never `html` or `body`: the page is never hidden),
    /// restored exactly: `visibility` and `opacity`, or `None` when not hidden.
    hidden: Option<[Option<String>; 2]>,
}

/// How an unfinished element is hidden: `visibility` keeps its box, so nothing moves when it
/// appears, and `opacity` hides the children a page shows with `visibility: visible` (reveal
/// animations); `!important` wins over the page's style sheets.
const HIDING: [(&str, &str); 2] = [
    ("visibility", "hidden !important"),
    ("opacity", "0 !important"),
];

impl Unfinished {
    /// Hides `el` (not `html` or `body`: the page is never hidden), keeping its own inline style.
    fn hide(el: &Element, key: NodeKey) -> Unfinished {
        let hidden = (!matches!(el.local_name().as_str(), "html" | "body")).then(|| {
            HIDING.map(|(name, value)| {
                let own = read_style(el, name);
                write_style(el, name, Some(value));
                own
            })
        });
        Unfinished {
            el: el.clone(),
            key,
            hidden,
        }
    }

    /// Shows the element again, with its own inline style.
    fn show(&self) {
        if let Some(own) = &self.hidden {
            for ((name, _), value) in HIDING.iter().zip(own) {
                write_style(&self.el, name, value.as_deref());
            }
        }
    }
}

/// All installed mutations and the elements they changed.
#[derive(Default)]
pub struct Mutator {
    entries: Vec<Entry>,
    /// Ids of removed mutations, for [`Mutator::add`] to reuse.
    free: Vec<MutationId>,
    /// Ids removed while a batch may still hold matches found for them (the observer matched
    /// its records before the wasm saw them): free once that batch is handled.
    retired: Vec<MutationId>,
    /// Whether [`Mutator::on_records`] is handling a batch. (Outside one no match for a removed
    /// id can be waiting: the filter matches a batch's records when it hands them over, with
    /// the selectors of that moment.)
    in_batch: bool,
    records: Vec<Record>,
    /// The selectors of the active `html` and `text` entries, as a JS string; `None` while there
    /// is none, and no child-list change can concern a record.
    content_js: Option<js_sys::JsString>,
    /// Owners whose mutation was applied to an element for the first time since the last drain.
    newly_applied: Vec<Owner>,
    /// Mutations found fighting the page since the last drain.
    fights: Vec<MutationId>,
    /// Moves the browser refused since the last drain (mostly a `parentSelector` that matches
    /// inside the moved element).
    refused_moves: Vec<MutationId>,
    /// Elements held back until the parser finishes them.
    unfinished: Vec<Unfinished>,
    /// The owner's function that calls [`Mutator::wake`]: timers and `readystatechange` call it.
    waker: Option<js_sys::Function>,
    /// The next delayed re-apply of a fighting record.
    timer: Option<Timeout>,
    /// The page took nodes out next to an insert: [`Mutator::drop_left_behind`] is due.
    inserts_due: bool,
    /// `readystatechange` (the end of parsing), while elements are held back.
    loaded: Option<Listener>,
    /// A wake after each frame while elements are held back: the end of parsing is seen also
    /// where the page's listener proxy (Cloudflare Rocket Loader and the like wrap
    /// `addEventListener`) keeps `readystatechange` from us, and the element is not hidden
    /// for good.
    held_poll: Option<AfterFrame>,
    /// What the observer hands over: kept in step with the mutations and records here.
    filter: RecordFilter,
    /// While set (see [`Mutator::hold_filter`]), the filter is given the selectors once, at
    /// the release, instead of after each mutation added or switched.
    filter_held: bool,
    /// The selectors changed while the filter was held.
    filter_stale: bool,
    /// Records are swept ([`Mutator::sweep`]) when there are this many.
    sweep_at: usize,
    /// Whether a change was applied (maybe written) during the batch being handled.
    wrote_in_batch: bool,
    /// The page took nodes out during the batch being handled.
    removed_in_batch: bool,
    /// Matches of a move found while another element it took was on the page (a move takes
    /// one): the next one to take once the page lets that one go.
    waiting_moves: Vec<(Element, NodeKey, MutationId)>,
}

fn read(el: &Element, property: &Property) -> Option<String> {
    match property {
        Property::Html => Some(el.inner_html()),
        Property::Text => el.text_content(),
        // The attribute, not `className`: on SVG elements that is an `SVGAnimatedString`.
        Property::Class => el.get_attribute("class"),
        Property::Style => el.get_attribute("style"),
        Property::Attribute(name) => el.get_attribute(name),
        Property::StyleProperty(name) => read_style(el, name),
        Property::Position | Property::Element | Property::Insert(_) => None,
    }
}

/// Writes `value`; returns whether it now reads back exactly as written. Attributes, classes and
/// text do; HTML does unless the browser normalised it (`<b>x` reads back as `<b>x</b>`); CSS
/// is normalised, so it is read back.
fn write(el: &Element, property: &Property, value: Option<&str>) -> bool {
    match (property, value) {
        (Property::Html | Property::Text, Some(v)) => {
            return write_content(el, v, *property == Property::Text, false)
        }
        (Property::Class, Some(v)) => {
            let _ = el.set_attribute("class", v);
        }
        // CSSOM, not setAttribute("style"): a `style-src` CSP without 'unsafe-inline' blocks
        // the attribute but not CSSOM.
        (Property::Style, Some(v)) => {
            if let Some(style) = super::style_of(el) {
                style.set_css_text(v);
            }
        }
        (Property::Style, None) => {
            let _ = el.remove_attribute("style");
        }
        (Property::Attribute(name), Some(v)) => {
            let _ = el.set_attribute(name, v);
        }
        (Property::Attribute(name), None) => {
            let _ = el.remove_attribute(name);
        }
        // (An element that had no class attribute gets none back, not `class=""`.)
        (Property::Class, None) => {
            let _ = el.remove_attribute("class");
        }
        (Property::StyleProperty(name), v) => {
            write_style(el, name, v);
            return false;
        }
        _ => return false,
    }
    !matches!(property, Property::Style)
}

/// One inline declaration as `value` or `value !important`; `None` when not set.
fn read_style(el: &Element, name: &str) -> Option<String> {
    let style = super::style_of(el)?;
    let mut value = style.get_property_value(name).ok()?;
    if value.is_empty() {
        return None;
    }
    if !style.get_property_priority(name).is_empty() {
        value.push_str(IMPORTANT);
    }
    Some(value)
}

/// Sets (`value` or `value !important`) or removes one inline declaration, leaving the others.
fn write_style(el: &Element, name: &str, value: Option<&str>) {
    let Some(style) = super::style_of(el) else {
        return;
    };
    let _ = match value {
        Some(v) => {
            let (v, priority) = split_priority(v);
            style.set_property_with_priority(name, v, priority)
        }
        None => style.remove_property(name).map(|_| ()),
    };
    // The last declaration gone: no empty `style=""` left behind (the page had none, or one
    // as good as none).
    if value.is_none() && el.get_attribute("style").as_deref() == Some("") {
        let _ = el.remove_attribute("style");
    }
}

/// True while the parser may still be adding content to `el`: the document is loading and
/// neither `el` nor an ancestor has a next sibling (the parser appends in document order, so an
/// element it has moved past has one).
fn is_unfinished(el: &Element) -> bool {
    // Once the parser is done it is never back: the state is not asked again.
    static PARSED: AtomicBool = AtomicBool::new(false);
    if PARSED.load(Ordering::Relaxed) {
        return false;
    }
    if super::document().ready_state() != "loading" {
        PARSED.store(true, Ordering::Relaxed);
        return false;
    }
    let mut node: Node = el.clone().into();
    loop {
        if node.next_sibling().is_some() {
            return false;
        }
        match node.parent_node() {
            Some(parent) => node = parent,
            None => return node.node_type() == Node::DOCUMENT_NODE,
        }
    }
}

/// Whether `selector` can stop matching an element once the parser has added what follows in it
/// or after it (`:last-child`, `:nth-last-of-type`, `:only-child`, `:empty`, `:has()`). (Other
/// selectors may stop matching for our own changes: a link's `href` set by another mutation.)
fn on_what_follows(selector: &str) -> bool {
    [":last", ":nth-last", ":only", ":empty", ":has("]
        .iter()
        .any(|p| {
            selector
                .as_bytes()
                .windows(p.len())
                .any(|w| w.eq_ignore_ascii_case(p.as_bytes()))
        })
}

/// Changes that set the element's content (html or text): their elements get a
/// [`content_key`], and what happens inside them concerns them.
fn sets_content(property: &Property) -> bool {
    matches!(property, Property::Html | Property::Text)
}

/// `text` as html that shows it: what the browser's serialiser writes for a text node (`&`, `<`,
/// `>` and the no-break space escaped), so that the element reads back as written.
fn escape_html(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
    out
}

/// Changes that put new elements on the page, which may match selectors again.
fn makes_elements(property: &Property) -> bool {
    matches!(property, Property::Html | Property::Insert(_))
}

/// Changes that depend on the element's content, so must wait for all of it. Not an insert before
/// the element or at its start, which the content arriving later leaves where it is; but one
/// after it, which would give the element a next sibling, and so make it look finished.
fn depends_on_content(property: &Property) -> bool {
    matches!(
        property,
        Property::Html | Property::Text | Property::Insert(1 | 3)
    )
}

/// The node that `insert.*` at `at` puts its nodes into: the element for prepend and append, its
/// parent for before and after.
fn insert_container(el: &Element, at: u8) -> Option<Node> {
    if at >= 2 {
        Some(el.clone().into())
    } else {
        el.parent_node()
    }
}

/// True when every node an insert put in is still where it was put: in its container, and for
/// `before` and `after`, next to the element (a keyed list that moves the element takes it away
/// from them).
fn inserted_intact(r: &Record, at: u8) -> bool {
    let container = insert_container(&r.el, at);
    let el: &Node = r.el.as_ref();
    let next_to_el = match (at, r.inserted.first(), r.inserted.last()) {
        (0, _, Some(last)) => last.next_sibling().as_ref() == Some(el),
        (1, Some(first), _) => el.next_sibling().as_ref() == Some(first),
        _ => true,
    };
    next_to_el && r.inserted.iter().all(|n| n.parent_node() == container)
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/dom/page.js")]
extern "C" {
    /// Notes an element we took out or moved, so that the framework that rendered it can still
    /// remove it or insert before it (see `page.js`).
    #[wasm_bindgen(js_name = markMoved)]
    fn mark_moved(el: &Element);
    /// Whether the page's own code removed an element we had taken out or moved: a revert
    /// leaves it out.
    #[wasm_bindgen(js_name = releasedByPage)]
    fn released_by_page(el: &Element) -> bool;
    /// `parent.insertBefore(node, before)` as the browser does it, not as webexp's wrapper
    /// (`page.js`) sends a page's inserts into content an html set replaced.
    #[wasm_bindgen(js_name = insertHere, catch)]
    fn insert_here(parent: &Node, node: &Node, before: Option<&Node>) -> Result<(), JsValue>;
    /// `CSS.supports(name, value)`.
    #[wasm_bindgen(js_name = cssSupports)]
    fn css_supports(name: &str, value: &str) -> bool;
    /// `el.remove()` as the browser does it: webexp's own removal, not the page's (`page.js`).
    #[wasm_bindgen(js_name = takeOut)]
    fn take_out(el: &Element);
    /// Takes out an element a mutation removes, into an element of its own off the page,
    /// where the page that rendered it still finds a parent (`page.js`).
    fn park(el: &Element);
    /// Whether `el` waits where [`park`] put it.
    fn parked(el: &Element) -> bool;
    /// Whether `el` is in the page's content that an html or text set of ours keeps aside.
    #[wasm_bindgen(js_name = keptAside)]
    fn kept_aside(el: &Element) -> bool;
    /// Whether `node` is, or is inside, a part that an html append of ours added to `el`.
    #[wasm_bindgen(js_name = inAppended)]
    fn in_appended(el: &Element, node: &Node) -> bool;
    /// See [`Place::put_back`].
    #[wasm_bindgen(js_name = putBack)]
    fn put_back(el: &Element, parent: &Node, next: Option<&Node>, prev: Option<&Node>);
}

/// Where an element was: its parent and its neighbours then.
struct Place {
    parent: Node,
    next: Option<Node>,
    prev: Option<Node>,
}

impl Place {
    /// Where `el` is now; `None` when it has no parent, or waits where a removal put it.
    fn of(el: &Element) -> Option<Place> {
        if parked(el) {
            return None;
        }
        Some(Place {
            parent: el.parent_node()?,
            next: el.next_sibling(),
            prev: el.previous_sibling(),
        })
    }

    /// Puts `el` back: before its next sibling if that is still there, else after its previous
    /// one (the next may be gone, or not parsed yet when the place was taken), else where it
    /// was first, else at the end; among the page's own content where a set of ours replaces
    /// it (`putBack` in `page.js`).
    fn put_back(&self, el: &Element) {
        put_back(el, &self.parent, self.next.as_ref(), self.prev.as_ref());
    }
}

impl Mutator {
    /// Gives the mutator the function to schedule its delayed work with (back-off re-applies,
    /// the end of parsing). The function must call [`Mutator::wake`]; without it, a fighting
    /// record waits for the next page change instead of a timer.
    pub fn set_waker(&mut self, waker: js_sys::Function) {
        self.waker = Some(waker);
    }

    /// Installs a mutation, switched on: it is applied to the matching elements already in the
    /// document. When the browser rejects its selector, or the `parentSelector` or
    /// `insertBeforeSelector` of a move, or the value of a `style.<property>` change, nothing is
    /// installed, and the error names it: an invalid selector would make every later batch's
    /// matching throw, and a value the browser drops would count as a change made.
    pub fn add(&mut self, mutation: Mutation, owner: Owner) -> Result<MutationId, String> {
        for place in [&mutation.parent_selector, &mutation.insert_before_selector]
            .into_iter()
            .flatten()
        {
            if super::query_all(place).is_err() {
                return Err(refusal("selector", place, SELECTOR, ""));
            }
        }
        let Ok(found) = super::query_all(&mutation.selector) else {
            return Err(refusal("selector", &mutation.selector, SELECTOR, ""));
        };
        // (No value removes the declaration.)
        if let Property::StyleProperty(name) = &mutation.property {
            let value = split_priority(&mutation.value).0;
            if !value.is_empty() && !css_supports(name, value) {
                return Err(refusal(
                    "value",
                    &mutation.value,
                    "is not valid for style.",
                    name,
                ));
            }
        }
        let entry = Entry {
            mutation,
            owner,
            active: true,
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.entries[id] = entry;
                id
            }
            None => {
                self.entries.push(entry);
                self.entries.len() - 1
            }
        };
        self.rebuild_selectors();
        for el in found {
            self.attach_found(el, id);
        }
        Ok(id)
    }

    /// Switches a mutation on (applied to its elements, now and as they appear) or off (undone
    /// on every element, leaving the others' changes in place).
    pub fn set_active(&mut self, id: MutationId, active: bool) {
        if self.entries[id].active == active {
            return;
        }
        self.entries[id].active = active;
        self.rebuild_selectors();
        if active {
            let found = super::query_all(&self.entries[id].mutation.selector).unwrap_or_default();
            for el in found {
                self.attach_found(el, id);
            }
            return;
        }
        self.waiting_moves.retain(|w| w.2 != id);
        // Last changed first: elements removed next to each other go back each before the one
        // removed after it.
        let mut pos = self.records.len();
        while pos > 0 {
            pos -= 1;
            let muts = &self.entries;
            let found = self.records[pos]
                .entries
                .binary_search_by_key(&(muts[id].owner, id), |&i| (muts[i].owner, i));
            if let Ok(at) = found {
                self.records[pos].entries.remove(at);
                if self.records[pos].entries.is_empty() {
                    let r = self.records.remove(pos);
                    restore(&r);
                    // (Inside an element whose content we changed, the restore is ours too.)
                    self.absorb(usize::MAX, r.el.as_ref(), false);
                    // An element held back for no change any more is shown at once.
                    if r.waiting && !self.records.iter().any(|o| o.waiting && o.key == r.key) {
                        if let Some(i) = self.unfinished.iter().position(|u| u.key == r.key) {
                            self.unfinished.remove(i).show();
                        }
                        self.release_if_done();
                    }
                    continue;
                }
                // The last `set` of an html or text record gone, its appends stay: the page's own
                // content goes back first, and they go after it.
                let r = &self.records[pos];
                if sets_content(&r.property)
                    && self.entries[id].mutation.op == crate::core::actions::Op::Set
                    && !self.has_set(pos)
                {
                    restore(r);
                }
                self.apply(pos);
            }
        }
    }

    /// Uninstalls mutation `id` (its flag's variant changed): undone as when switched off, and
    /// its id taken by the next [`Mutator::add`], so that a flag decided again at every
    /// navigation of a long-lived page does not pile up mutations.
    #[inline(never)]
    pub fn remove(&mut self, id: MutationId) {
        self.set_active(id, false);
        // (Outside a batch at once: a page whose variant changes with its path, on SPA
        // navigations that make no change in the page, would otherwise never free one, and add
        // an entry at every navigation, each slowing the next.)
        match self.in_batch {
            true => self.retired.push(id),
            false => self.free.push(id),
        }
    }

    /// Switches every mutation off or on.
    #[cfg(test)]
    pub fn set_all_active(&mut self, active: bool) {
        for id in 0..self.entries.len() {
            self.set_active(id, active);
        }
    }

    /// [`Mutator::attach`] for an element found with a query.
    fn attach_found(&mut self, el: Element, id: MutationId) {
        let key = match sets_content(&self.entries[id].mutation.property) {
            true => content_key(&el),
            false => node_key(&el),
        };
        self.attach(el, key, id);
    }

    /// Holds back the filter's selectors until [`Mutator::release_filter`]: a page that installs
    /// 40 mutations in a row would otherwise hand the filter 1, 2, ... 40 selectors, 820 in all,
    /// each across the wasm boundary (measured: about 2 ms of a page's load for 20 flags). The
    /// filter is only read when the observer delivers a batch, which cannot happen before the
    /// release within the same call into the wasm.
    pub fn hold_filter(&mut self) {
        self.filter_held = true;
    }

    /// Ends [`Mutator::hold_filter`], giving the filter the selectors if they changed.
    pub fn release_filter(&mut self) {
        self.filter_held = false;
        if core::mem::take(&mut self.filter_stale) {
            self.rebuild_selectors();
        }
    }

    fn rebuild_selectors(&mut self) {
        // (Used by `attach` at once, while the filter is held too.)
        self.content_js = self.selector_list(sets_content);
        if self.filter_held {
            self.filter_stale = true;
            return;
        }
        let mut entries = Vec::new();
        let mut content = Vec::new();
        for (id, e) in self.entries.iter().enumerate().filter(|(_, e)| e.active) {
            let m = &e.mutation;
            // A move or removal is made again when the page puts the element back, which the
            // observer sees as the element added: [`ADDED`] has it matched among added nodes,
            // where an `#id` anchor is matched only when another element gets the id.
            let added = matches!(m.property, Property::Position | Property::Element);
            entries.push((if added { id | ADDED } else { id }, m.selector.as_str()));
            if sets_content(&m.property) {
                content.push(m.selector.as_str());
            }
            // A move waits for its place: the elements of `parentSelector` and
            // `insertBeforeSelector` are watched too (reported under the mutation's id with
            // [`WATCH`] set), and the move is tried again when one appears.
            for place in [&m.parent_selector, &m.insert_before_selector]
                .into_iter()
                .flatten()
            {
                // (Among added nodes too: the page may move the same element, as a keyed list
                // does, rather than give its id to another.)
                entries.push((id | WATCH | ADDED, place.as_str()));
            }
        }
        self.filter.set_selectors(&entries, &content);
    }

    /// The filter for the observer that feeds [`Mutator::on_records`].
    pub fn filter(&self) -> &RecordFilter {
        &self.filter
    }

    /// `"sel1, sel2, ..."` over the active entries whose property passes `keep`, as a JS string;
    /// `None` when there is none.
    fn selector_list(&self, keep: impl Fn(&Property) -> bool) -> Option<js_sys::JsString> {
        let mut list = String::new();
        for e in self
            .entries
            .iter()
            .filter(|e| e.active && keep(&e.mutation.property))
        {
            if !list.is_empty() {
                list.push_str(", ");
            }
            list.push_str(&e.mutation.selector);
        }
        (!list.is_empty()).then(|| list.as_str().into())
    }

    /// Forgets the records of elements the page has taken out of the document (a re-render
    /// replaced them): their changes went with them, and keeping them would make every later
    /// scan and every lookup longer for as long as the page lives. An element we took out
    /// ourselves (`element` remove, a move) keeps its record while its old place is on the page,
    /// so that a revert can put it back. Runs when the records have doubled since the last
    /// sweep, so its cost is spread thin.
    fn sweep(&mut self) {
        self.records.retain(|r| {
            r.el.is_connected()
                || matches!(
                    (&r.property, &r.home),
                    (Property::Element | Property::Position, Some(home)) if home.parent.is_connected()
                ) && !released_by_page(&r.el)
        });
        self.sweep_at = (self.records.len() * 2).max(64);
    }

    /// Whether mutation `id` is on and has changed at least one element now on the page.
    pub fn reaches_page(&self, id: MutationId) -> bool {
        // (An element we removed reaches the page by being away from it; a move or an insert
        // once made: an element waiting for a place that never came is not moved.)
        self.entries[id].active
            && self.records.iter().any(|r| {
                r.entries.contains(&id)
                    && (r.el.is_connected() == (r.property != Property::Element))
                    && (r.reached
                        || !matches!(r.property, Property::Position | Property::Insert(_)))
            })
    }

    /// Owners whose changes reached an element for the first time since the last call.
    pub fn drain_newly_applied(&mut self) -> Vec<Owner> {
        core::mem::take(&mut self.newly_applied)
    }

    /// Mutations found fighting the page since the last call, once per element.
    pub fn drain_fights(&mut self) -> Vec<MutationId> {
        core::mem::take(&mut self.fights)
    }

    /// Moves the browser refused since the last call (see `refused_moves`).
    pub fn drain_refused_moves(&mut self) -> Vec<MutationId> {
        core::mem::take(&mut self.refused_moves)
    }

    /// The owner and selector of an installed mutation.
    pub fn describe(&self, id: MutationId) -> (Owner, &str) {
        let e = &self.entries[id];
        (e.owner, &e.mutation.selector)
    }

    /// Tells the mutator that a batch is about to reach [`Mutator::on_records`], with matches
    /// found before what runs first (a navigation that removes mutations).
    pub fn begin_batch(&mut self) {
        self.in_batch = true;
    }

    /// Handles one observer batch: finds new matches among added nodes and re-applies on top of
    /// external writes to the elements we changed.
    pub fn on_records(&mut self, mut batch: Batch) {
        self.wrote_in_batch = false;
        self.in_batch = true;
        let mut anchors = false;
        while let Some(slot) = batch.next_slot() {
            // Matches at anchors that came with the batch, nothing else to look at (those of
            // mutations that make elements are skipped in our own output, in `attach_hits`),
            // after the records: a write of ours inside content the page wrote over an html
            // change of ours, made before the record of the page's write is seen, would make
            // that content read as ours, and the change would not be made again.
            if slot.origin != Origin::Record {
                anchors = true;
                continue;
            }
            let record = batch.record(&slot);
            let Some(target) = record.target() else {
                continue;
            };
            // An attribute name means an attribute record (no type string to read per record).
            if let Some(name) = record.attribute_name() {
                self.on_external_change(&target, Some(name));
                // The element may match a mutation now (a class set later).
                self.attach_hits(&batch, &slot);
                continue;
            }
            // Nodes taken out: one of them may be an insert of ours.
            if record.removed_nodes().length() > 0 {
                self.on_removed(&target);
            }
            // A child list or text change, while html or text changes are on: it concerns those
            // of the elements around it (found by the element, also one that no longer matches
            // the selector: the page took the class it names).
            if self.content_js.is_some() {
                self.on_external_change(&target, None);
            }
            self.attach_hits(&batch, &slot);
        }
        if anchors {
            batch.rewind();
            while let Some(slot) = batch.next_slot() {
                if slot.origin != Origin::Record {
                    self.attach_hits(&batch, &slot);
                }
            }
        }
        if core::mem::take(&mut self.removed_in_batch) {
            self.follow_discarded_homes();
            self.take_waiting_moves();
        }
        if !self.unfinished.is_empty() {
            self.finish_unfinished();
        }
        self.free_retired();
    }

    /// Moves the matches that waited for the element their move took, now that the page has
    /// let it go (a route that mounts the new view before it unmounts the old, a stream that
    /// renders the new copy before it removes the old).
    fn take_waiting_moves(&mut self) {
        let waiting = core::mem::take(&mut self.waiting_moves);
        for (el, key, id) in waiting {
            if self.entries[id].active && el.is_connected() {
                self.attach(el, key, id);
            }
        }
    }

    /// The page took out what a moved element came from (a view unmounted): the element goes
    /// back into it, to leave with it, where it stayed on the page, stale, and next to the copy
    /// the page rendered later. Should that come back, the element is moved again.
    fn follow_discarded_homes(&mut self) {
        for r in &self.records {
            if let (Property::Position, Some(home)) = (&r.property, &r.home) {
                if r.el.is_connected()
                    && self.taken_out_by_page(&home.parent)
                    && !released_by_page(&r.el)
                {
                    home.put_back(&r.el);
                }
            }
        }
    }

    /// Whether the page took `node` out of the document: not webexp, by removing it or an element
    /// around it, or by keeping it with the content an html or text set replaced (in a fragment).
    fn taken_out_by_page(&self, node: &Node) -> bool {
        !node.is_connected()
            && node.get_root_node().node_type() != Node::DOCUMENT_FRAGMENT_NODE
            && !self
                .records
                .iter()
                .any(|r| r.property == Property::Element && r.el.contains(Some(node)))
    }

    /// Makes the ids of removed mutations free for reuse: matches the observer found for them
    /// were in the batch just handled at the latest.
    fn free_retired(&mut self) {
        self.in_batch = false;
        self.free.append(&mut self.retired);
    }

    /// Delayed work, called through the waker: elements the parser has finished since, and the
    /// back-off re-applies that are due.
    pub fn wake(&mut self) {
        self.finish_unfinished();
        self.poll_held();
        if core::mem::take(&mut self.inserts_due) {
            self.drop_left_behind();
        }
        let now = super::now_ms();
        for pos in 0..self.records.len() {
            let r = &mut self.records[pos];
            // A timer may fire a little before the time `performance.now()` shows.
            if r.fight.due > 0.0 && r.fight.due <= now + 1.0 {
                r.fight.due = 0.0;
                r.fight.last = now;
                // (A page value written since ours becomes the original in `apply_from`.)
                self.apply(pos);
            }
        }
        self.schedule(now);
    }

    /// An insert next to an element the page took out (a re-render replaced it) whose nodes the
    /// page left behind: they go, else every re-render would leave one more (the new element
    /// gets its own). Not when they left with it (a detached tab panel that comes back), nor
    /// when we took the element out ourselves.
    fn drop_left_behind(&mut self) {
        let removed_by_us: Vec<NodeKey> = self
            .records
            .iter()
            .filter(|r| r.property == Property::Element)
            .map(|r| r.key)
            .collect();
        self.records.retain(|r| {
            let left_behind = matches!(r.property, Property::Insert(_))
                && !r.el.is_connected()
                && !removed_by_us.contains(&r.key)
                && r.inserted.iter().any(Node::is_connected);
            if left_behind {
                restore(r);
            }
            !left_behind
        });
    }

    /// True when `el` is output of mutation `id` or of one after it in config order: inside an
    /// element whose html we set and which still holds exactly our value, or one of the nodes an
    /// insert put in, or inside one. Mutations that make elements (html, insert) are not applied
    /// there: a mutation of `div` whose html contains a `div`, or an insert after
    /// `li:last-child` of an `li`, would otherwise go on forever. They are applied in the output
    /// of mutations before them, as they would be to the page's own content: a visual editor's
    /// edit inside an element whose html an earlier edit set. A write then only ever brings
    /// matches of later mutations, so that ends too. Other mutations are applied in any output
    /// (a class or a link on what an html change wrote).
    fn is_own_output(&self, el: &Node, key: NodeKey, id: MutationId) -> bool {
        let html = |r: &Record| r.property == Property::Html;
        if !self
            .records
            .iter()
            .any(|r| html(r) || !r.inserted_keys.is_empty())
        {
            return false;
        }
        // One walk up: the keys of `el` (if it has one) and of the elements around it.
        let keys = content_keys_around(el, true);
        // An element whose html we set is not output of that write; its descendants are.
        let around = keys.strip_prefix(&[key]).unwrap_or(&keys);
        // (Within an html record that only appends, the page's own content is not ours: only
        // the parts appended are, as `page.js` knows them.)
        let order = |i: MutationId| (self.entries.get(i).map_or(0, |e| e.owner), i);
        self.records.iter().enumerate().any(|(pos, r)| {
            r.entries.iter().any(|&i| order(i) >= order(id))
                && (r.inserted_keys.iter().any(|k| keys.contains(k))
                    || (html(r)
                        && around.contains(&r.key)
                        && match self.has_set(pos) {
                            true => r.applied.as_deref() == Some(r.el.inner_html().as_str()),
                            false => in_appended(&r.el, el),
                        }))
        })
    }

    /// Attaches the matches the observer's filter found among a record's added nodes; those of
    /// mutations that make elements are skipped in our own output ([`Mutator::is_own_output`];
    /// at an anchor, the observer has told whether a match can be inside any at all).
    fn attach_hits(&mut self, batch: &Batch, slot: &Slot) {
        for i in 0..slot.hits {
            let (id, key) = batch.hit(slot, i);
            let (id, watched) = (id & !(WATCH | ADDED), id & WATCH != 0);
            if !(id < self.entries.len() && self.entries[id].active) {
                continue;
            }
            if watched {
                self.place(id);
                continue;
            }
            let el = batch.element(slot, i);
            if slot.origin != Origin::Anchor
                && makes_elements(&self.entries[id].mutation.property)
                && self.is_own_output(&el, key, id)
            {
                continue;
            }
            // An element a write earlier in this batch took out again, or one a record added
            // that the page took out again, is left alone; one found at an anchor is on the
            // page until we write.
            if (slot.origin != Origin::Record && !self.wrote_in_batch) || el.is_connected() {
                self.attach(el, key, id);
            }
        }
    }

    /// Applies mutation `id` to `el`, whose key is `key` (a [`content_key`] for html and text).
    fn attach(&mut self, el: Element, key: NodeKey, id: MutationId) {
        let property = self.entries[id].mutation.property.clone();
        // An element's html and text are one content: an `html` and a `text` change to it (two
        // flags, on two pages or the same one) are one record, applied in config order and each
        // undone alone, as two `html` changes are. Two records would each take the other's
        // value for the page's content, and the first one undone would put the page's content
        // back over the other.
        let same = |r: &Record| {
            r.property == property || (sets_content(&r.property) && sets_content(&property))
        };
        let pos = match self.records.iter().position(|r| r.key == key && same(r)) {
            Some(pos) => {
                let r = &mut self.records[pos];
                // A text record an html change joins holds html from now on (its texts as html):
                // the page's own content is put back, with its markup and nodes, and becomes the
                // original, which the chain is applied to again, as to a new record.
                if property == Property::Html && r.property == Property::Text {
                    restore(r);
                    r.property = Property::Html;
                    r.original = read(&r.el, &Property::Html);
                    r.applied = None;
                }
                pos
            }
            None => {
                // A style change on an element held back (hidden) waits with it: its original
                // would be our hiding, and its write would show the partial content.
                let waiting = if depends_on_content(&property) {
                    self.hold_if_unfinished(&el, key)
                } else {
                    matches!(property, Property::Style | Property::StyleProperty(_))
                        && self.is_held(key)
                };
                match property {
                    // (A move: the page may take out the element it came from.)
                    Property::Insert(_) | Property::Position => self.filter.pass_removals(),
                    Property::Html | Property::Text => {}
                    // Attribute-like changes (class, style, attributes, hiding): the page's
                    // writes to this element's attributes must reach us.
                    _ => self.filter.track(&el),
                }
                self.filter.pass_all(!self.unfinished.is_empty());
                let original = read(&el, &property);
                let home = (property == Property::Position)
                    .then(|| Place::of(&el))
                    .flatten();
                if self.records.len() >= self.sweep_at {
                    self.sweep();
                }
                self.records.push(Record {
                    el,
                    key,
                    property,
                    original,
                    applied: None,
                    entries: Vec::new(),
                    home,
                    moved_into: None,
                    inserted: Vec::new(),
                    inserted_keys: Vec::new(),
                    waiting,
                    reached: false,
                    fight: Fight::default(),
                });
                self.records.len() - 1
            }
        };
        let fresh = pos + 1 == self.records.len() && self.records[pos].entries.is_empty();
        // (In config order: by flag, then as installed, whichever flag was switched on first.)
        let muts = &self.entries;
        let entries = &mut self.records[pos].entries;
        match entries.binary_search_by_key(&(muts[id].owner, id), |&i| (muts[i].owner, i)) {
            Err(at) => {
                entries.insert(at, id);
                if fresh && self.records[pos].property == Property::Position {
                    self.forget_older_copies(pos);
                    // As dom-mutator does, a move takes one element: while another copy it took
                    // is on the page (not the page's past, above), a further match stays.
                    let taken = self.records.iter().take(pos).any(|o| {
                        o.property == Property::Position
                            && o.entries.contains(&id)
                            && o.home.is_some()
                            && o.el.is_connected()
                    });
                    if taken {
                        let r = self.records.pop();
                        if let Some(r) =
                            r.filter(|_| !self.waiting_moves.iter().any(|w| w.1 == key))
                        {
                            self.waiting_moves.push((r.el, key, id));
                        }
                        return;
                    }
                }
                let r = &self.records[pos];
                // (A change held back counts when it is made: see `finish_unfinished`.)
                if !r.waiting
                    && (r.reached
                        || !matches!(r.property, Property::Position | Property::Insert(_)))
                {
                    self.newly_applied.push(self.entries[id].owner);
                }
                self.apply_from(pos, fresh);
            }
            // The page put an element we removed back in: it stays removed; one we moved
            // back where it was: it is moved again.
            // (Not a moved element found where we put it: our own move, seen among added nodes;
            // nor one whose place is inside it, which the browser refused, said once.)
            Ok(_)
                if self.records[pos].property == Property::Element
                    || (self.records[pos].property == Property::Position
                        && self.position_target(pos).is_some_and(|(parent, _, at)| {
                            !at && !self.records[pos].el.contains(Some(parent.as_ref()))
                        })) =>
            {
                self.reapply(pos)
            }
            Ok(_) => {}
        }
    }

    /// When `el` is unfinished, holds it back (hidden, unless it is `html` or `body`) until
    /// [`Mutator::finish_unfinished`] sees it complete; returns whether it is.
    fn hold_if_unfinished(&mut self, el: &Element, key: NodeKey) -> bool {
        if !is_unfinished(el) {
            return false;
        }
        if !self.is_held(key) {
            self.unfinished.push(Unfinished::hide(el, key));
            // (`readystatechange` to "interactive": the parser is done, before deferred scripts
            // and `DOMContentLoaded`.)
            if self.loaded.is_none() {
                if let Some(waker) = &self.waker {
                    self.loaded = Listener::new(&super::document(), "readystatechange", waker);
                }
            }
            if self.held_poll.is_none() {
                self.poll_held();
            }
        }
        true
    }

    /// Wakes after the next frame while elements are held back (see `held_poll`).
    fn poll_held(&mut self) {
        self.held_poll = match (self.unfinished.is_empty(), &self.waker) {
            (false, Some(waker)) => Some(AfterFrame::new(waker)),
            _ => None,
        };
    }

    /// Whether the element with this key is held back, unfinished.
    fn is_held(&self, key: NodeKey) -> bool {
        self.unfinished.iter().any(|u| u.key == key)
    }

    /// Applies the held-back changes of every element the parser has finished, each once on its
    /// complete content, and shows the element again.
    fn finish_unfinished(&mut self) {
        // Every finished element is shown first (in the same task: nothing is painted in
        // between), so that held back style changes read the page's own style as their original,
        // and an element around another does not write our hiding into its html.
        let mut finished = Vec::new();
        let mut i = 0;
        while i < self.unfinished.len() {
            if is_unfinished(&self.unfinished[i].el) {
                i += 1;
                continue;
            }
            let u = self.unfinished.remove(i);
            u.show();
            finished.push(u);
        }
        if finished.is_empty() {
            return;
        }
        // Then their changes, innermost first: the html change of an element around another is
        // made on content that holds the inner change.
        while !finished.is_empty() {
            let inner = |u: &Unfinished| {
                !finished
                    .iter()
                    .any(|o| o.key != u.key && u.el.contains(Some(&o.el)))
            };
            let at = finished.iter().position(inner).unwrap_or(0);
            let key = finished.swap_remove(at).key;
            for pos in 0..self.records.len() {
                let entries = &self.entries;
                let r = &mut self.records[pos];
                if !(r.waiting && r.key == key) {
                    continue;
                }
                r.waiting = false;
                // A selector that matched the partial element by what it lacked then may not
                // match the complete one (`li:last-child`, `:empty`): its change is not made.
                r.entries.retain(|&id| {
                    let selector = &entries[id].mutation.selector;
                    !on_what_follows(selector) || r.el.matches(selector) == Ok(true)
                });
                r.original = read(&r.el, &r.property);
                self.apply(pos);
                // Its impressions are due now that the change is made (those of inserts when
                // the nodes went in).
                if !matches!(self.records[pos].property, Property::Insert(_)) {
                    self.push_owners(pos);
                }
            }
        }
        self.records.retain(|r| !r.entries.is_empty());
        self.release_if_done();
    }

    /// Stops passing every record and listening for the end of parsing once nothing is held.
    fn release_if_done(&mut self) {
        if self.unfinished.is_empty() {
            self.loaded = None;
            self.held_poll = None;
            self.filter.pass_all(false);
        }
    }

    /// Runs the record's chain from its original value and writes the result if it differs.
    fn apply(&mut self, pos: usize) {
        self.apply_from(pos, false);
    }

    /// [`Mutator::apply`]; `fresh`: the record was made just now, so the element still holds its
    /// original value (not read again).
    fn apply_from(&mut self, pos: usize, fresh: bool) {
        self.wrote_in_batch = true;
        let record = &self.records[pos];
        if record.waiting {
            return;
        }
        match record.property {
            Property::Position => return self.apply_position(pos),
            Property::Element => {
                let el = record.el.clone();
                if let Some(place) = Place::of(&el) {
                    let parent = place.parent.clone();
                    self.records[pos].home = Some(place);
                    self.forget_older_copies(pos);
                    mark_moved(&el);
                    park(&el);
                    self.absorb(pos, &parent, false);
                }
                return;
            }
            _ => {}
        }
        let insert = matches!(record.property, Property::Insert(_));
        let mut current = match fresh || insert {
            true => record.original.clone(),
            false => read(&record.el, &record.property),
        };
        // A value the page wrote over ours whose record has not reached us yet (a router that
        // rendered and navigated in one task): the chain runs on top of it, as it will once the
        // record comes.
        if !fresh && !insert && current != record.applied {
            // (Appends: what is left of ours, the page having taken out a part, is not the
            // page's: it comes out first, and the chain is added again after the page's nodes.)
            if sets_content(&record.property)
                && !self.has_set(pos)
                && put_back_content(&record.el, true)
            {
                current = read(&record.el, &record.property);
            }
            self.records[pos].original = current.clone();
        }
        let record = &self.records[pos];
        let mut value = record.original.clone();
        for &i in &record.entries {
            let m = &self.entries[i].mutation;
            // (A text change in an html record, above: its text as html.)
            value = match m.property == record.property {
                true => transform(&m.property, m.op, &m.value, value.as_deref()),
                false => transform(
                    &record.property,
                    m.op,
                    &escape_html(&m.value),
                    value.as_deref(),
                ),
            };
        }
        // (No classes: no class attribute, not `class=""`, as dom-mutator leaves it; an element
        // that had none still has none. One that has `class=""`, as the page wrote it, keeps
        // it: dom-mutator too writes nothing where the classes read the same.)
        if record.property == Property::Class && value.as_deref() == Some("") {
            value = match current.as_deref() {
                Some("") => Some(String::new()),
                _ => None,
            };
        }
        if let Property::Insert(at) = record.property {
            return self.apply_insert(pos, at, value);
        }
        if let Some(rest) = self.appended_value(pos) {
            return self.apply_append(pos, &rest);
        }
        // When nothing needs writing, `value` is what the element holds, in the browser's form.
        let mut exact = true;
        if current != value {
            let as_text = record.property == Property::Text;
            exact = match (&record.property, value.as_deref()) {
                // Content the page wrote (not ours) that a `set` replaces is kept, as the page
                // goes on changing it, for the revert; so is the page's content under ours (an
                // append's, or a set's), which comes back out first.
                (Property::Html | Property::Text, Some(v)) => {
                    let keep = current != record.applied || put_back_content(&record.el, true);
                    write_content(&record.el, v, as_text, keep)
                }
                (property, value) => write(&record.el, property, value),
            };
            let el: Node = record.el.clone().into();
            self.absorb(pos, &el, true);
            if sets_content(&self.records[pos].property) {
                self.follow_moved_out(&el);
            }
        }
        // Otherwise read back: the browser normalises HTML ("<b>x" becomes "<b>x</b>") and CSS,
        // and the comparison with later values must use its form or every batch would look like
        // an external write.
        let record = &mut self.records[pos];
        record.applied = match exact {
            true => value,
            false => read(&record.el, &record.property),
        };
    }

    /// Elements we moved that an html or text set of ours just took off the page, with the
    /// content it keeps aside: moved into that element, they are not its page content, and go
    /// to their place, elsewhere now (dom-mutator moves an element again when it is removed).
    /// A revert of the set then gives the page's content back without them. (Not into the
    /// element `written` itself: that place is the set's content, which the set just wrote,
    /// and moving into it again would take turns with the set.)
    fn follow_moved_out(&mut self, written: &Node) {
        for pos in 0..self.records.len() {
            let r = &self.records[pos];
            if r.property == Property::Position && r.reached && kept_aside(&r.el) {
                match self.position_target(pos) {
                    Some(target) if !written.contains(Some(target.0.as_ref())) => {
                        self.move_to(pos, target)
                    }
                    _ => {}
                }
            }
        }
    }

    /// What record `pos`'s chain adds after the element's content, when it is an html or text
    /// record whose mutations all append (a text append in an html record as html that shows
    /// it).
    fn appended_value(&self, pos: usize) -> Option<String> {
        let r = &self.records[pos];
        if !sets_content(&r.property) {
            return None;
        }
        let mut rest = String::new();
        for &i in &r.entries {
            let m = &self.entries[i].mutation;
            if m.op != crate::core::actions::Op::Append {
                return None;
            }
            match m.property == r.property {
                true => rest.push_str(&m.value),
                false => rest.push_str(&escape_html(&m.value)),
            }
        }
        Some(rest)
    }

    /// Applies an html or text record of appends: `rest` goes after the page's content, which
    /// stays as it is (a framework's nodes, with their listeners). Never by writing the whole
    /// content: the record's original is the page's content as it was when last read, and
    /// changes of ours inside it since (an html set on a child) would come back as copies.
    /// Nothing is written while what we added last is all there and the same.
    fn apply_append(&mut self, pos: usize, rest: &str) {
        let r = &self.records[pos];
        let (el, as_text) = (r.el.clone(), r.property == Property::Text);
        if !appended_is(&el, rest) {
            // (Whatever is left of our earlier part comes out first: the part is there once.)
            put_back_content(&el, true);
            self.records[pos].original = read(&el, &self.records[pos].property);
            append_content(&el, rest, as_text);
            self.absorb(pos, &el.clone().into(), true);
        }
        let r = &mut self.records[pos];
        r.applied = read(&r.el, &r.property);
    }

    /// The nodes our inserts put into the element with key `key` (`insert.prepend`, `.append`).
    fn inserted_into(&self, key: NodeKey) -> js_sys::Array {
        self.records
            .iter()
            .filter(|r| r.key == key && matches!(r.property, Property::Insert(2 | 3)))
            .flat_map(|r| r.inserted.iter())
            .collect()
    }

    /// Whether record `pos`'s chain has a `set`, rather than only adding to the value: for html
    /// and text, it replaces the element's content, and the page's own is kept while ours is on.
    fn has_set(&self, pos: usize) -> bool {
        self.records[pos]
            .entries
            .iter()
            .any(|&i| self.entries[i].mutation.op == crate::core::actions::Op::Set)
    }

    /// Inserts `html` at the record's place unless what it inserted is still there; whatever
    /// is left of an earlier insert goes first, so the HTML is never there twice.
    fn apply_insert(&mut self, pos: usize, at: u8, html: Option<String>) {
        let r = &self.records[pos];
        if r.applied == html && inserted_intact(r, at) {
            return;
        }
        let Some(container) = insert_container(&r.el, at) else {
            return;
        };
        for n in &r.inserted {
            if let Some(parent) = n.parent_node() {
                let _ = parent.remove_child(n);
            }
        }
        let el: &Node = r.el.as_ref();
        // The new nodes are the siblings strictly between `prev` (or the container's start) and
        // `end` (or its end).
        let (prev, end) = match at {
            0 => (el.previous_sibling(), Some(el.clone())),
            1 => (Some(el.clone()), el.next_sibling()),
            2 => (None, el.first_child()),
            _ => (el.last_child(), None),
        };
        let mut inserted = Vec::new();
        let html_str = html.as_deref().unwrap_or_default();
        if super::html_sink::insert_adjacent_html(&r.el, INSERT_POSITIONS[at as usize], html_str) {
            let mut next = match &prev {
                Some(p) => p.next_sibling(),
                None => container.first_child(),
            };
            while let Some(node) = next {
                if Some(&node) == end.as_ref() {
                    break;
                }
                next = node.next_sibling();
                inserted.push(node);
            }
        }
        let made = !inserted.is_empty();
        let r = &mut self.records[pos];
        r.inserted_keys = inserted.iter().map(content_key).collect();
        r.inserted = inserted;
        r.applied = html;
        if made {
            self.mark_reached(pos);
        }
        self.absorb(pos, &container, at >= 2);
    }

    /// A page that renders its elements again (`innerHTML`) leaves the copies we took out or
    /// moved away before off the page, at the same place as the new one that record `pos` has
    /// just taken: they are the page's past, and a revert must not bring them all back (nor
    /// keep them alive). Their place is forgotten; the next sweep drops them.
    fn forget_older_copies(&mut self, pos: usize) {
        fn place(r: &Record) -> Option<&Node> {
            r.home.as_ref().map(|h| &h.parent)
        }
        if self.records[pos].home.is_none() {
            return;
        }
        // The elements we moved or removed whose place is still there (a neighbour they had is
        // where it was): one of them that left was not rendered again by the page.
        let in_place = |h: &Place| {
            [&h.next, &h.prev]
                .into_iter()
                .flatten()
                .any(|n| n.parent_node().as_ref() == Some(&h.parent))
        };
        let ours: Vec<NodeKey> = self
            .records
            .iter()
            .filter(|r| r.home.as_ref().is_some_and(in_place))
            .map(|r| r.key)
            .collect();
        for i in 0..self.records.len() {
            let (r, new) = (&self.records[i], &self.records[pos]);
            if i == pos
                || r.property != new.property
                || r.entries != new.entries
                || place(r) != place(new)
            {
                continue;
            }
            let (Some(old), Some(now)) = (&r.home, &new.home) else {
                continue;
            };
            let gone = |n: &Node| {
                n.parent_node().as_ref() != Some(&old.parent) && !ours.contains(&node_key(n))
            };
            // The page rendered the place again when what followed the element left it too (or,
            // for the last element, what came before it), or it put the new copy between the same
            // neighbours, as a keyed list does. (An element that had no neighbours there tells
            // nothing: a list streamed in chunks gives each item that place in turn.)
            // Nor does an element alone there, unless the new one is the same markup: a list
            // streamed in chunks gives each item that place in turn, a page rendering its view
            // again gives it to a copy.
            let alone = |h: &Place| h.next.is_none() && h.prev.is_none();
            let rendered_again =
                match &old.next {
                    Some(next) => gone(next) || old.next == now.next,
                    None => old.prev.as_ref().is_some_and(|prev| {
                        gone(prev) || (now.next.is_none() && old.prev == now.prev)
                    }),
                } || (alone(old) && alone(now) && r.el.outer_html() == new.el.outer_html());
            // A copy we moved out of a container whose content the page rewrote all around it is
            // the page's past, still shown where we put it (not one moved within the container,
            // which the page kept).
            let stale_move = r.property == Property::Position
                && rendered_again
                && r.el.is_connected()
                && r.el.parent_node().as_ref() != Some(&old.parent)
                && old.next.as_ref().is_none_or(gone)
                && old.prev.as_ref().is_none_or(gone);
            if stale_move {
                take_out(&r.el);
                self.records[i].home = None;
            } else if rendered_again && !r.el.is_connected() {
                self.records[i].home = None;
            }
        }
    }

    /// Tries again the moves of mutation `id` (an element of its place has appeared). Not for
    /// an element off the page: the page took it out (a re-render replaced it, or what held
    /// it), and putting it in the new place would show an old copy next to the new one.
    fn place(&mut self, id: MutationId) {
        for pos in 0..self.records.len() {
            let r = &self.records[pos];
            if !(r.property == Property::Position
                && r.entries.last() == Some(&id)
                && r.el.is_connected())
            {
                continue;
            }
            let Some(target @ (_, _, false)) = self.position_target(pos) else {
                continue;
            };
            // Moved again within a few milliseconds of the last move is a loop (two moves that
            // each want their element before the other's), which backs off as a fight does; a
            // page that adds before the place now and then (a feed, a re-sort) is followed.
            // (Not a place inside the element, which the browser refuses, said once: asked
            // again at each new match of its selectors, as the parser adds them, it is no loop.)
            let refused = self.records[pos].el.contains(Some(target.0.as_ref()));
            let now = super::now_ms();
            let f = &mut self.records[pos].fight;
            if now - f.last < LOOP_MS && !refused {
                self.reapply(pos);
            } else {
                f.last = now;
                self.wrote_in_batch = true;
                self.move_to(pos, target);
            }
        }
    }

    /// Where record `pos`'s move puts its element: the parent, the sibling to go before, and
    /// whether the element is there already; `None` while the place is missing.
    fn position_target(&self, pos: usize) -> Option<(Element, Option<Element>, bool)> {
        let record = &self.records[pos];
        let m = &self.entries[*record.entries.last()?].mutation;
        let parent = super::document()
            .query_selector(m.parent_selector.as_deref()?)
            .ok()??;
        let before = match m.insert_before_selector.as_deref() {
            Some(sel) => match parent.query_selector(sel) {
                Ok(Some(b)) if b.parent_node().as_ref() == Some(parent.as_ref()) => Some(b),
                _ => return None,
            },
            None => None,
        };
        let el: &Node = record.el.as_ref();
        let before_node: Option<&Node> = before.as_ref().map(AsRef::as_ref);
        // (`insertBeforeSelector` may match the element itself, `li:first-child` once it is
        // first: it is where it should be. Text after it, with no element, is the end of the
        // parent, as dom-mutator has it: not moved behind text the parser adds after it.)
        let in_place = before_node == Some(el)
            || (el.parent_node().as_ref() == Some(parent.as_ref())
                && record.el.next_element_sibling() == before);
        Some((parent, before, in_place))
    }

    fn apply_position(&mut self, pos: usize) {
        self.wrote_in_batch = true;
        if let Some(target) = self.position_target(pos) {
            self.move_to(pos, target);
        }
    }

    /// Moves record `pos`'s element to `target` (from [`Mutator::position_target`]).
    fn move_to(
        &mut self,
        pos: usize,
        (parent, before, in_place): (Element, Option<Element>, bool),
    ) {
        let r = &mut self.records[pos];
        let el = &r.el;
        if !in_place {
            // Moved already, and found outside its place's parent: the page put it where it is
            // (its own move, a wrapper it added around it), which is where the element is for
            // the page from now on, and where a revert puts it back. (Outside its place, but
            // in the parent, it is where we put it: the element it goes before has moved.)
            // (Not one found off the page: `follow_moved_out`.)
            let now_in = el.parent_node();
            if r.reached
                && el.is_connected()
                && now_in.as_ref() != Some(parent.as_ref())
                && now_in != r.moved_into
            {
                r.home = Place::of(el).or(r.home.take());
            }
        }
        // (Also one found in its place at first, which stays where it is: the page removing it
        // then is noted, and a revert leaves it out.)
        if !(in_place && r.reached) {
            mark_moved(el);
        }
        let el = &self.records[pos].el;
        let left = el.parent_node();
        if in_place || insert_here(&parent, el, before.as_ref().map(AsRef::as_ref)).is_ok() {
            // (The html of the elements around where it left and where it went is ours now.)
            if !in_place {
                if let Some(left) = left {
                    self.absorb(pos, &left, false);
                }
                self.absorb(pos, &parent, false);
            }
            self.records[pos].moved_into = Some(parent.into());
            self.mark_reached(pos);
        } else if let Some(&id) = self.records[pos].entries.last() {
            // Said once by the owner; the element stays where it is.
            self.refused_moves.push(id);
        }
    }

    /// A move or insert made for the first time: its mutations' impressions are due.
    fn mark_reached(&mut self, pos: usize) {
        if !core::mem::replace(&mut self.records[pos].reached, true) {
            self.push_owners(pos);
        }
    }

    /// The owners of record `pos`'s mutations: their change reached the page.
    fn push_owners(&mut self, pos: usize) {
        for &i in &self.records[pos].entries {
            self.newly_applied.push(self.entries[i].owner);
        }
    }

    /// After our own write at `node` (record `pos`'s element when `at_el`), the html and text
    /// records of the elements around it take the result as their applied value: otherwise they
    /// would take our write for the page's and re-apply over it, which undoes it, which
    /// re-applies it, without end.
    fn absorb(&mut self, pos: usize, node: &Node, at_el: bool) {
        let content = |r: &Record| sets_content(&r.property);
        if self.content_js.is_none() || !self.records.iter().any(content) {
            return;
        }
        // The records' elements that hold `node` (or are it): found by one walk up in JS, which
        // mostly finds none; the element's own key is known here.
        let mut around = content_keys_around(node, !at_el);
        if at_el {
            around.push(self.records[pos].key);
        }
        for i in 0..self.records.len() {
            let r = &self.records[i];
            if i != pos && content(r) && !r.waiting && around.contains(&r.key) {
                self.records[i].applied = read(&r.el, &r.property);
            }
        }
    }

    /// Re-applies a record after the page changed it. More than [`FIGHT_LIMIT`] times within
    /// [`FIGHT_WINDOW_MS`] is a fight: the re-apply then waits, 50 ms, then twice as long each
    /// time, so the page's code and ours do not loop; a pause of the page's writes ends it.
    fn reapply(&mut self, pos: usize) {
        let now = super::now_ms();
        let f = &mut self.records[pos].fight;
        if now - f.window > FIGHT_WINDOW_MS {
            f.window = now;
            f.count = 0;
        }
        if now - f.last > FIGHT_WINDOW_MS {
            f.backoff = 0;
        }
        f.count = f.count.saturating_add(1);
        if f.backoff == 0 && f.count <= FIGHT_LIMIT {
            f.last = now;
            self.apply(pos);
            return;
        }
        if f.due > 0.0 {
            return;
        }
        f.backoff = if f.backoff == 0 {
            BACKOFF_FIRST_MS
        } else {
            (f.backoff * 2).min(BACKOFF_MAX_MS)
        };
        f.due = now + f.backoff as f64;
        if !f.warned {
            f.warned = true;
            let first = self.records[pos].entries[0];
            self.fights.push(first);
        }
        self.schedule(now);
    }

    /// Arms the timer for the earliest due re-apply, or none.
    fn schedule(&mut self, now: f64) {
        let mut next = if self.inserts_due { now } else { f64::INFINITY };
        for r in &self.records {
            if r.fight.due > 0.0 && r.fight.due < next {
                next = r.fight.due;
            }
        }
        self.timer = None;
        if let (true, Some(waker)) = (next.is_finite(), &self.waker) {
            self.timer = Some(Timeout::new(waker, (next - now) as i32 + 1));
        }
    }

    /// Nodes were removed from `target`: an insert of ours among them goes back in.
    fn on_removed(&mut self, target: &Node) {
        self.removed_in_batch = true;
        // Inserts whose element the page took out are looked at in the next task (see
        // [`Mutator::drop_left_behind`]): an element moved in two steps is back by then.
        // (Once per task: a re-render removes in many records.)
        if !self.inserts_due
            && self
                .records
                .iter()
                .any(|r| matches!(r.property, Property::Insert(_)))
        {
            self.inserts_due = true;
            self.schedule(super::now_ms());
        }
        for pos in 0..self.records.len() {
            let r = &self.records[pos];
            if let Property::Insert(at) = r.property {
                if !r.waiting
                    && insert_container(&r.el, at).as_ref() == Some(target)
                    && !inserted_intact(r, at)
                {
                    self.reapply(pos);
                }
            }
        }
    }

    /// An observed change at `target`: for every record it touches whose value is no longer what
    /// we wrote, the page's value becomes the new original and the chain runs again on top of it.
    fn on_external_change(&mut self, target: &Node, attribute: Option<String>) {
        let key = node_key(target);
        // A child list or text change concerns the html and text records of the elements that
        // hold the target.
        let around = match attribute {
            None => content_keys_around(target, true),
            Some(_) => Vec::new(),
        };
        // What the page added next to the content we set is its own: it goes with the content
        // kept (a framework rendering into the element), before any record looks at what
        // changed, so that those around see their content as it was, not our move. (Not what an
        // insert of ours put into the same element: no page content.)
        for pos in 0..self.records.len() {
            let r = &self.records[pos];
            if sets_content(&r.property)
                && around.contains(&r.key)
                && !r.waiting
                && self.has_set(pos)
            {
                adopt_added(&r.el, &self.inserted_into(r.key));
            }
        }
        for pos in 0..self.records.len() {
            let r = &self.records[pos];
            let own = r.key == key;
            let touched = match (&r.property, &attribute) {
                (Property::Html | Property::Text, None) => around.contains(&r.key),
                (Property::Class, Some(a)) => own && a == "class",
                (Property::Style | Property::StyleProperty(_), Some(a)) => own && a == "style",
                // (The browser reports an HTML element's attribute names in lower case.)
                (Property::Attribute(name), Some(a)) => own && a.eq_ignore_ascii_case(name),
                _ => false,
            };
            if !touched || r.waiting {
                continue;
            }
            let current = read(&r.el, &r.property);
            if current == r.applied {
                continue;
            }
            // What we appended is still there (the page added something else: a feed's next
            // items): the page's value is the rest, and nothing is written, where appending again
            // would put our part in twice.
            if let Some(page) = without_our_append(r, &self.entries, current.as_deref()) {
                let r = &mut self.records[pos];
                r.original = Some(page);
                r.applied = current;
                continue;
            }
            // A page that edits the classes (`classList.toggle`) leaves ours in: its own value
            // is without them. The user opens and closes `<details>` and `<dialog>`: their
            // choice stands.
            let edited = match (&r.property, &r.original, &r.applied, &current) {
                (Property::Class, o, Some(a), Some(c)) => {
                    // (No classes left of the page's, which had no attribute: none.)
                    crate::core::actions::page_classes(o.as_deref().unwrap_or(""), a, c)
                        .map(|page| (!page.is_empty() || o.is_some()).then_some(page))
                }
                _ => None,
            };
            let users = matches!(&r.property, Property::Attribute(name) if name == "open")
                && matches!(r.el.local_name().as_str(), "details" | "dialog");
            let r = &mut self.records[pos];
            match edited {
                // (What is there now counts as ours, so the re-apply keeps this original.)
                Some(page) => (r.applied, r.original) = (current, page),
                None if users => {
                    (r.applied, r.original) = (current.clone(), current);
                    continue;
                }
                None => r.original = current,
            }
            self.reapply(pos);
        }
    }
}

/// For an html or text record changed only by appends: `current` without the part those appends
/// added (as the browser wrote it), when `current` still holds it.
fn without_our_append(r: &Record, entries: &[Entry], current: Option<&str>) -> Option<String> {
    if !sets_content(&r.property)
        || r.entries
            .iter()
            .any(|&i| entries[i].mutation.op != crate::core::actions::Op::Append)
    {
        return None;
    }
    // (Our nodes as they are now: the page may have added after them, and another change of ours
    // may have changed them, a class on the appended item.)
    let ours = appended_part(&r.el, r.property == Property::Text)?;
    let ours = ours.as_str();
    let current = current?;
    // (By hand: `str::rfind` with a string pattern brings its two-way searcher into the wasm.)
    let at = (0..current.len().checked_sub(ours.len())? + 1)
        .rev()
        .find(|&at| !ours.is_empty() && current.get(at..at + ours.len()) == Some(ours))?;
    let mut page = String::from(current.get(..at)?);
    page.push_str(current.get(at + ours.len()..)?);
    Some(page)
}

/// Puts a record's element back as the page last had it. A change still held back was never
/// made, so there is nothing to undo (its original is the partial content).
fn restore(r: &Record) {
    if r.waiting {
        return;
    }
    match &r.property {
        Property::Position | Property::Element => {
            // An element we removed waits where we put it; one we moved is put back wherever it is
            // (also from a place the page emptied since). Not one whose move never happened
            // (its place never came: where it is, the page put it), nor one the page's own code
            // removed or replaced since (the wrappers in `page.js` note those).
            if let Some(home) = &r.home {
                let put_back = match r.property {
                    Property::Position => r.reached,
                    _ => parked(&r.el),
                };
                if put_back && !released_by_page(&r.el) {
                    home.put_back(&r.el);
                }
            }
        }
        Property::Insert(_) => {
            for n in &r.inserted {
                if let Some(parent) = n.parent_node() {
                    let _ = parent.remove_child(n);
                }
            }
        }
        _ => {
            // Only our value is undone: one the page wrote since (its record not yet seen) is
            // the page's, and stays. Html and text are undone by the nodes of ours that
            // `page.js` knows, whatever the page changed around or inside them since (a class
            // toggled in the content reads as another value, and ours would stay); never by
            // writing the original back, which holds the content as it was when read: an
            // element moved in or out since, or changed by another change of ours, would come
            // back as a copy.
            let current = read(&r.el, &r.property);
            let ours = current == r.applied;
            if sets_content(&r.property) {
                put_back_content(&r.el, ours);
            } else if ours && current != r.original {
                write(&r.el, &r.property, r.original.as_deref());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::actions::Op;
    use crate::dom::document;
    use crate::dom::observer::DomObserver;
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    fn mutation(selector: &str, property: Property, op: Op, value: &str) -> Mutation {
        Mutation {
            selector: selector.into(),
            property,
            op,
            value: value.into(),
            parent_selector: None,
            insert_before_selector: None,
            scope: Vec::new(),
        }
    }

    /// A fresh container in the body with `html` inside; removed by the caller's `remove()`.
    fn fixture(id: &str, html: &str) -> Element {
        let el = document().create_element("div").unwrap();
        el.set_id(id);
        el.set_inner_html(html);
        document().body().unwrap().append_child(&el).unwrap();
        el
    }

    /// A mutator wired to a real observer and a waker, as the runtime wires them.
    fn observed() -> (Rc<RefCell<Mutator>>, DomObserver) {
        let mutator = Rc::new(RefCell::new(Mutator::default()));
        let m = mutator.clone();
        // Fed through the mutator's own filter, as the runtime does.
        let observer = {
            let mm = mutator.borrow();
            DomObserver::new(&document(), mm.filter(), move |batch| {
                m.borrow_mut().on_records(batch)
            })
        }
        .unwrap();
        let m = mutator.clone();
        let waker =
            wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || m.borrow_mut().wake());
        mutator
            .borrow_mut()
            .set_waker(waker.as_ref().unchecked_ref::<js_sys::Function>().clone());
        // Tests end with the mutator still referenced by the waker: a leak a test can afford.
        waker.forget();
        (mutator, observer)
    }

    /// Lets pending observer callbacks (microtasks) and a timer turn run.
    async fn settle() {
        sleep(0).await;
    }

    async fn sleep(ms: i32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            crate::dom::window()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
                .unwrap();
        });
        wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    }

    fn by_id(id: &str) -> Element {
        document().get_element_by_id(id).unwrap()
    }

    fn inner(selector: &str) -> String {
        document()
            .query_selector(selector)
            .unwrap()
            .unwrap()
            .inner_html()
    }

    #[wasm_bindgen_test]
    fn changes_existing_elements_at_once() {
        let root = fixture("existing", "<h2 class='t'>old</h2><h2 class='t'>old</h2>");
        let mut m = Mutator::default();
        m.add(mutation("#existing .t", Property::Html, Op::Set, "new"), 7)
            .unwrap();
        assert_eq!(
            root.inner_html(),
            "<h2 class=\"t\">new</h2><h2 class=\"t\">new</h2>"
        );
        assert_eq!(m.drain_newly_applied(), vec![7, 7]);
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn changes_late_elements_when_they_appear() {
        let root = fixture("late", "");
        let (m, _observer) = observed();
        m.borrow_mut()
            .add(mutation("#late .x", Property::Html, Op::Set, "changed"), 1)
            .unwrap();
        assert!(m.borrow_mut().drain_newly_applied().is_empty());
        root.set_inner_html("<section><p class='x'>original</p></section>");
        settle().await;
        assert_eq!(inner("#late .x"), "changed");
        assert_eq!(m.borrow_mut().drain_newly_applied(), vec![1]);
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn elements_that_match_after_an_attribute_change_are_changed() {
        let root = fixture(
            "menu",
            "<ul class='menu'><li class='item'>a</li></ul><nav id='nav'><a>b</a></nav>",
        );
        let (m, _observer) = observed();
        // One selector without an anchor, one anchored on an id whose own class comes later.
        m.borrow_mut()
            .add(
                mutation(".menu.open .item", Property::Text, Op::Set, "A"),
                1,
            )
            .unwrap();
        m.borrow_mut()
            .add(mutation("#nav.open a", Property::Text, Op::Set, "B"), 2)
            .unwrap();
        settle().await;
        assert_eq!(inner("#menu .item"), "a");
        assert_eq!(inner("#nav a"), "b");
        by_id("nav").set_class_name("open");
        document()
            .query_selector("#menu .menu")
            .unwrap()
            .unwrap()
            .set_attribute("class", "menu open")
            .unwrap();
        settle().await;
        assert_eq!(inner("#menu .item"), "A");
        assert_eq!(inner("#nav a"), "B");
        // A style change is not a reason to look again (pages animate styles every frame).
        root.set_inner_html("<p class='later'>c</p>");
        m.borrow_mut()
            .add(mutation("#menu [style] ", Property::Text, Op::Set, "C"), 3)
            .unwrap();
        settle().await;
        by_id("menu")
            .first_element_child()
            .unwrap()
            .set_attribute("style", "color: red")
            .unwrap();
        settle().await;
        assert_eq!(inner("#menu .later"), "c");
        m.borrow_mut().set_all_active(false);
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn stacked_mutations_apply_in_config_order_and_reapply_over_page_writes() {
        let root = fixture("stack", "<p id='s'>base</p>");
        let (m, _observer) = observed();
        m.borrow_mut()
            .add(mutation("#s", Property::Html, Op::Append, " one"), 1)
            .unwrap();
        m.borrow_mut()
            .add(mutation("#s", Property::Html, Op::Append, " two"), 2)
            .unwrap();
        assert_eq!(inner("#s"), "base one two");
        // The page (a framework) writes its own value: ours is re-applied on top of it.
        document()
            .get_element_by_id("s")
            .unwrap()
            .set_inner_html("hola");
        settle().await;
        assert_eq!(inner("#s"), "hola one two");
        // Revert restores the page's last value, not the value before webexp ran.
        m.borrow_mut().set_all_active(false);
        assert_eq!(inner("#s"), "hola");
        root.remove();
    }

    #[wasm_bindgen_test]
    fn one_mutation_can_be_switched_off_alone_and_on_again() {
        let root = fixture("alone", "<p id='al'>base</p>");
        let mut m = Mutator::default();
        let one = m
            .add(mutation("#al", Property::Html, Op::Append, " one"), 1)
            .unwrap();
        m.add(mutation("#al", Property::Html, Op::Append, " two"), 2)
            .unwrap();
        assert_eq!(inner("#al"), "base one two");
        m.set_active(one, false);
        assert_eq!(inner("#al"), "base two");
        m.set_active(one, true);
        assert_eq!(inner("#al"), "base one two");
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn a_text_change_inside_a_changed_element_is_written_over() {
        let root = fixture("textin", "<p id='ti'>old</p>");
        let (m, _observer) = observed();
        m.borrow_mut()
            .add(mutation("#ti", Property::Html, Op::Set, "<b>new</b>"), 1)
            .unwrap();
        // The page edits the text node inside our <b> (a characterData record on a Text node).
        let b = document().query_selector("#ti b").unwrap().unwrap();
        b.first_child().unwrap().set_node_value(Some("page text"));
        settle().await;
        assert_eq!(inner("#ti"), "<b>new</b>");
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn an_append_stays_single_when_the_page_adds_to_the_element() {
        let root = fixture("feed-page", "<div id='feed'><article>1</article></div>");
        let (m, _observer) = observed();
        m.borrow_mut()
            .add(
                mutation("#feed", Property::Html, Op::Append, "<aside>ad</aside>"),
                1,
            )
            .unwrap();
        assert_eq!(inner("#feed"), "<article>1</article><aside>ad</aside>");
        // Infinite scroll: the page appends its next item, after ours.
        let feed = by_id("feed");
        let next = document().create_element("article").unwrap();
        next.set_text_content(Some("2"));
        feed.append_child(&next).unwrap();
        settle().await;
        assert_eq!(
            inner("#feed"),
            "<article>1</article><aside>ad</aside><article>2</article>"
        );
        assert!(next.is_connected(), "the page's node was not rewritten");
        // Revert: the page's items, without ours.
        m.borrow_mut().set_all_active(false);
        assert_eq!(inner("#feed"), "<article>1</article><article>2</article>");
        root.remove();
        // Two appends, and the page takes one of our parts out: each is there once again, and
        // the revert leaves none.
        let root = fixture("feed2-page", "<ul id='feed2'><li>1</li></ul>");
        let (m, _observer) = observed();
        for (i, item) in ["<li>A</li>", "<li>B</li>"].into_iter().enumerate() {
            m.borrow_mut()
                .add(mutation("#feed2", Property::Html, Op::Append, item), i)
                .unwrap();
        }
        assert_eq!(inner("#feed2"), "<li>1</li><li>A</li><li>B</li>");
        let ours = document()
            .query_selector("#feed2 li + li")
            .unwrap()
            .unwrap();
        ours.remove();
        settle().await;
        assert_eq!(inner("#feed2"), "<li>1</li><li>A</li><li>B</li>");
        m.borrow_mut().set_all_active(false);
        assert_eq!(inner("#feed2"), "<li>1</li>");
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn an_insert_matching_its_own_selector_does_not_repeat() {
        let root = fixture("ins", "<ul id='nav'><li>a</li><li>b</li></ul>");
        let (m, _observer) = observed();
        m.borrow_mut()
            .add(
                mutation(
                    "#nav > li:last-child",
                    Property::Insert(1),
                    Op::Set,
                    "<li>Sale</li>",
                ),
                1,
            )
            .unwrap();
        settle().await;
        settle().await;
        assert_eq!(inner("#nav"), "<li>a</li><li>b</li><li>Sale</li>");
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn a_mutation_applies_inside_html_another_one_wrote() {
        let root = fixture("inhtml", "<p id='late-parent'></p>");
        let (m, _observer) = observed();
        // The link's mutation comes first in config order, and the html appears later.
        m.borrow_mut()
            .add(
                mutation(
                    "#p2 .link",
                    Property::Attribute("href".into()),
                    Op::Set,
                    "/sale",
                ),
                1,
            )
            .unwrap();
        m.borrow_mut()
            .add(
                mutation(
                    "#p2",
                    Property::Html,
                    Op::Set,
                    "<a class='link' href='/'>Go</a>",
                ),
                2,
            )
            .unwrap();
        by_id("late-parent").set_inner_html("<span id='p2'>x</span>");
        settle().await;
        assert_eq!(inner("#p2"), "<a class=\"link\" href=\"/sale\">Go</a>");
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn html_containing_its_own_selector_does_not_nest() {
        let root = fixture("nest", "<div class='box'>a</div>");
        let (m, _observer) = observed();
        m.borrow_mut()
            .add(
                mutation(
                    "#nest .box",
                    Property::Html,
                    Op::Set,
                    "<div class='box'>inner</div>",
                ),
                1,
            )
            .unwrap();
        settle().await;
        settle().await;
        assert_eq!(
            root.inner_html(),
            "<div class=\"box\"><div class=\"box\">inner</div></div>"
        );
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn classes_and_attributes() {
        let root = fixture(
            "attrs",
            "<a id='a' class='x y' title='t' href='/h'>link</a>",
        );
        let (m, _observer) = observed();
        {
            let mut mm = m.borrow_mut();
            mm.add(mutation("#a", Property::Class, Op::Append, "z"), 1)
                .unwrap();
            mm.add(mutation("#a", Property::Class, Op::Remove, "x"), 1)
                .unwrap();
            mm.add(
                mutation("#a", Property::Attribute("title".into()), Op::Remove, ""),
                1,
            )
            .unwrap();
            mm.add(
                mutation("#a", Property::Attribute("href".into()), Op::Append, "?v=2"),
                1,
            )
            .unwrap();
        }
        let a = document().get_element_by_id("a").unwrap();
        assert_eq!(a.get_attribute("class").as_deref(), Some("y z"));
        assert_eq!(a.get_attribute("title"), None);
        assert_eq!(a.get_attribute("href").as_deref(), Some("/h?v=2"));
        // A framework rewrites the class: our change goes on top of its new value.
        a.set_attribute("class", "fresh").unwrap();
        settle().await;
        assert_eq!(a.get_attribute("class").as_deref(), Some("fresh z"));
        m.borrow_mut().set_all_active(false);
        assert_eq!(a.get_attribute("class").as_deref(), Some("fresh"));
        assert_eq!(a.get_attribute("title").as_deref(), Some("t"));
        assert_eq!(a.get_attribute("href").as_deref(), Some("/h"));
        root.remove();
    }

    #[wasm_bindgen_test]
    fn moves_an_element_and_moves_it_back() {
        let root = fixture(
            "pos",
            "<ul id='l1'><li id='i'>i</li></ul><ul id='l2'><li id='j'>j</li></ul>",
        );
        let mut m = Mutator::default();
        let mut mv = mutation("#i", Property::Position, Op::Set, "");
        mv.parent_selector = Some("#l2".into());
        mv.insert_before_selector = Some("#j".into());
        m.add(mv, 1).unwrap();
        assert_eq!(inner("#l2"), "<li id=\"i\">i</li><li id=\"j\">j</li>");
        m.set_all_active(false);
        assert_eq!(inner("#l1"), "<li id=\"i\">i</li>");
        // A missing target leaves the element where it is.
        let mut missing = mutation("#i", Property::Position, Op::Set, "");
        missing.parent_selector = Some("#nowhere".into());
        m.add(missing, 1).unwrap();
        assert_eq!(inner("#l1"), "<li id=\"i\">i</li>");
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn a_move_waits_for_its_place_to_appear() {
        let root = fixture("wait", "<ul id='w1'><li id='wi'>i</li></ul>");
        let (m, _observer) = observed();
        let mut mv = mutation("#wi", Property::Position, Op::Set, "");
        mv.parent_selector = Some("#w2".into());
        mv.insert_before_selector = Some("#wj".into());
        m.borrow_mut().add(mv, 1).unwrap();
        assert_eq!(inner("#w1"), "<li id=\"wi\">i</li>");
        // Not moved yet: no impression is due.
        assert!(m.borrow_mut().drain_newly_applied().is_empty());
        // The page renders the new parent, and only later the element to insert before.
        root.insert_adjacent_html("beforeend", "<ul id='w2'><li id='wk'>k</li></ul>")
            .unwrap();
        settle().await;
        assert_eq!(inner("#w1"), "<li id=\"wi\">i</li>");
        assert!(m.borrow_mut().drain_newly_applied().is_empty());
        by_id("wk")
            .insert_adjacent_html("afterend", "<li id='wj'>j</li>")
            .unwrap();
        settle().await;
        assert_eq!(
            inner("#w2"),
            "<li id=\"wk\">k</li><li id=\"wi\">i</li><li id=\"wj\">j</li>"
        );
        assert_eq!(m.borrow_mut().drain_newly_applied(), [1]);
        m.borrow_mut().set_all_active(false);
        assert_eq!(inner("#w1"), "<li id=\"wi\">i</li>");
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn an_element_the_page_moves_back_is_moved_again() {
        let root = fixture(
            "back",
            "<ul id='b1'><li class='mv'>i</li></ul><ul id='b2'></ul>",
        );
        let (m, _observer) = observed();
        let mut mv = mutation("#back .mv", Property::Position, Op::Set, "");
        mv.parent_selector = Some("#b2".into());
        m.borrow_mut().add(mv, 1).unwrap();
        assert_eq!(inner("#b2"), "<li class=\"mv\">i</li>");
        assert_eq!(m.borrow_mut().drain_newly_applied(), [1]);
        // A framework restores its tree.
        let li = document().query_selector(".mv").unwrap().unwrap();
        by_id("b1").append_child(&li).unwrap();
        settle().await;
        assert_eq!(inner("#b2"), "<li class=\"mv\">i</li>");
        assert!(
            m.borrow_mut().drain_newly_applied().is_empty(),
            "counted once"
        );
        m.borrow_mut().set_all_active(false);
        assert_eq!(inner("#b1"), "<li class=\"mv\">i</li>");
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn a_class_one_mutation_adds_brings_another_ones_matches() {
        let root = fixture("promo", "");
        let (m, _observer) = observed();
        m.borrow_mut()
            .add(mutation(".hero", Property::Class, Op::Append, "promo"), 1)
            .unwrap();
        m.borrow_mut()
            .add(
                mutation(".hero.promo .title", Property::Text, Op::Set, "Sale"),
                2,
            )
            .unwrap();
        // The page renders the hero late: the first mutation's class lets the second match.
        root.set_inner_html("<div class='hero'><h2 class='title'>Hello</h2></div>");
        settle().await;
        assert_eq!(
            inner("#promo"),
            "<div class=\"hero promo\"><h2 class=\"title\">Sale</h2></div>"
        );
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn records_of_elements_the_page_replaced_are_forgotten() {
        let root = fixture("sweep", "");
        let (m, _observer) = observed();
        m.borrow_mut()
            .add(mutation("#sweep .row", Property::Class, Op::Append, "x"), 1)
            .unwrap();
        // A list re-rendered 50 times: each time 10 new rows replace the old ones.
        for _ in 0..50 {
            root.set_inner_html(&"<p class='row'>r</p>".repeat(10));
            settle().await;
        }
        let count = m.borrow().records.len();
        assert!(count <= 128, "{count} records kept for 10 rows on the page");
        // The rows on the page are still changed.
        assert_eq!(
            document()
                .query_selector_all("#sweep .row.x")
                .unwrap()
                .length(),
            10
        );
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn a_section_rendered_again_shows_one_copy_of_what_was_moved_or_removed() {
        let root = fixture("again", "");
        let (m, _observer) = observed();
        let mut mv = mutation("#again .badge", Property::Position, Op::Set, "");
        mv.parent_selector = Some("#again .aside".into());
        m.borrow_mut().add(mv, 1).unwrap();
        m.borrow_mut()
            .add(
                mutation("#again .promo", Property::Element, Op::Remove, ""),
                1,
            )
            .unwrap();
        // The section holding the element and its new place, rendered again and again.
        let html = "<span class='badge'>b</span><p class='promo'>p</p><div class='aside'></div>";
        for _ in 0..20 {
            root.set_inner_html(html);
            settle().await;
        }
        let count = |sel: &str| document().query_selector_all(sel).unwrap().length();
        assert_eq!(count("#again .aside .badge"), 1);
        assert_eq!(count("#again .badge"), 1);
        assert_eq!(count("#again .promo"), 0);
        // Revert: the page's last rendering, once, not a copy per rendering.
        m.borrow_mut().set_all_active(false);
        assert_eq!(
            root.inner_html(),
            "<span class=\"badge\">b</span><p class=\"promo\">p</p><div class=\"aside\"></div>"
        );
        let kept = m.borrow().records.len();
        m.borrow_mut().sweep();
        assert!(
            m.borrow().records.len() <= 2,
            "{kept} records before the sweep"
        );
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn keyed_lists_and_unmounted_views_keep_one_copy_in_the_right_place() {
        let root = fixture(
            "keyed",
            "<div id='kapp'><section id='kv'><h2 id='kh'>Home</h2></section><footer id='kf'></footer></div>\
             <ul id='kl'><li id='k1'>1</li><li id='k2'>2</li><li id='k3'>3</li></ul>\
             <ul id='kn'><li id='kn1'>a</li><li class='kx'>x</li><li id='kn2'>b</li></ul>",
        );
        let (m, _observer) = observed();
        let mut heading = mutation("#kh", Property::Position, Op::Set, "");
        heading.parent_selector = Some("#kapp".into());
        heading.insert_before_selector = Some("#kf".into());
        let mut third = mutation("#k3", Property::Position, Op::Set, "");
        third.parent_selector = Some("#kl".into());
        third.insert_before_selector = Some("#k1".into());
        {
            let mut mm = m.borrow_mut();
            mm.add(heading, 1).unwrap();
            mm.add(third, 1).unwrap();
            mm.add(
                mutation("#k2", Property::Insert(1), Op::Set, "<li class='ki'>i</li>"),
                1,
            )
            .unwrap();
            mm.add(mutation("#kn .kx", Property::Element, Op::Remove, ""), 1)
                .unwrap();
        }
        let ids = |sel: &str| {
            let nodes = by_id(sel).child_nodes();
            (0..nodes.length())
                .map(|i| {
                    let el = nodes.item(i).unwrap().unchecked_into::<Element>();
                    if el.id().is_empty() {
                        el.class_name()
                    } else {
                        el.id()
                    }
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("kl"), ["k3", "k1", "k2", "ki"]);
        // A keyed list moves elements: the move follows the element it goes before, the insert
        // the element it goes after.
        let kl = by_id("kl");
        kl.append_child(&by_id("k1")).unwrap();
        kl.append_child(&by_id("k2")).unwrap();
        settle().await;
        assert_eq!(ids("kl"), ["k3", "k1", "k2", "ki"]);
        // A view unmounted takes the heading moved out of it along; the view rendered again
        // shows one heading, the new one.
        let app = by_id("kapp");
        app.remove_child(&by_id("kv")).unwrap();
        settle().await;
        assert_eq!(ids("kapp"), ["kf"]);
        let view = document().create_element("section").unwrap();
        view.set_inner_html("<h2 id='kh'>Home 2</h2>");
        app.insert_before(&view, Some(&by_id("kf"))).unwrap();
        settle().await;
        assert_eq!(
            app.inner_html(),
            "<section></section><h2 id=\"kh\">Home 2</h2><footer id=\"kf\"></footer>"
        );
        // A keyed list renders the removed item again between the same neighbours (leaving the
        // old copy alone, as Vue does): a revert brings back one.
        let kn = by_id("kn");
        let again = document().create_element("li").unwrap();
        again.set_class_name("kx");
        kn.insert_before(&again, Some(&by_id("kn2"))).unwrap();
        settle().await;
        assert_eq!(ids("kn"), ["kn1", "kn2"]);
        m.borrow_mut().set_all_active(false);
        assert_eq!(ids("kn"), ["kn1", "kx", "kn2"]);
        root.remove();
    }

    #[wasm_bindgen_test]
    fn a_removed_mutation_gives_its_id_to_the_next() {
        let root = fixture("reuse", "<p id='reuse-p' class='a'>p</p>");
        let mut m = Mutator::default();
        let append_b = || mutation("#reuse-p", Property::Class, Op::Append, "b");
        // Not while a batch is handled: it may hold matches for the removed one.
        m.in_batch = true;
        let first = m.add(append_b(), 1).unwrap();
        m.remove(first);
        let second = m.add(append_b(), 1).unwrap();
        assert_ne!(first, second);
        m.remove(second);
        m.free_retired();
        // Outside a batch at once, also when no batch comes (nothing to change on the page).
        for selector in ["#reuse-p", "#reuse-absent"] {
            for _ in 0..10 {
                let id = m.add(mutation(selector, Property::Class, Op::Append, "b"), 1);
                let id = id.unwrap();
                m.remove(id);
                assert_eq!(by_id("reuse-p").class_name(), "a");
            }
        }
        assert_eq!(m.entries.len(), 2);
        root.remove();
    }

    #[wasm_bindgen_test]
    fn an_invalid_selector_or_style_value_is_an_error_not_a_throw() {
        let mut m = Mutator::default();
        let invalid = |s: &str| Err(["selector \"", s, "\" is not a valid CSS selector"].concat());
        assert_eq!(
            m.add(mutation("##bad", Property::Html, Op::Set, "x"), 1),
            invalid("##bad")
        );
        // A move's place selectors too: the observer's filter matches them in every batch.
        let mut mv = mutation("#x", Property::Position, Op::Set, "");
        mv.parent_selector = Some("div:contains('Related')".into());
        assert_eq!(m.add(mv, 1), invalid("div:contains('Related')"));
        let mut mv = mutation("#x", Property::Position, Op::Set, "");
        mv.parent_selector = Some("body".into());
        mv.insert_before_selector = Some(".a:first".into());
        assert_eq!(m.add(mv, 1), invalid(".a:first"));
        // A value the browser would drop without a word (and the change count as made).
        let color = || Property::StyleProperty("color".into());
        for value in ["notacolor", "red !important !important", "red;"] {
            assert_eq!(
                m.add(mutation("#x", color(), Op::Set, value), 1),
                Err(["value \"", value, "\" is not valid for style.color"].concat())
            );
        }
        for value in ["red", "red !important", "var(--brand)", ""] {
            assert!(m.add(mutation("#x", color(), Op::Set, value), 1).is_ok());
        }
        assert!(m.drain_newly_applied().is_empty());
    }

    #[wasm_bindgen_test]
    async fn an_html_and_a_text_change_to_one_element_are_one_content() {
        // Two flags on two pages change the same element (a layout element that stays across
        // an SPA navigation): one sets its html, the other its text, in either config order.
        for html_first in [true, false] {
            let root = fixture("one-root", "<p id='one'><span>original</span> banner</p>");
            let span = document().query_selector("#one span").unwrap();
            let (m, _observer) = observed();
            let html = mutation("#one", Property::Html, Op::Set, "<b>A</b>");
            let text = mutation("#one", Property::Text, Op::Set, "B <1>");
            let (a, b) = match html_first {
                true => {
                    let a = m.borrow_mut().add(html, 1).unwrap();
                    (a, m.borrow_mut().add(text, 2).unwrap())
                }
                false => {
                    let b = m.borrow_mut().add(text, 2).unwrap();
                    (m.borrow_mut().add(html, 1).unwrap(), b)
                }
            };
            // Both on: the later in config order shows (flag 2's text, as text), whichever was
            // switched on first.
            assert_eq!(inner("#one"), "B &lt;1&gt;");
            // The page goes from A's page to B's: A off, B on.
            m.borrow_mut().set_active(b, false);
            assert_eq!(inner("#one"), "<b>A</b>");
            m.borrow_mut().set_active(a, false);
            m.borrow_mut().set_active(b, true);
            assert_eq!(inner("#one"), "B &lt;1&gt;");
            // Neither: the page's own content, its own nodes.
            m.borrow_mut().set_active(b, false);
            assert_eq!(inner("#one"), "<span>original</span> banner");
            assert_eq!(by_id("one").first_element_child(), span);
            // And back: A alone, then B too; both off in the other order.
            m.borrow_mut().set_active(a, true);
            m.borrow_mut().set_active(b, true);
            m.borrow_mut().set_active(a, false);
            assert_eq!(inner("#one"), "B &lt;1&gt;");
            m.borrow_mut().set_active(b, false);
            assert_eq!(inner("#one"), "<span>original</span> banner");
            settle().await;
            root.remove();
        }
        // A text append that an html append joins: the page's markup and nodes stay, both
        // parts follow them, and each goes alone.
        let root = fixture("two-root", "<p id='two'><b>bold</b> x</p>");
        let bold = document().query_selector("#two b").unwrap();
        let (m, _observer) = observed();
        let text = m
            .borrow_mut()
            .add(mutation("#two", Property::Text, Op::Append, " & more"), 1)
            .unwrap();
        let html = m
            .borrow_mut()
            .add(mutation("#two", Property::Html, Op::Append, "<i>y</i>"), 2)
            .unwrap();
        assert_eq!(inner("#two"), "<b>bold</b> x &amp; more<i>y</i>");
        assert_eq!(by_id("two").first_element_child(), bold);
        m.borrow_mut().set_active(html, false);
        assert_eq!(inner("#two"), "<b>bold</b> x &amp; more");
        m.borrow_mut().set_active(text, false);
        assert_eq!(inner("#two"), "<b>bold</b> x");
        assert_eq!(by_id("two").first_element_child(), bold);
        // Config order, whichever flag is switched on first: flag 2's set after flag 1's append.
        let set = m
            .borrow_mut()
            .add(mutation("#two", Property::Text, Op::Set, "T"), 2)
            .unwrap();
        let append = m
            .borrow_mut()
            .add(mutation("#two", Property::Text, Op::Append, "+"), 1)
            .unwrap();
        assert_eq!(inner("#two"), "T");
        m.borrow_mut().remove(set);
        assert_eq!(inner("#two"), "<b>bold</b> x+");
        m.borrow_mut().remove(append);
        assert_eq!(inner("#two"), "<b>bold</b> x");
        // An append, then a set joins (html and text alike): the page's own nodes, not copies,
        // are what the set keeps and the revert gives back; our appended part is gone.
        for property in [Property::Html, Property::Text] {
            let append = m
                .borrow_mut()
                .add(mutation("#two", Property::Html, Op::Append, "<i>h</i>"), 1)
                .unwrap();
            let set = m
                .borrow_mut()
                .add(mutation("#two", property, Op::Set, "T"), 2)
                .unwrap();
            assert_eq!(inner("#two"), "T");
            m.borrow_mut().set_active(set, false);
            m.borrow_mut().set_active(append, false);
            assert_eq!(inner("#two"), "<b>bold</b> x");
            assert_eq!(by_id("two").first_element_child(), bold);
            m.borrow_mut().remove(set);
            m.borrow_mut().remove(append);
            settle().await;
        }
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn a_move_waiting_for_its_place_has_not_reached_the_page() {
        let root = fixture("wait", "<p id='wm'>m</p>");
        let (m, _observer) = observed();
        let mut mv = mutation("#wm", Property::Position, Op::Set, "");
        mv.parent_selector = Some("#wait-place".into());
        let id = m.borrow_mut().add(mv, 4).unwrap();
        // The element is on the page, where it was: the move is not made, nor counted.
        assert!(!m.borrow().reaches_page(id));
        assert!(m.borrow_mut().drain_newly_applied().is_empty());
        // Its place appears: now it is.
        let place = document().create_element("div").unwrap();
        place.set_id("wait-place");
        root.append_child(&place).unwrap();
        settle().await;
        assert_eq!(by_id("wm").parent_node(), Some(place.into()));
        assert!(m.borrow().reaches_page(id));
        assert_eq!(m.borrow_mut().drain_newly_applied(), [4]);
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn text_is_never_parsed_as_html() {
        let root = fixture("text", "<p id='tx'>old <i>x</i></p>");
        let italic = document().query_selector("#tx i").unwrap();
        let (m, _observer) = observed();
        let set = m
            .borrow_mut()
            .add(mutation("#tx", Property::Text, Op::Set, "<b>bold?</b>"), 1)
            .unwrap();
        assert_eq!(inner("#tx"), "&lt;b&gt;bold?&lt;/b&gt;");
        m.borrow_mut().set_active(set, false);
        // The revert gives the markup back, the page's own nodes, not their text.
        assert_eq!(inner("#tx"), "old <i>x</i>");
        assert_eq!(by_id("tx").first_element_child(), italic);
        m.borrow_mut()
            .add(mutation("#tx", Property::Text, Op::Append, " & more"), 1)
            .unwrap();
        assert_eq!(by_id("tx").text_content().as_deref(), Some("old x & more"));
        // The page rewrites the text: ours goes on top of it.
        by_id("tx").set_text_content(Some("page"));
        settle().await;
        assert_eq!(inner("#tx"), "page &amp; more");
        m.borrow_mut().set_all_active(false);
        assert_eq!(inner("#tx"), "page");
        root.remove();
    }

    #[wasm_bindgen_test]
    fn a_revert_gives_the_page_its_own_nodes_back() {
        let root = fixture("own", "<div id='ow'><button id='ob'>Buy</button> now</div>");
        let button = by_id("ob");
        let mut m = Mutator::default();
        let sale = m
            .add(mutation("#ow", Property::Html, Op::Set, "<b>Sale</b>"), 1)
            .unwrap();
        assert_eq!(inner("#ow"), "<b>Sale</b>");
        m.set_active(sale, false);
        assert_eq!(inner("#ow"), "<button id=\"ob\">Buy</button> now");
        // The same button, with whatever the page attached to it.
        assert_eq!(by_id("ob"), button);

        // The framework that rendered the button removes it while our html is there: no throw
        // (it is not where the framework put it), and the revert leaves it out.
        m.set_active(sale, true);
        let ow = by_id("ow");
        ow.remove_child(&button).unwrap();
        m.set_active(sale, false);
        assert_eq!(ow.inner_html(), " now");

        // An append leaves the page's nodes on the page (innerHTML would put copies there), and
        // its revert takes out only what it added.
        ow.set_inner_html("<button id='ob'>Buy</button>");
        let button = by_id("ob");
        let badge = m
            .add(
                mutation("#ow", Property::Html, Op::Append, " <b>Sale</b>"),
                1,
            )
            .unwrap();
        assert_eq!(inner("#ow"), "<button id=\"ob\">Buy</button> <b>Sale</b>");
        assert!(button.is_connected());
        m.set_active(badge, false);
        assert_eq!(inner("#ow"), "<button id=\"ob\">Buy</button>");
        assert_eq!(by_id("ob"), button);
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn frameworks_go_on_changing_the_content_ours_replaced_off_the_page() {
        let root = fixture(
            "fw",
            "<ul id='fl'><li id='f1'>1</li><li id='f2'>2</li></ul>",
        );
        let (f1, f2): (Node, Node) = (by_id("f1").into(), by_id("f2").into());
        let (m, _observer) = observed();
        let set = m
            .borrow_mut()
            .add(mutation("#fl", Property::Html, Op::Set, "<li>ours</li>"), 1)
            .unwrap();
        let list = by_id("fl");
        let li = |id: &str| {
            let el = document().create_element("li").unwrap();
            el.set_id(id);
            el
        };
        assert!(
            f1.parent_node().is_some(),
            "kept where a framework finds a parent"
        );
        // Vue: through the node's own parent (it threw when there was none).
        let parent = f1.parent_node().unwrap();
        parent.insert_before(&li("fv"), Some(&f1)).unwrap();
        parent.remove_child(&f1).unwrap();
        // React: through the element it rendered.
        list.append_child(&li("fr")).unwrap();
        list.insert_before(&li("fb"), Some(&f2)).unwrap();
        list.remove_child(&f2).unwrap();
        // Page code with an API no wrapper sees: taken in after the batch.
        list.append_with_node_1(&li("fa")).unwrap();
        settle().await;
        assert_eq!(list.inner_html(), "<li>ours</li>");
        m.borrow_mut().set_active(set, false);
        let nodes = list.child_nodes();
        let ids: Vec<String> = (0..nodes.length())
            .map(|i| nodes.item(i).unwrap().unchecked_into::<Element>().id())
            .collect();
        // (React inserted before a node it then removed: in its place.)
        assert_eq!(ids, ["fv", "fb", "fr", "fa"]);
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn content_changes_combined_with_others_and_with_the_page_revert_to_the_page() {
        let root = fixture(
            "combo",
            "<ul id='cl'><li>a</li><li class='ad'>1</li><li class='ad'>2</li><li class='ad'>3</li><li>x</li></ul>\
             <div id='cb'><p>page</p></div><div id='cp'><p>own</p></div>\
             <h1 id='ct'>Title 1</h1><div id='cs'></div><header id='ch'></header>\
             <div id='chero'><a id='ccta'>Buy</a></div><ul id='cf'><li>f</li></ul>",
        );
        let (m, _observer) = observed();
        let own_p = by_id("cp").first_child().unwrap();
        let mut cta = mutation("#ccta", Property::Position, Op::Set, "");
        cta.parent_selector = Some("#ch".into());
        let html = |sel: &str, op, value: &str| mutation(sel, Property::Html, op, value);
        let ids = {
            let mut mm = m.borrow_mut();
            [
                mm.add(mutation("#cl .ad", Property::Element, Op::Remove, ""), 1),
                mm.add(html("#cb", Op::Set, "<p>ours</p>"), 1),
                mm.add(mutation("#cb", Property::Insert(3), Op::Set, "<b>b</b>"), 1),
                mm.add(html("#cp", Op::Set, "<p>set</p>"), 1),
                mm.add(html("#cp", Op::Append, "<i>more</i>"), 1),
                mm.add(mutation("#ct", Property::Text, Op::Set, "T"), 1),
                mm.add(html("#cs", Op::Set, "<p>slot</p>"), 1),
                mm.add(cta, 1),
                mm.add(mutation("#chero", Property::Element, Op::Remove, ""), 1),
            ]
            .map(Result::unwrap)
        };
        assert_eq!(inner("#cl"), "<li>a</li><li>x</li>");
        assert_eq!(inner("#cb"), "<p>ours</p><b>b</b>");
        assert_eq!(inner("#cp"), "<p>set</p><i>more</i>");
        // The page adds next to our html: its own content; our insert stays.
        let em = document().create_element("em").unwrap();
        by_id("cb").append_with_node_1(&em).unwrap();
        // React writes a text element's only text node: ours, here.
        let title = by_id("ct").first_child().unwrap();
        title.set_node_value(Some("Title 2"));
        // A script a loader appends runs where it is put, in the page.
        let script = document().create_element("script").unwrap();
        by_id("cs").append_child(&script).unwrap();
        assert_eq!(script.parent_node(), Some(by_id("cs").into()));
        // The page takes out something else: the moved link stays (its home went with an
        // element webexp removed, not the page).
        by_id("cf").set_inner_html("");
        settle().await;
        assert_eq!(inner("#cb"), "<p>ours</p><b>b</b>");
        assert_eq!(by_id("ct").text_content().as_deref(), Some("T"));
        assert_eq!(inner("#ch"), "<a id=\"ccta\">Buy</a>");
        // The html set goes, its append stays: after the page's own nodes.
        m.borrow_mut().set_active(ids[3], false);
        assert_eq!(inner("#cp"), "<p>own</p><i>more</i>");
        assert_eq!(by_id("cp").first_child(), Some(own_p));
        for id in ids {
            m.borrow_mut().set_active(id, false);
        }
        assert_eq!(
            inner("#cl"),
            "<li>a</li><li class=\"ad\">1</li><li class=\"ad\">2</li><li class=\"ad\">3</li><li>x</li>"
        );
        assert_eq!(inner("#cb"), "<p>page</p><em></em>");
        assert_eq!(inner("#cp"), "<p>own</p>");
        assert_eq!(inner("#ct"), "Title 2");
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn feeds_and_rewritten_containers_keep_one_copy() {
        let root = fixture(
            "feeds",
            "<ul id='ff'><li>1</li></ul><p id='fn'>x</p><div id='fs'></div><div id='fp'></div>\
             <ul id='fsrc'></ul><ul id='fdst'></ul><ul id='fpl'><li id='fpa'>a</li><li class='pin'>p</li></ul>",
        );
        let (m, _observer) = observed();
        let mut heading = mutation("#fp .ph", Property::Position, Op::Set, "");
        heading.parent_selector = Some("#fs".into());
        let mut item = mutation("#fsrc .b", Property::Position, Op::Set, "");
        item.parent_selector = Some("#fdst".into());
        // (The reference matches the element itself once it is first: it stays, no loop.)
        let mut pin = mutation("#fpl .pin", Property::Position, Op::Set, "");
        pin.parent_selector = Some("#fpl".into());
        pin.insert_before_selector = Some("li".into());
        {
            let mut mm = m.borrow_mut();
            mm.add(
                mutation(
                    "#ff",
                    Property::Html,
                    Op::Append,
                    "<li class='promo'>promo</li>",
                ),
                1,
            )
            .unwrap();
            mm.add(
                mutation("#ff .promo", Property::Class, Op::Append, "hot"),
                1,
            )
            .unwrap();
            mm.add(mutation("#fn", Property::Class, Op::Append, "hot"), 1)
                .unwrap();
            mm.add(heading, 1).unwrap();
            mm.add(mutation("#fp .pp", Property::Element, Op::Remove, ""), 1)
                .unwrap();
            mm.add(item, 1).unwrap();
            mm.add(pin, 1).unwrap();
        }
        let count = |sel: &str| document().query_selector_all(sel).unwrap().length();
        assert_eq!(
            inner("#fpl"),
            "<li class=\"pin\">p</li><li id=\"fpa\">a</li>"
        );
        // A feed that adds its items one task after another: our part (which another change
        // of ours changed) stays single.
        for i in 2..6 {
            let li = document().create_element("li").unwrap();
            li.set_text_content(Some(&i.to_string()));
            by_id("ff").append_child(&li).unwrap();
            settle().await;
        }
        assert_eq!(count("#ff li"), 6);
        assert_eq!(count("#ff .promo.hot"), 1);
        // A container whose content the page writes again and again (jQuery's .html()): the
        // heading moved out of it shows once, the latest; the removed paragraph stays out.
        for i in 0..4 {
            let html = format!("<h3 class='ph'>Panel {i}</h3><p class='pp'>p</p><b>e</b>");
            by_id("fp").set_inner_html(&html);
            settle().await;
        }
        assert_eq!(inner("#fs"), "<h3 class=\"ph\">Panel 3</h3>");
        assert_eq!(count("#fp .pp"), 0);
        // Items that come one after the other into an empty list (streamed, or appended): the
        // first is moved (a move takes one element, as dom-mutator's does), and none is taken
        // for an older copy of another.
        for i in 1..3 {
            let li = document().create_element("li").unwrap();
            li.set_class_name("b");
            li.set_text_content(Some(&i.to_string()));
            by_id("fsrc").append_child(&li).unwrap();
            settle().await;
        }
        assert_eq!(inner("#fdst"), "<li class=\"b\">1</li>");
        m.borrow_mut().set_all_active(false);
        assert_eq!(count("#ff li"), 5);
        assert_eq!(
            by_id("ff")
                .last_element_child()
                .unwrap()
                .text_content()
                .as_deref(),
            Some("5")
        );
        // An element that had no class attribute gets none back.
        assert!(!by_id("fn").has_attribute("class"));
        assert_eq!(inner("#fs"), "");
        assert_eq!(
            inner("#fp"),
            "<h3 class=\"ph\">Panel 3</h3><p class=\"pp\">p</p><b>e</b>"
        );
        assert_eq!(
            inner("#fsrc"),
            "<li class=\"b\">1</li><li class=\"b\">2</li>"
        );
        assert_eq!(
            inner("#fpl"),
            "<li id=\"fpa\">a</li><li class=\"pin\">p</li>"
        );
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn a_move_takes_the_next_match_when_the_page_lets_its_element_go() {
        let root = fixture(
            "letgo",
            "<div id='lapp'><section id='lv'><h2 class='lh'>Home</h2></section><footer id='lf'></footer></div>\
             <ul id='lsrc'><li id='lx'>x</li><li class='lp'>1</li><li class='lp'>2</li></ul><ul id='ldst'></ul>\
             <ul id='lfeed'><li>a</li><li class='lpin'>pin</li></ul><div id='le'><p>old</p></div>",
        );
        let (m, _observer) = observed();
        let mut heading = mutation("#lapp .lh", Property::Position, Op::Set, "");
        heading.parent_selector = Some("#lapp".into());
        heading.insert_before_selector = Some("#lf".into());
        let mut promo = mutation("#lsrc .lp", Property::Position, Op::Set, "");
        promo.parent_selector = Some("#ldst".into());
        let mut pin = mutation("#lfeed .lpin", Property::Position, Op::Set, "");
        pin.parent_selector = Some("#lfeed".into());
        pin.insert_before_selector = Some("li".into());
        {
            let mut mm = m.borrow_mut();
            mm.add(heading, 1).unwrap();
            mm.add(promo, 1).unwrap();
            mm.add(pin, 1).unwrap();
            mm.add(mutation("#le", Property::Html, Op::Set, ""), 1)
                .unwrap();
        }
        assert_eq!(inner("#ldst"), "<li class=\"lp\">1</li>");
        // A route mounts the new view before it unmounts the old one, in one task.
        let app = by_id("lapp");
        let view = document().create_element("section").unwrap();
        view.set_inner_html("<h2 class='lh'>Home 2</h2>");
        app.insert_before(&view, Some(&by_id("lv"))).unwrap();
        app.remove_child(&by_id("lv")).unwrap();
        // The page takes the moved promo out (not with removeChild): the next one is moved.
        by_id("ldst").first_element_child().unwrap().remove();
        // A feed prepends now and then: the pin stays first, no fight.
        for _ in 0..8 {
            let li = document().create_element("li").unwrap();
            by_id("lfeed").prepend_with_node_1(&li).unwrap();
            sleep(10).await;
        }
        // The page writes its own content over our empty one.
        by_id("le").set_inner_html("<p>new</p>");
        settle().await;
        assert_eq!(
            app.inner_html(),
            "<section></section><h2 class=\"lh\">Home 2</h2><footer id=\"lf\"></footer>"
        );
        assert_eq!(inner("#ldst"), "<li class=\"lp\">2</li>");
        assert_eq!(
            by_id("lfeed").first_element_child().unwrap().class_name(),
            "lpin"
        );
        assert!(m.borrow_mut().drain_fights().is_empty());
        assert_eq!(inner("#le"), "");
        m.borrow_mut().set_all_active(false);
        // The page's content written over ours is kept. (The promo the page took out comes
        // back: a page that clears the list it was moved into, as Svelte does, did not mean
        // to take the page's element away.)
        assert_eq!(inner("#le"), "<p>new</p>");
        root.remove();
    }

    #[wasm_bindgen_test]
    fn nested_html_changes_revert_in_either_order() {
        for outer_first in [true, false] {
            let root = fixture("nest", "<section id='no'><p id='ni'>a</p></section>");
            let mut m = Mutator::default();
            let inner_change = m
                .add(mutation("#ni", Property::Html, Op::Set, "inner"), 1)
                .unwrap();
            let outer_change = m
                .add(mutation("#no", Property::Html, Op::Set, "<p>outer</p>"), 2)
                .unwrap();
            assert_eq!(inner("#no"), "<p>outer</p>");
            let order = match outer_first {
                true => [outer_change, inner_change],
                false => [inner_change, outer_change],
            };
            for id in order {
                m.set_active(id, false);
            }
            // (The outer's original held the inner change: written back as a string, it kept it.)
            assert_eq!(inner("#no"), "<p id=\"ni\">a</p>");
            root.remove();
        }
    }

    #[wasm_bindgen_test]
    async fn one_style_property_leaves_the_other_declarations_alone() {
        let root = fixture("sty", "<p id='sp' style='color: blue; margin: 1px'>x</p>");
        let (m, _observer) = observed();
        let color = Property::StyleProperty("color".into());
        let style = || crate::dom::style_of(&by_id("sp")).unwrap();
        m.borrow_mut()
            .add(mutation("#sp", color.clone(), Op::Set, "red !important"), 1)
            .unwrap();
        let brand = m
            .borrow_mut()
            .add(
                mutation(
                    "#sp",
                    Property::StyleProperty("--brand".into()),
                    Op::Set,
                    "#123",
                ),
                1,
            )
            .unwrap();
        m.borrow_mut()
            .add(
                mutation(
                    "#sp",
                    Property::StyleProperty("margin".into()),
                    Op::Remove,
                    "",
                ),
                1,
            )
            .unwrap();
        assert_eq!(style().get_property_value("color").unwrap(), "red");
        assert_eq!(style().get_property_priority("color"), "important");
        assert_eq!(style().get_property_value("--brand").unwrap(), "#123");
        assert_eq!(style().get_property_value("margin").unwrap(), "");
        // The page sets another declaration: nothing of ours is touched or re-applied.
        style().set_property("padding", "2px").unwrap();
        // The page sets the color: ours wins again.
        style().set_property("color", "green").unwrap();
        settle().await;
        assert_eq!(style().get_property_value("color").unwrap(), "red");
        assert_eq!(style().get_property_value("padding").unwrap(), "2px");
        // Switching one off restores only its declaration.
        m.borrow_mut().set_active(brand, false);
        assert_eq!(style().get_property_value("--brand").unwrap(), "");
        assert_eq!(style().get_property_value("color").unwrap(), "red");
        m.borrow_mut().set_all_active(false);
        // The page's last color (green, without priority) and margin come back.
        assert_eq!(style().get_property_value("color").unwrap(), "green");
        assert_eq!(style().get_property_priority("color"), "");
        assert_eq!(style().get_property_value("margin").unwrap(), "1px");
        assert_eq!(style().get_property_value("padding").unwrap(), "2px");
        root.remove();
    }

    #[wasm_bindgen_test]
    fn the_whole_style_is_written_through_cssom() {
        let root = fixture("whole", "<p id='ws' style='color: blue'>x</p>");
        let mut m = Mutator::default();
        m.add(
            mutation("#ws", Property::Style, Op::Append, "; margin: 3px"),
            1,
        )
        .unwrap();
        assert_eq!(
            by_id("ws").get_attribute("style").as_deref(),
            Some("color: blue; margin: 3px;")
        );
        m.set_all_active(false);
        // The page's declarations come back, as CSSOM writes them (a write no CSP blocks).
        assert_eq!(
            by_id("ws").get_attribute("style").as_deref(),
            Some("color: blue;")
        );
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn a_removed_element_stays_removed_and_comes_back_on_revert() {
        let root = fixture("rm", "<p id='a1'>a</p><p id='ad'>ad</p><p id='a2'>b</p>");
        let ad = by_id("ad");
        let (m, _observer) = observed();
        m.borrow_mut()
            .add(mutation("#ad", Property::Element, Op::Remove, ""), 1)
            .unwrap();
        assert_eq!(root.inner_html(), "<p id=\"a1\">a</p><p id=\"a2\">b</p>");
        // The page puts the same element back elsewhere: it is removed again.
        root.prepend_with_node_1(&ad).unwrap();
        settle().await;
        assert_eq!(root.inner_html(), "<p id=\"a1\">a</p><p id=\"a2\">b</p>");
        // The page renders a new one: removed too.
        root.insert_adjacent_html("beforeend", "<p id='ad'>new</p>")
            .unwrap();
        settle().await;
        assert_eq!(root.inner_html(), "<p id=\"a1\">a</p><p id=\"a2\">b</p>");
        m.borrow_mut().set_all_active(false);
        // Each back where the page last had it.
        assert_eq!(
            root.inner_html(),
            "<p id=\"ad\">ad</p><p id=\"a1\">a</p><p id=\"a2\">b</p><p id=\"ad\">new</p>"
        );
        root.remove();
    }

    #[wasm_bindgen_test]
    fn hiding_an_element_restores_its_inline_display() {
        let root = fixture("hide", "<p id='hd' style='display: flex'>x</p>");
        let mut m = Mutator::default();
        m.add(
            mutation(
                "#hd",
                Property::StyleProperty("display".into()),
                Op::Set,
                "none !important",
            ),
            1,
        )
        .unwrap();
        let style = crate::dom::style_of(&by_id("hd")).unwrap();
        assert_eq!(style.get_property_value("display").unwrap(), "none");
        assert_eq!(style.get_property_priority("display"), "important");
        m.set_all_active(false);
        assert_eq!(style.get_property_value("display").unwrap(), "flex");
        assert_eq!(style.get_property_priority("display"), "");
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn inserts_at_four_places_exactly_once_and_reverts_exactly() {
        let root = fixture("ins", "<p id='in'><b>keep</b></p>");
        let (m, _observer) = observed();
        for (at, html) in [
            (0, "<i>0</i>"),
            (1, "<i>1</i>"),
            (2, "<i>2</i>"),
            (3, "<i>3</i>x"),
        ] {
            m.borrow_mut()
                .add(mutation("#in", Property::Insert(at), Op::Set, html), 1)
                .unwrap();
        }
        // A second insert at the same place goes after the first.
        m.borrow_mut()
            .add(
                mutation("#in", Property::Insert(1), Op::Set, "<u>1b</u>"),
                1,
            )
            .unwrap();
        let all = "<i>0</i><p id=\"in\"><i>2</i><b>keep</b><i>3</i>x</p><i>1</i><u>1b</u>";
        assert_eq!(root.inner_html(), all);
        settle().await;
        assert_eq!(root.inner_html(), all);
        // The page removes one of ours while the element stays: inserted again, once.
        document()
            .query_selector("#in + i")
            .unwrap()
            .unwrap()
            .remove();
        settle().await;
        assert_eq!(root.inner_html(), all);
        m.borrow_mut().set_all_active(false);
        assert_eq!(root.inner_html(), "<p id=\"in\"><b>keep</b></p>");
        root.remove();
    }

    #[wasm_bindgen_test]
    fn a_revert_chain_switches_mutations_off_and_on_in_any_order() {
        let root = fixture("chain", "<p id='ch' class='a'>base</p>");
        let mut m = Mutator::default();
        let first = m
            .add(mutation("#ch", Property::Html, Op::Append, " one"), 1)
            .unwrap();
        let middle = m
            .add(mutation("#ch", Property::Class, Op::Append, "b"), 1)
            .unwrap();
        let last = m
            .add(mutation("#ch", Property::Html, Op::Append, " two"), 1)
            .unwrap();
        let el = by_id("ch");
        let state = |el: &Element| (el.inner_html(), el.get_attribute("class").unwrap());
        assert_eq!(state(&el), ("base one two".into(), "a b".into()));
        m.set_active(middle, false);
        assert_eq!(state(&el), ("base one two".into(), "a".into()));
        m.set_active(first, false);
        assert_eq!(state(&el), ("base two".into(), "a".into()));
        m.set_active(first, true);
        m.set_active(middle, true);
        assert_eq!(state(&el), ("base one two".into(), "a b".into()));
        m.set_active(last, false);
        m.set_active(first, false);
        m.set_active(middle, false);
        assert_eq!(state(&el), ("base".into(), "a".into()));
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn a_fight_with_the_page_backs_off_and_is_reported_once() {
        let root = fixture("fight", "<p id='fi' class='page'>x</p>");
        let (m, _observer) = observed();
        // Page code that puts its class back whenever it changes: without a back-off, its
        // observer and ours would call each other in microtasks forever and this test would hang.
        let writes = Rc::new(core::cell::Cell::new(0u32));
        let w = writes.clone();
        let everything = RecordFilter::default();
        everything.pass_all(true);
        let page = DomObserver::new(&document(), &everything, move |_| {
            let el = by_id("fi");
            if el.get_attribute("class").as_deref() != Some("page") {
                w.set(w.get() + 1);
                el.set_attribute("class", "page").unwrap();
            }
        })
        .unwrap();
        m.borrow_mut()
            .add(mutation("#fi", Property::Class, Op::Set, "ours"), 3)
            .unwrap();
        sleep(300).await;
        // 1 + 5 at once, then after 50, 100 and 200 ms at most.
        let n = writes.get();
        assert!((6..=10).contains(&n), "{n} page writes");
        let fights = m.borrow_mut().drain_fights();
        assert_eq!(fights.len(), 1);
        assert_eq!(m.borrow().describe(fights[0]), (3, "#fi"));
        drop(page);
        m.borrow_mut().set_all_active(false);
        root.remove();
    }
}
