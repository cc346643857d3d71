//! Every place webexp turns a string into markup on the page goes through this module.
//!
//! Under `require-trusted-types-for 'script'` (the strictest policy of CONTRACT section 1) the
//! browser refuses plain strings at HTML sinks (`innerHTML`, `insertAdjacentHTML`, script text),
//! so these functions are the one spot where a Trusted Types policy is applied.

use web_sys::Element;

/// `el.innerHTML = html`.
pub fn set_inner_html(el: &Element, html: &str) {
    el.set_inner_html(html);
}

/// `el.insertAdjacentHTML(position, html)`; `false` when the browser refuses (`beforebegin` or
/// `afterend` of an element without a parent element).
pub fn insert_adjacent_html(el: &Element, position: &str, html: &str) -> bool {
    el.insert_adjacent_html(position, html).is_ok()
}
