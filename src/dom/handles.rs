//! RAII handles for a timeout and an event listener: the JS resource is released when the handle
//! is dropped (gloo-timers would do it, but it links std back into the no_std wasm).

use wasm_bindgen::JsValue;
use web_sys::EventTarget;

/// A pending `setTimeout`, cleared when dropped.
#[must_use = "the timeout is cleared when dropped"]
pub struct Timeout(i32);

impl Timeout {
    /// Calls `callback` once after `ms` milliseconds, unless the handle is dropped first.
    pub fn new(callback: &js_sys::Function, ms: i32) -> Option<Timeout> {
        super::window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback, ms)
            .ok()
            .map(Timeout)
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        super::window().clear_timeout_with_handle(self.0);
    }
}

/// An event listener, removed when dropped. The callback is owned by the caller, who keeps it
/// alive at least as long as this handle.
#[must_use = "the listener is removed when dropped"]
pub struct Listener {
    target: EventTarget,
    kind: &'static str,
    callback: js_sys::Function,
}

impl Listener {
    /// Calls `callback` on every `kind` event at `target`.
    pub fn new(
        target: &EventTarget,
        kind: &'static str,
        callback: &js_sys::Function,
    ) -> Option<Listener> {
        target
            .add_event_listener_with_callback(kind, callback)
            .ok()?;
        Some(Listener {
            target: target.clone(),
            kind,
            callback: callback.clone(),
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _: Result<(), JsValue> = self
            .target
            .remove_event_listener_with_callback(self.kind, &self.callback);
    }
}
