// The public JavaScript API (CONTRACT section 5) over the wasm exports. Shared by the script tag
// (script.js) and the npm package (npm.js). Data crosses the boundary as JSON text: the browser's
// JSON.stringify/JSON.parse are fast and exact, and the wasm needs no serde (size budget).
import * as wasm from "../../target/gen/webexp.js";

const NAME = "webexp";

// Nothing thrown inside webexp reaches the page's own scripts: it is reported once, here.
function guard(what, fn, fallback) {
  try {
    return fn();
  } catch (e) {
    console.error(`${NAME}: ${what} failed:`, e);
    return fallback;
  }
}

const json = (value, fallback) => {
  try {
    return JSON.stringify(value === undefined ? fallback : value);
  } catch (e) {
    throw new TypeError(`${NAME}: the value is not JSON-serialisable (${e && e.message})`);
  }
};

/**
 * Starts the runtime with a WebexpConfig (what the script tag does with window.webexpConfig).
 * `nonce`: what the <script> and <style> elements of `inject` carry; by default the nonce of the
 * page's first script that has one (read as a property: browsers hide it from getAttribute).
 */
export function start(config, nonce) {
  return guard("start", () => {
    if (nonce === undefined) nonce = document.querySelector("script[nonce]")?.nonce;
    wasm.start(json(config, {}), String(nonce || ""));
  });
}

// The JSON text of the flags the wasm holds parsed: they are sent again only when it changes.
let flagsSent;

/** Evaluates flags for a context exactly as @amplitude/experiment-core's EvaluationEngine does. */
export function evaluate(context, flags) {
  return guard("evaluate", () => {
    const text = json(flags, []);
    const changed = text !== flagsSent;
    flagsSent = undefined; // until the wasm has them
    const result = wasm.evaluate(json(context, {}), changed ? text : undefined);
    flagsSent = text;
    return JSON.parse(result);
  }, {});
}

/** { flagKey: variant } for the current page view. */
export function getVariants() {
  return guard("getVariants", () => JSON.parse(wasm.state(0)), {});
}

/** Flag keys whose actions are applied on this page now. */
export function getActiveExperiments() {
  return guard("getActiveExperiments", () => JSON.parse(wasm.state(1)), []);
}

/** Re-applies the variants' actions. */
export function applyVariants() {
  return guard("applyVariants", () => wasm.setApplied(true));
}

/** Undoes every applied action. */
export function revertVariants() {
  return guard("revertVariants", () => wasm.setApplied(false));
}

/** Switches the manual pages with this name on (default) or off. */
export function toggleManualPageObject(name, isActive = true) {
  return guard("toggleManualPageObject", () => wasm.toggleManualPageObject(String(name), isActive !== false));
}

/** The variant of a flag, tracking $exposure. */
export function variant(flagKey) {
  return guard("variant", () => {
    const v = wasm.variant(String(flagKey));
    return v === undefined ? undefined : JSON.parse(v);
  });
}

/** Sets the integration events are delivered to (CONTRACT section 4). */
export function setIntegration(integration) {
  return guard("setIntegration", () => wasm.setIntegration(integration));
}

/** Consent for storage and events: "granted", "pending" (kept in memory) or "denied" (dropped). */
export function setConsent(status) {
  return guard("setConsent", () => wasm.setConsent(String(status)));
}

/** Redirects call fn(url) instead of location.replace(url). */
export function setRedirectHandler(fn) {
  return guard("setRedirectHandler", () => wasm.setRedirectHandler(fn));
}

/** Per flag: variant, why, pages, actions applied or pending, events sent or queued. */
export function getDebugState() {
  return guard("getDebugState", () => JSON.parse(wasm.state(2)), {});
}
