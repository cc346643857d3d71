//! An RAII `MutationObserver`.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MutationObserver, MutationObserverInit, Node};

/// A `MutationObserver` on a subtree that owns its callback and disconnects when dropped.
#[must_use = "the observer disconnects when dropped"]
pub struct DomObserver {
    observer: MutationObserver,
    _callback: Closure<dyn FnMut(js_sys::Array, MutationObserver)>,
}

impl DomObserver {
    /// Observes child lists, attributes and text below `root`, calling `on_records` with each
    /// batch (an `Array` of `MutationRecord`).
    pub fn new(
        root: &Node,
        mut on_records: impl FnMut(&js_sys::Array) + 'static,
    ) -> Result<DomObserver, JsValue> {
        let callback = Closure::<dyn FnMut(js_sys::Array, MutationObserver)>::new(
            move |records: js_sys::Array, _: MutationObserver| {
                on_records(&records);
            },
        );
        let observer = MutationObserver::new(callback.as_ref().unchecked_ref())?;
        let options = MutationObserverInit::new();
        options.set_child_list(true);
        options.set_subtree(true);
        options.set_attributes(true);
        options.set_character_data(true);
        observer.observe_with_options(root, &options)?;
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
