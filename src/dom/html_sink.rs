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
