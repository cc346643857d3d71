// The public JavaScript API (CONTRACT section 5) over the wasm exports. Shared by the script tag
// (script.js) and the npm package (npm.js). Data crosses the boundary as JSON text: the browser's
// JSON.stringify/JSON.parse are fast and exact, and the wasm needs no serde (size budget).
import * as wasm from "../../target/gen/webexp.js";

const NAME = "webexp";

// Set once the wasm is instantiated (the script tag's initSync, or the npm package's init or
// initSync): before that, every call says so instead of failing on the missing module.
// (`null`: the script tag could not instantiate it and has said so; calls then stay quiet.)
let ready = false;
export const setReady = (state = true) => {
  ready = state;
};

// What a call does when page code that webexp's own DOM write runs (a custom element's
// connectedCallback) calls it, finding the runtime busy: a change (WRITE) is made in a microtask,
// right after; a read (READ) cannot be answered then, and says so. (getVariants and variant
// answer from a copy the runtime keeps.)
const READ = 1, WRITE = 2;

// An error the wasm could not recover from (a trap: out of stack, out of memory) leaves the
// runtime busy for good. From then on its calls do nothing, quietly; before, a change waiting for
// the runtime to be free would have waited forever, in microtasks, hanging the page.
function stopped() {
  if (ready) console.error(`${NAME}: stopped after an internal error; its calls do nothing from now on`);
  ready = null;
}

// Nothing thrown inside webexp reaches the page's own scripts: it is reported once, here.
// `retried`: the call waited a microtask for the runtime, which a working one has left by then.
function guard(what, fn, fallback, kind, retried) {
  if (!ready) {
    if (ready === false) console.error(`${NAME}: ${what}() before the wasm was instantiated (npm: call init() or initSync() first)`);
    return fallback;
  }
  const busy = wasm.busy();
  if (kind && busy) {
    if (retried) stopped();
    else if (kind === WRITE) queueMicrotask(() => guard(what, fn, fallback, kind, 1));
    else console.error(`${NAME}: ${what}() inside a change webexp is making (a custom element's callback?): call it in a microtask`);
    return fallback;
  }
  try {
    return fn();
  } catch (e) {
    console.error(`${NAME}: ${what} failed:`, e);
    if (!busy && wasm.busy()) stopped();
    return fallback;
  }
}

// JSON.stringify without the toJSON methods old libraries put on arrays, strings, numbers and
// objects (Prototype.js 1.6: arrays would reach the wasm as strings, strings quoted twice). They
// are set aside for the call. (A Date's own toJSON is the standard one, and stays.)
// (Only where it can be put back: a prototype that is not extensible keeps it.)
function stringify(value, replacer) {
  const aside = [];
  for (const p of [Array, String, Number, Boolean, Object].map((C) => C.prototype)) {
    const d = Object.getOwnPropertyDescriptor(p, "toJSON");
    if (d && d.configurable && Object.isExtensible(p)) aside.push([p, d]), delete p.toJSON;
  }
  try {
    return JSON.stringify(value, replacer);
  } finally {
    for (const [p, d] of aside) Object.defineProperty(p, "toJSON", d);
  }
}

const json = (value, fallback, replacer) => {
  try {
    return stringify(value === undefined ? fallback : value, replacer);
  } catch (e) {
    throw new TypeError(`${NAME}: the value is not JSON-serialisable (${e && e.message})`);
  }
};

// Whether the browser's Map, Set, WeakMap and WeakSet are there: a page's own global by one of
// those names (declared before webexp's tag) would break webexp wherever it uses them.
function builtinsIntact() {
  try {
    const m = new Map([[1, 2]]), w = new WeakMap([[m, 1]]);
    return m.get(1) === 2 && new Set([1]).has(1) && w.get(m) === 1 && new WeakSet([m]).has(m);
  } catch {
    return false;
  }
}

// The copy of webexp that runs on this page, whichever started first. A second one (the tag
// pasted twice, added again by a tag manager, or the tag next to the npm package) would be a
// second runtime: every change made twice, every impression sent twice.
// The copy that runs holds its page API there (`api`), for a later script tag to put at
// window.webexp when the first copy was the npm package, which puts nothing there.
const RUNNING = Symbol.for("webexp.running"), thisCopy = {};
/** The copy that runs, when it is another one than this (said); else undefined. */
export function otherCopyRuns() {
  const running = runningElsewhere();
  if (running) console.error(`${NAME}: another copy already runs on this page (the tag twice, or the tag and the npm package); this one starts nothing, and its calls go to the one that runs`);
  return running;
}
const runningElsewhere = () => {
  const running = globalThis[RUNNING];
  return running && running !== thisCopy ? running : undefined;
};

// A page API call on a copy that does not run while another one does (the npm package imported by
// the page's code next to the tag that runs) is the running copy's: page code that reads a
// variant, sets consent or an integration through its import reaches the runtime that shows the
// page and sends its events, instead of an empty one that never started.
// (A running copy of another version without this member: this copy answers.)
const viaRunning = (name, call) => (...args) => {
  const api = runningElsewhere()?.api;
  return typeof api?.[name] == "function" ? api[name](...args) : call(...args);
};

/**
 * Starts the runtime with a WebexpConfig (what the script tag does with window.webexpConfig).
 * `nonce`: what the <script> and <style> elements of `inject` carry; by default the nonce of the
 * page's first script that has one (read as a property: browsers hide it from getAttribute).
 */
export function start(config, nonce) {
  if (otherCopyRuns()) return;
  globalThis[RUNNING] = thisCopy;
  thisCopy.api = pageApi;
  if (!builtinsIntact()) {
    console.error(`${NAME}: the page replaced the browser's Map, Set, WeakMap or WeakSet; not started`);
    return;
  }
  return guard("start", () => {
    if (nonce === undefined) nonce = globalThis.document?.querySelector("script[nonce]")?.nonce;
    let text;
    try {
      text = json(config, {});
    } catch (e) {
      // A flag JSON cannot hold (a cycle, a BigInt) costs that flag alone, said by its place.
      const flags = config?.flags;
      if (!Array.isArray(flags)) throw e;
      text = json({ ...config, flags: flags.filter((flag, i) => {
        try {
          return stringify(flag), true;
        } catch (e) {
          console.error(`${NAME}: config.flags[${i}] is not JSON (${e.message}); the flag is skipped`);
        }
      }) });
    }
    nonce = String(nonce || "");
    if (wasm.start(text, nonce)) return;
    // Nesting deeper than the wasm reads (256 levels, which no real config has) costs the parts
    // that have it, each said by its place; the rest starts.
    const sent = JSON.parse(text), kept = {};
    if (Array.isArray(sent)) return console.error(`${NAME}: config: must be an object; nothing was started`);
    const levels = (v) => (v && typeof v == "object" ? 1 + Object.values(v).reduce((m, x) => Math.max(m, levels(x)), 0) : 0);
    const fits = (v, at, where) => at + levels(v) <= 250 || console.error(`${NAME}: ${where}: nested more than 250 levels deep; left out`);
    for (const [k, v] of Object.entries(sent)) {
      if (k == "flags" && Array.isArray(v)) kept.flags = v.filter((f, i) => fits(f, 2, `config.flags[${i}]`));
      else if (fits(v, 1, "config." + k)) kept[k] = v;
    }
    wasm.start(stringify(kept), nonce);
  });
}

// A context value JSON cannot hold as the reference engine sees it becomes the text its
// coerceString compares: a Date (any object with toJSON) its JSON text, quotes included; NaN,
// Infinity and a BigInt String(value). (Inside an object compared whole as JSON text, the
// reference would see null for NaN: that case alone differs.)
function asReferenceSees(key, value) {
  const raw = this[key];
  if (typeof raw === "bigint" || (typeof raw === "number" && !Number.isFinite(raw))) return String(raw);
  if (raw !== null && typeof raw === "object" && typeof raw.toJSON === "function") return JSON.stringify(raw);
  return value;
}

// The JSON text of the flags the wasm holds parsed: they are sent again only when it changes.
let flagsSent;

/** Evaluates flags for a context exactly as @amplitude/experiment-core's EvaluationEngine does. */
export function evaluate(context, flags) {
  return guard("evaluate", () => {
    const text = json(flags, []);
    const changed = text !== flagsSent;
    flagsSent = undefined; // until the wasm has them
    const result = wasm.evaluate(json(context, {}, asReferenceSees), changed ? text : undefined);
    flagsSent = text;
    return JSON.parse(result);
  }, {});
}

/** { flagKey: variant } for the current page view. */
export const getVariants = viaRunning("getVariants", () =>
  guard("getVariants", () => JSON.parse(wasm.state(0)), {}));

/** Flag keys whose actions are applied on this page now. */
export const getActiveExperiments = viaRunning("getActiveExperiments", () =>
  guard("getActiveExperiments", () => JSON.parse(wasm.state(1)), [], READ));

/** Re-applies the variants' actions. */
export const applyVariants = viaRunning("applyVariants", () =>
  guard("applyVariants", () => wasm.setApplied(true), undefined, WRITE));

/** Undoes every applied action. */
export const revertVariants = viaRunning("revertVariants", () =>
  guard("revertVariants", () => wasm.setApplied(false), undefined, WRITE));

/** Switches the manual pages with this name on (default) or off. */
export const toggleManualPageObject = viaRunning("toggleManualPageObject", (name, isActive = true) =>
  guard("toggleManualPageObject", () => wasm.toggleManualPageObject(String(name), isActive !== false), undefined, WRITE));

/** The variant of a flag, tracking $exposure. */
export const variant = viaRunning("variant", (flagKey) =>
  guard("variant", () => {
    const key = String(flagKey);
    // Inside one of webexp's DOM writes: the variant from its copy, the $exposure right after.
    if (wasm.busy()) {
      queueMicrotask(() => (wasm.busy() ? stopped() : variant(key)));
      const all = JSON.parse(wasm.state(0));
      return Object.prototype.hasOwnProperty.call(all, key) ? all[key] : undefined;
    }
    const v = wasm.variant(key);
    return v === undefined ? undefined : JSON.parse(v);
  }));

// A value that cannot be what a setter wants is reported and leaves the one set before in place
// (null or undefined unsets): a typo must not silently stop delivery or redirects.
const refused = (what, value, ok, wanted) =>
  value != null && !ok && (console.error(`${NAME}: ${what}: ${wanted}; the one set before stays`), true);

/** Sets the integration events are delivered to (CONTRACT section 4). */
export const setIntegration = viaRunning("setIntegration", (integration) => {
  let usable;
  try {
    usable = typeof integration?.track === "function";
  } catch {} // (A getter or a Proxy that throws: not usable.)
  if (refused("setIntegration", integration, usable, "the integration must be an object with a track(event) function")) return;
  return guard("setIntegration", () => wasm.setIntegration(integration), undefined, WRITE);
});

/** Consent for storage and events: "granted", "pending" (kept in memory) or "denied" (dropped). */
export const setConsent = viaRunning("setConsent", (status) =>
  guard("setConsent", () => wasm.setConsent(String(status)), undefined, WRITE));

/** Redirects call fn(url) instead of location.replace(url). */
export const setRedirectHandler = viaRunning("setRedirectHandler", (fn) => {
  if (refused("setRedirectHandler", fn, typeof fn === "function", "the handler must be a function")) return;
  return guard("setRedirectHandler", () => wasm.setRedirectHandler(fn), undefined, WRITE);
});

/** Per flag: variant, why, pages, actions applied or pending, events sent or queued. */
export const getDebugState = viaRunning("getDebugState", () => {
  // (Before the wasm, in Node, while busy: the same shape, empty, so that code written against
  // DebugState reads it without a check.)
  const empty = () => ({ initMicros: 0, preview: false, flags: {}, eventsSent: [], eventsQueued: [], fights: [] });
  return guard("getDebugState", () => { const text = wasm.state(2); return text == "{}" ? empty() : JSON.parse(text); }, empty(), READ);
});

/** window.webexp: the API of a page, without start() and the wiring. */
export const pageApi = Object.freeze({ evaluate, getVariants, getActiveExperiments, applyVariants, revertVariants, toggleManualPageObject, variant, setIntegration, setConsent, setRedirectHandler, getDebugState });
