//! What the event queue needs from the browser: localStorage items by prefix, Web Locks that say
//! which tab delivers which queued events, and notice of a later
//! `window.experimentIntegration = ...`.

use crate::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const lockName = (tab) => "webexp:tab:" + tab;
export function hold_tab_lock(tab) {
  const locks = navigator.locks;
  if (locks && locks.request) locks.request(lockName(tab), () => new Promise(() => {})).catch(() => {});
}
export function adopt_tab(tab, granted) {
  const locks = navigator.locks;
  // Without the Web Locks API (old browsers) every tab takes every orphan: at least once, not
  // exactly once, there.
  if (!locks || !locks.request) return queueMicrotask(() => granted(tab));
  locks.request(lockName(tab), () => { granted(tab); return new Promise(() => {}); }).catch(() => {});
}
// The localStorage keys that start with `prefix`, looked for here: from the wasm each key would
// cross the boundary as a string, and the queue is looked at for every event stored (measured:
// 460 calls on a page load storing 20 events).
export function local_keys(prefix) {
  const out = [];
  try {
    const s = localStorage;
    for (let i = 0, n = s.length; i < n; i++) {
      const k = s.key(i);
      if (k !== null && k.startsWith(prefix)) out.push(k);
    }
  } catch {}
  return out;
}
export const local_count = (prefix) => local_keys(prefix).length;
// Called when there may be something new to deliver to: an assignment, a setup() settled.
let wake = () => {};
export function watch_integration(notify) {
  wake = notify;
  const w = window, name = "experimentIntegration";
  const d = Object.getOwnPropertyDescriptor(w, name);
  if (d && !d.configurable) return;
  let value = d && !d.get ? d.value : undefined;
  Object.defineProperty(w, name, {
    configurable: true,
    enumerable: true,
    get: d && d.get ? d.get : () => value,
    set(v) {
      if (d && d.set) d.set.call(w, v); else value = v;
      queueMicrotask(notify);
    },
  });
}
// Integrations whose setup() has settled, or that have none. setup() is called once, before the
// first track (CONTRACT section 4); events wait in the queue until it settles. One that fails is
// reported, and its track decides from then on.
const ready = new WeakMap();
export function integration_ready(i) {
  if (!ready.has(i)) {
    const done = (e) => {
      if (e !== undefined) console.error("webexp: integration.setup() failed; its track is called anyway:", e);
      ready.set(i, true);
      wake();
    };
    // (Read once: a getter or a Proxy that throws counts as a setup that failed.)
    let setup;
    try {
      setup = i.setup;
    } catch (e) {
      done(e);
    }
    if (!ready.has(i)) {
      ready.set(i, typeof setup != "function");
      if (!ready.get(i)) {
        try {
          Promise.resolve(setup.call(i)).then(() => done(), done);
        } catch (e) {
          done(e);
        }
      }
    }
  }
  return ready.get(i);
}
"#)]
extern "C" {
    /// Holds the Web Lock of `tab` for the rest of this page's life.
    fn hold_tab_lock(tab: &str);
    /// Asks for the lock of `tab`, for good; calls `granted(tab)` once it is held (when the tab
    /// that holds it now, if any, is gone).
    fn adopt_tab(tab: &str, granted: &JsValue);
    /// Calls `notify` in a microtask after each assignment to `window.experimentIntegration`,
    /// and when an integration's `setup()` has settled.
    fn watch_integration(notify: &JsValue);
    /// Whether `integration` may be given events: it has no `setup()`, or the promise of the
    /// one call to it has settled (the first call starts it).
    pub fn integration_ready(integration: &JsValue) -> bool;
    #[wasm_bindgen(js_name = local_keys)]
    fn local_keys_js(prefix: &str) -> js_sys::Array;
    /// How many localStorage keys start with `prefix` (0 without storage): the keys themselves
    /// need not cross into the wasm to be counted.
    pub fn local_count(prefix: &str) -> usize;
}

/// The localStorage keys that start with `prefix`; empty without storage.
pub fn local_keys(prefix: &str) -> Vec<String> {
    local_keys_js(prefix)
        .iter()
        .filter_map(|k| k.as_string())
        .collect()
}

/// Marks `tab`'s queued events as this page's to deliver, for as long as it lives: while a tab
/// holds its lock, no other tab delivers its events (see [`adopt`]).
pub fn own_tab(tab: &str) {
    hold_tab_lock(tab);
}

/// Takes over the queued events of tab `tab` once it is gone (a closed tab, the previous load of
/// a reloaded one): asks for its lock and keeps it for good once granted, so that only this page
/// delivers them; another tab can adopt them only after this page is gone too, long after its
/// deliveries were written down. `granted` is called with the tab then.
pub fn adopt(tab: &str, granted: &Closure<dyn FnMut(String)>) {
    adopt_tab(tab, granted.as_ref());
}

/// Calls `notify` after every later assignment to `window.experimentIntegration`; the returned
/// closure must be kept for as long as the page may assign.
#[must_use = "assignments are noticed only while the callback is kept"]
pub fn on_integration_assigned(notify: impl FnMut() + 'static) -> Closure<dyn FnMut()> {
    let notify = Closure::<dyn FnMut()>::new(notify);
    watch_integration(notify.as_ref());
    notify
}

/// `localStorage.removeItem(key)`.
pub fn local_remove(key: &str) {
    if let Ok(Some(storage)) = super::window().local_storage() {
        let _ = storage.remove_item(key);
    }
}
