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
//! observer are examined, with one combined selector, never the whole document.

use crate::core::actions::{transform, Mutation, Property};
use crate::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, MutationRecord, Node};

/// Caller-chosen tag of a mutation (the runtime uses it to find the flag behind a change).
pub type Owner = usize;

/// Index of an installed mutation, returned by [`Mutator::add`].
pub type MutationId = usize;

struct Entry {
    mutation: Mutation,
    owner: Owner,
    active: bool,
}

struct Record {
    el: Element,
    property: Property,
    /// The value the page itself last set (`None` = attribute absent).
    original: Option<String>,
    /// The value we last wrote, as the browser reads it back.
    applied: Option<String>,
    /// Active mutations on this element and property, ascending (config order).
    entries: Vec<MutationId>,
    /// For `position`: where the element was before we moved it (parent, next sibling).
    home: Option<(Node, Option<Node>)>,
}

/// All installed mutations and the elements they changed.
#[derive(Default)]
pub struct Mutator {
    entries: Vec<Entry>,
    records: Vec<Record>,
    /// `"sel1, sel2, ..."` over the active entries, to test a new node once for all of them; a
    /// JS string made once per change of the list, not once per tested node.
    combined_js: Option<js_sys::JsString>,
    /// The selectors of the active `html` entries, as a JS string: a child-list change concerns
    /// an html record only inside an element these match, which one `closest` call tells, where
    /// asking every record would cost a call per record.
    html_js: Option<js_sys::JsString>,
    /// Owners whose mutation was applied to an element for the first time since the last drain.
    newly_applied: Vec<Owner>,
}

fn read(el: &Element, property: &Property) -> Option<String> {
    match property {
        Property::Html => Some(el.inner_html()),
        Property::Class => Some(el.get_attribute("class").unwrap_or_default()),
        Property::Attribute(name) => el.get_attribute(name),
        Property::Position => None,
    }
}

fn write(el: &Element, property: &Property, value: Option<&str>) {
    let _ = match (property, value) {
        (Property::Html, Some(v)) => {
            super::html_sink::set_inner_html(el, v);
            Ok(())
        }
        (Property::Class, Some(v)) => el.set_attribute("class", v),
        (Property::Attribute(name), Some(v)) => el.set_attribute(name, v),
        (Property::Attribute(name), None) => el.remove_attribute(name),
        _ => Ok(()),
    };
}

impl Mutator {
    /// Installs a mutation, switched on: it is applied to the matching elements already in the
    /// document. When the browser rejects its selector nothing is installed, and the mutation
    /// comes back as the error (so the caller can name it).
    pub fn add(&mut self, mutation: Mutation, owner: Owner) -> Result<MutationId, Mutation> {
        let Ok(found) = super::query_all(&mutation.selector) else {
            return Err(mutation);
        };
        let id = self.entries.len();
        self.entries.push(Entry {
            mutation,
            owner,
            active: true,
        });
        self.rebuild_combined();
        for el in found {
            self.attach(el, id);
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
        self.rebuild_combined();
        if active {
            let found = super::query_all(&self.entries[id].mutation.selector).unwrap_or_default();
            for el in found {
                self.attach(el, id);
            }
            return;
        }
        let mut pos = 0;
        while pos < self.records.len() {
            if let Ok(at) = self.records[pos].entries.binary_search(&id) {
                self.records[pos].entries.remove(at);
                if self.records[pos].entries.is_empty() {
                    let r = self.records.remove(pos);
                    restore(&r);
                    continue;
                }
                self.apply(pos);
            }
            pos += 1;
        }
    }

    /// Switches every mutation off (`revertVariants`) or on (`applyVariants`).
    pub fn set_all_active(&mut self, active: bool) {
        for id in 0..self.entries.len() {
            self.set_active(id, active);
        }
    }

    /// Ids of the installed mutations of `owner`.
    pub fn ids_of(&self, owner: Owner) -> impl Iterator<Item = MutationId> + '_ {
        (0..self.entries.len()).filter(move |&id| self.entries[id].owner == owner)
    }

    fn rebuild_combined(&mut self) {
        self.combined_js = self.selector_list(|_| true);
        self.html_js = self.selector_list(|p| *p == Property::Html);
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

    /// Whether mutation `id` is on and has changed at least one element now on the page.
    pub fn reaches_page(&self, id: MutationId) -> bool {
        self.entries[id].active
            && self
                .records
                .iter()
                .any(|r| r.entries.contains(&id) && r.el.is_connected())
    }

    /// Owners whose changes reached an element for the first time since the last call.
    pub fn drain_newly_applied(&mut self) -> Vec<Owner> {
        core::mem::take(&mut self.newly_applied)
    }

    /// Handles one observer batch: finds new matches among added nodes and re-applies on top of
    /// external writes to the elements we changed.
    pub fn on_records(&mut self, records: &js_sys::Array) {
        for i in 0..records.length() {
            let record: MutationRecord = records.get(i).unchecked_into();
            let Some(target) = record.target() else {
                continue;
            };
            // An attribute name means an attribute record (no type string to read per record).
            if let Some(name) = record.attribute_name() {
                self.on_external_change(&target, Some(name));
                continue;
            }
            // A child list or text change: it can concern an html record only inside an element
            // that an html selector matches.
            let el = match target.node_type() {
                Node::ELEMENT_NODE => Some(target.clone().unchecked_into::<Element>()),
                _ => target.parent_element(),
            };
            let inside_html = match (&self.html_js, el) {
                (Some(html), Some(el)) => super::closest_js(&el, html),
                _ => false,
            };
            if inside_html {
                self.on_external_change(&target, None);
            }
            if !(inside_html && self.is_own_write(&target)) {
                let added = record.added_nodes();
                for i in 0..added.length() {
                    if let Some(el) = added.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                        self.scan(&el);
                    }
                }
            }
        }
    }

    /// True when `node` is an element whose html we set and which still holds exactly our value:
    /// the nodes added there are our own, and must not be matched again (a mutation of `div`
    /// whose html contains a `div` would otherwise nest forever).
    fn is_own_write(&self, node: &Node) -> bool {
        self.records.iter().any(|r| {
            r.property == Property::Html
                && AsRef::<Node>::as_ref(&r.el) == node
                && r.applied.as_deref() == Some(r.el.inner_html().as_str())
        })
    }

    /// Attaches every active entry whose selector matches `el` or one of its descendants.
    fn scan(&mut self, el: &Element) {
        let Some(combined) = &self.combined_js else {
            return;
        };
        let hit = super::matches_js(el, combined);
        let below = super::query_all_js(el, combined);
        if !hit && below.is_empty() {
            return;
        }
        for id in 0..self.entries.len() {
            if !self.entries[id].active {
                continue;
            }
            let selector = self.entries[id].mutation.selector.clone();
            if hit && el.matches(&selector).unwrap_or(false) {
                self.attach(el.clone(), id);
            }
            for e in &below {
                if e.matches(&selector).unwrap_or(false) {
                    self.attach(e.clone(), id);
                }
            }
        }
    }

    fn attach(&mut self, el: Element, id: MutationId) {
        let property = self.entries[id].mutation.property.clone();
        let pos = match self
            .records
            .iter()
            .position(|r| r.property == property && r.el == el)
        {
            Some(pos) => pos,
            None => {
                let original = read(&el, &property);
                let home = (property == Property::Position)
                    .then(|| el.parent_node().map(|p| (p, el.next_sibling())))
                    .flatten();
                self.records.push(Record {
                    el,
                    property,
                    original,
                    applied: None,
                    entries: Vec::new(),
                    home,
                });
                self.records.len() - 1
            }
        };
        let entries = &mut self.records[pos].entries;
        if let Err(at) = entries.binary_search(&id) {
            entries.insert(at, id);
            self.newly_applied.push(self.entries[id].owner);
            self.apply(pos);
        }
    }

    /// Runs the record's chain from its original value and writes the result if it differs.
    fn apply(&mut self, pos: usize) {
        let record = &self.records[pos];
        if record.property == Property::Position {
            self.apply_position(pos);
            return;
        }
        let mut value = record.original.clone();
        for &i in &record.entries {
            let m = &self.entries[i].mutation;
            value = transform(&m.property, m.op, &m.value, value.as_deref());
        }
        if read(&record.el, &record.property) != value {
            write(&record.el, &record.property, value.as_deref());
        }
        // Read back: the browser normalises HTML ("<b>x" becomes "<b>x</b>"), and the comparison
        // with later values must use its form or every batch would look like an external write.
        let applied = read(&record.el, &record.property);
        self.records[pos].applied = applied;
    }

    fn apply_position(&mut self, pos: usize) {
        let record = &self.records[pos];
        let Some(&last) = record.entries.last() else {
            return;
        };
        let m = &self.entries[last].mutation;
        let Some(parent_selector) = m.parent_selector.as_deref() else {
            return;
        };
        let Ok(Some(parent)) = super::document().query_selector(parent_selector) else {
            return;
        };
        let before = match m.insert_before_selector.as_deref() {
            Some(sel) => match parent.query_selector(sel) {
                Ok(Some(b)) if b.parent_node().as_ref() == Some(parent.as_ref()) => Some(b),
                _ => return,
            },
            None => None,
        };
        let el: &Node = record.el.as_ref();
        let before_node: Option<&Node> = before.as_ref().map(AsRef::as_ref);
        let in_place = el.parent_node().as_ref() == Some(parent.as_ref())
            && el.next_sibling().as_ref() == before_node;
        if !in_place {
            let _ = parent.insert_before(el, before_node);
        }
    }

    /// An observed change at `target`: for every record it touches whose value is no longer what
    /// we wrote, the page's value becomes the new original and the chain runs again on top of it.
    fn on_external_change(&mut self, target: &Node, attribute: Option<String>) {
        for pos in 0..self.records.len() {
            let r = &self.records[pos];
            let touched = match (&r.property, &attribute) {
                (Property::Html, None) => r.el.contains(Some(target)),
                (Property::Class, Some(a)) => {
                    a == "class" && AsRef::<Node>::as_ref(&r.el) == target
                }
                (Property::Attribute(name), Some(a)) => {
                    a == name && AsRef::<Node>::as_ref(&r.el) == target
                }
                _ => false,
            };
            if !touched {
                continue;
            }
            let current = read(&r.el, &r.property);
            if current != r.applied {
                self.records[pos].original = current;
                self.apply(pos);
            }
        }
    }
}

/// Puts a record's element back as the page last had it.
fn restore(r: &Record) {
    if r.property == Property::Position {
        if let Some((parent, next)) = &r.home {
            let _ = parent.insert_before(&r.el, next.as_ref());
        }
    } else if read(&r.el, &r.property) != r.original {
        write(&r.el, &r.property, r.original.as_deref());
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

    /// A mutator wired to a real observer, as the runtime wires it.
    fn observed() -> (Rc<RefCell<Mutator>>, DomObserver) {
        let mutator = Rc::new(RefCell::new(Mutator::default()));
        let m = mutator.clone();
        let observer = DomObserver::new(&document(), move |records| {
            m.borrow_mut().on_records(records)
        })
        .unwrap();
        (mutator, observer)
    }

    /// Lets pending observer callbacks (microtasks) and a timer turn run.
    async fn settle() {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            crate::dom::window()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
                .unwrap();
        });
        wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
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
        assert_eq!(m.ids_of(2).collect::<Vec<_>>(), vec![1]);
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
    fn an_invalid_selector_is_an_error_not_a_throw() {
        let mut m = Mutator::default();
        assert!(m
            .add(mutation("##bad", Property::Html, Op::Set, "x"), 1)
            .is_err());
        assert!(m.drain_newly_applied().is_empty());
    }
}
