//! Notices SPA navigations: `history.pushState`/`replaceState` (wrapped), `popstate`,
//! `hashchange`, and the Navigation API's `navigatesuccess` where the browser has it.
//!
//! The wrappers return what the originals return and call them first, so the page's router sees
//! its change exactly as without webexp; webexp is told in a microtask, after the router's own call
//! has finished (never inside it).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
let queued = false;
export function navigation_pending() { return queued; }
export function watch_navigation(notify) {
  const h = history, w = window, wrapped = {};
  const later = () => { if (!queued) { queued = true; queueMicrotask(() => { queued = false; notify(); }); } };
  for (const name of ["pushState", "replaceState"]) {
    const original = h[name];
    wrapped[name] = [original, function () { const r = original.apply(this, arguments); later(); return r; }];
    h[name] = wrapped[name][1];
  }
  const nav = w.navigation;
  w.addEventListener("popstate", later);
  w.addEventListener("hashchange", later);
  if (nav) nav.addEventListener("navigatesuccess", later);
  return () => {
    // A wrapper that page code has wrapped again stays, so as not to break the page's chain.
    for (const name in wrapped) if (h[name] === wrapped[name][1]) h[name] = wrapped[name][0];
    w.removeEventListener("popstate", later);
    w.removeEventListener("hashchange", later);
    if (nav) nav.removeEventListener("navigatesuccess", later);
  };
}
"#)]
extern "C" {
    /// Installs the wrappers and listeners; returns the function that removes them.
    fn watch_navigation(notify: &JsValue) -> js_sys::Function;
    /// Whether a possible change of URL has been seen and not yet told.
    pub fn navigation_pending() -> bool;
}

/// Watches navigations until dropped.
#[must_use = "navigations are no longer noticed once the watcher is dropped"]
pub struct NavigationWatcher {
    stop: js_sys::Function,
    _notify: Closure<dyn FnMut()>,
}

impl NavigationWatcher {
    /// Calls `on_navigation` (at most once per microtask) after each possible change of URL.
    pub fn new(on_navigation: impl FnMut() + 'static) -> NavigationWatcher {
        let notify = Closure::<dyn FnMut()>::new(on_navigation);
        let stop = watch_navigation(notify.as_ref());
        NavigationWatcher {
            stop,
            _notify: notify,
        }
    }
}

impl Drop for NavigationWatcher {
    fn drop(&mut self) {
        let _ = self.stop.call0(&JsValue::UNDEFINED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use wasm_bindgen_test::*;

    async fn microtasks() {
        wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL))
            .await
            .unwrap();
    }

    #[wasm_bindgen_test]
    async fn push_state_is_noticed_after_the_call_and_returns_as_before() {
        let calls = Rc::new(Cell::new(0));
        let c = calls.clone();
        let watcher = NavigationWatcher::new(move || c.set(c.get() + 1));
        let history = crate::dom::window().history().unwrap();
        let r = history.push_state_with_url(&JsValue::NULL, "", Some("?spa=1"));
        assert!(r.is_ok());
        // Not inside the router's call...
        assert_eq!(calls.get(), 0);
        // ...but right after it (once for both calls of this task; the Navigation API's
        // `navigatesuccess` may add one more, which the runtime ignores as the URL is the same).
        history
            .replace_state_with_url(&JsValue::NULL, "", Some("?spa=2"))
            .unwrap();
        microtasks().await;
        let seen = calls.get();
        assert!(seen >= 1);
        drop(watcher);
        history
            .replace_state_with_url(&JsValue::NULL, "", Some("?spa=3"))
            .unwrap();
        microtasks().await;
        assert_eq!(calls.get(), seen, "the originals are back after drop");
    }
}
