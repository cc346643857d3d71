//! The `#[wasm_bindgen]` surface. Thin: it converts at the boundary and calls the runtime or the
//! core. Data crosses as JSON text (`src/js/api.js` does `JSON.stringify`/`JSON.parse`).

use crate::core::evaluation;
use crate::core::json;
use crate::dom::host::BrowserHost;
use crate::prelude::*;
use core::cell::RefCell;
use js_sys::JsString;
use wasm_bindgen::prelude::*;

// Exports return `JsString`, not `String`: a returned Rust string costs a multi-value shim per
// export (about 700 bytes each), a `JsString` is one externref.

/// The parsed flags of the last `evaluate` call. Callers usually evaluate one flag set for many
/// contexts, and reading the flags is most of the work, so the JS side sends them only when their
/// JSON text changed (it compares the text itself, which is cheaper than sending it).
struct LastFlags(RefCell<Vec<json::Value>>);

// wasm32-unknown-unknown without atomics has one thread.
unsafe impl Sync for LastFlags {}

static LAST_FLAGS: LastFlags = LastFlags(RefCell::new(Vec::new()));

/// `evaluate(context, flags)` on JSON text; returns the results as JSON text. `flags_json` is
/// `undefined` when the flags are those of the previous call. Malformed flags are reported with
/// `console.error` and left out; the others are evaluated.
#[wasm_bindgen]
pub fn evaluate(context_json: &str, flags_json: Option<String>) -> JsString {
    let context = match json::parse(context_json) {
        Ok(v) => v,
        Err(e) => wasm_bindgen::throw_str(e.what),
    };
    if let Some(text) = flags_json {
        let flags = match json::parse(&text) {
            Ok(json::Value::Array(flags)) => flags,
            Ok(_) => wasm_bindgen::throw_str("flags must be an array"),
            Err(e) => wasm_bindgen::throw_str(e.what),
        };
        if let Ok(mut last) = LAST_FLAGS.0.try_borrow_mut() {
            *last = flags;
        }
    }
    // Nothing below throws while the flags are borrowed: a JS throw skips Rust destructors and
    // would leave them borrowed for good.
    let Ok(last) = LAST_FLAGS.0.try_borrow() else {
        wasm_bindgen::throw_str("evaluate was called from inside evaluate")
    };
    let result = evaluation::evaluate_in_order(&BrowserHost, &context, &last);
    for e in &result.errors {
        let mut s = String::from("webexp: ");
        s.push_str(&e.message());
        crate::dom::console_error(&s);
    }
    JsString::from(result.results_json().as_str())
}

/// The page runtime's exports: all but [`evaluate`]. Left out of a build with the
/// `evaluation-only` feature, which the size benchmark uses to measure the evaluation engine
/// alone (`./build.sh bench`).
#[cfg(not(feature = "evaluation-only"))]
pub mod page_runtime {
    use crate::runtime;
    use js_sys::JsString;
    use wasm_bindgen::prelude::*;

    /// Starts the runtime with a `WebexpConfig` as JSON text; `nonce` is the one the script and
    /// style elements of `inject` carry. False when the text is nested too deep to be read (nothing
    /// started).
    #[wasm_bindgen]
    pub fn start(config_json: &str, nonce: &str) -> bool {
        runtime::start(config_json, nonce)
    }

    /// Records the script tag's wasm instantiation time (shown by `getDebugState()`).
    #[wasm_bindgen(js_name = setInitMs)]
    pub fn set_init_ms(ms: f64) {
        runtime::set_init_ms(ms);
    }

    /// `getVariants()` (0), `getActiveExperiments()` (1) or `getDebugState()` (2) as JSON text: one
    /// export for the three, as each export costs its own glue on both sides.
    #[wasm_bindgen]
    pub fn state(what: u32) -> JsString {
        JsString::from(runtime::state_json(what).as_str())
    }

    /// Whether the runtime is in the middle of a call (page code it ran is calling back).
    #[wasm_bindgen]
    pub fn busy() -> bool {
        runtime::busy()
    }

    /// `applyVariants()` (`true`) or `revertVariants()` (`false`).
    #[wasm_bindgen(js_name = setApplied)]
    pub fn set_applied(applied: bool) {
        runtime::set_applied(applied);
    }

    /// Switches the `manual` pages with this name on or off.
    #[wasm_bindgen(js_name = toggleManualPageObject)]
    pub fn toggle_manual_page_object(name: &str, active: bool) {
        runtime::toggle_manual_page(name, active);
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

    /// `setConsent("granted" | "pending" | "denied")`.
    #[wasm_bindgen(js_name = setConsent)]
    pub fn set_consent(status: &str) {
        runtime::set_consent(status);
    }

    /// Redirects call `handler(url)` instead of `location.replace(url)`.
    #[wasm_bindgen(js_name = setRedirectHandler)]
    pub fn set_redirect_handler(handler: JsValue) {
        runtime::set_redirect_handler(handler);
    }
}
