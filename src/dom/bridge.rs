//! Calls into the page's integration object (CONTRACT section 4).

use crate::prelude::*;
use core::sync::atomic::{AtomicBool, Ordering};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/src/dom/adapters.js")]
extern "C" {
    /// `window.experimentIntegration` when the page has set one, else the built-in integration,
    /// which delivers to whichever analytics SDK is on the page at each call (`ingested`: in
    /// the form Amplitude's ingestion gives the events); its `track` returns `false` while no
    /// SDK is ready, so events wait in the queue and are retried.
    #[wasm_bindgen(js_name = pageIntegration)]
    pub fn page_integration(ingested: bool) -> JsValue;
    /// `getUser()` of `integration` (when undefined: of [`page_integration`]) as JSON text;
    /// `None` when it has none or it throws.
    #[wasm_bindgen(js_name = userOf)]
    pub fn user_of(integration: &JsValue) -> Option<String>;
    /// The page's query parameters as `context.user.url_param`, as JSON text.
    #[wasm_bindgen(js_name = urlParamsJson)]
    pub fn url_params_json() -> String;
}

/// Calls `integration.track(event)` with the event given as JSON text. `false` when its
/// `setup()` has not settled yet, there is no `track`, or it returned `false` or threw: the event
/// stays queued (CONTRACT section 4). Any other
/// result is a delivery: a `track` that returns nothing (or a promise) must not get the same
/// event again at every retry. A throw is reported, never propagated into the page: once until
/// the integration takes an event or another one is set (an SDK that throws at every retry,
/// every 30 s for as long as the page is open, would otherwise fill the page's console and the
/// error trackers that collect it).
pub fn track(integration: &JsValue, event_json: &str) -> bool {
    // Not before its `setup()` has settled: the event waits in the queue meanwhile.
    if !super::delivery::integration_ready(integration) {
        return false;
    }
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
        Ok(v) => {
            let accepted = v.as_bool() != Some(false);
            if accepted {
                THROW_SAID.store(false, Ordering::Relaxed);
            }
            accepted
        }
        Err(e) => {
            if !THROW_SAID.swap(true, Ordering::Relaxed) {
                web_sys::console::error_2(
                    &"webexp: integration.track threw; events stay queued (said once until it takes one):".into(),
                    &e,
                );
            }
            false
        }
    }
}

/// Whether a throw of `track` has been said since the integration last took an event.
static THROW_SAID: AtomicBool = AtomicBool::new(false);

/// Another integration is set: its first throw is said again.
pub fn forget_throw() {
    THROW_SAID.store(false, Ordering::Relaxed);
}
