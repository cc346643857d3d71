//! The `#[wasm_bindgen]` surface. Thin: it converts at the boundary and calls the runtime or the
//! core. Data crosses as JSON text (`src/js/api.js` does `JSON.stringify`/`JSON.parse`).

use crate::core::evaluation;
use crate::core::json;
use crate::dom::host::BrowserHost;
use crate::prelude::*;
use crate::runtime;
use js_sys::JsString;
use wasm_bindgen::prelude::*;

// Exports return `JsString`, not `String`: a returned Rust string costs a multi-value shim per
// export (about 700 bytes each), a `JsString` is one externref.

/// Starts the runtime with a `WebexpConfig` as JSON text.
#[wasm_bindgen]
pub fn start(config_json: &str) {
    runtime::start(config_json);
}

/// Records the script tag's wasm instantiation time (shown by `getDebugState()`).
#[wasm_bindgen(js_name = setInitMs)]
pub fn set_init_ms(ms: f64) {
    runtime::set_init_ms(ms);
}

/// `evaluate(context, flags)` on JSON text; returns the results as JSON text. Malformed flags are
/// reported with `console.error` and left out; the others are evaluated.
#[wasm_bindgen]
pub fn evaluate(context_json: &str, flags_json: &str) -> JsString {
    let context = match json::parse(context_json) {
        Ok(v) => v,
        Err(e) => wasm_bindgen::throw_str(e.what),
    };
    let flags = match json::parse(flags_json) {
        Ok(json::Value::Array(flags)) => flags,
        Ok(_) => wasm_bindgen::throw_str("flags must be an array"),
        Err(e) => wasm_bindgen::throw_str(e.what),
    };
    let result = evaluation::evaluate(&BrowserHost, &context, &flags);
    for e in &result.errors {
        let mut s = String::from("webexp: ");
        s.push_str(&e.message());
        crate::dom::console_error(&s);
    }
    JsString::from(result.results_json().as_str())
}

/// `{flagKey: variant}` for the current page view, as JSON text.
#[wasm_bindgen(js_name = getVariants)]
pub fn get_variants() -> JsString {
    JsString::from(runtime::variants_json().as_str())
}

/// Flag keys whose actions are applied on this page now, as a JSON array.
#[wasm_bindgen(js_name = getActiveExperiments)]
pub fn get_active_experiments() -> JsString {
    JsString::from(runtime::active_experiments_json().as_str())
}

/// Re-applies the variants' actions.
#[wasm_bindgen(js_name = applyVariants)]
pub fn apply_variants() {
    runtime::apply_variants();
}

/// Undoes every applied action.
#[wasm_bindgen(js_name = revertVariants)]
pub fn revert_variants() {
    runtime::revert_variants();
}

/// The variant of a flag as JSON text (tracking `$exposure`), or `undefined`.
#[wasm_bindgen]
pub fn variant(flag_key: &str) -> JsValue {
    runtime::variant_json(flag_key).map_or(JsValue::UNDEFINED, |v| JsValue::from_str(&v))
}

/// Sets the integration events are delivered to.
#[wasm_bindgen(js_name = setIntegration)]
pub fn set_integration(integration: JsValue) {
    runtime::set_integration(integration);
}

/// Redirects call `handler(url)` instead of `location.replace(url)`.
#[wasm_bindgen(js_name = setRedirectHandler)]
pub fn set_redirect_handler(handler: JsValue) {
    runtime::set_redirect_handler(handler);
}

/// The debug state as JSON text.
#[wasm_bindgen(js_name = getDebugState)]
pub fn get_debug_state() -> JsString {
    JsString::from(runtime::debug_state_json().as_str())
}
