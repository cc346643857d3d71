//! webexp: a web-experiment runtime compiled to WebAssembly.
//!
//! The crate has three layers, and a reader finds each behaviour of `CONTRACT.md` by name in them:
//! - [`core`]: pure logic (JSON, flag model, evaluation, bucketing, URL matching, action planning,
//!   impression bookkeeping). No `web-sys`; tested natively with `cargo test`.
//! - `dom` (wasm32 only): the one module that calls `web-sys`, with RAII handles for observers,
//!   listeners and timers.
//! - `api` (wasm32 only): the thin `#[wasm_bindgen]` surface that the JS shim in `src/js/` wraps.
//!
//! The shipped wasm is `no_std` (built without the default `std` feature; see `wasm_rt`): std's panic machinery alone pulls in formatting
//! and unicode tables worth more than our whole evaluation engine. Tests use std.

#![cfg_attr(not(feature = "std"), no_std)]
// The size benchmark's evaluation-only build leaves the page runtime unused.
#![cfg_attr(feature = "evaluation-only", allow(dead_code))]

extern crate alloc;

pub mod core;

/// The `alloc` names every module uses, so code reads the same with and without std.
mod prelude {
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec;
    pub(crate) use alloc::vec::Vec;
}

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod dom;
#[cfg(target_arch = "wasm32")]
mod runtime;
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
mod wasm_rt;

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
