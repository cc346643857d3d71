// The JavaScript half of the DOM layer (src/dom): the Trusted Types policy and `inject`.
//
// Here rather than in Rust because these are closures, promises and try/catch around page code:
// as wasm-bindgen closures each would cost its own glue on both sides of the boundary. Rust owns
// the state (src/dom/inject.rs keeps the handle `inject` returns and decides when to revert it);
// this file only talks to the page.
//
// Nothing here uses eval or new Function: injected code runs from a <script> element carrying the
// nonce of webexp's own tag, which a Content-Security-Policy with nonces allows.

const NAME = "webexp";

export const otherOrigin = (url) => new URL(url).origin !== location.origin;
// Elements webexp took out of the page or moved. The framework that rendered one still thinks it
// is where it put it: its removeChild or insertBefore on it would throw NotFoundError (and a React
// commit that throws unmounts the whole app). So Node's methods are wrapped, once, at the first
// such change, to do what the framework means: take the element out wherever it is (noted, so
// that a revert does not bring back what the page let go), or insert where the element was.
// (`moved` maps each to its next sibling when webexp took it: a framework inserting before the
// element inserts before that sibling instead, else at the end.)
const moved = new WeakMap(), released = new WeakSet();
// The parent each element in `moved` had then: where the page still thinks it is.
const homes = new WeakMap();
// Node's insertBefore as it was before webexp wrapped it: webexp's own inserts (a move, an
// inject's insertElement) go where the config says, never to a fragment (below).
// (Node.prototype is found from the document, not through the global `Node`, which a page may
// have taken for a class of its own: a tree helper named Node.)
let NodeProto = globalThis.document;
while (NodeProto && !Object.prototype.hasOwnProperty.call(NodeProto, "insertBefore")) NodeProto = Object.getPrototypeOf(NodeProto);
const insertBeforeAsIs = NodeProto?.insertBefore;
// Element's remove, found the same way, as it was before webexp wrapped it (below): the page's
// removal of an element webexp moved counts as the page's, webexp's own does not.
let ElementProto = globalThis.document?.documentElement;
while (ElementProto && !Object.prototype.hasOwnProperty.call(ElementProto, "remove")) ElementProto = Object.getPrototypeOf(ElementProto);
const removeAsIs = ElementProto?.remove;
/** `el.remove()` as it was before webexp wrapped it. */
export const takeOut = (el) => removeAsIs.call(el);
/** `parent.insertBefore(node, before)`, as it was before webexp wrapped it. Throws as it does. */
export const insertHere = (parent, node, before) => insertBeforeAsIs.call(parent, node, before);
// Whether the page's document takes `value` for the CSS property `name` (a value it rejects
// would be dropped without a word, and the change counted as made). Tried on an element of its
// own, not with CSS.supports: a page in quirks mode takes `width: 100` as `100px`.
let scratch;
export function cssSupports(name, value) {
  const s = (scratch ||= document.createElement("b")).style;
  s.cssText = "";
  s.setProperty(name, value);
  return s.getPropertyValue(name) !== "";
}
// Elements whose content a change of ours replaces (html or text set): `held`, a fragment with
// the page's own nodes the change took out, and `ours`, the nodes written in their place. A
// framework that rendered the page's nodes goes on updating them in the fragment: Vue finds a
// node's parent through `parentNode` (with none it throws, and the component stops updating for
// good), React inserts into the element it rendered, which the wrappers below send to the
// fragment. A revert puts back what the fragment holds then: the page's current content.
const replaced = new WeakMap(), helds = new WeakSet();
/** Whether `el` is in the page's content that a change of ours keeps aside (below). */
export const keptAside = (el) => helds.has(el.getRootNode());
// Whether all of `nodes` are children of `el` (none when there is no list).
const allIn = (nodes, el) => !!nodes?.every((n) => n.parentNode === el);
const showsOurs = (e, el) => allIn(e.ours, el);
// (Not scripts and style sheets a loader adds: they must run, and load, now.)
const diverts = (e, el, node) => e && showsOurs(e, el) && !/^(SCRIPT|STYLE|LINK)$/.test(node.nodeName);
let wrapped = false;
function wrap() {
  if (!wrapped) {
    wrapped = true;
    const P = NodeProto, removeChild = P.removeChild, insertBefore = P.insertBefore, appendChild = P.appendChild;
    try {
      P.removeChild = function (child) {
        const e = replaced.get(this);
        if (e && child?.parentNode === e.held) return removeChild.call(e.held, child);
        if (moved.has(child)) {
          released.add(child);
          if (child.parentNode !== this) return child.remove(), child;
        }
        return removeChild.call(this, child);
      };
      P.insertBefore = function (node, ref) {
        // (Next to an element we removed, as the page sees it: where that element was. The
        // element itself, moved within that parent by the page, stays out.)
        const parked = holders.get(this);
        if (parked) return node === parked ? node : P.insertBefore.call(homes.get(parked), node, parked);
        const e = replaced.get(this);
        if (e && ref && ref.parentNode === e.held) return insertBefore.call(e.held, node, ref);
        if (ref?.parentNode !== this && moved.has(ref)) {
          // (What followed it may have been taken too: then what followed that.)
          do ref = moved.get(ref); while (ref && ref.parentNode !== this && moved.has(ref));
          if (ref?.parentNode !== this) ref = null;
        }
        if (!ref && diverts(e, this, node)) return appendChild.call(e.held, node);
        return insertBefore.call(this, node, ref);
      };
      P.appendChild = function (node) {
        if (holders.has(this)) return P.insertBefore.call(this, node, null);
        const e = replaced.get(this);
        return appendChild.call(diverts(e, this, node) ? e.held : this, node);
      };
      // The page replacing an element we moved or removed: its new node takes the place the
      // page thinks the old one has, and the old one counts as released by the page (a revert
      // leaves it out). One of the page's nodes kept aside by an html set of ours is replaced
      // there.
      const replaceChild = P.replaceChild;
      P.replaceChild = function (node, child) {
        const e = replaced.get(this);
        if (e && child?.parentNode === e.held) return replaceChild.call(e.held, node, child);
        if (holders.has(this) && node !== child && moved.has(child)) {
          released.add(child);
          P.insertBefore.call(this, node, child);
          return removeChild.call(this, child);
        }
        if (moved.has(child) && child.parentNode !== this) {
          // (Replaced by itself where the page thinks it is: nothing to do, as there.)
          if (node === child) return child;
          released.add(child);
          P.insertBefore.call(this, node, child);
          return child.remove(), child;
        }
        if (moved.has(child) && node !== child) released.add(child);
        return replaceChild.call(this, node, child);
      };
    } catch {}
    // (A frozen prototype ignores the assignments, or throws in strict mode: the npm module.)
    if (P.appendChild === appendChild) {
      console.error("webexp: Node.prototype is frozen: page scripts may throw on elements webexp moved, removed or rewrote");
    }
  }
}
// Element's own methods concern only elements we moved or removed, so they are wrapped at the
// first such change, after Node's: a page that re-renders while webexp only sets html or text
// calls them natively (measured: a wrapped replaceWith cost the churn benchmark's page about
// 2.5 ms over its 90 frames, outside any observer callback).
let wrappedMoves = false;
function wrapMoves() {
  wrap();
  if (wrappedMoves) return;
  wrappedMoves = true;
  try {
    // The page's `nodes` (nodes or strings), put into `parent` where `el` is for the page,
    // through Node's wrapper (as with replaceChild).
    const putWhere = (parent, el, nodes) => {
      const f = document.createDocumentFragment();
      f.append(...nodes);
      NodeProto.insertBefore.call(parent, f, el);
    };
    // (An element we moved is elsewhere, one we removed waits off the page: their own
    // replaceWith would put the page's nodes there.)
    const E = ElementProto, replaceWith = E.replaceWith, remove = removeAsIs;
    E.replaceWith = function (...nodes) {
      const home = homes.get(this), keeps = nodes.includes(this);
      if (moved.has(this) && !keeps) released.add(this);
      if (!home || !moved.has(this) || this.parentNode === home) return replaceWith.apply(this, nodes);
      putWhere(home, this, nodes.filter((n) => n !== this));
      if (!keeps) remove.call(this);
    };
    E.remove = function () {
      if (moved.has(this)) released.add(this);
      return remove.call(this);
    };
    // Nodes the page puts before or after an element we removed go where it was (Svelte
    // moves keyed items with `anchor.before(node)`): not into the element that holds it.
    for (const name of ["before", "after"]) {
      const native = E[name];
      E[name] = function (...nodes) {
        if (!holders.has(this.parentNode)) return native.apply(this, nodes);
        putWhere(this.parentNode, this, nodes);
      };
    }
  } catch {}
}
export function markMoved(el) {
  wrapMoves();
  moved.set(el, el.nextSibling);
  homes.set(el, el.parentNode);
  // (Taken by us again after the page let it go and put it back: a revert brings it back.)
  released.delete(el);
}
// An element we removed waits in an element of its own, off the page (`holders` maps it to the
// element), rather than with no parent: the framework that rendered it finds a parent to remove
// it from, or to insert next to it. Vue puts a `v-else` branch into `parentNode(old)` (on null
// it throws, and that part of the app stops updating), and Preact removes only a node that has a
// parent (one left alone would come back on revert, next to what replaced it). An element, not
// a fragment: page code that reads the parent as one (`parentNode.classList`) keeps working. The
// wrappers send what the page does there to where the element was (`markMoved` first).
const holders = new WeakMap();
export function park(el) {
  const holder = document.createElement("div");
  insertBeforeAsIs.call(holder, el, null);
  holders.set(holder, el);
}
/** Whether `el` waits where `park` put it. */
export const parked = (el) => holders.get(el.parentNode) === el;
export const releasedByPage = (el) => released.has(el);

/**
 * Writes `value` as `el`'s html, or text when `asText`. `keep`: what it replaces is the page's own
 * content, which goes to the element's fragment (above). Returns whether the element reads back
 * exactly as `value`. Throws where the page refuses the html, leaving the element as it was.
 */
export function writeContent(el, value, asText, keep) {
  let e = replaced.get(el);
  const before = [...el.childNodes];
  // Still showing ours, which the page changed inside (a script updating a price in it): the
  // fragment keeps the page's own content. Not when ours is one text node the page rewrote: that
  // is how React sets an element's text, and then the text is the page's content now.
  keep &&= !(e && showsOurs(e, el) && !(before.length === 1 && before[0].nodeType === 3));
  if (keep) {
    wrap();
    const held = document.createDocumentFragment();
    helds.add(held);
    held.append(...before);
    replaced.set(el, (e = { held, ours: [] }));
  }
  try {
    if (asText) el.textContent = value;
    else el.innerHTML = trustedHtml(value);
  } catch (error) {
    if (keep) {
      replaced.delete(el);
      el.replaceChildren(...before);
    }
    throw error;
  }
  // (Empty content of ours is one empty text node, which reads as nothing: so that a page that
  // writes its own content over it is told from one that adds to it.)
  if (e && !el.firstChild) el.append("");
  if (e) e.ours = [...el.childNodes];
  return asText || el.innerHTML === value;
}

// What `appendContent` added to each element, taken out by `putBackContent`.
const appended = new WeakMap();

// Adds `rest` after `el`'s content (html, or text when `asText`), leaving that content, the page's
// own nodes, where it is: innerHTML would replace it with copies, and the framework that rendered
// it would go on updating nodes no longer on the page (Vue throws on its next update). False where
// the page refuses the html.
export function appendContent(el, rest, asText) {
  const last = el.lastChild, added = [];
  // (Nothing to add is noted all the same: an empty part, which a revert takes out.)
  if (rest) try {
    if (asText) el.append(rest);
    else el.insertAdjacentHTML("beforeend", trustedHtml(rest));
  } catch {
    return false;
  }
  for (let n = last ? last.nextSibling : el.firstChild; n; n = n.nextSibling) added.push(n);
  // (Whatever an earlier append added is out already: `apply_append` in mutator.rs takes it
  // out first, so that our part is there once.)
  added.rest = rest;
  appended.set(el, added);
  return true;
}

// Whether what `appendContent` added to `el` is all still there, and was added as `rest`.
export const appendedIs = (el, rest) => allIn(appended.get(el), el) && appended.get(el).rest === rest;

// Whether `node` is, or is inside, a part `appendContent` added to `el`.
export const inAppended = (el, node) => !!appended.get(el)?.some((n) => n.contains(node));

// What `appendContent` added to `el`, as its innerHTML writes it (or as text), while all of it is
// still there; undefined otherwise.
export function appendedPart(el, asText) {
  const added = appended.get(el);
  if (!allIn(added, el)) return undefined;
  if (asText) return added.map((n) => n.textContent).join("");
  const t = document.createElement("template");
  t.content.append(...added.map((n) => n.cloneNode(true)));
  return t.innerHTML;
}

// The page added nodes to an element showing our content (with an API the wrappers do not see:
// `append`, `prepend`, `insertAdjacentElement`...): they are its own content, so they go to the
// fragment, and ours stays (with `alsoOurs`, what other changes of ours put there). False when
// our nodes are not all there any more (the page wrote its own content over ours).
export function adoptAdded(el, alsoOurs) {
  const e = replaced.get(el);
  if (!e || !showsOurs(e, el)) return false;
  adopt(e, el, alsoOurs);
  return true;
}

// The nodes in `el` that are neither ours (`e.ours`, `alsoOurs`) go to the fragment `e.held`:
// what the page put before ours goes before its content, what it put after, after.
function adopt(e, el, alsoOurs) {
  const before = [], after = [], first = e.ours[0];
  for (const n of el.childNodes) {
    if (!e.ours.includes(n) && !alsoOurs.includes(n)) (first && n.compareDocumentPosition(first) & 4 /* DOCUMENT_POSITION_FOLLOWING */ ? before : after).push(n);
  }
  e.held.prepend(...before);
  e.held.append(...after);
}

// Undoes our content in `el`: what is left of our appended parts goes (the page may have taken
// out a part, a feed dropping an item), and where a set of ours still shows (or `ours`: the
// content reads as ours, the page having written the same markup again), the page's own content
// comes back, as it is now, with what the page added next to ours since. (Where the page wrote
// its own content over ours, that stays.) Whether there was anything of ours to undo.
export function putBackContent(el, ours) {
  const e = replaced.get(el), added = appended.get(el);
  replaced.delete(el);
  appended.delete(el);
  if (added) for (const n of added) n.parentNode === el && n.remove();
  // (Our nodes replaced by copies, the same markup written again: none of them is the page's.)
  const shows = e && showsOurs(e, el);
  if (shows) adopt(e, el, []);
  if (shows || (e && ours)) el.replaceChildren(...e.held.childNodes);
  return !!(e || added);
}

// Puts `el` back into `parent`: before `next` if that is still there, else after `prev`, else
// first (it was first), else at the end. Where a set of ours replaces `parent`'s content, the
// page's own content is kept aside (above), and `el` goes back into it: it comes back with it,
// where put among ours it would go when ours is undone.
export function putBack(el, parent, next, prev) {
  const e = replaced.get(parent), box = e && showsOurs(e, parent) ? e.held : parent;
  const here = (n) => n && n.parentNode === box;
  const before = here(next) ? next : here(prev) ? prev.nextSibling : prev ? null : box.firstChild;
  // (Already there, as a move in place from the start is: not taken out and put in again, which
  // would reload an iframe in it and reset a video.)
  if (el.parentNode === box && (el === before || el.nextSibling === before)) return;
  try {
    insertBeforeAsIs.call(box, el, before);
  } catch {}
}

// Timers whose cancel holds whatever the page does to the timer functions meanwhile (a test's
// fake clock installed after one was set, whose clearTimeout ignores the browser's ids): each is
// cleared with the function that goes with the one that set it, and a callback cancelled that
// comes all the same does nothing (it would call a wasm closure already dropped, which throws).

// Calls `callback` after `ms` milliseconds; returns what cancels it. (A page whose timer
// functions throw or are gone gets no timeout, rather than an error unwinding through the wasm.)
export function timeout(callback, ms) {
  let live = true, cancel = () => { live = false; };
  try {
    const clear = clearTimeout, id = setTimeout(() => live && callback(), ms);
    cancel = () => { live = false; try { clear(id); } catch {} };
  } catch {}
  return cancel;
}

// Calls `callback` in a task after the next animation frame; returns what cancels it.
export function afterFrame(callback) {
  let live = true, cancelTimer, cancelFrame = () => {};
  try {
    const cancel = cancelAnimationFrame, frame = requestAnimationFrame(() => { if (live) cancelTimer = timeout(callback, 0); });
    cancelFrame = () => { try { cancel(frame); } catch {} };
  } catch {}
  return () => { live = false; cancelFrame(); cancelTimer?.(); };
}

// Whether the page is being prerendered (Speculation Rules), and the call once it is shown.
export const prerendering = () => globalThis.document?.prerendering === true;
export const onShown = (callback) => document.addEventListener("prerenderingchange", callback, { once: true });

// Whether this document came through a server redirect (same-origin ones are counted).
export const arrivedByRedirect = () => performance.getEntriesByType("navigation")[0]?.redirectCount > 0;

// The "webexp" Trusted Types policy: undefined until first needed, null where there is none.
// Created on first use, so a page that restricts policy names sees no attempt from webexp unless
// it uses HTML changes or inject.
let policy;

function trusted() {
  if (policy === undefined) {
    policy = null;
    const same = (s) => s;
    try {
      policy = window.trustedTypes?.createPolicy(NAME, { createHTML: same, createScript: same, createScriptURL: same });
    } catch (e) {
      console.error(`${NAME}: CSP refused Trusted Types policy "${NAME}":`, e);
    }
  }
  return policy;
}

// TrustedHTML made for recent values, reused: a page that re-renders gets the same html written
// into each new element.
const made = new Map();

/** What to assign to an HTML sink (innerHTML...): TrustedHTML where the page has Trusted Types. */
export function trustedHtml(html) {
  const p = trusted();
  if (!p) return html;
  let t = made.get(html);
  if (t === undefined) {
    if (made.size >= 32) made.clear();
    made.set(html, (t = p.createHTML(html)));
  }
  return t;
}

/**
 * Applies one inject: `css` as a stylesheet, then `js` run once as `function (html, utils, id)`.
 * Empty strings mean absent. Returns the state that `revert` takes. Never throws: what fails is
 * reported naming the flag and the inject.
 */
export function inject(flag, id, css, js, html, nonce, later) {
  const d = document;
  const head = d.head || d.documentElement;
  const label = `${NAME}: flag "${flag}": inject "${id}": `;
  const observers = [];
  const inserted = [];
  const state = { label, observers, inserted };
  try {
    if (css) {
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        d.adoptedStyleSheets = [...d.adoptedStyleSheets, sheet];
        state.sheet = sheet;
      } catch {
        // No constructable stylesheets here: a <style> with the nonce of webexp's own tag.
        const style = (state.style = d.createElement("style"));
        style.nonce = nonce;
        style.textContent = css;
        head.appendChild(style);
      }
    }
    if (!js) return state;
    // The first element matching `selector`, now or once added; the observer looks only at added
    // nodes and is disconnected when it finds one, or on revert.
    // After a revert, neither waits nor inserts: code still running (a fetch that resolves
    // later) must not leave elements or observers behind.
    const waitForElement = (selector) =>
      new Promise((resolve) => {
        if (state.reverted) return;
        const found = d.querySelector(selector);
        if (found) return resolve(found);
        const observer = new MutationObserver((records) => {
          for (const r of records) {
            for (const n of r.addedNodes) {
              const el = n.nodeType == 1 && (n.matches(selector) ? n : n.querySelector(selector));
              if (el) {
                observer.disconnect();
                return resolve(el);
              }
            }
          }
        });
        observer.observe(d, { childList: true, subtree: true });
        observers.push(observer);
      });
    const utils = (state.utils = {
      waitForElement,
      // Puts `el` into the first element matching `parentSelector` (once there is one), before
      // its child matching `insertBeforeSelector` if any; revert removes it.
      insertElement: (el, { parentSelector, insertBeforeSelector } = {}) =>
        waitForElement(parentSelector).then((parent) => {
          if (state.reverted) return el;
          inserted.push(el);
          insertHere(parent, el, [...parent.children].find((c) => c.matches(insertBeforeSelector)) || null);
          return el;
        }),
      // Set by the injected code: called on revert.
      remove: undefined,
    });
    let element = null;
    if (html) {
      const template = d.createElement("template");
      template.innerHTML = trustedHtml(html);
      element = template.content.firstElementChild;
    }
    // The code runs in a microtask: still before the parser goes on and before paint, but after
    // webexp's own call has returned, so that it can call webexp's API (webexp.variant...). On an
    // SPA navigation (`later`), in the first task after the next frame: a router that changes the
    // URL first and renders after (Turbo, React Router) has rendered the new page by then, and
    // the code would find, and change, the page being left.
    // (In a hidden tab, which renders no frames, after a second at most: the code runs once.)
    const go = () => {
      if (state.reverted || state.ran) return;
      state.ran = 1;
      run(label, js, nonce, head, element, utils, id);
    };
    if (later) afterFrame(go), setTimeout(go, 1000);
    else queueMicrotask(go);
  } catch (e) {
    console.error(label, e);
  }
  return state;
}

// Runs `js` as `function (html, utils, id)` from a <script> carrying the nonce; never throws.
function run(label, js, nonce, head, element, utils, id) {
  try {
    const script = document.createElement("script");
    let ran;
    script.nonce = nonce;
    script[NAME] = (fn) => {
      ran = 1;
      try {
        fn(element, utils, id);
      } catch (e) {
        console.error(`${label}js threw:`, e);
      }
    };
    // A syntax error in the js is dispatched to window "error" listeners while the script is
    // inserted (no JS can parse code without compiling it): reported here, and marked handled so
    // the browser does not log it as uncaught. Page listeners added earlier still see the event.
    const onError = (e) => {
      ran = 1;
      e.preventDefault();
      console.error(`${label}invalid js:`, e.message);
    };
    const text = `document.currentScript.${NAME}(function(html,utils,id){${js}\n})`;
    addEventListener("error", onError, true);
    try {
      script.text = trusted()?.createScript(text) ?? text;
      head.appendChild(script);
    } finally {
      removeEventListener("error", onError, true);
      script.remove();
    }
    if (!ran) console.error(`${label}js blocked by the CSP (does webexp's tag carry the nonce?)`);
  } catch (e) {
    console.error(label, e);
  }
}

/** Undoes `inject`: calls utils.remove, stops waiting, removes inserted elements and the CSS. */
export function revert(state) {
  const { label, observers, inserted, sheet, style, utils } = state;
  // (Code that has not run yet never will.)
  state.reverted = true;
  const d = document;
  try {
    utils?.remove?.();
  } catch (e) {
    console.error(`${label}utils.remove threw:`, e);
  }
  for (const o of observers) o.disconnect();
  for (const el of inserted) el.remove();
  if (sheet) d.adoptedStyleSheets = d.adoptedStyleSheets.filter((s) => s != sheet);
  style?.remove();
}
