//! `inject` actions (CONTRACT section 3): CSS and JS added to the page.
//!
//! Each inject is switched on and off like a mutation, as its scope's pages come and go: on
//! applies its CSS and runs its JS once; off calls the injected code's `utils.remove` and removes
//! the CSS. Switching on again runs the JS again (the runtime switches everything off for a new
//! page view). The page work is in `page.js` (closures, promises and try/catch
//! around page code are far smaller there than as wasm-bindgen closures); this side owns the
//! state and decides when.

use crate::core::actions::Inject;
use crate::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/dom/page.js")]
extern "C" {
    /// Applies CSS and runs JS (empty strings mean absent); returns the handle `revert` takes.
    /// Reports its own errors and never throws.
    #[wasm_bindgen(js_name = inject)]
    fn apply(
        flag: &str,
        id: &str,
        css: &str,
        js: &str,
        html: &str,
        nonce: &str,
        later: bool,
    ) -> JsValue;
    /// Undoes `apply`. Reports its own errors and never throws.
    fn revert(state: &JsValue);
}

/// Caller-chosen tag of an inject's owner (the runtime uses the flag's index).
pub type Owner = usize;

/// An inject on the page: whose, which, and its page-side handle.
struct Applied {
    owner: Owner,
    /// Which of the owner's injects (the runtime uses its place among the flag's actions).
    at: usize,
    state: JsValue,
}

/// The injects on the page now. The inject data stays with its owner (the runtime's flag
/// state); only what is switched on is recorded here.
#[derive(Default)]
pub struct Injector {
    applied: Vec<Applied>,
    /// The nonce of webexp's own script tag, given to the `<script>` and `<style>` it adds.
    pub nonce: String,
    /// Set during an SPA navigation: the JS of what is switched on runs after the next frame,
    /// once the router has rendered the new page (see `page.js`).
    pub later: bool,
}

/// An optional text, empty when absent (how `page.js` takes it).
fn text(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or_default()
}

impl Injector {
    /// Switches inject `at` of `owner` (of flag `flag`, named in messages) on (CSS added, JS
    /// run) or off (`utils.remove` called, CSS removed). On while already on does nothing, so the
    /// JS runs once per page view. `true` when it was switched on now (it reached the page).
    pub fn set(&mut self, owner: Owner, at: usize, flag: &str, inject: &Inject, on: bool) -> bool {
        let found = self
            .applied
            .iter()
            .position(|a| a.owner == owner && a.at == at);
        match (found, on) {
            (Some(pos), false) => revert(&self.applied.swap_remove(pos).state),
            (None, true) => {
                let state = apply(
                    flag,
                    &inject.id,
                    text(&inject.css),
                    text(&inject.js),
                    text(&inject.html),
                    &self.nonce,
                    self.later,
                );
                self.applied.push(Applied { owner, at, state });
                return true;
            }
            _ => {}
        }
        false
    }

    /// Whether inject `at` of `owner` is on the page.
    pub fn is_on(&self, owner: Owner, at: usize) -> bool {
        self.applied.iter().any(|a| a.owner == owner && a.at == at)
    }

    /// Switches every inject of `owner` off (its variant changed).
    pub fn revert_owner(&mut self, owner: Owner) {
        self.revert_where(Some(owner));
    }

    /// Switches every inject off (`revertVariants`, or a new page view before they run again).
    pub fn revert_all(&mut self) {
        self.revert_where(None);
    }

    /// Switches off the injects of `owner`, or all. One loop for both, without the generic
    /// `retain`/`drain` machinery (size).
    fn revert_where(&mut self, owner: Option<Owner>) {
        let mut i = 0;
        while i < self.applied.len() {
            if owner.is_none_or(|o| self.applied[i].owner == o) {
                revert(&self.applied.swap_remove(i).state);
            } else {
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dom::{document, window};
    use wasm_bindgen_test::*;

    fn inject(id: &str, css: &str, js: &str, scope: &[&str]) -> Inject {
        Inject {
            id: id.into(),
            css: Some(css.into()),
            js: Some(js.into()),
            html: Some("<p class='from-inject'>hi</p>".into()),
            scope: scope.iter().map(|s| String::from(*s)).collect(),
        }
    }

    fn global(name: &str) -> JsValue {
        js_sys::Reflect::get(&window(), &name.into()).unwrap()
    }

    /// Lets the microtasks run (the injected code runs in one).
    async fn microtasks() {
        wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL))
            .await
            .unwrap();
    }

    #[wasm_bindgen_test]
    async fn runs_once_while_on_and_cleans_up_when_off() {
        let mut injector = Injector::default();
        let js = "window.__t1 = (window.__t1 || 0) + 1; window.__t1html = html.className; \
                  utils.remove = () => { window.__t1removed = (window.__t1removed || 0) + 1; };";
        let one = inject("t1", "#t1 { color: red }", js, &[]);
        let sheets = || document().adopted_style_sheets().length();
        let before = sheets();
        assert!(injector.set(3, 0, "f", &one, true));
        // After the call that applied it, not inside it.
        assert!(global("__t1").is_undefined());
        microtasks().await;
        assert_eq!(global("__t1").as_f64(), Some(1.0));
        assert_eq!(
            global("__t1html").as_string().as_deref(),
            Some("from-inject")
        );
        assert_eq!(sheets(), before + 1);
        // On again: nothing runs twice.
        assert!(!injector.set(3, 0, "f", &one, true));
        microtasks().await;
        assert_eq!(global("__t1").as_f64(), Some(1.0));
        // Off for another owner or another inject of the same owner: not this one.
        injector.revert_owner(2);
        assert!(!injector.set(3, 1, "f", &one, false));
        assert_eq!(sheets(), before + 1);
        injector.revert_all();
        assert_eq!(global("__t1removed").as_f64(), Some(1.0));
        assert_eq!(sheets(), before);
        // On after off runs it again; off by owner.
        assert!(injector.set(3, 0, "f", &one, true));
        microtasks().await;
        assert_eq!(global("__t1").as_f64(), Some(2.0));
        injector.revert_owner(3);
        assert_eq!(global("__t1removed").as_f64(), Some(2.0));
        assert_eq!(sheets(), before);
        // Off before its code ran: it never runs.
        assert!(injector.set(3, 0, "f", &one, true));
        injector.revert_owner(3);
        microtasks().await;
        assert_eq!(global("__t1").as_f64(), Some(2.0));
    }
}
