//! The DOM layer: the only module that calls `web-sys`.
//!
//! Everything the runtime does to the page goes through these functions and the RAII handles in
//! the submodules (`observer::DomObserver` disconnects on drop). JS exceptions are caught where
//! page input can cause them (`querySelector` with a bad selector, `RegExp` with a bad pattern), so
//! nothing the config holds can throw into the page.

use crate::prelude::*;
pub mod bridge;
pub mod delivery;
pub mod handles;
pub mod host;
pub mod html_sink;
pub mod inject;
pub mod mutator;
pub mod navigation;
pub mod observer;
pub mod presence;
pub mod preview;

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

#[wasm_bindgen]
extern "C" {
    /// An element seen through its inline style (HTML, SVG and MathML elements all have one).
    #[wasm_bindgen(js_name = Element)]
    type StyledElement;
    #[wasm_bindgen(method, getter)]
    fn style(this: &StyledElement) -> Option<web_sys::CssStyleDeclaration>;
}

/// `el.style`; `None` for an element without one (outside the HTML, SVG and MathML namespaces).
pub fn style_of(el: &Element) -> Option<web_sys::CssStyleDeclaration> {
    el.unchecked_ref::<StyledElement>().style()
}

#[wasm_bindgen]
extern "C" {
    // Read once and kept: `web_sys::window()` asks `instanceof Window` on every call, and the
    // mutator asks for the document on every batch.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Option<Window>;
    #[wasm_bindgen(thread_local_v2, js_name = document)]
    static DOCUMENT: Option<Document>;
}

/// Whether there is a page: a `window` and a `document`.
pub fn has_page() -> bool {
    WINDOW.with(Option::is_some) && DOCUMENT.with(Option::is_some)
}

/// The page's `window`. webexp only runs where there is one.
pub fn window() -> Window {
    WINDOW
        .with(Clone::clone)
        .unwrap_or_else(|| wasm_bindgen::throw_str("webexp: no window"))
}

/// The page's `document`.
pub fn document() -> Document {
    DOCUMENT
        .with(Clone::clone)
        .unwrap_or_else(|| wasm_bindgen::throw_str("webexp: no document"))
}

/// Calls `f` in a microtask: after the current script, before anything else happens.
pub fn queue_microtask(f: &js_sys::Function) {
    window().queue_microtask(f);
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

/// `sessionStorage.getItem(key)`; `None` when storage is unavailable.
pub fn session_get(key: &str) -> Option<String> {
    window().session_storage().ok()??.get_item(key).ok()?
}

/// `sessionStorage.setItem(key, value)` (or `removeItem` for `None`); `false` when storage is
/// unavailable or full.
pub fn session_set(key: &str, value: Option<&str>) -> bool {
    let Ok(Some(s)) = window().session_storage() else {
        return false;
    };
    match value {
        Some(v) => s.set_item(key, v).is_ok(),
        None => s.remove_item(key).is_ok(),
    }
}

/// `new URL(url, base).href`; `None` for a URL the browser cannot parse.
pub fn resolve_url(url: &str, base: &str) -> Option<String> {
    web_sys::Url::new_with_base(url, base)
        .ok()
        .map(|u| u.href())
}

#[wasm_bindgen(module = "/src/dom/page.js")]
extern "C" {
    /// Whether absolute `url` is on another origin than the page: that page cannot read this
    /// page's sessionStorage.
    #[wasm_bindgen(js_name = otherOrigin)]
    pub fn other_origin(url: &str) -> bool;
    /// Whether this document came through a server redirect (`redirectCount` of its navigation).
    #[wasm_bindgen(js_name = arrivedByRedirect)]
    pub fn arrived_by_redirect() -> bool;
    /// Whether the page is being prerendered (Speculation Rules): the visitor has not seen it.
    pub fn prerendering() -> bool;
    /// Calls `callback` once a prerendered page is shown (`prerenderingchange`).
    #[wasm_bindgen(js_name = onShown)]
    pub fn on_shown(callback: &js_sys::Function);
}

/// `document.referrer`: the page that led here, empty when none or withheld.
pub fn referrer() -> String {
    document().referrer()
}

/// `location.replace(url)`: leaves the page without a history entry for it.
pub fn location_replace(url: &str) {
    let _ = window().location().replace(url);
}

/// `Date.now()`.
pub fn date_now() -> f64 {
    js_sys::Date::now()
}

/// A new random visitor id (a version 4 UUID) from `crypto.getRandomValues`; `None` where the
/// page has no `crypto` at all.
pub fn random_uuid() -> Option<String> {
    let mut bytes = [0u8; 16];
    window()
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut bytes)
        .ok()?;
    Some(crate::core::ids::uuid_v4(bytes))
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

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    fn visitor_ids_are_random_version_4_uuids() {
        let a = random_uuid().unwrap();
        let b = random_uuid().unwrap();
        assert_ne!(a, b);
        let bytes = a.as_bytes();
        assert_eq!(bytes.len(), 36);
        assert_eq!(
            (bytes[8], bytes[13], bytes[14], bytes[18], bytes[23]),
            (b'-', b'-', b'4', b'-', b'-')
        );
        assert!(matches!(bytes[19], b'8' | b'9' | b'a' | b'b'));
    }
}
