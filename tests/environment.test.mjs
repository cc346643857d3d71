// Pages whose JavaScript environment is not pristine (CONTRACT section 1: the page keeps working,
// nothing throws into it, a clear console message says what is wrong): the tag pasted twice, old
// libraries that patch built-ins, a page's own globals named like the browser's, a frozen
// Node.prototype, storage that keeps nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, openPage, flag, setHtml } from "./support/browser.mjs";

const live = serverAndBrowser();

const CONFIG = {
  flags: [
    flag("hero", { actions: [setHtml("#hero", "New")] }),
    flag("cta", { actions: [{ action: "mutate", data: { mutations: [{ selector: "#cta", action: "append", attribute: "html", value: "<u>+</u>" }] } }] }),
  ],
  user: { web_exp_id: "visitor-1" },
};
const TAG = `<script src="/webexp.js"></script>`;

// `before`: page script before the config and tag; `after`: right after the tag.
function page({ config = CONFIG, before = "", after = "", tags = TAG, body = "" } = {}) {
  return `<!doctype html><html><head><meta charset="utf-8">
<script>
  window.tracked = [];
  window.experimentIntegration = { getUser() { return {}; }, track(e) { tracked.push(e.eventProperties.flag_key); return true; } };
</script>
${before}
<script>window.webexpConfig = ${JSON.stringify(config)};</script>
${tags}
${after}
</head><body><h1 id="hero">Old</h1><p id="cta">Buy</p>${body}</body></html>`;
}

let n = 0;
async function open(options) {
  const path = "/environment/" + n++;
  live.server.setRoute(path, { body: page(options) });
  const opened = await openPage(live.browser);
  await opened.page.goto(live.server.url + path, { waitUntil: "load" });
  await opened.page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
  const seen = await opened.page.evaluate(() => ({
    hero: document.getElementById("hero").innerHTML,
    cta: document.getElementById("cta").innerHTML,
    tracked: [...tracked].sort(),
  }));
  return { ...opened, ...seen };
}

test("the tag twice on a page (or again from a tag manager): one runtime, changes and impressions once, one error", async () => {
  const late = `<script>addEventListener("load", () => { const s = document.createElement("script"); s.src = "/webexp.js"; document.head.append(s); });</script>`;
  for (const tags of [TAG + TAG, TAG + late]) {
    const r = await open({ tags });
    await r.page.evaluate(() => new Promise((res) => setTimeout(res, 100)));
    assert.equal(r.hero, "New");
    assert.equal(await r.page.$eval("#cta", (e) => e.innerHTML), "Buy<u>+</u>");
    assert.deepEqual(await r.page.evaluate(() => [...tracked].sort()), ["cta", "hero"]);
    assert.deepEqual(r.pageErrors, []);
    assert.equal(r.consoleErrors.length, 1, r.consoleErrors.join("\n"));
    assert.match(r.consoleErrors[0], /another copy already runs on this page/);
    // The API is the first copy's: its revert undoes everything.
    await r.page.evaluate(() => webexp.revertVariants());
    assert.deepEqual(await r.page.evaluate(() => [hero.innerHTML, cta.innerHTML]), ["Old", "Buy"]);
    await r.context.close();
  }
});

test("the tag after the npm package started: the tag does nothing, and window.webexp is the npm copy's API", async () => {
  // (The config is set before the module runs, so the tag, added after start(), finds one too.)
  const npmFirst = `<script type="module">
    import init, { start } from "/npm/webexp.js";
    await init();
    start(window.webexpConfig);
    const s = document.createElement("script");
    s.src = "/webexp.js";
    s.onload = () => (window.tagRan = true);
    document.head.append(s);
  </script>`;
  const r = await open({ tags: npmFirst });
  await r.page.waitForFunction(() => window.tagRan);
  assert.deepEqual(await r.page.evaluate(() => [Object.keys(webexp.getVariants()).sort(), [...tracked].sort()]), [["cta", "hero"], ["cta", "hero"]]);
  assert.equal(r.consoleErrors.length, 1, r.consoleErrors.join("\n"));
  assert.match(r.consoleErrors[0], /another copy already runs on this page/);
  await r.page.evaluate(() => webexp.revertVariants());
  assert.deepEqual(await r.page.evaluate(() => [hero.innerHTML, cta.innerHTML]), ["Old", "Buy"]);
  await r.context.close();
});

test("the npm package's start() on a page where the script tag runs: refused with one error, the tag's runtime and window.webexp stay, nothing applied or tracked twice", async () => {
  // (Another config, whose flags would change the page if this start ran.)
  const other = { flags: [flag("hero", { actions: [setHtml("#hero", "From npm")] }), flag("extra", { actions: [setHtml("#cta", "Extra")] })], user: { web_exp_id: "visitor-2" } };
  const npmAfter = `<script type="module">
    import init, { start } from "/npm/webexp.js";
    await init();
    const tagApi = window.webexp;
    let threw = null;
    try { window.startReturned = start(${JSON.stringify(other)}); } catch (e) { threw = String(e); }
    window.npmDone = { threw, sameApi: window.webexp === tagApi };
  </script>`;
  const r = await open({ after: npmAfter });
  await r.page.waitForFunction(() => window.npmDone);
  assert.deepEqual(await r.page.evaluate(() => [npmDone, window.startReturned]), [{ threw: null, sameApi: true }, undefined]);
  assert.deepEqual(r.consoleErrors, ["webexp: another copy already runs on this page (the tag twice, or the tag and the npm package); this one starts nothing, and its calls go to the one that runs"]);
  assert.deepEqual(r.pageErrors, []);
  assert.deepEqual(await r.page.evaluate(() => [hero.innerHTML, cta.innerHTML, [...tracked].sort()]), ["New", "Buy<u>+</u>", ["cta", "hero"]]);
  assert.deepEqual(await r.page.evaluate(() => Object.keys(webexp.getVariants()).sort()), ["cta", "hero"]);
  // The tag's runtime goes on: its revert undoes everything.
  await r.page.evaluate(() => webexp.revertVariants());
  assert.deepEqual(await r.page.evaluate(() => [hero.innerHTML, cta.innerHTML]), ["Old", "Buy"]);
  await r.context.close();
});

test("the npm package's API next to the script tag that runs (started or not): each call is the tag runtime's, so page code that imported it reads the variants shown and sets consent and the integration of the events sent", async () => {
  const config = { ...CONFIG, consent: "pending" };
  for (const startIt of [false, true]) {
    const npmCalls = `<script type="module">
      import init, * as npm from "/npm/webexp.js";
      await init();
      ${startIt ? "npm.start({ flags: [] });" : ""}
      window.npm = npm;
      window.npmReady = true;
    </script>`;
    const r = await open({ config, after: npmCalls });
    await r.page.waitForFunction(() => window.npmReady);
    // Consent is pending: the tag's impressions wait in memory.
    assert.deepEqual(r.tracked, []);
    const read = await r.page.evaluate(() => ({
      variants: Object.keys(npm.getVariants()).sort(),
      active: npm.getActiveExperiments().sort(),
      hero: npm.variant("hero")?.key,
      debug: Object.keys(npm.getDebugState().flags).sort(),
    }));
    assert.deepEqual(read, { variants: ["cta", "hero"], active: ["cta", "hero"], hero: "treatment", debug: ["cta", "hero"] });
    // Consent and an integration set through the import reach the tag's runtime: its two
    // impressions and the $exposure go to that integration, once each.
    await r.page.evaluate(() => {
      window.viaNpm = [];
      npm.setIntegration({ getUser: () => ({}), track: (e) => (viaNpm.push(e.eventType + " " + e.eventProperties.flag_key), true) });
      npm.setConsent("granted");
    });
    await r.page.waitForFunction(() => viaNpm.length === 3);
    await r.page.evaluate(() => new Promise((res) => setTimeout(res, 100)));
    assert.deepEqual(await r.page.evaluate(() => [...viaNpm].sort()), ["$exposure hero", "$impression cta", "$impression hero"]);
    assert.deepEqual(await r.page.evaluate(() => tracked), []);
    await r.page.evaluate(() => npm.revertVariants());
    assert.deepEqual(await r.page.evaluate(() => [hero.innerHTML, cta.innerHTML, webexp.getActiveExperiments()]), ["Old", "Buy", []]);
    await r.page.evaluate(() => npm.applyVariants());
    assert.deepEqual(await r.page.evaluate(() => [hero.innerHTML, cta.innerHTML]), ["New", "Buy<u>+</u>"]);
    assert.deepEqual(r.pageErrors, []);
    assert.deepEqual(r.consoleErrors, startIt ? [r.consoleErrors[0]] : []);
    await r.context.close();
  }
});

test("window.experimentIntegration that throws when read (its SDK still loading): said once, the changes made, the events wait and go once it reads", async () => {
  const throwing = `<script>
    const real = window.experimentIntegration;
    let reads = 0;
    Object.defineProperty(window, "experimentIntegration", { configurable: true, get() { if (!window.sdkLoaded) { reads++; throw new Error("SDK not loaded yet"); } return real; } });
  </script>`;
  const r = await open({ before: throwing });
  assert.equal(r.hero, "New");
  assert.deepEqual(r.tracked, []);
  await r.page.evaluate(() => { window.sdkLoaded = true; window.experimentIntegration = window.experimentIntegration; });
  await r.page.waitForFunction(() => tracked.length === 2);
  await r.page.evaluate(() => new Promise((res) => setTimeout(res, 100)));
  assert.deepEqual(await r.page.evaluate(() => [...tracked].sort()), ["cta", "hero"]);
  assert.deepEqual(r.pageErrors, []);
  assert.equal(r.consoleErrors.length, 1, r.consoleErrors.join("\n"));
  assert.match(r.consoleErrors[0], /^webexp: window\.experimentIntegration could not be read; events wait in the queue: Error: SDK not loaded yet/);
  await r.context.close();
});

test("an integration whose setup or track cannot be read (a throwing getter, a revoked Proxy): said, and delivery goes on to the next one", async () => {
  const proxies = `<script>
    const { proxy, revoke } = Proxy.revocable({ getUser() { return {}; }, track() { return true; } }, {});
    window.revoke = revoke;
    window.revocable = proxy;
    const real = window.experimentIntegration;
    window.experimentIntegration = { getUser: real.getUser, track: real.track, get setup() { throw new Error("no setup here"); } };
  </script>`;
  const r = await open({ before: proxies });
  assert.deepEqual(r.tracked, ["cta", "hero"]);
  assert.match(r.consoleErrors[0], /^webexp: integration\.setup\(\) failed; its track is called anyway: Error: no setup here/);
  // A revoked Proxy set as the integration: nothing thrown into the page, the event waits, and
  // the next integration set gets it.
  await r.page.evaluate(() => { webexp.setIntegration(revocable); revoke(); webexp.variant("hero"); });
  await r.page.evaluate(() => new Promise((res) => setTimeout(res, 50)));
  await r.page.evaluate(() => webexp.setIntegration({ getUser() { return {}; }, track(e) { tracked.push(e.eventType); return true; } }));
  await r.page.waitForFunction(() => tracked.includes("$exposure"));
  // A value whose track cannot be read is refused, not thrown into the caller.
  const thrown = await r.page.evaluate(() => { try { webexp.setIntegration(new Proxy({}, { get() { throw new Error("trap"); } })); return null; } catch (e) { return String(e); } });
  assert.equal(thrown, null);
  assert.deepEqual(r.pageErrors, []);
  assert.match(r.consoleErrors.at(-1), /^webexp: setIntegration: the integration must be an object with a track\(event\) function; the one set before stays$/);
  await r.context.close();
});

test("a part of the config nested deeper than webexp reads (over 250 levels) is left out and said by its place; the rest runs", async () => {
  let deep = "x";
  for (let i = 0; i < 300; i++) deep = [deep];
  const config = { ...CONFIG, flags: [{ ...CONFIG.flags[0], metadata: { deep } }, CONFIG.flags[1]], notes: deep };
  const r = await open({ config });
  assert.equal(r.hero, "Old");
  assert.deepEqual(r.tracked, ["cta"]);
  assert.deepEqual(r.pageErrors, []);
  assert.deepEqual(r.consoleErrors, [
    "webexp: config.flags[0]: nested more than 250 levels deep; left out",
    "webexp: config.notes: nested more than 250 levels deep; left out",
  ]);
  await r.context.close();
});

test("Prototype.js 1.6's toJSON on arrays and strings does not change what webexp reads", async () => {
  const prototypeJs = `<script>
    Array.prototype.toJSON = function () { return "[" + this.join() + "]"; };
    String.prototype.toJSON = function () { return '"' + this + '"'; };
  </script>`;
  const r = await open({ before: prototypeJs });
  assert.deepEqual(r.consoleErrors, []);
  assert.equal(r.hero, "New");
  assert.deepEqual(r.tracked, ["cta", "hero"]);
  // Put back after each call: the page's own JSON goes on as it wants it.
  assert.equal(await r.page.evaluate(() => JSON.stringify([1])), '"[1]"');
  assert.deepEqual(await r.page.evaluate(() => webexp.evaluate({ user: { web_exp_id: "v" } }, [])), {});
  await r.context.close();
});

test("an element with id=webexpConfig is not taken for the config", async () => {
  // (The element comes before the tag: named access makes it window.webexpConfig.)
  const path = "/environment/named";
  live.server.setRoute(path, {
    body: `<!doctype html><html><head><meta charset="utf-8"><script type="application/json" id="webexp-config">${JSON.stringify(CONFIG)}</script></head>
<body><div id="webexpConfig"></div><h1 id="hero">Old</h1><p id="cta">Buy</p>${TAG}</body></html>`,
  });
  const o = await openPage(live.browser);
  await o.page.goto(live.server.url + path, { waitUntil: "load" });
  assert.equal(await o.page.$eval("#hero", (e) => e.innerHTML), "New");
  assert.deepEqual(o.consoleErrors, []);
  await o.context.close();
});

test("a page's own global Map: webexp does not start, says why, and throws nothing into the page", async () => {
  const r = await openPage(live.browser);
  const path = "/environment/map";
  live.server.setRoute(path, { body: page({ before: `<script>function Map(el) { this.el = el; }</script>` }) });
  await r.page.goto(live.server.url + path, { waitUntil: "load" });
  // (Read from Playwright's isolated world: its evaluate in the page's world needs the page's Map.)
  assert.equal(await r.page.locator("#hero").innerHTML(), "Old");
  assert.deepEqual(r.pageErrors, []);
  assert.equal(r.consoleErrors.length, 1, r.consoleErrors.join("\n"));
  assert.match(r.consoleErrors[0], /replaced the browser's Map, Set, WeakMap or WeakSet; not started/);
  await r.context.close();
});

test("a page's own global Node: moves still work, and its class is left alone", async () => {
  const move = flag("move", { actions: [{ action: "mutate", data: { mutations: [{ selector: "#m", action: "set", attribute: "position", parentSelector: "#dst" }] } }] });
  const r = await open({
    config: { flags: [move] },
    after: `<script>function Node(v) { this.v = v; }</script>`,
    body: `<div id="src"><i id="m">m</i></div><div id="dst"></div>
<script>document.getElementById("src").removeChild(document.getElementById("m"));</script>`,
  });
  // The page's removeChild of the moved element (from where it rendered it) takes it out.
  assert.deepEqual(r.pageErrors, []);
  assert.equal(await r.page.evaluate(() => document.getElementById("m")), null);
  assert.equal(await r.page.evaluate(() => Object.getOwnPropertyNames(Node.prototype).join()), "constructor");
  assert.deepEqual(r.tracked, ["move"]);
  await r.context.close();
});

test("a frozen Node.prototype is said once", async () => {
  const r = await open({ before: `<script>Object.freeze(Node.prototype);</script>` });
  assert.equal(r.hero, "New");
  assert.deepEqual(r.pageErrors, []);
  assert.equal(r.consoleErrors.length, 1, r.consoleErrors.join("\n"));
  assert.match(r.consoleErrors[0], /Node\.prototype is frozen/);
  await r.context.close();
});

test("a page method that throws inside webexp's observer is said once, not thrown into the page", async () => {
  // (A selector that is not an id: each added element is tested with matches.)
  const loose = flag("loose", { actions: [setHtml(".promo", "P")] });
  const r = await open({
    config: { ...CONFIG, flags: [...CONFIG.flags, loose] },
    after: `<script>const m = Element.prototype.matches; Element.prototype.matches = function (s) { if (this.id === "odd") throw new Error("page matches threw"); return m.call(this, s); };</script>`,
    body: `<p id="odd">odd</p><p id="odd">odd</p>`,
  });
  assert.deepEqual(r.pageErrors, []);
  assert.ok(r.consoleErrors.length >= 1);
  assert.ok(r.consoleErrors.every((e) => /reading the page's changes failed/.test(e)), r.consoleErrors.join("\n"));
  assert.equal(r.consoleErrors.length, 1, r.consoleErrors.join("\n"));
  await r.context.close();
});

test("storage that keeps nothing: the visitor's id cannot last, and a warning says so", async () => {
  const full = `<script>Storage.prototype.setItem = function () { throw new DOMException("full", "QuotaExceededError"); };</script>`;
  const r = await open({ config: { flags: CONFIG.flags }, before: full });
  const warnings = [];
  assert.equal(r.hero, "New");
  const path = "/environment/warn";
  live.server.setRoute(path, { body: page({ config: { flags: CONFIG.flags }, before: full }) });
  r.page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
  await r.page.goto(live.server.url + path, { waitUntil: "load" });
  assert.equal(warnings.filter((w) => /keeps no visitor id/.test(w)).length, 1, warnings.join("\n"));
  // With an id in the config, nothing to keep, nothing said.
  warnings.length = 0;
  live.server.setRoute(path, { body: page({ before: full }) });
  await r.page.goto(live.server.url + path, { waitUntil: "load" });
  assert.deepEqual(warnings.filter((w) => /visitor id/.test(w)), []);
  await r.context.close();
});

test("a move waiting for a place that never comes sends no impression, also after an SPA navigation", async () => {
  const move = flag("move", { actions: [{ action: "mutate", data: { mutations: [{ selector: "#m", action: "set", attribute: "position", parentSelector: "#nowhere" }] } }] });
  const r = await open({ config: { flags: [move] }, body: `<div id="src"><i id="m">m</i></div>` });
  await r.page.evaluate(() => history.pushState(null, "", "/environment/next"));
  await r.page.evaluate(() => new Promise((res) => setTimeout(res, 100)));
  assert.deepEqual(await r.page.evaluate(() => tracked), []);
  assert.deepEqual(await r.page.evaluate(() => webexp.getDebugState().flags.move.actions), { applied: 0, pending: 1 });
  assert.equal(await r.page.evaluate(() => document.getElementById("m").parentElement.id), "src");
  await r.context.close();
});

test("an empty web_exp_id in the config (a template without an id) is said, and the visitor's own id buckets them", async () => {
  // Every visitor in the bucket: "on" whenever there is an id to bucket.
  const bucketed = {
    key: "bucketed",
    segments: [{ bucket: { selector: ["context", "user", "web_exp_id"], salt: "s", allocations: [{ range: [0, 100], distributions: [
      { variant: "on", range: [0, 42949673] }] }] }, variant: "off" }],
    variants: { off: { key: "off" }, on: { key: "on" } },
  };
  for (const id of [null, ""]) {
    const r = await open({ config: { flags: [bucketed], user: { web_exp_id: id } } });
    assert.equal(await r.page.evaluate(() => webexp.getVariants().bucketed.key), "on");
    assert.equal(r.consoleErrors.length, 1, r.consoleErrors.join("\n"));
    assert.match(r.consoleErrors[0], /config\.user\.web_exp_id: is not a string or a number, or is empty/);
    await r.context.close();
  }
  // A number is an id (as its text), and no other id is made up and stored for the visitor.
  const r = await open({ config: { flags: [bucketed], user: { web_exp_id: 12345 } } });
  assert.equal(await r.page.evaluate(() => webexp.getVariants().bucketed.key), "on");
  assert.equal(await r.page.evaluate(() => localStorage.getItem("webexp:web_exp_id")), null);
  assert.deepEqual(r.consoleErrors, []);
  await r.context.close();
});
