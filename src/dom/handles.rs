//! RAII handles for a timeout and an event listener: the JS resource is released when the handle
//! is dropped (gloo-timers would do it, but it links std back into the no_std wasm).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::EventTarget;

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/dom/page.js")]
extern "C" {
    /// `setTimeout(callback, ms)`; returns the function that cancels it, also after the page
    /// has put other timer functions in place (a test's fake clock; see `page.js`).
    #[wasm_bindgen(js_name = timeout)]
    fn set_timeout(callback: &js_sys::Function, ms: i32) -> js_sys::Function;
}

/// A pending `setTimeout`, cancelled when dropped.
#[must_use = "the timeout is cancelled when dropped"]
pub struct Timeout {
    cancel: js_sys::Function,
    /// The callback, when the timeout owns it ([`Timeout::once`]).
    _owned: Option<Closure<dyn FnMut()>>,
}

impl Timeout {
    /// Calls `callback` once after `ms` milliseconds, unless the handle is dropped first. The
    /// caller keeps `callback` alive (one callback can serve many timeouts).
    pub fn new(callback: &js_sys::Function, ms: i32) -> Timeout {
        Timeout {
            cancel: set_timeout(callback, ms),
            _owned: None,
        }
    }

    /// Calls `f` once after `ms` milliseconds, unless the handle is dropped first; the timeout
    /// owns `f`.
    pub fn once(ms: i32, f: impl FnMut() + 'static) -> Timeout {
        let callback = Closure::<dyn FnMut()>::new(f);
        let mut timeout = Timeout::new(callback.as_ref().unchecked_ref(), ms);
        timeout._owned = Some(callback);
        timeout
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        let _ = self.cancel.call0(&JsValue::NULL);
    }
}

/// A callback due in the first task after the next frame, cancelled when dropped: by then a
/// router has rendered what it scheduled before the frame (React's scheduler, a timeout).
#[must_use = "the callback is cancelled when dropped"]
pub struct AfterFrame {
    cancel: js_sys::Function,
    /// The callback, when the handle owns it ([`AfterFrame::once`]).
    _owned: Option<Closure<dyn FnMut()>>,
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/dom/page.js")]
extern "C" {
    /// Calls `callback` in a task after the next animation frame; returns the function that
    /// cancels it.
    #[wasm_bindgen(js_name = afterFrame)]
    fn after_frame(callback: &JsValue) -> js_sys::Function;
}

impl AfterFrame {
    /// Calls `callback` once after the next frame, unless the handle is dropped first. The
    /// caller keeps `callback` alive.
    pub fn new(callback: &js_sys::Function) -> AfterFrame {
        AfterFrame {
            cancel: after_frame(callback),
            _owned: None,
        }
    }

    /// Calls `f` once after the next frame, unless the handle is dropped first; the handle
    /// owns `f`.
    pub fn once(f: impl FnMut() + 'static) -> AfterFrame {
        let callback = Closure::<dyn FnMut()>::new(f);
        let mut frame = AfterFrame::new(callback.as_ref().unchecked_ref());
        frame._owned = Some(callback);
        frame
    }
}

impl Drop for AfterFrame {
    fn drop(&mut self) {
        let _ = self.cancel.call0(&JsValue::UNDEFINED);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use wasm_bindgen_test::*;

    async fn sleep(ms: i32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            super::super::window()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
                .unwrap();
        });
        wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn fires_once_unless_dropped() {
        let fired = Rc::new(Cell::new(0));
        let (a, b) = (fired.clone(), fired.clone());
        let kept = Timeout::once(1, move || a.set(a.get() + 1));
        let dropped = Timeout::once(1, move || b.set(b.get() + 10));
        drop(dropped);
        sleep(20).await;
        assert_eq!(fired.get(), 1);
        drop(kept);
    }

    #[wasm_bindgen_test]
    async fn after_frame_fires_once_unless_dropped() {
        let fired = Rc::new(Cell::new(0));
        let (a, b) = (fired.clone(), fired.clone());
        let kept = AfterFrame::once(move || a.set(a.get() + 1));
        let dropped = AfterFrame::once(move || b.set(b.get() + 10));
        drop(dropped);
        sleep(100).await;
        assert_eq!(fired.get(), 1);
        drop(kept);
    }
}
