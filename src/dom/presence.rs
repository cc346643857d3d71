//! Waiting for elements to be on the page (`exposureMode: "element"`).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;

// Invalid selectors are left out one by one (a fragment's querySelector checks the syntax without
// searching the document), so one bad selector does not hide the others. Then one query of the
// document; if nothing matches yet, an observer looks only at added elements and stops at the
// first match.
#[wasm_bindgen(inline_js = r#"
export function watch_elements(list, cb) {
  const f = document.createDocumentFragment();
  const sel = list.split("\0").filter((s) => { try { f.querySelector(s); return true; } catch (e) { return false; } }).join(",");
  if (!sel) return;
  if (document.querySelector(sel)) return true;
  const o = new MutationObserver((rs) => {
    for (const r of rs) for (const n of r.addedNodes)
      if (n.nodeType === 1 && (n.matches(sel) || n.querySelector(sel))) { o.disconnect(); return cb(); }
  });
  o.observe(document, { childList: true, subtree: true });
  return o;
}
"#)]
extern "C" {
    fn watch_elements(list: &str, cb: &JsValue) -> JsValue;
    #[wasm_bindgen(method)]
    fn disconnect(this: &Waiting);
    type Waiting;
}

/// Whether elements are on the page.
pub enum Presence {
    /// One is there now.
    Found,
    /// None yet: the callback runs once when one appears, unless this is dropped first.
    Waiting(ElementWatch),
    /// No valid selector: nothing to wait for.
    Nothing,
}

/// A wait for elements; stops watching when dropped.
#[must_use = "the watch stops when dropped"]
pub struct ElementWatch {
    observer: Waiting,
    _callback: Closure<dyn FnMut()>,
}

impl Drop for ElementWatch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Looks for an element matching one of `selectors` (separated by `\0`), now and, when there is
/// none yet, as elements are added (`on_found` runs once, for the first).
pub fn watch(selectors: &str, on_found: impl FnMut() + 'static) -> Presence {
    let callback = Closure::<dyn FnMut()>::new(on_found);
    let result = watch_elements(selectors, callback.as_ref());
    if result.is_undefined() {
        Presence::Nothing
    } else if result.is_object() {
        Presence::Waiting(ElementWatch {
            observer: result.unchecked_into(),
            _callback: callback,
        })
    } else {
        Presence::Found
    }
}
