//! webexp: a web-experiment runtime compiled to WebAssembly.
//!
//! The crate has three layers, and a reader finds each behaviour of `CONTRACT.md` by name in them:
//! - [`core`]: pure logic (JSON, flag model, evaluation, bucketing, URL matching, action planning,
//!   impression bookkeeping). No `web-sys`; tested natively with `cargo test`.
//! - `dom` (wasm32 only): the one module that calls `web-sys`, with RAII handles for observers,
//!   listeners and timers.
//! - `api` (wasm32 only): the thin `#[wasm_bindgen]` surface that the JS shim in `src/js/` wraps.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod dom;
#[cfg(target_arch = "wasm32")]
mod runtime;

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
