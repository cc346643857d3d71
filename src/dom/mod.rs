//! The DOM layer: the only module that calls `web-sys`.
//!
//! Everything the runtime does to the page goes through these functions and the RAII handles in
//! the submodules (`observer::DomObserver` disconnects on drop). JS exceptions are caught where
//! page input can cause them (`querySelector` with a bad selector, `RegExp` with a bad pattern), so
//! nothing the config holds can throw into the page.

use crate::prelude::*;
pub mod bridge;
pub mod host;
pub mod mutator;
pub mod observer;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Window};

#[wasm_bindgen]
extern "C" {
    /// `console.error` with one string argument.
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    pub fn console_error(message: &str);
    /// `console.warn` with one string argument.
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    pub fn console_warn(message: &str);
    /// `console.log` with one string argument.
    #[wasm_bindgen(js_namespace = console, js_name = log)]
    pub fn console_log(message: &str);
}

/// The page's `window`. webexp only runs where there is one.
pub fn window() -> Window {
    web_sys::window().unwrap_or_else(|| wasm_bindgen::throw_str("webexp: no window"))
}

/// The page's `document`.
pub fn document() -> Document {
    window()
        .document()
        .unwrap_or_else(|| wasm_bindgen::throw_str("webexp: no document"))
}

/// `performance.now()` in milliseconds, or 0 where there is no `performance`.
pub fn now_ms() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

/// `location.href`.
pub fn location_href() -> String {
    window().location().href().unwrap_or_default()
}

/// `localStorage.getItem(key)`; `None` when storage is unavailable (privacy modes throw).
pub fn local_get(key: &str) -> Option<String> {
    window().local_storage().ok()??.get_item(key).ok()?
}

/// `localStorage.setItem(key, value)`; `false` when storage is unavailable or full.
pub fn local_set(key: &str, value: &str) -> bool {
    match window().local_storage() {
        Ok(Some(s)) => s.set_item(key, value).is_ok(),
        _ => false,
    }
}

/// `crypto.randomUUID()`, or `None` where it does not exist (insecure contexts).
pub fn random_uuid() -> Option<String> {
    let crypto = js_sys::Reflect::get(&window(), &"crypto".into()).ok()?;
    let f: js_sys::Function = js_sys::Reflect::get(&crypto, &"randomUUID".into())
        .ok()?
        .dyn_into()
        .ok()?;
    f.call0(&crypto).ok()?.as_string()
}

/// Every element matching `selector` in the document; `Err` names a selector the browser rejects.
pub fn query_all(selector: &str) -> Result<Vec<Element>, JsValue> {
    let list = document().query_selector_all(selector)?;
    Ok(node_list_elements(&list))
}

/// The elements of a `NodeList`, in order.
pub fn node_list_elements(list: &web_sys::NodeList) -> Vec<Element> {
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .collect()
}
