//! The pure core: everything that can be decided without a browser. No `web-sys` here, so it is
//! tested natively (`cargo test`) and fast.

use crate::prelude::*;
pub mod actions;
pub mod compact;
pub mod config;
pub mod evaluation;
pub mod flag;
pub mod ids;
pub mod js;
pub mod json;
pub mod murmur3;
pub mod pages;
pub mod queue;
pub mod redirect;
pub mod semver;
#[cfg(test)]
pub(crate) mod test_host;

/// What evaluation needs from a JavaScript engine to match the reference bit for bit.
///
/// In the browser these are the engine's own functions (`RegExp`, `toLowerCase`, `String(n)`),
/// which keeps the wasm small and the semantics exact; native tests use a Rust stand-in.
pub trait Host {
    /// `String.prototype.toLowerCase` of a WTF-8 string.
    fn to_lower_case(&self, s: &[u8]) -> Vec<u8>;
    /// `Boolean(new RegExp(pattern).exec(input))`; `None` when `pattern` is not a valid
    /// JavaScript regular expression.
    fn regex_exec(&self, pattern: &[u8], input: &[u8]) -> Option<bool>;
    /// `String(n)` for a finite or non-finite number.
    fn number_to_string(&self, n: f64) -> String;
    /// `Number(text)` for a valid decimal literal (digits, `.`, exponent) that the exact fast
    /// path of [`js::number`] cannot convert.
    fn parse_decimal(&self, text: &str) -> f64;
}
