//! Every place webexp turns a string into markup on the page goes through this module.
//!
//! Under `require-trusted-types-for 'script'` (the strictest policy of CONTRACT section 1) the
//! browser refuses plain strings at HTML sinks (`innerHTML`, `insertAdjacentHTML`, script text),
//! so these functions are the one spot where a Trusted Types policy is applied: [`trusted_html`]
//! gives the value to assign, through the "webexp" policy (created in `page.js` on first use).
//!
//! The page's own content that an html or text change replaces is kept here too (in `page.js`):
//! a framework goes on updating it off the page, and a revert puts it back as it is then.

use crate::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

#[wasm_bindgen(module = "/src/dom/page.js")]
extern "C" {
    /// `html` as `TrustedHTML` where the page has Trusted Types, else the string itself.
    #[wasm_bindgen(js_name = trustedHtml)]
    pub fn trusted_html(html: &str) -> JsValue;
    /// `el`'s html (through the policy) or text set to `value`, the page's own content kept when
    /// `keep`; whether it reads back exactly as `value` (see `page.js`).
    #[wasm_bindgen(js_name = writeContent, catch)]
    fn write_content_js(
        el: &Element,
        value: &str,
        as_text: bool,
        keep: bool,
    ) -> Result<bool, JsValue>;
    /// Adds `rest` (html, or text when `as_text`) after `el`'s content, which stays; false
    /// where the page refuses the html (see `page.js`).
    #[wasm_bindgen(js_name = appendContent)]
    pub fn append_content(el: &Element, rest: &str, as_text: bool) -> bool;
    /// What [`append_content`] added to `el`, as the element's html reads it (or as text), while
    /// all of it is still there (see `page.js`).
    #[wasm_bindgen(js_name = appendedPart)]
    pub fn appended_part(el: &Element, as_text: bool) -> Option<String>;
    /// Whether what [`append_content`] added to `el` is all still there, added as `rest`.
    #[wasm_bindgen(js_name = appendedIs)]
    pub fn appended_is(el: &Element, rest: &str) -> bool;
    /// Moves what the page added next to our content in `el` (not the nodes in `ours`, which
    /// other changes of ours put there) to its kept content; false when our content is no longer
    /// all there (see `page.js`).
    #[wasm_bindgen(js_name = adoptAdded)]
    pub fn adopt_added(el: &Element, ours: &js_sys::Array) -> bool;
    /// Undoes our content in `el`: takes out what [`append_content`] added, and puts back the
    /// page's own content kept for it, as it is now, where our nodes still show or `ours` (the
    /// content still reads as ours: the page wrote the same markup again); false when there was
    /// nothing of ours to undo.
    #[wasm_bindgen(js_name = putBackContent)]
    pub fn put_back_content(el: &Element, ours: bool) -> bool;
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

/// Sets `el`'s html (`el.innerHTML`, through the policy) or, when `as_text`, its text
/// (`textContent`, never parsed) to `value`. `keep`: the content it replaces is the page's own,
/// kept for [`put_back_content`] rather than dropped (see `writeContent` in `page.js`). Nothing
/// happens where the page refuses the html (reported when the policy could not be created).
/// Returns whether the element now reads back exactly as `value` (compared in JS, so the html is
/// not sent back to the wasm to learn it); `false` when refused.
pub fn write_content(el: &Element, value: &str, as_text: bool, keep: bool) -> bool {
    write_content_js(el, value, as_text, keep).unwrap_or(false)
}

/// `el.insertAdjacentHTML(position, html)`; `false` when the browser refuses (`beforebegin` or
/// `afterend` of an element without a parent element, or a page that refuses the policy).
pub fn insert_adjacent_html(el: &Element, position: &str, html: &str) -> bool {
    el.unchecked_ref::<SinkElement>()
        .insert_adjacent_html_value(position, &trusted_html(html))
        .is_ok()
}
