//! An RAII `setTimeout`.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A pending `setTimeout`: cancelled when dropped (it owns its callback, which must not outlive it).
#[must_use = "the timeout is cancelled when dropped"]
pub struct Timeout {
    id: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    /// Calls `f` once after `ms` milliseconds, unless dropped first. `None` where the page has no
    /// timers.
    pub fn new(ms: i32, f: impl FnMut() + 'static) -> Option<Timeout> {
        let callback = Closure::<dyn FnMut()>::new(f);
        let id = super::window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                callback.as_ref().unchecked_ref(),
                ms,
            )
            .ok()?;
        Some(Timeout {
            id,
            _callback: callback,
        })
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        super::window().clear_timeout_with_handle(self.id);
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
        let kept = Timeout::new(1, move || a.set(a.get() + 1)).unwrap();
        let dropped = Timeout::new(1, move || b.set(b.get() + 10)).unwrap();
        drop(dropped);
        sleep(20).await;
        assert_eq!(fired.get(), 1);
        drop(kept);
    }
}
