// Event delivery (CONTRACT section 4, issue 4 points 5 and 9): events the integration does not
// accept wait in localStorage and are delivered exactly once, in order, across reloads and tabs;
// a late integration and one that refuses then accepts both get everything; consent holds back
// storage and events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, openPage, flag } from "./support/browser.mjs";

const live = serverAndBrowser();

const mutate = (selector, value) => ({
  action: "mutate",
  data: { mutations: [{ selector, action: "set", attribute: "html", value }] },
});
const CONFIG = {
  flags: [flag("one", { actions: [mutate("#a", "A")] }), flag("two", { variant: "control" })],
  user: { web_exp_id: "delivery-visitor" },
};

// `integration` is JS source run before webexp (it may set window.experimentIntegration).
function page({ config = CONFIG, integration = "" } = {}) {
  return `<!doctype html><html><head><meta charset="utf-8">
<script>${integration}</script>
<script>window.webexpConfig = ${JSON.stringify(config)};</script>
<script src="/webexp.js"></script>
</head><body><p id="a">a</p></body></html>`;
}

// An integration that posts each accepted event to the test server, so deliveries from every tab
// and every load are counted in one place.
// Posts may arrive out of order, so each carries the number of the track call that sent it.
const POSTING = `window.postingIntegration = (tag) => {
  let seq = 0;
  return {
    getUser() { return {}; },
    track(e) {
      fetch("/sink", { method: "POST", body: JSON.stringify({ tag, seq: seq++, flag: e.eventProperties.flag_key, type: e.eventType }), keepalive: true });
      return true;
    },
  };
};`;

let sink = [];
function routes() {
  sink = [];
  live.server.setRoute("/sink", async (req) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    sink.push(JSON.parse(body));
    return { body: "ok" };
  });
}
const queued = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("webexp:q:")).sort());
const waitSink = async (n) => {
  for (let i = 0; i < 100 && sink.length < n; i++) await new Promise((r) => setTimeout(r, 50));
  sink.sort((a, b) => a.tag.localeCompare(b.tag) || a.seq - b.seq);
};
// The control's impression is made at start; the treatment's when the parser inserts #a.
const ORDER = ["two", "one"];

test("without an integration events wait in localStorage; a late window.experimentIntegration gets them in order", async () => {
  routes();
  live.server.setRoute("/late.html", { body: page({ integration: POSTING }) });
  const { page: p, context, consoleErrors } = await openPage(live.browser);
  await p.goto(live.server.url + "/late.html", { waitUntil: "load" });
  assert.equal((await queued(p)).length, 2);
  await p.evaluate(() => { window.experimentIntegration = postingIntegration("late"); });
  await waitSink(2);
  assert.deepEqual(sink.map((e) => e.flag), ORDER);
  assert.deepEqual(await queued(p), []);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("an integration that refuses, then accepts, gets each event once, in order", async () => {
  routes();
  const refusing = `${POSTING}
    window.accepting = false;
    const inner = postingIntegration("flaky");
    window.experimentIntegration = { getUser() { return {}; }, track(e) { return window.accepting && inner.track(e); } };`;
  live.server.setRoute("/flaky.html", { body: page({ integration: refusing }) });
  const { page: p, context } = await openPage(live.browser);
  await p.goto(live.server.url + "/flaky.html", { waitUntil: "load" });
  assert.equal((await queued(p)).length, 2);
  await p.evaluate(() => { window.accepting = true; });
  await waitSink(2); // the retry comes within about a second
  await p.waitForTimeout(300);
  assert.deepEqual(sink.map((e) => e.flag), ORDER);
  assert.deepEqual((await p.evaluate(() => webexp.getDebugState())).eventsQueued, []);
  await context.close();
});

test("an integration whose track throws keeps the events queued; once it stops, each goes once, in order", async () => {
  routes();
  const throwing = `${POSTING}
    window.throwing = true;
    const inner = postingIntegration("throwing");
    window.experimentIntegration = { getUser() { return {}; }, track(e) { if (window.throwing) throw new Error("SDK not ready"); return inner.track(e); } };`;
  live.server.setRoute("/throwing.html", { body: page({ integration: throwing }) });
  const { page: p, context, pageErrors } = await openPage(live.browser);
  await p.goto(live.server.url + "/throwing.html", { waitUntil: "load" });
  assert.equal((await queued(p)).length, 2);
  assert.deepEqual(sink, []);
  await p.evaluate(() => { window.throwing = false; });
  await waitSink(2);
  await p.waitForTimeout(300);
  assert.deepEqual(sink.map((e) => e.flag), ORDER);
  assert.deepEqual((await p.evaluate(() => webexp.getDebugState())).eventsQueued, []);
  assert.deepEqual(pageErrors, [], "the integration's throw stays inside webexp");
  await context.close();
});

test("an integration that refuses is asked once per attempt, not again at once for the stored copy", async () => {
  const config = { ...CONFIG, flags: [CONFIG.flags[0]] };
  const refusing = `window.calls = 0;
    window.experimentIntegration = { getUser() { return {}; }, track() { calls++; return false; } };`;
  // On a fake clock (openOnClock, below): the retry is counted by the calls made as the clock
  // runs, not by waiting.
  const { page: p, context } = await openOnClock("/refusing.html", page({ config, integration: refusing }));
  const calls = () => p.evaluate(() => calls);
  // The first offer, once (there were two at once: the new event, then its stored copy).
  assert.equal(await calls(), 1);
  await p.clock.runFor(900);
  assert.equal(await calls(), 1, "not asked again before the retry is due");
  await p.clock.runFor(200);
  assert.equal(await calls(), 2, "the retry, a second after the refusal: one call");
  await context.close();
});

test("events queued on one load are delivered on the next, before its own, exactly once", async () => {
  routes();
  live.server.setRoute("/reload.html", (req) => ({
    body: page({ integration: `${POSTING}${req.url.includes("accept") ? "window.experimentIntegration = postingIntegration('second');" : ""}` }),
  }));
  const { page: p, context } = await openPage(live.browser);
  await p.goto(live.server.url + "/reload.html", { waitUntil: "load" });
  assert.equal((await queued(p)).length, 2);
  await p.goto(live.server.url + "/reload.html?accept", { waitUntil: "load" });
  await waitSink(4);
  await p.waitForTimeout(300);
  assert.deepEqual(sink.map((e) => e.flag), [...ORDER, ...ORDER]);
  assert.deepEqual(await queued(p), []);
  await context.close();
});

test("two tabs open at the same time deliver the shared queue exactly once", async () => {
  routes();
  live.server.setRoute("/tab.html", { body: page({ integration: POSTING }) });
  const context = await live.browser.newContext();
  const tabs = [await context.newPage(), await context.newPage()];
  for (const t of tabs) await t.goto(live.server.url + "/tab.html", { waitUntil: "load" });
  assert.equal((await queued(tabs[0])).length, 4, "both tabs' events wait in the one queue");
  // Both tabs get an integration at once; each would deliver everything without the lock.
  await Promise.all(tabs.map((t, i) => t.evaluate((tag) => { window.experimentIntegration = postingIntegration(tag); }, "tab" + i)));
  await waitSink(4);
  await tabs[0].waitForTimeout(500);
  assert.equal(sink.length, 4, JSON.stringify(sink));
  assert.deepEqual(sink.map((e) => e.flag).sort(), ["one", "one", "two", "two"]);
  assert.deepEqual(await queued(tabs[0]), []);
  await context.close();
});

test("a full queue drops its oldest events with a warning", async () => {
  routes();
  live.server.setRoute("/full.html", { body: page() });
  const { page: p, context } = await openPage(live.browser);
  const warnings = [];
  p.on("console", (m) => { if (m.type() === "warning") warnings.push(m.text()); });
  await p.goto(live.server.url + "/full.html", { waitUntil: "load" });
  await p.evaluate(() => {
    for (let i = 0; i < 500; i++) localStorage.setItem("webexp:q:000000000000001:" + String(i).padStart(10, "0") + ":old", "{}");
  });
  await p.reload({ waitUntil: "load" });
  const keys = await queued(p);
  assert.equal(keys.length, 500);
  assert.ok(!keys.includes("webexp:q:000000000000001:0000000000:old"), "the oldest went first");
  assert.equal(keys.filter((k) => !k.endsWith(":old")).length, 4, "the new events of both loads are kept");
  assert.ok(warnings.some((w) => /event queue is full/.test(w)));
  await p.evaluate(() => localStorage.clear());
  await context.close();
});

test("consent pending: nothing stored, nothing sent, until granted; denied drops the events", async () => {
  routes();
  const config = { ...CONFIG, user: {}, consent: "pending" };
  live.server.setRoute("/consent.html", { body: page({ config, integration: `${POSTING} window.experimentIntegration = postingIntegration("c");` }) });
  const { page: p, context } = await openPage(live.browser);
  await p.goto(live.server.url + "/consent.html", { waitUntil: "load" });
  assert.equal(await p.textContent("#a"), "A", "the experiment itself runs");
  assert.deepEqual(await p.evaluate(() => Object.keys(localStorage)), []);
  await p.waitForTimeout(200);
  assert.deepEqual(sink, []);
  await p.evaluate(() => webexp.setConsent("granted"));
  await waitSink(2);
  assert.deepEqual(sink.map((e) => e.flag), ORDER);
  assert.deepEqual(await p.evaluate(() => Object.keys(localStorage)), ["webexp:web_exp_id"]);

  // Denied: the events kept in memory are dropped, nothing is written.
  routes();
  await p.evaluate(() => localStorage.clear());
  await p.reload({ waitUntil: "load" });
  await p.evaluate(() => webexp.setConsent("denied"));
  await p.waitForTimeout(200);
  assert.deepEqual(sink, []);
  assert.deepEqual(await p.evaluate(() => Object.keys(localStorage)), []);
  assert.deepEqual((await p.evaluate(() => webexp.getDebugState())).eventsQueued, []);
  // What is tracked while denied is not kept for a later grant.
  await p.evaluate(() => webexp.variant("one"));
  await p.evaluate(() => webexp.setConsent("granted"));
  await p.waitForTimeout(300);
  assert.deepEqual(sink, []);
  await context.close();
});

test("a page left open for hundreds of page views keeps at most 500 events, and warns once", async () => {
  // (Controls: their impressions are made at once in each page view.)
  const config = { flags: [flag("c1", { variant: "control" }), flag("c2", { variant: "control" })], user: { web_exp_id: "v" }, consent: "pending" };
  const integration = "window.got = []; window.experimentIntegration = { track(e) { got.push(e.eventProperties.flag_key); return true; } };";
  live.server.setRoute("/long/0", { body: page({ config, integration }) });
  const { page: p, context } = await openPage(live.browser);
  const warnings = [];
  p.on("console", (m) => { if (m.type() === "warning") warnings.push(m.text()); });
  await p.goto(live.server.url + "/long/0", { waitUntil: "load" });
  // Two impressions per page view, consent never answered: 600 events.
  const views = (from, to) => p.evaluate(async ([from, to]) => {
    for (let i = from; i < to; i++) {
      history.pushState(null, "", "/long/" + i);
      await new Promise((r) => setTimeout(r, 0));
    }
  }, [from, to]);
  await views(1, 300);
  const state = () => p.evaluate(() => { const s = webexp.getDebugState(); return [s.eventsQueued.length, s.eventsSent.length]; });
  assert.deepEqual(await state(), [500, 0]);
  assert.equal(warnings.filter((w) => /event queue is full/.test(w)).length, 1);
  // The newest 500 are delivered, in order, on the grant.
  await p.evaluate(() => webexp.setConsent("granted"));
  assert.equal(await p.evaluate(() => got.length), 500);
  assert.deepEqual(await state(), [0, 500]);
  // Sent ones are kept for the debug state up to the same bound.
  await views(300, 400);
  assert.equal(await p.evaluate(() => got.length), 700);
  assert.deepEqual(await state(), [0, 500]);
  await context.close();
});

test("a consent value webexp cannot read is reported and counts as pending", async () => {
  routes();
  const config = { ...CONFIG, user: {}, consent: "Granted" };
  live.server.setRoute("/consent-typo.html", { body: page({ config, integration: `${POSTING} window.experimentIntegration = postingIntegration("t");` }) });
  const { page: p, context, consoleErrors } = await openPage(live.browser);
  await p.goto(live.server.url + "/consent-typo.html", { waitUntil: "load" });
  assert.equal(consoleErrors.length, 1);
  assert.match(consoleErrors[0], /config\.consent: must be "granted", "pending" or "denied"/);
  await p.waitForTimeout(200);
  assert.deepEqual(sink, []);
  assert.deepEqual(await p.evaluate(() => Object.keys(localStorage)), []);
  await p.evaluate(() => webexp.setConsent("granted"));
  await waitSink(2);
  assert.deepEqual(sink.map((e) => e.flag), ORDER);
  await context.close();
});

test("setIntegration or setRedirectHandler given what cannot work: reported, and the one set before stays", async () => {
  routes();
  live.server.setRoute("/bad-setters.html", { body: page({ config: { ...CONFIG, flags: [flag("two", { variant: "control" })] }, integration: POSTING }) });
  const { page: p, context, consoleErrors } = await openPage(live.browser);
  await p.goto(live.server.url + "/bad-setters.html", { waitUntil: "load" });
  await p.evaluate(() => webexp.setIntegration(postingIntegration("t")));
  await waitSink(1);
  await p.evaluate(() => {
    webexp.setIntegration("amplitude");
    webexp.setIntegration({ getUser() { return {}; } });
    webexp.setRedirectHandler("/elsewhere");
  });
  assert.equal(consoleErrors.length, 3);
  assert.match(consoleErrors[0], /setIntegration: the integration must be an object with a track\(event\) function; the one set before stays/);
  assert.match(consoleErrors[1], /setIntegration: the integration must be/);
  assert.match(consoleErrors[2], /setRedirectHandler: the handler must be a function/);
  // Events still reach the integration set before.
  await p.evaluate(() => webexp.variant("two"));
  await waitSink(2);
  assert.deepEqual(sink.map((e) => [e.tag, e.type]), [["t", "$impression"], ["t", "$exposure"]]);
  await context.close();
});

test("an integration whose track returns nothing has taken the event: it gets each one once", async () => {
  routes();
  const silent = `${POSTING}
    const inner = postingIntegration("s");
    window.experimentIntegration = { getUser() { return {}; }, track(e) { inner.track(e); } };`;
  live.server.setRoute("/silent.html", { body: page({ integration: silent }) });
  const { page: p, context } = await openPage(live.browser);
  await p.goto(live.server.url + "/silent.html", { waitUntil: "load" });
  await waitSink(2);
  // Past the first retry (1 s): nothing is offered again.
  await p.waitForTimeout(1500);
  assert.deepEqual(sink.map((e) => e.flag), ORDER);
  assert.deepEqual(await queued(p), []);
  await context.close();
});

test("an integration whose track calls back into webexp: every event is delivered exactly once", async () => {
  routes();
  const reentrant = `${POSTING}
    const inner = postingIntegration("re");
    window.experimentIntegration = {
      getUser() { return {}; },
      track(e) {
        // Page code inside track reads a variant (an $exposure) and sets consent again.
        if (e.eventType === "$impression") { webexp.variant(e.eventProperties.flag_key); webexp.setConsent("granted"); }
        return inner.track(e);
      },
    };`;
  live.server.setRoute("/reentrant.html", { body: page({ integration: reentrant }) });
  const { page: p, context, pageErrors } = await openPage(live.browser);
  await p.goto(live.server.url + "/reentrant.html", { waitUntil: "load" });
  await waitSink(4);
  await p.waitForTimeout(300);
  assert.deepEqual(sink.map((e) => [e.type, e.flag]).sort(), [
    ["$exposure", "one"], ["$exposure", "two"], ["$impression", "one"], ["$impression", "two"],
  ]);
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(await queued(p), []);
  await context.close();
});

test("an integration's setup() is called once, and events wait until it settles", async () => {
  routes();
  const slow = `${POSTING}
    const inner = postingIntegration("su");
    window.setupCalls = 0;
    window.experimentIntegration = {
      setup() { setupCalls++; return new Promise((r) => setTimeout(() => { window.setUpAt = performance.now(); r(); }, 400)); },
      getUser() { return {}; },
      track(e) { window.firstTrackAt ??= performance.now(); return inner.track(e); },
    };`;
  live.server.setRoute("/setup.html", { body: page({ integration: slow }) });
  const { page: p, context } = await openPage(live.browser);
  await p.goto(live.server.url + "/setup.html", { waitUntil: "load" });
  await waitSink(2);
  assert.deepEqual(sink.map((e) => e.flag), ORDER);
  const { setupCalls, setUpAt, firstTrackAt } = await p.evaluate(() => ({ setupCalls, setUpAt, firstTrackAt }));
  assert.equal(setupCalls, 1);
  assert.ok(firstTrackAt >= setUpAt, "no track before setup() settled");
  assert.deepEqual(await queued(p), []);
  await context.close();
});

test("an integration whose setup() rejects: said, and its track gets each event once, in order", async () => {
  routes();
  const failing = `${POSTING}
    const inner = postingIntegration("rejects");
    window.experimentIntegration = {
      setup() { return new Promise((_, reject) => setTimeout(() => reject(new Error("no consent tool")), 100)); },
      getUser() { return {}; },
      track(e) { return inner.track(e); },
    };`;
  live.server.setRoute("/setup-rejects.html", { body: page({ integration: failing }) });
  const { page: p, context, consoleErrors, pageErrors } = await openPage(live.browser);
  await p.goto(live.server.url + "/setup-rejects.html", { waitUntil: "load" });
  await waitSink(2);
  await p.waitForTimeout(300);
  assert.deepEqual(sink.map((e) => e.flag), ORDER);
  assert.deepEqual(await queued(p), []);
  assert.equal(consoleErrors.filter((e) => /setup/.test(e) && /no consent tool/.test(e)).length, 1, consoleErrors.join("\n"));
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("npm: setConsent() before start() stands over the config, and nothing is delivered before start()", async () => {
  routes();
  // start() runs when the test says so (window.go), so the test can look before it.
  const body = (consentCall) => `<!doctype html><html><head><meta charset="utf-8"><script>${POSTING}</script>
<script type="module">
  import init, { setConsent, setIntegration, start } from "/npm/webexp.js";
  await init();
  ${consentCall}
  setIntegration(postingIntegration("npm"));
  window.ready = true;
  await new Promise((r) => (window.go = r));
  start(${JSON.stringify({ ...CONFIG, user: {} })});
  window.started = true;
</script></head><body><p id="a">a</p></body></html>`;
  live.server.setRoute("/npm-consent.html", { body: body('setConsent("denied");') });
  const { page: p, context } = await openPage(live.browser);
  await p.goto(live.server.url + "/npm-consent.html");
  await p.waitForFunction(() => window.ready);
  await p.evaluate(() => window.go());
  await p.waitForFunction(() => window.started);
  await p.waitForTimeout(300);
  assert.deepEqual(sink, [], "denied before start: nothing sent");
  assert.deepEqual(await p.evaluate(() => Object.keys(localStorage)), [], "nothing stored");

  // Granted by the config; an earlier load's event waits in the queue. The integration is set
  // before start(), yet nothing goes out until start() has read the config.
  const old = "webexp:q:000000000000001:0000000001:gone-tab";
  await p.evaluate((k) => localStorage.setItem(k, JSON.stringify({ eventType: "$impression", eventProperties: { flag_key: "old" } })), old);
  live.server.setRoute("/npm-early.html", { body: body("") });
  await p.goto(live.server.url + "/npm-early.html");
  await p.waitForFunction(() => window.ready);
  await p.waitForTimeout(300);
  assert.deepEqual(sink, []);
  assert.deepEqual(await queued(p), [old]);
  await p.evaluate(() => window.go());
  await waitSink(3);
  assert.deepEqual(sink.map((e) => e.flag), ["old", "one", "two"], "the earlier load's first, then this page's");
  await context.close();
});

test("an event the storage refused waits in memory and goes after the ones stored before it", async () => {
  routes();
  // The storage takes the first queued event, then is full.
  const body = `<!doctype html><html><head><meta charset="utf-8"><script>${POSTING}
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (k, v) {
    if (window.quotaFull && k.startsWith("webexp:q:")) throw new DOMException("full", "QuotaExceededError");
    return setItem.call(this, k, v);
  };</script>
<script>window.webexpConfig = ${JSON.stringify(CONFIG)};</script>
<script src="/webexp.js"></script>
</head><body><script>window.quotaFull = true;</script><p id="a">a</p></body></html>`;
  live.server.setRoute("/full.html", { body });
  const { page: p, context } = await openPage(live.browser);
  await p.goto(live.server.url + "/full.html", { waitUntil: "load" });
  assert.equal((await queued(p)).length, 1, "the first stored, the second refused");
  await p.evaluate(() => { window.experimentIntegration = postingIntegration("full"); });
  await waitSink(2);
  assert.deepEqual(sink.map((e) => e.flag), ORDER);
  await context.close();
});

test("two tabs waiting for consent: the first visitor id stored on a grant stays", async () => {
  routes();
  const config = { ...CONFIG, user: {}, consent: "pending" };
  live.server.setRoute("/two-pending.html", { body: page({ config }) });
  const { page: a, context } = await openPage(live.browser);
  const b = await context.newPage();
  await a.goto(live.server.url + "/two-pending.html", { waitUntil: "load" });
  await b.goto(live.server.url + "/two-pending.html", { waitUntil: "load" });
  const stored = () => a.evaluate(() => localStorage.getItem("webexp:web_exp_id"));
  assert.equal(await stored(), null);
  await b.evaluate(() => webexp.setConsent("granted"));
  // (A write in one tab reaches another tab's localStorage a moment later.)
  await a.waitForFunction(() => localStorage.getItem("webexp:web_exp_id"));
  const first = await stored();
  assert.ok(first);
  await a.evaluate(() => webexp.setConsent("granted"));
  assert.equal(await stored(), first, "the other tab's grant does not replace it");
  await context.close();
});

test("a prerendered page (Speculation Rules) sends nothing until the visitor is shown it", async () => {
  // Chromium's prerendering as a page sees it: document.prerendering true, then false with a
  // prerenderingchange event at activation (headless Chromium does not prerender here).
  const integration = `
    Object.defineProperty(document, "prerendering", { value: true, configurable: true });
    window.sent = [];
    window.experimentIntegration = { getUser() { return {}; }, track(e) { sent.push(e.eventProperties.flag_key); return true; } };
    window.activate = () => {
      Object.defineProperty(document, "prerendering", { value: false, configurable: true });
      document.dispatchEvent(new Event("prerenderingchange"));
    };`;
  live.server.setRoute("/prerender.html", { body: page({ integration }) });
  const { page: p, context } = await openPage(live.browser);
  await p.goto(live.server.url + "/prerender.html", { waitUntil: "load" });
  await p.waitForTimeout(200);
  assert.equal(await p.textContent("#a"), "A", "the page is ready when shown");
  assert.deepEqual(await p.evaluate(() => sent), []);
  assert.deepEqual(await queued(p), [], "nothing stored either: a page never shown leaves nothing");
  await p.evaluate(() => activate());
  await p.waitForFunction(() => sent.length === 2);
  assert.deepEqual(await p.evaluate(() => sent), ORDER);
  await context.close();
});

// ---- setIntegration(null) and the retry back-off, on a fake clock (page.clock) ----

// Records each track call as [tag, eventType, flag_key]; `accept()` says what track does.
const RECORDING = `window.log = [];
window.recording = (tag, accept = () => true) => ({
  getUser() { return {}; },
  track(e) { log.push([tag, e.eventType, e.eventProperties.flag_key]); return accept(); },
});`;

// Opens `body` at `path` with a fake clock, paused, installed before the page's first script:
// timers fire only when the test runs the clock (`p.clock.runFor`), so a retry is counted by
// the calls it makes, never by waiting.
async function openOnClock(path, body) {
  live.server.setRoute(path, { body });
  const opened = await openPage(live.browser);
  const start = new Date("2030-01-01T00:00:00Z").getTime();
  await opened.page.clock.install({ time: start });
  await opened.page.clock.pauseAt(start + 1000);
  await opened.page.goto(live.server.url + path, { waitUntil: "load" });
  return opened;
}
const trackLog = (p) => p.evaluate(() => log);

test("setIntegration(null) unsets the integration: events wait in the queue, then go once to window.experimentIntegration", async () => {
  const config = { ...CONFIG, flags: [...CONFIG.flags, flag("three", { variant: "control" })] };
  const { page: p, context, consoleErrors, pageErrors } = await openOnClock("/unset.html", page({ config, integration: RECORDING }));
  assert.equal((await queued(p)).length, 3, "no integration and no SDK: every impression waits");
  await p.evaluate(() => webexp.setIntegration(recording("A")));
  assert.deepEqual(await trackLog(p), [["A", "$impression", "two"], ["A", "$impression", "three"], ["A", "$impression", "one"]]);
  assert.deepEqual(await queued(p), []);

  // Unset: nothing to deliver to (no window.experimentIntegration, no SDK), so the exposure waits.
  await p.evaluate(() => { webexp.setIntegration(null); webexp.variant("one"); });
  assert.equal((await trackLog(p)).length, 3, "the unset integration is not called");
  assert.equal((await queued(p)).length, 1);
  // window.experimentIntegration, assigned now, gets the waiting event.
  await p.evaluate(() => { window.experimentIntegration = recording("W"); });
  assert.deepEqual((await trackLog(p)).slice(3), [["W", "$exposure", "one"]]);
  assert.deepEqual(await queued(p), []);

  // An integration set again stands over window.experimentIntegration; unset, the window's is used.
  await p.evaluate(() => { webexp.setIntegration(recording("A")); webexp.variant("two"); });
  await p.evaluate(() => { webexp.setIntegration(null); webexp.variant("three"); });
  // Past every retry there could be: nothing is offered again.
  await p.clock.runFor(120_000);
  assert.deepEqual((await trackLog(p)).slice(3), [["W", "$exposure", "one"], ["A", "$exposure", "two"], ["W", "$exposure", "three"]]);
  assert.deepEqual(await queued(p), []);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("setIntegration(null) while a refusing integration holds the queue: window.experimentIntegration gets each event once, in order", async () => {
  const { page: p, context } = await openOnClock("/unset-refusing.html", page({ integration: RECORDING }));
  await p.evaluate(() => webexp.setIntegration(recording("A", () => false)));
  // An attempt stops at the first refusal: the oldest event is offered, once.
  assert.deepEqual(await trackLog(p), [["A", "$impression", "two"]]);
  assert.equal((await queued(p)).length, 2);
  // window.experimentIntegration assigned meanwhile does not replace the one set: A is asked again.
  await p.evaluate(() => { window.experimentIntegration = recording("W"); });
  const beforeUnset = await trackLog(p);
  assert.ok(beforeUnset.every(([tag]) => tag === "A"), JSON.stringify(beforeUnset));
  await p.evaluate(() => webexp.setIntegration(null));
  await p.clock.runFor(120_000);
  const log = await trackLog(p);
  assert.deepEqual(log.slice(0, beforeUnset.length), beforeUnset);
  assert.deepEqual(log.slice(beforeUnset.length), [["W", "$impression", "two"], ["W", "$impression", "one"]], "A is not asked again");
  assert.deepEqual(await queued(p), []);
  await context.close();
});

// The number of track calls after the clock has run to `at` ms after the page's load.
async function callsAt(p, clockAtLoad, at) {
  const now = await p.evaluate(() => Date.now());
  await p.clock.runFor(clockAtLoad + at - now);
  return (await trackLog(p)).length;
}

test("an integration that keeps refusing is asked again after 1 s, then at doubling intervals up to 30 s", async () => {
  // One event, so that each attempt is one track call.
  const config = { ...CONFIG, flags: [flag("two", { variant: "control" })] };
  const integration = `${RECORDING} window.experimentIntegration = recording("R", () => false);`;
  const { page: p, context } = await openOnClock("/backoff.html", page({ config, integration }));
  const loadedAt = await p.evaluate(() => Date.now());
  assert.equal((await trackLog(p)).length, 1, "offered once as it is made");
  // Attempts due at 1, 3, 7, 15, 31, 61, 91, 121... s: counted half a second either side.
  const expected = [[500, 1], [1500, 2], [2500, 2], [3500, 3], [6500, 3], [7500, 4], [14_500, 4], [15_500, 5],
    [30_500, 5], [31_500, 6], [60_500, 6], [61_500, 7], [90_500, 7], [91_500, 8], [391_500, 18]];
  const seen = [];
  for (const [at] of expected) seen.push([at, await callsAt(p, loadedAt, at)]);
  assert.deepEqual(seen, expected);
  assert.deepEqual(await trackLog(p), Array(18).fill(["R", "$impression", "two"]));
  assert.equal((await queued(p)).length, 1, "still queued, once");
  await context.close();
});

test("an integration that throws is retried on the same back-off, said once; once it accepts, each event goes once, in order, and no more; a later throw is said again", async () => {
  const integration = `${RECORDING} window.throwing = true;
    window.experimentIntegration = recording("T", () => { if (window.throwing) throw new Error("SDK not ready"); return true; });`;
  const { page: p, context, consoleErrors, pageErrors } = await openOnClock("/backoff-throws.html", page({ integration }));
  const loadedAt = await p.evaluate(() => Date.now());
  const atLoad = (await trackLog(p)).length;
  assert.deepEqual((await trackLog(p))[0], ["T", "$impression", "two"]);
  // Retries at 1 and 3 s, one call each (an attempt stops at the first throw).
  assert.equal(await callsAt(p, loadedAt, 3500), atLoad + 2);
  assert.equal(await callsAt(p, loadedAt, 6500), atLoad + 2);
  await p.evaluate(() => { window.throwing = false; });
  // The attempt at 7 s delivers both, oldest first.
  assert.equal(await callsAt(p, loadedAt, 7500), atLoad + 4);
  assert.equal(await callsAt(p, loadedAt, 600_000), atLoad + 4, "nothing is offered again");
  assert.deepEqual((await trackLog(p)).slice(atLoad + 2), [["T", "$impression", "two"], ["T", "$impression", "one"]]);
  assert.deepEqual(await queued(p), []);
  const said = () => consoleErrors.filter((e) => /integration\.track threw/.test(e)).length;
  // (An SDK that throws at every retry would otherwise say so every 30 s for as long as the page
  // is open, into the console and the error trackers that collect it.)
  assert.equal(said(), 1, `${atLoad + 2} throws, said once`);
  // It took events; when it throws again, that is news.
  await p.evaluate(() => { window.throwing = true; webexp.variant("two"); });
  assert.deepEqual((await trackLog(p)).at(-1), ["T", "$exposure", "two"]);
  assert.equal(said(), 2, "a throw after it took events is said again");
  assert.deepEqual(pageErrors, [], "the throws stay inside webexp");
  await context.close();
});

test("a refusing integration is not asked again within a second of its refusal, however many events are made meanwhile; a new event after that second has the queue offered again", async () => {
  // README (Delivery): after a refusal the queue is offered again "1 s later, then at doubling
  // intervals", and meanwhile by a new event only once the last refusal is a second old.
  // "two" and "three" are made at start, "one" later, when the parser inserts #a.
  const config = { ...CONFIG, flags: [...CONFIG.flags, flag("three", { variant: "control" })] };
  const integration = `${RECORDING} window.experimentIntegration = recording("R", () => false);`;
  const { page: p, context } = await openOnClock("/backoff-new-events.html", page({ config, integration }));
  const loadedAt = await p.evaluate(() => Date.now());
  assert.deepEqual(await trackLog(p), [["R", "$impression", "two"]], "asked once at load, for the oldest event");
  await p.evaluate(() => { webexp.variant("one"); webexp.variant("two"); webexp.variant("three"); });
  assert.equal((await trackLog(p)).length, 1, "three exposures made before the retry is due: no call");
  assert.equal(await callsAt(p, loadedAt, 1500), 2, "the retry at 1 s");
  assert.equal((await queued(p)).length, 6, "every event waits, once");
  // The next retry is due at 3 s. An event at 1.5 s is within a second of the refusal at 1 s:
  // no call. One at 2.2 s is not: the queue is offered again, once, and refused.
  await p.evaluate(() => webexp.setConsent("granted"));
  assert.equal((await trackLog(p)).length, 2, "consent granted (again) within the second: no call");
  assert.equal(await callsAt(p, loadedAt, 2200), 2);
  await p.evaluate(() => history.pushState({}, "", "/another-path"));
  assert.deepEqual((await trackLog(p)).slice(2), [["R", "$impression", "two"]], "a new page view's impressions, past the second: one attempt, for the oldest");
  assert.equal(await callsAt(p, loadedAt, 2900), 3, "nothing more before the retry");
  assert.equal(await callsAt(p, loadedAt, 3100), 4, "the retry at 3 s");
  await context.close();
});
