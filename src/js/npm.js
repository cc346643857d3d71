// The npm package entry (CONTRACT sections 0 and 5): ES module, wasm instantiated by the caller
// with init() (bundlers find webexp_bg.wasm next to this file) or initSync({ module }).
export { default, default as init, initSync } from "../../target/gen/webexp.js";
export * from "./api.js";
