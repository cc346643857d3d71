// The npm package entry (CONTRACT sections 0 and 5): ES module, wasm instantiated by the caller
// with init() (bundlers find webexp_bg.wasm next to this file) or initSync({ module }).
import initWasm, { initSync as initSyncWasm } from "../../target/gen/webexp.js";
import { setReady } from "./api.js";

export function initSync(module) {
  const exports = initSyncWasm(module);
  setReady();
  return exports;
}

export async function init(module) {
  const exports = await initWasm(module);
  setReady();
  return exports;
}

export default init;
export { start, evaluate, getVariants, getActiveExperiments, applyVariants, revertVariants, toggleManualPageObject, variant, setIntegration, setConsent, setRedirectHandler, getDebugState } from "./api.js";
