//! Calls into the page's integration object (CONTRACT section 4).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// `window.experimentIntegration`, when the page has set one.
pub fn page_integration() -> Option<JsValue> {
    let v = js_sys::Reflect::get(&super::window(), &"experimentIntegration".into()).ok()?;
    (v.is_object()).then_some(v)
}

/// Calls `integration.track(event)` with the event given as JSON text. `true` only when `track`
/// exists and returned `true`; `false` when it returned anything else or threw (the event stays
/// queued, CONTRACT section 4). A throw is reported, never propagated into the page.
pub fn track(integration: &JsValue, event_json: &str) -> bool {
    let Ok(track) = js_sys::Reflect::get(integration, &"track".into()) else {
        return false;
    };
    let Some(track) = track.dyn_ref::<js_sys::Function>() else {
        return false;
    };
    let Ok(event) = js_sys::JSON::parse(event_json) else {
        return false;
    };
    match track.call1(integration, &event) {
        Ok(v) => v.as_bool() == Some(true),
        Err(e) => {
            web_sys::console::error_2(
                &"webexp: integration.track threw; the event stays queued:".into(),
                &e,
            );
            false
        }
    }
}
