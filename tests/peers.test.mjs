// The failures users report of webexp's peers (GrowthBook and dom-mutator, Amplitude's Web
// Experiment tag, PostHog; /work/shared/reference/peers.md section 4 and
// amplitude-web-experiment.md section 9), each replayed against webexp where no other test
// already covers it. Each test names the behaviour webexp must have and cites the peer's issue.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EvaluationEngine } from "@amplitude/experiment-core";
import { serverAndBrowser, openPage, flag } from "./support/browser.mjs";

const live = serverAndBrowser();

const urlPage = (id, regex) => ({
  [id]: { id, name: id, conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: [regex] }]] },
});
const manualPage = (id, name) => ({ [id]: { id, name: id, trigger_type: "manual", trigger_value: { name } } });
const mutate = (...mutations) => ({ action: "mutate", data: { mutations } });
const m = (selector, action, attribute, value, extra = {}) => ({ selector, action, attribute, value, ...extra });
const setHtml = (selector, value, scope) => mutate(m(selector, "set", "html", value, scope ? { metadata: { scope } } : {}));
const redirectTo = (url) => ({ action: "redirect", data: { url } });
const OFF = { key: "off", metadata: { default: true } };

// A page whose integration records every event in localStorage with the path of the page that
// delivered it, so events outlive redirects and reloads. `head` runs before webexp's tag.
function page(config, { body = '<h1 id="title">Original</h1><p id="side">side</p>', head = "", integration = "now" } = {}) {
  const recorder = `{ getUser() { return {}; }, track(e) {
      const log = JSON.parse(localStorage.getItem("log") || "[]");
      log.push({ at: location.pathname, type: e.eventType, ...e.eventProperties });
      localStorage.setItem("log", JSON.stringify(log));
      return true; } }`;
  // "late": an analytics tool loaded asynchronously, ready only after the page has loaded.
  // "none": no integration on the page.
  const setIntegration = {
    now: `window.experimentIntegration = ${recorder};`,
    late: `addEventListener("load", () => setTimeout(() => { window.experimentIntegration = ${recorder}; }, 0));`,
    none: "",
  }[integration];
  return `<!doctype html><html><head><meta charset="utf-8">
<script>
  ${setIntegration}
  ${head}
  window.webexpConfig = ${JSON.stringify(config)};
</script>
<script src="/webexp.js"></script>
</head><body>${body}</body></html>`;
}

const log = (p) => p.evaluate(() => JSON.parse(localStorage.getItem("log") || "[]"));
/** Resolves after two animation frames: observer batches and timers before them have run. */
const frames = (p) => p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
const settle = (p) => p.evaluate(() => new Promise((r) => setTimeout(r, 0)));

/** Opens `path` (served with `html`, or already routed) in a fresh context and waits for load. */
async function visit(path, html) {
  if (html !== undefined) live.server.setRoute(path.split("?")[0], { body: html });
  const opened = await openPage(live.browser);
  await opened.page.goto(live.server.url + path, { waitUntil: "load" });
  return opened;
}

/** Counts the DOM mutation records under `selector` over ten animation frames (0: settled). */
const recordsOver10Frames = (p, selector = "body") => p.evaluate((selector) => new Promise((resolve) => {
  let records = 0;
  const obs = new MutationObserver((rs) => { records += rs.length; });
  obs.observe(document.querySelector(selector), { childList: true, subtree: true, characterData: true, attributes: true });
  let n = 0;
  const tick = () => {
    if (++n < 10) return requestAnimationFrame(tick);
    obs.disconnect();
    resolve(records);
  };
  requestAnimationFrame(tick);
}), selector);

// ---- Impressions ----

test("control and off: one impression each per page view, however often applyVariants, revertVariants, query and hash changes and a manual page re-run the flags", async () => {
  // amplitude/experiment-js-client #142: duplicate control/off exposures (every applyVariants
  // and url_change re-fired them); Segment's VWO integration (segmentio/analytics.js-integrations
  // #494) sent "Experiment Viewed" twice.
  const config = {
    flags: [
      flag("ctl", { variant: "control", experimentKey: "exp-c" }),
      flag("offed", { variant: "off", variants: { off: OFF, treatment: { key: "treatment", payload: [setHtml("#title", "T")] } } }),
      flag("modal-ctl", { variant: "control" }),
    ],
    pageObjects: { ctl: urlPage("p", "/peers/dup"), offed: urlPage("p", "/peers/dup"), "modal-ctl": manualPage("m", "modal") },
    user: { web_exp_id: "dup-visitor" },
  };
  const { page: p, context, consoleErrors, pageErrors } = await visit("/peers/dup/a", page(config));
  await p.evaluate(async () => {
    for (let i = 0; i < 3; i++) webexp.applyVariants();
    webexp.revertVariants();
    webexp.applyVariants();
    for (const on of [true, false, true]) webexp.toggleManualPageObject("modal", on);
    history.replaceState(null, "", "/peers/dup/a?tab=2");
    await new Promise((r) => setTimeout(r, 0));
    location.hash = "#part";
    await new Promise((r) => setTimeout(r, 0));
    webexp.applyVariants();
  });
  await settle(p);
  const impressions = (events) => events.filter((e) => e.type === "$impression").map(({ at, flag_key, variant, experiment_key }) => [at, flag_key, variant, experiment_key]);
  const firstView = [
    ["/peers/dup/a", "ctl", "control", "exp-c"],
    ["/peers/dup/a", "offed", undefined, undefined],
    ["/peers/dup/a", "modal-ctl", "control", undefined],
  ];
  assert.deepEqual(impressions(await log(p)), firstView);
  assert.equal(await p.textContent("#title"), "Original", "off shows the original");
  // A new path is a new page view: each counts again, once (the manual page is off in it).
  await p.evaluate(() => { history.pushState(null, "", "/peers/dup/b"); webexp.applyVariants(); });
  await settle(p);
  await p.evaluate(() => webexp.applyVariants());
  await frames(p);
  assert.deepEqual(impressions(await log(p)), [
    ...firstView,
    ["/peers/dup/b", "ctl", "control", "exp-c"],
    ["/peers/dup/b", "offed", undefined, undefined],
  ]);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("a preview link opened on a page the flag does not target applies nothing there, and sends nothing anywhere", async () => {
  // amplitude/experiment-js-client #322: preview variant impressions were fired on every page,
  // whether or not a page object of the flag was active.
  const config = {
    flags: [
      flag("hero", { actions: [setHtml("#title", "Previewed")] }),
      flag("ctl", { variant: "treatment", variants: { off: OFF, control: { key: "control" }, treatment: { key: "treatment", payload: [setHtml("#side", "T")] } } }),
    ],
    pageObjects: { hero: urlPage("target", "/peers/pv/target$"), ctl: urlPage("target", "/peers/pv/target$") },
  };
  for (const path of ["/peers/pv/other", "/peers/pv/target"]) live.server.setRoute(path, { body: page(config) });
  const { page: p, context, pageErrors } = await visit("/peers/pv/other?PREVIEW=true&hero=treatment&ctl=control");
  assert.equal(await p.textContent("#title"), "Original");
  assert.deepEqual(await p.evaluate(() => webexp.getActiveExperiments()), []);
  assert.equal((await p.evaluate(() => webexp.getDebugState())).flags.hero.reason, "preview");
  // On the flag's page (an SPA navigation, then a load), the previewed variant shows...
  await p.evaluate(() => history.pushState(null, "", "/peers/pv/target"));
  await settle(p);
  assert.equal(await p.textContent("#title"), "Previewed");
  await p.goto(live.server.url + "/peers/pv/target", { waitUntil: "load" });
  assert.equal(await p.textContent("#title"), "Previewed");
  assert.equal(await p.textContent("#side"), "side", "ctl previewed as control");
  // ...and not one event was sent or queued, on either page.
  await p.goto(live.server.url + "/peers/pv/other", { waitUntil: "load" });
  assert.equal(await p.textContent("#title"), "Original");
  assert.deepEqual(await log(p), []);
  assert.deepEqual(await p.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("webexp:q:"))), []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

// ---- Redirects ----

test("an SPA navigation (pushState) onto a redirect experiment's page redirects, and its impression is sent once, at the destination", async () => {
  // growthbook/growthbook #3110: "Redirect experiment does not work when switching to internal
  // router until page is manually refreshed"; amplitude/experiment-js-client #368: URL redirects
  // skipped on SPA pushState/replaceState.
  const config = {
    flags: [flag("soft", { experimentKey: "exp-soft", actions: [redirectTo("/peers/soft/new")] })],
    pageObjects: { soft: urlPage("old", "/peers/soft/old(\\?|$)") },
  };
  for (const path of ["/peers/soft/home", "/peers/soft/new"]) live.server.setRoute(path, { body: page(config) });
  const { page: p, context, consoleErrors, pageErrors } = await visit("/peers/soft/home?utm=mail");
  assert.deepEqual(await log(p), []);
  await p.evaluate(() => history.pushState(null, "", "/peers/soft/old?utm=mail"));
  await p.waitForURL(/\/peers\/soft\/new\?utm=mail$/);
  await p.waitForFunction(() => document.readyState === "complete" && (localStorage.getItem("log") || "").includes("soft"));
  assert.deepEqual(await log(p), [{ at: "/peers/soft/new", type: "$impression", flag_key: "soft", variant: "treatment", experiment_key: "exp-soft" }]);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("a redirect that only adds a query parameter, which the server strips, does not loop and counts nothing", async () => {
  // amplitude/experiment-js-client #368 "stop strip loops": the server drops the parameter the
  // redirect adds, the visitor is back on the flag's page, and the tag redirected again, forever.
  const config = {
    flags: [flag("strip", { actions: [redirectTo("/peers/strip?v=b")] })],
    pageObjects: { strip: urlPage("p", "/peers/strip$") },
  };
  let loads = 0;
  live.server.setRoute("/peers/strip", (req) => {
    if (new URL(req.url, "http://x").searchParams.has("v")) return { status: 302, headers: { location: "/peers/strip" }, body: "" };
    loads++;
    return { body: page(config) };
  });
  const { page: p, context, consoleErrors, pageErrors } = await visit("/peers/strip");
  // The second load (after the strip) ends the chain: wait until it has run webexp.
  await p.waitForFunction(() => performance.getEntriesByType("navigation")[0].redirectCount > 0 && window.webexp);
  await settle(p);
  assert.equal(loads, 2, "the page, then once more after the server stripped the parameter");
  assert.equal(new URL(p.url()).search, "");
  assert.deepEqual(await log(p), [], "the variant's page was never shown");
  assert.equal(consoleErrors.length, 1, consoleErrors.join("\n"));
  assert.match(consoleErrors[0], /flag "strip": .*avoid a loop/);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("a redirect whose landing page drops the added parameter itself (a router rewriting its URL) does not loop, and counts once", async (t) => {
  // amplitude/experiment-js-client #368 "strip-after-land": the destination's own code removes
  // the parameter (history.replaceState), which makes its URL the flag's page again.
  for (const [name, rewrite] of [
    ["same path", "location.pathname"],
    ["a locale prefix", "'/en' + location.pathname"],
  ]) {
    const config = {
      flags: [flag("land", { actions: [redirectTo("/peers/land?v=b")] })],
      pageObjects: { land: urlPage("p", "/peers/land$") },
    };
    // The router rewrites the URL once the page has loaded (and the visitor is still there).
    const router = `addEventListener("load", () => setTimeout(() => { if (location.search) { history.replaceState(null, "", ${rewrite}); window.rewritten = true; } }, 0));`;
    let loads = 0;
    live.server.setRoute("/peers/land", () => { loads++; return { body: page(config, { head: router }) }; });
    const { page: p, context, pageErrors } = await visit("/peers/land");
    // (A loop would go on reloading while the other tests run: the context is closed anyway.)
    t.after(() => context.close());
    await p.waitForFunction(() => window.rewritten === true);
    // What webexp does after the rewrite is done within two frames: a redirect (the document is
    // left, which ends the evaluate with an error), or nothing.
    const left = await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(false)))))
      .catch(() => true);
    assert.equal(left, false, `${name}: the landing page redirected again (${loads} loads so far)`);
    assert.equal(loads, 2, `${name}: the source, then its redirect's destination; no third load`);
    assert.deepEqual((await log(p)).map((e) => [e.at, e.flag_key, e.variant]), [["/peers/land", "land", "treatment"]], name);
    assert.deepEqual(pageErrors, []);
  }
});

/** `n` visitor ids per variant of `flags[0]`, as the reference engine buckets them. */
function visitorsByVariant(flagDef, n) {
  const engine = new EvaluationEngine();
  const found = {};
  for (let i = 0; Object.values(found).filter((ids) => ids.length >= n).length < Object.keys(flagDef.variants).length - 1; i++) {
    const id = `visitor-${i}`;
    const key = engine.evaluate({ user: { web_exp_id: id } }, [flagDef])[flagDef.key].key;
    (found[key] ||= []).length < n && found[key].push(id);
    if (i > 10000) throw new Error("bucketing found no id for some variant");
  }
  return found;
}

const bucketed = (key, distributions, variants) => ({
  key,
  metadata: { deliveryMethod: "web", evaluationMode: "local", experimentKey: "exp-" + key },
  segments: [{
    bucket: { selector: ["context", "user", "web_exp_id"], salt: "peers-" + key, allocations: [{ range: [0, 100], distributions }] },
    variant: "off",
  }],
  variants: { off: OFF, ...variants },
});

test("a redirect test with two controls and one treatment: each visitor gets their own arm (controls stay, the treatment redirects), counted once", async () => {
  // growthbook/growthbook #2741: "Redirects with multiple controls will always render the
  // control and never the variant" (25% control, 25% control 1, 50% variant).
  const split = bucketed("multi", [
    { variant: "control", range: [0, 10737418] },
    { variant: "control-1", range: [10737418, 21474836] },
    { variant: "treatment", range: [21474836, 42949673] },
  ], {
    control: { key: "control" },
    "control-1": { key: "control-1", payload: [] },
    treatment: { key: "treatment", payload: [redirectTo("/peers/multi/b")] },
  });
  const ids = visitorsByVariant(split, 2);
  assert.deepEqual(Object.keys(ids).sort(), ["control", "control-1", "treatment"]);
  for (const [variant, visitors] of Object.entries(ids)) {
    for (const id of visitors) {
      const config = { flags: [split], pageObjects: { multi: urlPage("a", "/peers/multi/a$") }, user: { web_exp_id: id } };
      for (const path of ["/peers/multi/a", "/peers/multi/b"]) live.server.setRoute(path, { body: page(config) });
      const { page: p, context, consoleErrors } = await visit("/peers/multi/a");
      const lands = variant === "treatment" ? "/peers/multi/b" : "/peers/multi/a";
      await p.waitForFunction((lands) => location.pathname === lands && document.readyState === "complete" && (localStorage.getItem("log") || "").includes("multi"), lands);
      await frames(p);
      assert.deepEqual(await log(p), [{ at: lands, type: "$impression", flag_key: "multi", variant, experiment_key: "exp-multi" }], `${id} (${variant})`);
      assert.deepEqual(consoleErrors, []);
      await context.close();
    }
  }
});

test("redirect SRM: a 50/50 redirect test counts exactly its split, also when the analytics tool loads late on both pages", async () => {
  // growthbook/growthbook #2414 ("70/30 instead of 50/50": the page left before the tracking
  // call went out) and #6386 (with an instant redirect 93% of the redirecting arm's exposures
  // were lost); amplitude/experiment-js-client #238/#319/#328 (lost redirect impressions).
  const split = bucketed("srm", [
    { variant: "control", range: [0, 21474837] },
    { variant: "treatment", range: [21474836, 42949673] },
  ], { control: { key: "control" }, treatment: { key: "treatment", payload: [redirectTo("/peers/srm/b")] } });
  const ids = visitorsByVariant(split, 5);
  const counted = { control: 0, treatment: 0 };
  for (const [variant, visitors] of Object.entries(ids)) {
    for (const id of visitors) {
      const config = { flags: [split], pageObjects: { srm: urlPage("a", "/peers/srm/a$") }, user: { web_exp_id: id } };
      for (const path of ["/peers/srm/a", "/peers/srm/b"]) live.server.setRoute(path, { body: page(config, { integration: "late" }) });
      const { page: p, context } = await visit("/peers/srm/a");
      await p.waitForFunction(() => (localStorage.getItem("log") || "").includes("srm"));
      await frames(p);
      for (const e of await log(p)) {
        assert.equal(e.variant, variant, id);
        counted[e.variant]++;
      }
      await context.close();
    }
  }
  assert.deepEqual(counted, { control: 5, treatment: 5 });
});

// ---- DOM changes ----

test("a framework that re-renders html, class, an attribute and an element's place on every change: the page stays responsive and the writes are bounded", async () => {
  // growthbook/growthbook #6402: "dom-mutator: html/attribute mutations can infinite-loop against
  // SPA re-renders (hangs the page)". The page's own observer puts back its render whenever an
  // element differs from it; on a paused clock, only webexp's immediate re-applies can run.
  const config = {
    flags: [flag("fight", { actions: [mutate(
      m("#f", "set", "html", "<b>ours</b>"),
      m("#f", "set", "class", "ours"),
      m("#f", "set", "title", "ours"),
      m("#moved", "set", "position", undefined, { parentSelector: "#dest" }),
    )] })],
    user: { web_exp_id: "fight-visitor" },
  };
  const framework = `<script>
    window.renders = 0;
    const f = document.getElementById("f"), moved = document.getElementById("moved"), home = document.getElementById("home");
    const render = () => {
      if (f.innerHTML !== "page" || f.className !== "page" || f.title !== "page" || moved.parentNode !== home) {
        renders++;
        f.innerHTML = "page"; f.className = "page"; f.title = "page";
        if (moved.parentNode !== home) home.append(moved);
      }
    };
    new MutationObserver(render).observe(document.body, { childList: true, subtree: true, attributes: true, characterData: true });
    render();
  </script>`;
  const body = `<p id="f" class="page" title="page">page</p><div id="home"><span id="moved">m</span></div><div id="dest"></div>${framework}`;
  live.server.setRoute("/peers/fight", { body: page(config, { body }) });
  const { page: p, context, pageErrors } = await openPage(live.browser);
  const start = new Date("2030-01-01T00:00:00Z").getTime();
  await p.clock.install({ time: start });
  await p.clock.pauseAt(start + 1000);
  await p.goto(live.server.url + "/peers/fight", { waitUntil: "load" });
  // Returning at all shows the page is not stuck in a microtask loop.
  const settled = await p.evaluate(() => renders);
  assert.ok(settled >= 1 && settled <= 10, `${settled} re-renders before any timer ran`);
  await p.clock.runFor(2000);
  const after = await p.evaluate(() => renders);
  assert.ok(after - settled <= 20, `${after - settled} re-renders in 2 s of clock time`);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("reverting and re-applying the same changes in quick succession leaves them applied once, and the element settles", async () => {
  // growthbook/dom-mutator #4 "Infinite Loop when reverting and creating new mutations on same
  // element in quick succession" and #6 "Reverting and re-applying the same mutation quickly
  // does not work".
  const switching = {
    key: "swap",
    segments: [
      { conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: ["[?&]v=b"] }]], variant: "b" },
      { variant: "a" },
    ],
    variants: {
      a: { key: "a", payload: [mutate(m("#q", "set", "html", "A"), m("#q", "append", "class", "a"), m("#q", "set", "title", "A"))] },
      b: { key: "b", payload: [mutate(m("#q", "set", "html", "B"), m("#q", "append", "class", "b"), m("#q", "set", "title", "B"))] },
    },
  };
  const config = { flags: [switching], user: { web_exp_id: "swap-visitor" } };
  const { page: p, context, consoleErrors, pageErrors } = await visit("/peers/swap", page(config, { body: '<p id="q" class="page" title="page">page</p>' }));
  const q = () => p.evaluate(() => document.getElementById("q").outerHTML);
  assert.equal(await q(), '<p id="q" class="page a" title="A">A</p>');
  await p.evaluate(() => { for (let i = 0; i < 50; i++) { webexp.revertVariants(); webexp.applyVariants(); } });
  await frames(p);
  assert.equal(await q(), '<p id="q" class="page a" title="A">A</p>');
  assert.equal(await recordsOver10Frames(p, "#q"), 0);
  // The variant changes back and forth in quick succession (each URL seen in its own microtask).
  await p.evaluate(async () => {
    for (let i = 0; i < 25; i++) {
      history.replaceState(null, "", "?v=b");
      await Promise.resolve();
      webexp.revertVariants();
      webexp.applyVariants();
      history.replaceState(null, "", "?v=a");
      await Promise.resolve();
    }
    history.replaceState(null, "", "?v=b");
  });
  await frames(p);
  assert.equal(await q(), '<p id="q" class="page b" title="B">B</p>');
  assert.equal(await recordsOver10Frames(p, "#q"), 0);
  await p.evaluate(() => webexp.revertVariants());
  assert.equal(await q(), '<p id="q" class="page" title="page">page</p>');
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("two flags changing the same element's html and class through different selectors compose in config order and settle", async () => {
  // growthbook/dom-mutator #2 "Infinite loop when 2 mutations affect the same element" (setHTML on
  // 'p' with appendHTML on 'p.myclass'; addClass with a class attribute set).
  const config = {
    flags: [
      flag("one", { actions: [mutate(m("p", "set", "html", "foo"))] }),
      flag("two", { actions: [mutate(m("p.myclass", "append", "html", " bar"))] }),
      flag("three", { actions: [mutate(m("#x", "append", "class", "foo"))] }),
      flag("four", { actions: [mutate(m("body > p", "set", "class", "myclass bar"))] }),
    ],
    user: { web_exp_id: "two-visitor" },
  };
  const { page: p, context, consoleErrors, pageErrors } = await visit("/peers/same-element", page(config, { body: '<p id="x" class="myclass">text</p>' }));
  await frames(p);
  const x = () => p.evaluate(() => document.getElementById("x").outerHTML);
  assert.equal(await x(), '<p id="x" class="myclass bar">foo bar</p>');
  assert.equal(await recordsOver10Frames(p), 0);
  assert.deepEqual((await log(p)).map((e) => e.flag_key).sort(), ["four", "one", "three", "two"]);
  await p.evaluate(() => webexp.revertVariants());
  assert.equal(await x(), '<p id="x" class="myclass">text</p>');
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("nested html edits (a parent's html, then an element inside it) apply both, settle, and revert whole", async () => {
  // amplitude/experiment-js-client #145/#146: "Nested HTML editing doesn't work" with
  // dom-mutator (an infinite loop; Amplitude ships a private fork that batches the writes). A
  // visual editor records the card's new content, then the edit of the heading inside it.
  const parent = m("#card", "set", "html", '<h2 class="t">Parent</h2><p>new body</p>');
  const child = m("#card h2", "set", "html", "Child <i>edit</i>");
  const config = { flags: [flag("nest", { actions: [mutate(parent, child)] })], user: { web_exp_id: "nest-visitor" } };
  const { page: p, context, consoleErrors, pageErrors } = await visit("/peers/nest",
    page(config, { body: '<div id="card"><h2 class="t">Title</h2><p>body</p></div><p>after</p>' }));
  await frames(p);
  const card = () => p.evaluate(() => document.getElementById("card").innerHTML);
  const both = '<h2 class="t">Child <i>edit</i></h2><p>new body</p>';
  assert.equal(await card(), both);
  assert.equal(await recordsOver10Frames(p, "#card"), 0);
  assert.deepEqual((await p.evaluate(() => webexp.getDebugState())).flags.nest.actions, { applied: 2, pending: 0 });
  await p.evaluate(() => webexp.revertVariants());
  assert.equal(await card(), '<h2 class="t">Title</h2><p>body</p>');
  await p.evaluate(() => webexp.applyVariants());
  await frames(p);
  assert.equal(await card(), both);
  assert.equal(await recordsOver10Frames(p, "#card"), 0);
  assert.equal((await log(p)).length, 1);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("an SPA navigation between two pages of a flag does not rewrite the elements it changed", async () => {
  // GrowthBook's setURL re-runs every auto experiment, undoing and re-applying changes that are
  // still targeted (peers.md, "Revert on navigation"): each navigation rewrites the elements
  // (a flash, and a re-render for the framework that owns them).
  const config = {
    flags: [flag("keep", { actions: [setHtml("#title", "Kept"), setHtml("#side", "B only", ["b"])] })],
    pageObjects: { keep: { ...urlPage("a", "/peers/keep/"), ...urlPage("b", "/peers/keep/b$") } },
    user: { web_exp_id: "keep-visitor" },
  };
  const { page: p, context } = await visit("/peers/keep/a", page(config));
  const records = await p.evaluate(() => new Promise((resolve) => {
    let records = 0;
    new MutationObserver((rs) => { records += rs.length; }).observe(document.getElementById("title"), { childList: true, subtree: true, characterData: true, attributes: true });
    history.pushState(null, "", "/peers/keep/b");
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(records)));
  }));
  assert.equal(records, 0);
  assert.deepEqual([await p.textContent("#title"), await p.textContent("#side")], ["Kept", "B only"]);
  await context.close();
});

// ---- Streaming, listeners, ids ----

/** The frames a rAF sampler saw of #t: its visibility and html. Installed before webexp. */
const SAMPLER = `window.__frames = [];
  (function tick() {
    const t = document.getElementById("t");
    if (t) __frames.push({ visibility: getComputedStyle(t).visibility, html: t.innerHTML });
    requestAnimationFrame(tick);
  })();`;

test("an experiment not active on this page holds back nothing while the parser streams", { timeout: 30000 }, async () => {
  // amplitude/experiment-js-client #155 "only apply antiflicker for active experiments on page"
  // (the tag hid the page for experiments that would change nothing on it). webexp holds back
  // an unfinished element it will change; for a flag out of its pages there is none.
  const config = {
    flags: [
      flag("elsewhere", { actions: [setHtml("#t", "never")] }),
      flag("scoped", { actions: [setHtml("#t", "never either", ["there"])] }),
      flag("ctl", { variant: "control" }),
    ],
    pageObjects: {
      elsewhere: urlPage("there", "/peers/other-page$"),
      scoped: { ...urlPage("here", "/peers/inactive"), ...urlPage("there", "/peers/other-page$") },
    },
    user: { web_exp_id: "inactive-visitor" },
  };
  const html = page(config, { head: SAMPLER, body: "" });
  const [head] = html.split("<body>");
  live.server.setRoute("/peers/inactive", {
    chunks: [
      { body: `${head}<body><h1>Streamed</h1><div id="t"><p>first half`, delayMs: 0 },
      { body: ` second half</p></div><p>after</p></body></html>`, delayMs: 400 },
    ],
  });
  const { page: p, context, consoleErrors } = await visit("/peers/inactive");
  await frames(p);
  const seen = await p.evaluate(() => __frames);
  const partial = seen.filter((f) => f.html.includes("first half") && !f.html.includes("second half"));
  assert.ok(partial.length > 0, `no frame with the partial element among ${seen.length}`);
  assert.deepEqual([...new Set(seen.map((f) => f.visibility))], ["visible"]);
  assert.equal(await p.evaluate(() => document.getElementById("t").innerHTML), "<p>first half second half</p>");
  assert.deepEqual((await log(p)).map((e) => e.flag_key), ["ctl"]);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("a page whose listener proxy swallows DOMContentLoaded, load and readystatechange: an element the parser was still streaming is shown with its change", { timeout: 30000 }, async () => {
  // amplitude/experiment-js-client #299/#327: third-party scripts (Cloudflare Rocket Loader)
  // proxy addEventListener, so DOMContentLoaded/load listeners of the tag never ran.
  const proxy = `const native = EventTarget.prototype.addEventListener;
    window.swallowed = [];
    EventTarget.prototype.addEventListener = function (type, listener, options) {
      if (type === "DOMContentLoaded" || type === "load" || type === "readystatechange") { swallowed.push(type); return; }
      return native.call(this, type, listener, options);
    };`;
  const config = { flags: [flag("late", { actions: [mutate(m("#t", "append", "html", " <b>added</b>"))] })], user: { web_exp_id: "proxy-visitor" } };
  const html = page(config, { head: SAMPLER + proxy, body: "" });
  const [head] = html.split("<body>");
  live.server.setRoute("/peers/proxy", {
    chunks: [
      // #t is the last element of the page, and the last chunk adds no node: only the end of
      // parsing tells that it is complete.
      { body: `${head}<body><h1>Streamed</h1><div id="t">all of it`, delayMs: 0 },
      { body: `</div></body></html>`, delayMs: 400 },
    ],
  });
  const { page: p, context, consoleErrors, pageErrors } = await visit("/peers/proxy");
  const shown = () => p.evaluate(() => {
    const t = document.getElementById("t");
    return { visibility: getComputedStyle(t).visibility, html: t.innerHTML };
  });
  // (Each frame gives webexp a chance; 60 frames is a second of a stuck element.)
  for (let i = 0; i < 30 && (await shown()).visibility !== "visible"; i++) await frames(p);
  assert.deepEqual(await shown(), { visibility: "visible", html: "all of it <b>added</b>" });
  assert.deepEqual(await p.evaluate(() => document.querySelectorAll("[style]").length), 0, "no hiding left");
  assert.deepEqual((await log(p)).map((e) => e.flag_key), ["late"]);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("a variant does not flip within a page view when an integration with the visitor's user properties arrives late", async () => {
  // amplitude-web-experiment.md section 2.5/9: "A variant can flip mid-page" (remote flags
  // re-evaluated after the fetch: the old variant reverted and a second impression fired).
  const aud = {
    key: "aud",
    segments: [
      { conditions: [[{ selector: ["context", "user", "user_properties", "plan"], op: "is", values: ["pro"] }]], variant: "pro" },
      { variant: "basic" },
    ],
    variants: { pro: { key: "pro", payload: [setHtml("#title", "Pro")] }, basic: { key: "basic", payload: [setHtml("#title", "Basic")] } },
  };
  const config = { flags: [aud], user: { web_exp_id: "flip-visitor" } };
  const { page: p, context } = await visit("/peers/flip", page(config, { integration: "none" }));
  assert.equal(await p.textContent("#title"), "Basic");
  await p.evaluate(() => {
    const pro = { getUser() { return { user_id: "u1", user_properties: { plan: "pro" } }; }, track(e) {
      const log = JSON.parse(localStorage.getItem("log") || "[]");
      log.push({ type: e.eventType, flag_key: e.eventProperties.flag_key, variant: e.eventProperties.variant });
      localStorage.setItem("log", JSON.stringify(log));
      return true; } };
    window.experimentIntegration = pro;
    webexp.setIntegration(pro);
  });
  await p.evaluate(() => { history.replaceState(null, "", "?tab=2"); webexp.applyVariants(); });
  await settle(p);
  assert.equal(await p.textContent("#title"), "Basic");
  assert.equal(await p.evaluate(() => webexp.getVariants().aud.key), "basic");
  assert.equal(await p.evaluate(() => webexp.variant("aud").key), "basic");
  await p.waitForFunction(() => JSON.parse(localStorage.getItem("log") || "[]").length === 2);
  assert.deepEqual(await log(p), [
    { type: "$impression", flag_key: "aud", variant: "basic" },
    { type: "$exposure", flag_key: "aud", variant: "basic" },
  ]);
  await context.close();
});

test("visitor ids do not come from Math.random: a page that seeds or stubs it still gets a new random id per visitor", async () => {
  // amplitude-web-experiment.md section 5: web_exp_id made by a Math.random UUID; pages that
  // seed Math.random (seedrandom) would give every visitor the same id, so the same variant.
  const html = page({ flags: [flag("any", { variant: "control" })] }, { head: "Math.random = () => 0.5;" });
  live.server.setRoute("/peers/ids", { body: html });
  const ids = [];
  for (let i = 0; i < 2; i++) {
    const { page: p, context } = await visit("/peers/ids");
    ids.push(await p.evaluate(() => localStorage.getItem("webexp:web_exp_id")));
    await context.close();
  }
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(ids[0], ids[1]);
});
