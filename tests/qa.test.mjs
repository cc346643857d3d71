// How QA teams drive pages that run webexp: fake clocks (Playwright's page.clock, a Sinon-style
// clock the page patches in itself), reloads, several tabs, iframes, bfcache, init scripts that
// set the config, and calls into window.webexp at odd moments. Every assertion is exact (counts,
// order, DOM): nothing thrown into the page, no stray console errors, each $impression and
// $exposure once, each change applied once, the same visitor getting the same page every time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { EvaluationEngine } from "@amplitude/experiment-core";
import { serverAndBrowser, openPage, flag, CHROMIUM_ARGS } from "./support/browser.mjs";

const live = serverAndBrowser();

const mutate = (selector, value, attribute = "html") => ({
  action: "mutate",
  data: { mutations: [{ selector, action: "set", attribute, value }] },
});
const urlPage = (id, regex) => ({
  [id]: { id, name: id, conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: [regex] }]] },
});
// "one" changes #a (its impression comes when the parser inserts #a); "two" is a control (its
// impression comes at start).
const CONFIG = {
  flags: [flag("one", { actions: [mutate("#a", "A")] }), flag("two", { variant: "control" })],
  user: { web_exp_id: "qa-visitor" },
};

// An integration that records [path, eventType, flag_key] in window.log and accepts while
// window.accept is true. `head` runs before webexp, `after` right after its tag.
function qaPage({ config = CONFIG, head = "", after = "", body = '<p id="a">a</p>' } = {}) {
  return `<!doctype html><html><head><meta charset="utf-8">
<script>
  window.log = [];
  window.accept = true;
  window.recording = { getUser() { return {}; }, track(e) { log.push([location.pathname, e.eventType, e.eventProperties.flag_key]); return window.accept; } };
  window.experimentIntegration = recording;
  ${head}
  window.webexpConfig = ${JSON.stringify(config)};
</script>
<script src="/webexp.js"></script>
<script>${after}</script>
</head><body>${body}</body></html>`;
}

// Collects page errors and console errors and warnings.
async function open(path, html, { clock, before } = {}) {
  live.server.setRoute(path, { body: html });
  const opened = await openPage(live.browser);
  opened.warnings = [];
  opened.page.on("console", (m) => { if (m.type() === "warning") opened.warnings.push(m.text()); });
  if (clock === "paused") await pausedClock(opened.page);
  if (before) await before(opened.page);
  await opened.page.goto(live.server.url + path, { waitUntil: "load" });
  return opened;
}

// Playwright's fake clock, paused, installed before the page's first script: timers and frames
// run only when the test runs the clock.
async function pausedClock(page) {
  const start = new Date("2030-01-01T00:00:00Z").getTime();
  await page.clock.install({ time: start });
  await page.clock.pauseAt(start + 1000);
}

const log = (p) => p.evaluate(() => log);
const queued = (p) => p.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("webexp:q:")).length);

// A hand-written stand-in for @sinonjs/fake-timers, which is what Cypress's cy.clock() installs
// into the live window: ids count from 10^12, a frame is due every 16 ms of clock time, and
// clearing an id it did not make is only warned about, as Sinon does (it cannot clear a native
// timer). `objectIds`: ids are objects, as Sinon gives them where timers return objects.
// `clock.realFrame()` waits for one real frame and task (the native functions, kept).
const FAKE_TIMERS = `window.makeFakeClock = ({ objectIds = false } = {}) => {
  const native = { setTimeout, clearTimeout, requestAnimationFrame, cancelAnimationFrame, now: performance.now };
  let now = 0, next = 1e12;
  const timers = new Map();
  const add = (fn, at, frame) => { const id = next++; timers.set(id, { fn, at, frame }); return objectIds ? { id } : id; };
  const clear = (handle) => {
    if (!handle) return; // (as Sinon: clearTimeout(undefined) is allowed)
    const id = handle && typeof handle === "object" ? handle.id : handle;
    if (!timers.delete(id) && !(id >= 1e12)) console.warn("FakeTimers: clear was invoked to clear a native timer instead of one created by this library.");
  };
  const clock = {
    install() {
      window.setTimeout = (fn, ms = 0) => add(fn, now + Math.max(0, +ms || 0), false);
      window.clearTimeout = clear;
      window.requestAnimationFrame = (fn) => add(fn, now + 16 - (now % 16), true);
      window.cancelAnimationFrame = clear;
      performance.now = () => now;
      return clock;
    },
    tick(ms) {
      const end = now + ms;
      for (;;) {
        let first = null;
        for (const [id, t] of timers) if (t.at <= end && (!first || t.at < first[1].at)) first = [id, t];
        if (!first) break;
        timers.delete(first[0]);
        now = first[1].at;
        first[1].fn(first[1].frame ? now : undefined);
      }
      now = end;
    },
    realFrame: () => new Promise((r) => native.requestAnimationFrame.call(window, () => native.setTimeout.call(window, r, 0))),
  };
  return clock;
};`;

// ---- Playwright's fake clock ----

test("paused clock: each SPA page view counts its impressions once; a change still on the page counts once the clock has run a frame", async () => {
  const config = {
    flags: [flag("hero", { actions: [mutate("#a", "A")] }), flag("ctl", { variant: "control" })],
    pageObjects: { ctl: urlPage("b", "/qa/spa/b$") },
    user: { web_exp_id: "qa-visitor" },
  };
  const { page: p, context, consoleErrors, pageErrors } = await open("/qa/spa/a", qaPage({ config }), { clock: "paused" });
  assert.deepEqual(await log(p), [["/qa/spa/a", "$impression", "hero"]]);
  await p.evaluate(() => history.pushState({}, "", "/qa/spa/b"));
  // ctl's page entered: tracked at once; hero's change is still on the page, and counts in the
  // new page view after the next frame (README, SPA navigation), which a paused clock holds back.
  assert.deepEqual((await log(p)).slice(1), [["/qa/spa/b", "$impression", "ctl"]]);
  await p.clock.runFor(100);
  assert.deepEqual((await log(p)).slice(1), [["/qa/spa/b", "$impression", "ctl"], ["/qa/spa/b", "$impression", "hero"]]);
  // A query-only change is no new page view; running the clock adds nothing.
  await p.evaluate(() => history.replaceState({}, "", "/qa/spa/b?tab=2"));
  await p.clock.runFor(1000);
  assert.equal((await log(p)).length, 3);
  // On to /c: hero once more, ctl's page left.
  await p.evaluate(() => history.pushState({}, "", "/qa/spa/c"));
  await p.clock.runFor(100);
  assert.deepEqual((await log(p)).slice(3), [["/qa/spa/c", "$impression", "hero"]]);
  assert.equal(await p.textContent("#a"), "A");
  assert.deepEqual(await queued(p), 0);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("paused clock: a page that keeps rewriting a changed element gets the exact back-off (5 re-applies, then after 50 and 100 ms of clock time), one warning, one impression", async () => {
  const config = { flags: [flag("exp", { actions: [mutate("#f", "ours", "text")] })], user: { web_exp_id: "qa-visitor" } };
  const body = `<p id="f">start</p><script>window.rerender = () => { document.getElementById("f").textContent = "page"; };</script>`;
  const { page: p, context, pageErrors, warnings } = await open("/qa/fight", qaPage({ config, body }), { clock: "paused" });
  const text = () => p.textContent("#f");
  const seen = [await text()];
  // Each rerender in its own evaluate: webexp's observer answers in the same task.
  for (let i = 0; i < 7; i++) {
    await p.evaluate(() => rerender());
    seen.push(await text());
  }
  assert.deepEqual(seen, ["ours", "ours", "ours", "ours", "ours", "ours", "page", "page"], "5 re-applies, then the page's own text waits");
  await p.clock.runFor(50);
  assert.equal(await text(), "page", "not before the 50 ms back-off");
  await p.clock.runFor(2);
  assert.equal(await text(), "ours");
  await p.evaluate(() => rerender());
  await p.clock.runFor(99);
  assert.equal(await text(), "page", "the next back-off doubles");
  await p.clock.runFor(2);
  assert.equal(await text(), "ours");
  // A second later (clock time) the page is no longer fighting: re-applied at once.
  await p.clock.runFor(5000);
  await p.evaluate(() => rerender());
  assert.equal(await text(), "ours");
  assert.deepEqual(await log(p), [["/qa/fight", "$impression", "exp"]]);
  assert.equal(warnings.filter((w) => /keeps rewriting/.test(w)).length, 1, warnings.join("\n"));
  assert.deepEqual(await p.evaluate(() => webexp.getDebugState().fights), [{ flag: "exp", selector: "#f" }]);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("paused clock: delivery needs no timer (consent granted, an integration assigned); fastForward over a refusal gives one retry, not a burst", async () => {
  const config = { ...CONFIG, consent: "pending" };
  const head = "window.experimentIntegration = undefined;";
  const { page: p, context, consoleErrors, pageErrors } = await open("/qa/ff", qaPage({ config, head }), { clock: "paused" });
  await p.evaluate(() => webexp.setConsent("granted"));
  assert.equal(await queued(p), 2, "granted: stored, no integration yet");
  await p.evaluate(() => { window.experimentIntegration = recording; });
  assert.deepEqual(await log(p), [["/qa/ff", "$impression", "two"], ["/qa/ff", "$impression", "one"]]);
  // Refused: asked again once per retry, however far the clock jumps.
  await p.evaluate(() => { accept = false; webexp.variant("one"); });
  assert.equal((await log(p)).length, 3);
  await p.clock.fastForward(60_000);
  assert.equal((await log(p)).length, 4, "one retry for a jump over many due times");
  await p.clock.fastForward(60_000);
  assert.equal((await log(p)).length, 5);
  await p.evaluate(() => { accept = true; });
  await p.clock.fastForward(60_000);
  assert.deepEqual((await log(p)).slice(2), Array(4).fill(["/qa/ff", "$exposure", "one"]));
  assert.equal(await queued(p), 0);
  await p.clock.runFor(600_000);
  assert.equal((await log(p)).length, 6, "delivered once: never offered again");
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("paused clock: consent withdrawn while a refusal's retry is due, then granted again: the stored events wait untouched and are delivered once, in order, on the grant", async () => {
  const { page: p, context, consoleErrors, pageErrors } = await open("/qa/consent-retry", qaPage({ head: "window.accept = false;" }), { clock: "paused" });
  assert.equal((await log(p)).length, 1, "refused once at load");
  assert.equal(await queued(p), 2);
  await p.evaluate(() => webexp.setConsent("denied"));
  // Denied: the stored events stay queued, and nothing is offered when the retry comes.
  await p.clock.runFor(120_000);
  assert.equal((await log(p)).length, 1);
  assert.equal(await queued(p), 2);
  // Made while denied: not kept.
  await p.evaluate(() => webexp.variant("one"));
  await p.evaluate(() => { accept = true; webexp.setConsent("granted"); });
  assert.deepEqual((await log(p)).slice(1), [["/qa/consent-retry", "$impression", "two"], ["/qa/consent-retry", "$impression", "one"]]);
  assert.equal(await queued(p), 0);
  await p.clock.runFor(120_000);
  assert.equal((await log(p)).length, 3, "nothing offered again");
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("fake timers the page installs before the tag (ids from 10^12, requestAnimationFrame replaced): retries and SPA page views run on its clock, each event once", async () => {
  const head = `${FAKE_TIMERS} window.clock = makeFakeClock().install(); window.accept = false;`;
  const { page: p, context, consoleErrors, pageErrors, warnings } = await open("/qa/fake-before", qaPage({ head }));
  assert.deepEqual(await log(p), [["/qa/fake-before", "$impression", "two"]], "refused once at load");
  await p.evaluate(() => clock.tick(1000));
  assert.equal((await log(p)).length, 2, "the retry at 1 s of the page's clock");
  await p.evaluate(() => { accept = true; webexp.setIntegration(recording); });
  await p.evaluate(() => clock.tick(100_000));
  assert.deepEqual((await log(p)).slice(2), [["/qa/fake-before", "$impression", "two"], ["/qa/fake-before", "$impression", "one"]]);
  await p.evaluate(() => history.pushState({}, "", "/qa/fake-before/b"));
  await p.evaluate(() => history.pushState({}, "", "/qa/fake-before/c"));
  await p.evaluate(() => clock.tick(100));
  // The control counts at once in each page view; the change still on the page counts in /c
  // after a frame of the page's clock (/b was left before any frame came).
  assert.deepEqual((await log(p)).slice(4), [
    ["/qa/fake-before/b", "$impression", "two"],
    ["/qa/fake-before/c", "$impression", "two"],
    ["/qa/fake-before/c", "$impression", "one"],
  ]);
  assert.equal(await queued(p), 0);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(warnings, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

// ---- Determinism: the same visitor, the same page ----

// Three 50/50 experiments bucketed by web_exp_id; each treatment changes its own element.
const split = (key) => ({
  key,
  metadata: { deliveryMethod: "web", evaluationMode: "local" },
  segments: [{
    metadata: { segmentName: "All Other Users" },
    bucket: {
      selector: ["context", "user", "web_exp_id"],
      salt: key + "-salt",
      allocations: [{ range: [0, 100], distributions: [{ variant: "control", range: [0, 21474837] }, { variant: "treatment", range: [21474837, 42949673] }] }],
    },
    variant: "off",
  }],
  variants: {
    off: { key: "off", metadata: { default: true } },
    control: { key: "control", payload: [] },
    treatment: { key: "treatment", payload: [mutate("#" + key, key + " treatment")] },
  },
});
const SPLITS = ["h1", "h2", "h3"].map(split);
// The page's image (a 1x1 PNG): one request besides the page that a route can delay or abort.
const PIXEL = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
const pixelRoute = () => live.server.setRoute("/qa/pixel.png", { headers: { "content-type": "image/png" }, body: PIXEL });
const SPLIT_BODY = '<p id="h1">h1</p><p id="h2">h2</p><p id="h3">h3</p><img src="/qa/pixel.png" alt="">';
const splitState = (p) => p.evaluate(() => ({
  variants: Object.fromEntries(Object.entries(webexp.getVariants()).map(([k, v]) => [k, v.key])),
  dom: ["h1", "h2", "h3"].map((id) => document.getElementById(id).textContent),
  impressions: log.filter((e) => e[1] === "$impression").map((e) => e[2]).sort(),
}));

test("the same web_exp_id gives the same variants, DOM and impressions in fresh contexts: CPU throttled, other media, time zone and locale, a phone, a fixed clock, blocked images, reloads, offline SPA navigation", async () => {
  const VISITORS = ["qa-1", "qa-2", "qa-3", "qa-4", "qa-5", "qa-6"];
  pixelRoute();
  live.server.setRoute("/qa/det", (req) => {
    const id = new URL(req.url, "http://x").searchParams.get("id");
    return { body: qaPage({ config: { flags: SPLITS, user: { web_exp_id: id } }, body: SPLIT_BODY }) };
  });
  const phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
  const conditions = {
    plain: {},
    "cpu x6": { cdp: ["Emulation.setCPUThrottlingRate", { rate: 6 }] },
    "dark print reduced-motion": { media: { colorScheme: "dark", media: "print", reducedMotion: "reduce" } },
    "Kiritimati ja-JP": { options: { timezoneId: "Pacific/Kiritimati", locale: "ja-JP" } },
    phone: { options: { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, userAgent: phone } },
    "fixed clock 2001": { fixed: new Date("2001-01-01T00:00:00Z") },
    "images aborted": { route: ["**/*.png", (r) => r.abort()] },
    "reloaded twice": { reloads: 2 },
  };
  for (const id of VISITORS) {
    // What the reference engine gives this visitor.
    const expected = new EvaluationEngine().evaluate({ user: { web_exp_id: id } }, SPLITS);
    const variants = Object.fromEntries(SPLITS.map((f) => [f.key, expected[f.key].key]));
    const want = {
      variants,
      dom: SPLITS.map((f) => (variants[f.key] === "treatment" ? f.key + " treatment" : f.key)),
      impressions: SPLITS.map((f) => f.key).sort(),
    };
    for (const [name, c] of Object.entries(conditions)) {
      const context = await live.browser.newContext(c.options || {});
      const p = await context.newPage();
      const pageErrors = [];
      p.on("pageerror", (e) => pageErrors.push(String(e)));
      if (c.cdp) await (await context.newCDPSession(p)).send(...c.cdp);
      if (c.media) await p.emulateMedia(c.media);
      if (c.fixed) await p.clock.setFixedTime(c.fixed);
      if (c.route) await p.route(...c.route);
      await p.goto(live.server.url + "/qa/det?id=" + id, { waitUntil: "load" });
      for (let i = 0; i < (c.reloads || 0); i++) await p.reload({ waitUntil: "load" });
      assert.deepEqual(await splitState(p), want, `${id}, ${name}`);
      if (name === "plain") {
        // Offline, the SPA goes on: webexp makes no request, and decides the same.
        await context.setOffline(true);
        await p.evaluate(() => history.pushState({}, "", "/qa/det/next?id=x"));
        await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
        // A new page view: each flag's impression once more.
        const twice = [...want.impressions, ...want.impressions].sort();
        assert.deepEqual(await splitState(p), { ...want, impressions: twice }, `${id}, offline SPA navigation`);
      }
      assert.deepEqual(pageErrors, [], `${id}, ${name}`);
      await context.close();
    }
  }
});

test("window.webexpConfig set by addInitScript wins over the page's JSON config, in the top page and in a same-origin iframe with its own tag, and again after a reload", async () => {
  pixelRoute();
  const jsonConfig = (id) => `<script type="application/json" id="webexp-config">${JSON.stringify({ flags: SPLITS, user: { web_exp_id: id } })}</script>`;
  // The page ships its config as JSON before the tag (no window.webexpConfig of its own).
  const shipped = (inner) => qaPage({ body: SPLIT_BODY + inner }).replace(/ *window\.webexpConfig = .*;\n/, "").replace('<script src="/webexp.js">', jsonConfig("site") + '<script src="/webexp.js">');
  live.server.setRoute("/qa/init-frame", { body: shipped("") });
  const { page: p, context, consoleErrors, pageErrors } = await open("/qa/init", shipped('<iframe src="/qa/init-frame"></iframe>'), {
    before: (page) => page.addInitScript((flags) => {
      window.webexpConfig = { flags, user: { web_exp_id: "from-qa" }, forcedVariants: { h1: "treatment", h2: "control", h3: "off" } };
    }, SPLITS),
  });
  const want = {
    variants: { h1: "treatment", h2: "control", h3: "off" },
    dom: ["h1 treatment", "h2", "h3"],
    impressions: ["h1", "h2", "h3"],
  };
  const frame = () => p.frames().find((f) => f.url().endsWith("/qa/init-frame"));
  await p.waitForFunction(() => document.querySelector("iframe").contentWindow.webexp);
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(await splitState(p), want, "top page, round " + round);
    await frame().waitForFunction(() => document.readyState === "complete");
    assert.deepEqual(await splitState(frame()), want, "iframe, round " + round);
    assert.deepEqual(await p.evaluate(() => webexp.getDebugState().flags.h1.reason), "forced");
    if (round === 0) {
      await p.reload({ waitUntil: "load" });
      await p.waitForFunction(() => document.querySelector("iframe").contentWindow.webexp);
    }
  }
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

// ---- Calls into window.webexp at odd moments ----

test("webexp's API called in a MutationObserver callback (before and after webexp's), requestAnimationFrame, DOMContentLoaded and inside integration.track: nothing thrown, each event once, the change applied once", async () => {
  // Every call a test or page script might make, at each moment; the observers act once.
  const calls = `(where) => {
    const a = document.getElementById("a");
    seen.push([where, a ? a.textContent : null, webexp.variant("one")?.key, webexp.variant("two")?.key, Object.keys(webexp.getVariants()).join(), webexp.getActiveExperiments().join()]);
    webexp.getDebugState();
    webexp.revertVariants();
    webexp.applyVariants();
  }`;
  const head = `window.seen = []; window.poke = ${calls};
    let early = 0;
    new MutationObserver(() => { if (!early && window.webexp && document.getElementById("a")) { early = 1; poke("observer before"); } }).observe(document, { childList: true, subtree: true });
    requestAnimationFrame(() => poke("frame"));
    document.addEventListener("DOMContentLoaded", () => poke("DOMContentLoaded"));
    let inTrack = 0;
    window.experimentIntegration = { getUser() { return {}; }, track(e) { log.push([location.pathname, e.eventType, e.eventProperties.flag_key]); if (!inTrack++) poke("track"); return true; } };`;
  const after = `let late = 0;
    new MutationObserver(() => { if (!late && document.getElementById("a")) { late = 1; poke("observer after"); } }).observe(document, { childList: true, subtree: true });`;
  const { page: p, context, consoleErrors, pageErrors } = await open("/qa/odd", qaPage({ head, after }));
  await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
  const seen = await p.evaluate(() => seen);
  assert.deepEqual(seen.map((s) => s[0]).sort(), ["DOMContentLoaded", "frame", "observer after", "observer before", "track"]);
  for (const s of seen) assert.deepEqual(s.slice(2, 5), ["treatment", "control", "one,two"], s[0]);
  assert.equal(await p.textContent("#a"), "A");
  assert.deepEqual(await p.evaluate(() => webexp.getActiveExperiments()), ["one"]);
  const events = (await log(p)).map((e) => e[1] + " " + e[2]).sort();
  assert.deepEqual(events, ["$exposure one", "$exposure two", "$impression one", "$impression two"]);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

// ---- Reloads, tabs, frames, history ----

test("a reload loop: each load sends exactly one $impression per flag, in order, and leaves nothing queued", async () => {
  const { page: p, context, consoleErrors, pageErrors } = await open("/qa/reload", qaPage({ head: "window.log = JSON.parse(sessionStorage.getItem('log') || '[]'); addEventListener('pagehide', () => sessionStorage.setItem('log', JSON.stringify(log)));" }));
  for (let i = 0; i < 7; i++) await p.reload({ waitUntil: "load" });
  await p.goto(live.server.url + "/qa/reload", { waitUntil: "load" });
  const got = (await log(p)).map((e) => e[2]);
  assert.deepEqual(got, Array(9).fill(["two", "one"]).flat());
  assert.equal(await queued(p), 0);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

// Three loads, each with flags of its own (t<n>, c<n>); only the third has an integration.
function threeLoads() {
  live.server.setRoute("/qa/loads", (req) => {
    const n = new URL(req.url, "http://x").searchParams.get("n");
    const config = { flags: [flag("t" + n, { actions: [mutate("#a", "A")] }), flag("c" + n, { variant: "control" })], user: { web_exp_id: "qa-visitor" } };
    return { body: qaPage({ config, head: n === "3" ? "" : "window.experimentIntegration = undefined;" }) };
  });
  return async (p) => {
    for (const n of [1, 2, 3]) await p.goto(live.server.url + "/qa/loads?n=" + n, { waitUntil: "load" });
    await p.waitForFunction(() => log.length >= 6);
    return (await log(p)).map((e) => e[2]);
  };
}
const LOAD_ORDER = ["c1", "t1", "c2", "t2", "c3", "t3"];

test("events queued over two loads go out on the third, once each, in the order they were made", async () => {
  const loads = threeLoads();
  const { page: p, context } = await openPage(live.browser);
  assert.deepEqual(await loads(p), LOAD_ORDER);
  await p.waitForTimeout(300);
  assert.equal((await log(p)).length, 6);
  assert.equal(await queued(p), 0);
  await context.close();
});

test("a tab whose integration refuses is closed: the other open tab delivers its events once, in order, besides its own", async () => {
  const other = { flags: [flag("b-one", { actions: [mutate("#a", "A")] }), flag("b-two", { variant: "control" })], user: { web_exp_id: "qa-visitor" } };
  live.server.setRoute("/qa/tab-refuses", { body: qaPage({ head: "window.accept = false;" }) });
  live.server.setRoute("/qa/tab-accepts", { body: qaPage({ config: other }) });
  const { page: refusing, context } = await openPage(live.browser);
  await refusing.goto(live.server.url + "/qa/tab-refuses", { waitUntil: "load" });
  assert.equal(await queued(refusing), 2);
  const accepting = await context.newPage();
  await accepting.goto(live.server.url + "/qa/tab-accepts", { waitUntil: "load" });
  // While the refusing tab lives its events are its own to deliver; this tab's go out.
  await accepting.waitForFunction(() => log.length >= 2);
  await refusing.close();
  await accepting.waitForFunction(() => log.length >= 4);
  await accepting.waitForTimeout(300);
  assert.deepEqual((await log(accepting)).map((e) => e[2]), ["b-two", "b-one", "two", "one"]);
  assert.equal(await queued(accepting), 0);
  await context.close();
});

test("a sandboxed iframe (scripts allowed, opaque origin: storage and locks throw) with its own tag: the change applies, its events reach its integration, nothing is thrown", async () => {
  live.server.setRoute("/qa/sandboxed", { body: qaPage() });
  const { page: p, context, consoleErrors, pageErrors } = await open("/qa/sandbox-host", '<!doctype html><html><body><iframe sandbox="allow-scripts" src="/qa/sandboxed"></iframe></body></html>');
  const frame = () => p.frames().find((f) => f !== p.mainFrame());
  await frame().waitForFunction(() => document.readyState === "complete");
  await frame().evaluate(() => { webexp.variant("one"); history.pushState({}, "", "/qa/sandboxed/next"); });
  await frame().evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
  assert.equal(await frame().textContent("#a"), "A");
  assert.deepEqual((await log(frame())).map((e) => e.join(" ")), [
    "/qa/sandboxed $impression two",
    "/qa/sandboxed $impression one",
    "/qa/sandboxed $exposure one",
    "/qa/sandboxed/next $impression two",
    "/qa/sandboxed/next $impression one",
  ]);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("bfcache (enabled, as in a real browser): back and forward restore pages with their change, send no second impression, and nothing throws", async () => {
  // Playwright turns the back/forward cache off by default; this browser has it on.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    headless: true,
    ignoreDefaultArgs: ["--disable-back-forward-cache"],
  });
  try {
    const head = `window.experimentIntegration = { getUser() { return {}; }, track(e) {
        const log = JSON.parse(localStorage.getItem("log") || "[]");
        log.push([location.pathname, e.eventType, e.eventProperties.flag_key]);
        localStorage.setItem("log", JSON.stringify(log));
        return true;
      } };
      addEventListener("pageshow", (e) => { const s = JSON.parse(localStorage.getItem("shows") || "[]"); s.push(location.pathname + (e.persisted ? " restored" : " loaded")); localStorage.setItem("shows", JSON.stringify(s)); });`;
    live.server.setRoute("/qa/bf1", { body: qaPage({ head }) });
    live.server.setRoute("/qa/bf2", { body: qaPage({ head }) });
    const context = await browser.newContext();
    const p = await context.newPage();
    const pageErrors = [];
    p.on("pageerror", (e) => pageErrors.push(String(e)));
    await p.goto(live.server.url + "/qa/bf1", { waitUntil: "load" });
    await p.goto(live.server.url + "/qa/bf2", { waitUntil: "load" });
    await p.goBack({ waitUntil: "commit" });
    await p.waitForFunction(() => document.readyState === "complete");
    assert.equal(await p.textContent("#a"), "A");
    await p.evaluate(() => webexp.variant("one"));
    await p.goForward({ waitUntil: "commit" });
    await p.waitForFunction(() => document.readyState === "complete");
    assert.equal(await p.textContent("#a"), "A");
    const stored = await p.evaluate(() => [JSON.parse(localStorage.getItem("shows")), JSON.parse(localStorage.getItem("log")).map((e) => e.join(" "))]);
    assert.deepEqual(stored[0], ["/qa/bf1 loaded", "/qa/bf2 loaded", "/qa/bf1 restored", "/qa/bf2 restored"], "both pages came from the bfcache");
    // A restore is none of CONTRACT's page views (load, reload, SPA navigation to another path):
    // the restored page keeps its page view, whose exposure is still new.
    assert.deepEqual(stored[1], [
      "/qa/bf1 $impression two", "/qa/bf1 $impression one",
      "/qa/bf2 $impression two", "/qa/bf2 $impression one",
      "/qa/bf1 $exposure one",
    ]);
    assert.deepEqual(pageErrors, []);
    await context.close();
  } finally {
    await browser.close();
  }
});

// ---- Timers set on one clock and cleared on another ----

test("page.clock.install() after the tag: an integration set while a retry is pending gets each event once, and nothing is thrown into the page", async () => {
  // The retry was set with the browser's setTimeout; installed now, the fake clock's
  // clearTimeout cannot clear it (Playwright's clock clears only its own ids), so the ended
  // retry must not call back into webexp when the browser fires it.
  const { page: p, context, consoleErrors, pageErrors } = await open("/qa/install-after", qaPage({ head: "window.accept = false;" }));
  assert.deepEqual(await log(p), [["/qa/install-after", "$impression", "two"]], "refused at load: a retry is due in 1 s");
  await p.clock.install();
  await p.evaluate(() => { accept = true; webexp.setIntegration(recording); });
  assert.deepEqual((await log(p)).slice(1), [["/qa/install-after", "$impression", "two"], ["/qa/install-after", "$impression", "one"]]);
  // Past the time the browser's timer was due (a real second): it fires, into an ended retry.
  const thrown = await p.waitForEvent("pageerror", { timeout: 3000 }).catch(() => null);
  assert.equal(thrown, null, String(thrown));
  assert.equal((await log(p)).length, 3);
  assert.equal(await queued(p), 0);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("a fake clock the page installs after the tag (cy.clock() on a live page) between two SPA navigations: ticking it does not throw, and each page view counts once", async () => {
  const { page: p, context, consoleErrors, pageErrors } = await open("/qa/cy-clock", qaPage({ head: FAKE_TIMERS }));
  const result = await p.evaluate(async () => {
    // /b: the change still on the page is to be counted after the next frame (the browser's
    // requestAnimationFrame, as webexp found it).
    history.pushState({}, "", "/qa/cy-clock/b");
    await Promise.resolve();
    window.clock = makeFakeClock().install();
    // /c before that frame: the count for /b is cancelled, with the fake cancelAnimationFrame.
    history.pushState({}, "", "/qa/cy-clock/c");
    await Promise.resolve();
    await clock.realFrame();
    try {
      clock.tick(100);
      return "ticked";
    } catch (e) {
      return "tick threw: " + e.message;
    }
  });
  assert.equal(result, "ticked");
  assert.deepEqual((await log(p)).map((e) => e.join(" ")), [
    "/qa/cy-clock $impression two",
    "/qa/cy-clock $impression one",
    "/qa/cy-clock/b $impression two",
    "/qa/cy-clock/c $impression two",
    "/qa/cy-clock/c $impression one",
  ]);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("fake timers whose ids are objects (installed before the tag): a retry ended by setIntegration does not fire into webexp when the clock ticks", async () => {
  // Some fake timer libraries return objects as ids (Sinon does where the platform's timers do);
  // webexp must hand back to clearTimeout what setTimeout gave it.
  const head = `${FAKE_TIMERS} window.clock = makeFakeClock({ objectIds: true }).install(); window.accept = false;`;
  const { page: p, context, consoleErrors, pageErrors, warnings } = await open("/qa/object-ids", qaPage({ head }));
  assert.deepEqual(await log(p), [["/qa/object-ids", "$impression", "two"]]);
  await p.evaluate(() => { accept = true; webexp.setIntegration(recording); });
  assert.deepEqual((await log(p)).slice(1), [["/qa/object-ids", "$impression", "two"], ["/qa/object-ids", "$impression", "one"]]);
  const result = await p.evaluate(() => {
    try {
      clock.tick(100_000);
      return "ticked";
    } catch (e) {
      return "tick threw: " + e.message;
    }
  });
  assert.equal(result, "ticked");
  assert.equal((await log(p)).length, 3);
  assert.deepEqual(warnings, [], "every clear was given an id the clock made");
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

// ---- Event order and redirects on a clock that does not move ----

test("on a fixed clock (page.clock.setFixedTime), events queued over two loads go out on the third once each, in the order they were made", async () => {
  // The same as the test above on the real clock. CONTRACT section 4: queued events are
  // delivered "exactly once, later, in order".
  const loads = threeLoads();
  const { page: p, context } = await openPage(live.browser);
  await p.clock.setFixedTime(new Date("2024-02-02T08:00:00Z"));
  assert.deepEqual(await loads(p), LOAD_ORDER);
  await context.close();
});

test("a clock set back between loads (page.clock.install with an earlier date, as QA does for dated pages): the events queued before still go out first", async () => {
  threeLoads(); // (its route; the loads are made here, with the clock set back before the third)
  const { page: p, context } = await openPage(live.browser);
  for (const n of [1, 2]) await p.goto(live.server.url + "/qa/loads?n=" + n, { waitUntil: "load" });
  await p.clock.install({ time: new Date("2024-02-02T08:00:00Z") });
  await p.goto(live.server.url + "/qa/loads?n=3", { waitUntil: "load" });
  await p.waitForFunction(() => log.length >= 6);
  assert.deepEqual((await log(p)).map((e) => e[2]), LOAD_ORDER);
  await context.close();
});

test("on a fixed clock (page.clock.setFixedTime), a redirect made twice in a session sends its $impression each time", async () => {
  const config = {
    flags: [flag("move", { actions: [{ action: "redirect", data: { url: "/qa/redir-b" } }] }), flag("ctl", { variant: "control" })],
    pageObjects: { move: urlPage("a", "/qa/redir-a$"), ctl: urlPage("b", "/qa/redir-b$") },
    user: { web_exp_id: "qa-visitor" },
  };
  // Events of every page go to localStorage, so they outlive the redirects.
  const head = `window.experimentIntegration = { getUser() { return {}; }, track(e) {
    const log = JSON.parse(localStorage.getItem("log") || "[]");
    log.push(location.pathname + " " + e.eventProperties.flag_key);
    localStorage.setItem("log", JSON.stringify(log));
    return true;
  } };`;
  live.server.setRoute("/qa/redir-a", { body: qaPage({ config, head }) });
  live.server.setRoute("/qa/redir-b", { body: qaPage({ config, head }) });
  const { page: p, context, consoleErrors, pageErrors } = await openPage(live.browser);
  await p.clock.setFixedTime(new Date("2024-02-02T08:00:00Z"));
  for (let visit = 0; visit < 2; visit++) {
    await p.goto(live.server.url + "/qa/redir-a");
    await p.waitForURL(/\/qa\/redir-b$/);
    // (The control's impression marks this visit's destination as loaded.)
    await p.waitForFunction((n) => JSON.parse(localStorage.getItem("log") || "[]").filter((e) => e.endsWith(" ctl")).length === n, visit + 1);
  }
  await p.waitForTimeout(300);
  const got = await p.evaluate(() => JSON.parse(localStorage.getItem("log")));
  assert.deepEqual(got, ["/qa/redir-b move", "/qa/redir-b ctl", "/qa/redir-b move", "/qa/redir-b ctl"], "one redirect impression per redirect (page view)");
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});
