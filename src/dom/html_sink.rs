//! Every place webexp turns a string into markup on the page goes through this module.
//!
//! Under `require-trusted-types-for 'script'` (the strictest policy of CONTRACT section 1) the
//! browser refuses plain strings at HTML sinks (`innerHTML`, `insertAdjacentHTML`, script text),
//! so these functions are the one spot where a Trusted Types policy is applied: [`trusted_html`]
//! gives the value to assign, through the "webexp" policy (created in `page.js` on first use).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

#[wasm_bindgen(module = "/src/dom/page.js")]
extern "C" {
    /// `html` as `TrustedHTML` where the page has Trusted Types, else the string itself.
    #[wasm_bindgen(js_name = trustedHtml)]
    pub fn trusted_html(html: &str) -> JsValue;
    /// `el.innerHTML = html` through the policy; whether it reads back exactly as `html`.
    #[wasm_bindgen(js_name = setHtml, catch)]
    fn set_html(el: &Element, html: &str) -> Result<bool, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    /// An element whose `insertAdjacentHTML` takes any value (`TrustedHTML` or a string).
    #[wasm_bindgen(js_name = Element)]
    type SinkElement;
    /// `insertAdjacentHTML` taking any value (`TrustedHTML` or a string).
    #[wasm_bindgen(method, catch, js_name = insertAdjacentHTML)]
    fn insert_adjacent_html_value(
        this: &SinkElement,
        position: &str,
        html: &JsValue,
    ) -> Result<(), JsValue>;
}

/// `el.innerHTML = html`; nothing happens where the page refuses it (reported when the policy
/// could not be created). Returns whether the element's html now reads back exactly as `html`
/// (compared in JS, so the html is not sent back to the wasm to learn it); `false` when refused.
pub fn set_inner_html(el: &Element, html: &str) -> bool {
    set_html(el, html).unwrap_or(false)
}

/// `el.insertAdjacentHTML(position, html)`; `false` when the browser refuses (`beforebegin` or
/// `afterend` of an element without a parent element, or a page that refuses the policy).
pub fn insert_adjacent_html(el: &Element, position: &str, html: &str) -> bool {
    el.unchecked_ref::<SinkElement>()
        .insert_adjacent_html_value(position, &trusted_html(html))
        .is_ok()
}
