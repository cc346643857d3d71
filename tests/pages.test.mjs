// Page objects and scope (CONTRACT section 2, issue 4 point 2) and redirects (issue 6 point 6):
// where each flag's actions run, which impressions that gives, and redirects that keep the
// visitor's query parameters, never loop, and hand their impression to the destination page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, openPage, flag } from "./support/browser.mjs";
import { startServer } from "../www/server.mjs";

const live = serverAndBrowser();

const urlPage = (id, regex) => ({
  [id]: { id, name: id, conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: [regex] }]] },
});

// Every event any page delivers goes to localStorage with the path of the page that sent it, so
// events survive navigations and the test sees where each was sent from.
function page(config, body = "") {
  return `<!doctype html><html><head><meta charset="utf-8">
<script>
  window.experimentIntegration = {
    getUser() { return {}; },
    track(e) {
      const log = JSON.parse(localStorage.getItem("log") || "[]");
      log.push({ at: location.pathname, ...e });
      localStorage.setItem("log", JSON.stringify(log));
      return true;
    },
  };
  window.webexpConfig = ${JSON.stringify(config)};
</script>
<script src="/webexp.js"></script>
</head><body><h1 id="title">Original</h1><p id="note">note</p>${body}</body></html>`;
}

const mutate = (selector, value, scope) => ({
  action: "mutate",
  data: { mutations: [{ selector, action: "set", attribute: "html", value, ...(scope ? { metadata: { scope } } : {}) }] },
});
const redirectTo = (url, scope) => ({ action: "redirect", data: { url, ...(scope ? { metadata: { scope } } : {}) } });

async function visit(path, config, { before } = {}) {
  const paths = Array.isArray(path) ? path : [path];
  for (const p of paths) live.server.setRoute(p.split("?")[0], { body: page(config) });
  const opened = await openPage(live.browser);
  if (before) await before(opened.page);
  await opened.page.goto(live.server.url + paths[0], { waitUntil: "load" });
  return opened;
}

const log = (page) => page.evaluate(() => JSON.parse(localStorage.getItem("log") || "[]"));

test("a flag's actions run only on its pages; control is tracked only there", async () => {
  const config = {
    flags: [
      flag("hero", { experimentKey: "exp-1", actions: [mutate("#title", "Pricing headline")] }),
      flag("ctl", { variant: "control" }),
    ],
    pageObjects: { hero: urlPage("pricing", "/pricing$"), ctl: urlPage("pricing", "/pricing$") },
    user: { web_exp_id: "v1" },
  };
  const off = await visit("/about", config);
  assert.equal(await off.page.textContent("#title"), "Original");
  assert.deepEqual(await log(off.page), []);
  const dbg = await off.page.evaluate(() => webexp.getDebugState());
  assert.deepEqual(dbg.flags.hero.pages, []);
  assert.deepEqual(await off.page.evaluate(() => webexp.getActiveExperiments()), []);
  await off.context.close();

  const on = await visit("/pricing", config);
  assert.equal(await on.page.textContent("#title"), "Pricing headline");
  const byFlag = (a, b) => a.eventProperties.flag_key.localeCompare(b.eventProperties.flag_key);
  assert.deepEqual((await log(on.page)).sort(byFlag), [
    { at: "/pricing", eventType: "$impression", eventProperties: { flag_key: "ctl", variant: "control" } },
    { at: "/pricing", eventType: "$impression", eventProperties: { flag_key: "hero", variant: "treatment", experiment_key: "exp-1" } },
  ]);
  assert.deepEqual((await on.page.evaluate(() => webexp.getDebugState())).flags.hero.pages, ["pricing"]);
  assert.deepEqual(on.consoleErrors, []);
  await on.context.close();
});

test("a scoped mutation runs only while one of its pages is active", async () => {
  const config = {
    flags: [flag("f", { actions: [mutate("#title", "Everywhere"), mutate("#note", "Only on sale", ["sale"])] })],
    pageObjects: { f: { ...urlPage("shop", "/shop"), ...urlPage("sale", "/shop/sale") } },
  };
  const shop = await visit("/shop/list", config);
  assert.equal(await shop.page.textContent("#title"), "Everywhere");
  assert.equal(await shop.page.textContent("#note"), "note");
  await shop.context.close();
  const sale = await visit("/shop/sale", config);
  assert.equal(await sale.page.textContent("#title"), "Everywhere");
  assert.equal(await sale.page.textContent("#note"), "Only on sale");
  await sale.context.close();
});

test("a manual page is switched on and off by page code", async () => {
  const config = {
    flags: [flag("modal", { actions: [mutate("#title", "Modal variant")] })],
    pageObjects: { modal: { m: { id: "m", name: "Checkout modal", trigger_type: "manual", trigger_value: { name: "checkout" } } } },
  };
  const { page, context, consoleErrors } = await visit("/manual", config);
  assert.equal(await page.textContent("#title"), "Original");
  await page.evaluate(() => webexp.toggleManualPageObject("checkout"));
  assert.equal(await page.textContent("#title"), "Modal variant");
  assert.equal((await log(page)).length, 1);
  await page.evaluate(() => webexp.toggleManualPageObject("checkout", false));
  assert.equal(await page.textContent("#title"), "Original");
  await page.evaluate(() => webexp.toggleManualPageObject("checkout", true));
  assert.equal(await page.textContent("#title"), "Modal variant");
  assert.equal((await log(page)).length, 1, "one impression per page view");
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("malformed pages are reported with their path; the flag runs nowhere rather than everywhere", async () => {
  const config = {
    flags: [flag("f", { actions: [mutate("#title", "Changed")] })],
    pageObjects: { f: { p: { id: "p", trigger_type: "scrolled_to" } } },
  };
  const { page, context, consoleErrors, pageErrors } = await visit("/bad-pages", config);
  assert.equal(await page.textContent("#title"), "Original");
  assert.deepEqual(pageErrors, []);
  assert.equal(consoleErrors.length, 1);
  assert.match(consoleErrors[0], /pageObjects\.f\.p\.trigger_type: must be "url_change" or "manual"/);
  await context.close();
});

test("a redirect keeps the visitor's query parameters, takes the target's hash, and its impression is sent by the destination", async () => {
  const config = {
    flags: [flag("move", { experimentKey: "exp-r", actions: [redirectTo("/b?v=2#top")] })],
    pageObjects: { move: urlPage("a", "/a(\\?|$)") },
  };
  const { page, context, consoleErrors } = await visit(["/a?utm_source=mail&v=1#old", "/b"], config);
  await page.waitForURL(/\/b\?/);
  await page.waitForFunction(() => document.readyState === "complete");
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search + new URL(page.url()).hash, "/b?v=2&utm_source=mail#top");
  assert.deepEqual(await log(page), [
    { at: "/b", eventType: "$impression", eventProperties: { flag_key: "move", variant: "treatment", experiment_key: "exp-r" } },
  ]);
  const stored = JSON.parse(await page.evaluate(() => sessionStorage.getItem("webexp:redirects")));
  assert.deepEqual(stored.map((h) => h.event), [""], "handed over once; the entry stays only for the loop guard");
  // A reload of the destination sends nothing more.
  await page.reload({ waitUntil: "load" });
  assert.equal((await log(page)).length, 1);
  assert.deepEqual(consoleErrors, []);
  // location.replace: the destination took the source's place in the history, so Back does not
  // return to a page that would redirect again (it goes to the tab's first, blank page).
  await page.goBack();
  assert.equal(page.url(), "about:blank");
  await context.close();
});

test("a hand-over in a copy of the session's storage (a window the destination opens) is sent once, by whichever page sends it first", async () => {
  const config = {
    flags: [flag("move", { experimentKey: "exp-r", actions: [redirectTo("/hs-b")] })],
    pageObjects: { move: urlPage("a", "/hs-a$") },
  };
  // The destination waits for consent (a cookie banner), except in the window it opens.
  const consent = `<script>webexpConfig.consent = window.name == "granted" ? "granted" : "pending";</script>`;
  live.server.setRoute("/hs-a", { body: page(config) });
  live.server.setRoute("/hs-b", { body: page(config).replace('<script src="/webexp.js">', consent + '<script src="/webexp.js">') });
  const { page: tab, context } = await openPage(live.browser);
  await tab.goto(live.server.url + "/hs-a");
  await tab.waitForURL(/\/hs-b$/);
  await tab.waitForFunction(() => document.readyState === "complete");
  const [popup] = await Promise.all([context.waitForEvent("page"), tab.evaluate(() => { window.open("/hs-b", "granted"); })]);
  await popup.waitForLoadState("load");
  await popup.waitForFunction(() => JSON.parse(localStorage.getItem("log") || "[]").length > 0);
  await tab.evaluate(() => webexp.setConsent("granted"));
  await tab.evaluate(() => new Promise((r) => setTimeout(r, 300)));
  assert.deepEqual((await log(tab)).map((e) => e.eventProperties.flag_key), ["move"]);
  await context.close();
});

test("a redirect whose target matches the same flag's page is skipped, with a clear error", async () => {
  const config = {
    flags: [flag("loop", { actions: [redirectTo("/loop-b")] })],
    pageObjects: { loop: urlPage("both", "/loop-") },
  };
  const { page, context, consoleErrors } = await visit(["/loop-a", "/loop-b"], config);
  await page.waitForTimeout(300);
  // Looked at again on each navigation and applyVariants(), but reported once.
  await page.evaluate(() => { location.hash = "x"; webexp.applyVariants(); });
  await page.waitForTimeout(50);
  assert.equal(new URL(page.url()).pathname, "/loop-a");
  assert.equal(consoleErrors.length, 1);
  assert.match(consoleErrors[0], /flag "loop": redirect url matches a page of the same flag/);
  assert.deepEqual(await log(page), [], "no impression for a redirect that did not happen");
  await context.close();
});

test("a redirect to a URL that is not a page (javascript:, mailto:, data:) is skipped with an error; the other flags run", async () => {
  for (const url of ["javascript:window.ran=1", "mailto:a@b.c", "data:text/html,x"]) {
    const config = { flags: [flag("bad", { actions: [redirectTo(url)] }), flag("good", { actions: [mutate("#title", "Good")] })] };
    const { page, context, consoleErrors } = await visit("/not-a-page", config);
    await page.waitForTimeout(100);
    assert.equal(await page.evaluate(() => window.ran), undefined, url);
    assert.equal(await page.textContent("#title"), "Good", url);
    assert.equal(consoleErrors.length, 1, url);
    assert.match(consoleErrors[0], /flag "bad": redirect url is not a valid http or https URL/);
    assert.deepEqual((await log(page)).map((e) => e.eventProperties.flag_key), ["good"], url);
    await context.close();
  }
});

test("two flags redirecting to each other's page stop after one redirect", async () => {
  const config = {
    flags: [flag("ab", { actions: [redirectTo("/pp-b")] }), flag("ba", { actions: [redirectTo("/pp-a")] })],
    pageObjects: { ab: urlPage("a", "/pp-a"), ba: urlPage("b", "/pp-b") },
  };
  const { page, context, consoleErrors } = await visit(["/pp-a", "/pp-b"], config);
  await page.waitForURL(/\/pp-b/);
  await page.waitForFunction(() => document.readyState === "complete");
  await page.waitForTimeout(300);
  assert.equal(new URL(page.url()).pathname, "/pp-b");
  assert.equal(consoleErrors.length, 1);
  assert.match(consoleErrors[0], /flag "ba": redirect url is the page that just redirected here/);
  // The redirect that happened is counted on its destination; the refused one is not counted.
  assert.deepEqual((await log(page)).map((e) => [e.at, e.eventProperties.flag_key]), [["/pp-b", "ab"]]);
  await context.close();
});

test("two flags redirecting to each other's page stop after one redirect also before consent (nothing stored)", async () => {
  const config = {
    flags: [flag("ab", { actions: [redirectTo("/pq-b")] }), flag("ba", { actions: [redirectTo("/pq-a")] })],
    pageObjects: { ab: urlPage("a", "/pq-a"), ba: urlPage("b", "/pq-b") },
    consent: "pending",
  };
  let loads = 0;
  for (const path of ["/pq-a", "/pq-b"]) live.server.setRoute(path, () => { loads++; return { body: page(config) }; });
  const { page: p, context, consoleErrors } = await openPage(live.browser);
  await p.goto(live.server.url + "/pq-a", { waitUntil: "load" });
  await p.waitForTimeout(700);
  assert.equal(loads, 2);
  assert.equal(new URL(p.url()).pathname, "/pq-b");
  assert.match(consoleErrors.join("\n"), /flag "ba": redirect url is the page that just redirected here/);
  await context.close();
});

test("an impression is never sent for a destination that did not load", async () => {
  const config = {
    flags: [flag("gone", { actions: [redirectTo("/missing")] })],
    pageObjects: { gone: urlPage("src", "/src$") },
  };
  const { page, context } = await visit(["/src", "/elsewhere"], config);
  await page.waitForURL(/\/missing/);
  // The destination is a 404 without webexp; the visitor then opens another page with webexp.
  await page.goto(live.server.url + "/elsewhere", { waitUntil: "load" });
  assert.deepEqual(await log(page), []);
  const stored = JSON.parse(await page.evaluate(() => sessionStorage.getItem("webexp:redirects")));
  assert.equal(stored.length, 1);
  assert.match(stored[0].event, /"flag_key":"gone"/, "kept for its destination until it expires");
  await context.close();
});

test("a redirect to another origin sends its impression before leaving, since the destination cannot receive it", async (t) => {
  // Another port is another origin: its pages cannot read this origin's sessionStorage.
  const other = await startServer();
  t.after(() => other.close());
  const config = {
    flags: [flag("away", { experimentKey: "exp-x", actions: [redirectTo(other.url + "/dest")] })],
    pageObjects: { away: urlPage("src", "/xo-(src|late)$") },
  };
  other.setRoute("/dest", { body: page(config) });
  live.server.setRoute("/xo-home", { body: page(config) });
  // The source page's analytics tool is ready when webexp starts: the impression is handed to it
  // before the page is left.
  const { page: p, context, consoleErrors } = await visit("/xo-src", config);
  await p.waitForURL(other.url + "/dest");
  await p.waitForFunction(() => document.readyState === "complete");
  assert.deepEqual(await log(p), [], "the destination sends nothing");
  await p.goto(live.server.url + "/xo-home", { waitUntil: "load" });
  assert.deepEqual(await log(p), [
    { at: "/xo-src", eventType: "$impression", eventProperties: { flag_key: "away", variant: "treatment", experiment_key: "exp-x" } },
  ]);
  const stored = JSON.parse(await p.evaluate(() => sessionStorage.getItem("webexp:redirects")));
  assert.deepEqual(stored.map((h) => [h.to, h.event]), [[other.url + "/dest", ""]], "kept for the loop guard only");
  assert.deepEqual(consoleErrors, []);
  await context.close();

  // No analytics tool on the source page yet: the impression waits in this origin's queue and is
  // delivered on the visitor's next page here.
  const withoutTool = page(config).replace(/window\.experimentIntegration = \{[\s\S]*?\n {2}\};\n/, "");
  assert.ok(!withoutTool.includes("experimentIntegration"));
  live.server.setRoute("/xo-late", { body: withoutTool });
  const late = await openPage(live.browser);
  await late.page.goto(live.server.url + "/xo-late", { waitUntil: "load" });
  await late.page.waitForURL(other.url + "/dest");
  await late.page.goto(live.server.url + "/xo-home", { waitUntil: "load" });
  await late.page.waitForFunction(() => (localStorage.getItem("log") || "").includes("away"));
  assert.deepEqual((await log(late.page)).map((e) => [e.at, e.eventType, e.eventProperties.flag_key]), [["/xo-home", "$impression", "away"]]);
  await late.context.close();
});

test("a redirect handler is called instead of location.replace (npm package)", async () => {
  const config = { flags: [flag("h", { actions: [redirectTo("/handled?x=1")] })] };
  live.server.setRoute("/handler.html", {
    body: `<!doctype html><html><head><script type="module">
      import init, { setRedirectHandler, start } from "/npm/webexp.js";
      await init();
      setRedirectHandler((url) => { window.__redirectedTo = url; });
      start(${JSON.stringify(config)});
      window.__done = true;
    </script></head><body></body></html>`,
  });
  const { page, context, consoleErrors } = await openPage(live.browser);
  await page.goto(live.server.url + "/handler.html?keep=me");
  await page.waitForFunction(() => window.__done);
  assert.equal(await page.evaluate(() => window.__redirectedTo), live.server.url + "/handled?x=1&keep=me");
  assert.equal(new URL(page.url()).pathname, "/handler.html");
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("a redirect handler that navigates in the page (an SPA router): the impression is sent at the destination and tracking goes on", async () => {
  const config = {
    flags: [
      flag("spa-move", { actions: [redirectTo("/spa-dest")] }),
      flag("other", { variant: "control" }),
    ],
    pageObjects: { "spa-move": urlPage("src", "/spa-src"), other: urlPage("dest", "/spa-dest") },
  };
  live.server.setRoute("/spa-src", {
    body: `<!doctype html><html><head><script type="module">
      window.log = [];
      import init, { setRedirectHandler, setIntegration, start } from "/npm/webexp.js";
      await init();
      setIntegration({ getUser() { return {}; }, track(e) { log.push([location.pathname, e.eventType, e.eventProperties.flag_key]); return true; } });
      setRedirectHandler((url) => setTimeout(() => history.pushState(null, "", url), 10));
      start(${JSON.stringify(config)});
      window.__done = true;
    </script></head><body></body></html>`,
  });
  const { page, context, consoleErrors } = await openPage(live.browser);
  await page.goto(live.server.url + "/spa-src");
  await page.waitForFunction(() => window.__done && location.pathname === "/spa-dest");
  await page.waitForFunction(() => window.log.length >= 2);
  assert.deepEqual(await page.evaluate(() => window.log), [
    ["/spa-dest", "$impression", "spa-move"],
    ["/spa-dest", "$impression", "other"],
  ]);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("a redirect the server sends back to its source does not loop, and counts nothing", async () => {
  const config = { flags: [flag("bounce", { actions: [redirectTo("/bb-b")] })], pageObjects: { bounce: urlPage("a", "/bb-a$") } };
  let loads = 0;
  live.server.setRoute("/bb-a", () => { loads++; return { body: page(config) }; });
  live.server.setRoute("/bb-b", { status: 302, headers: { location: "/bb-a" }, body: "" });
  const { page: p, context, consoleErrors } = await openPage(live.browser);
  await p.goto(live.server.url + "/bb-a", { waitUntil: "load" });
  await p.waitForTimeout(700);
  assert.equal(loads, 2, "the source, then once more after the bounce");
  assert.equal(new URL(p.url()).pathname, "/bb-a");
  assert.deepEqual(await log(p), [], "the variant was never seen");
  assert.equal(consoleErrors.length, 1);
  assert.match(consoleErrors[0], /flag "bounce": the server has just sent the visitor back here/);
  await context.close();
});

test("a server that sends the visitor back: no loop while consent is pending (nothing stored), nor when the page rewrites its URL on load", async () => {
  for (const [name, config, body] of [
    ["pend", { flags: [flag("bp", { actions: [redirectTo("/bp-b")] })], pageObjects: { bp: urlPage("a", "/bp-a$") }, consent: "pending" }, ""],
    // The page strips a tracking parameter as soon as it loads.
    ["rs", { flags: [flag("br", { actions: [redirectTo("/br-b")] })], pageObjects: { br: urlPage("a", "/br-a$") } },
      "<script>history.replaceState(null, '', location.pathname + '?clean=1')</script>"],
  ]) {
    let loads = 0;
    const source = name === "pend" ? "/bp-a" : "/br-a";
    live.server.setRoute(source, () => { loads++; return { body: page(config, body) }; });
    live.server.setRoute(source.replace("-a", "-b"), { status: 302, headers: { location: source }, body: "" });
    const { page: p, context } = await openPage(live.browser);
    await p.goto(live.server.url + source, { waitUntil: "load" });
    await p.waitForTimeout(700);
    assert.equal(loads, 2, name);
    assert.deepEqual(await log(p), [], name);
    await context.close();
  }
});

test("a redirect whose destination the server turns into a login page counts nothing there", async () => {
  const config = { flags: [flag("walled", { actions: [redirectTo("/wall-b")] })], pageObjects: { walled: urlPage("a", "/wall-a$") } };
  live.server.setRoute("/wall-a", { body: page(config) });
  live.server.setRoute("/wall-b", { status: 302, headers: { location: "/login?next=%2Fwall-b" }, body: "" });
  live.server.setRoute("/login", { body: page(config) });
  const { page: p, context } = await openPage(live.browser);
  await p.goto(live.server.url + "/wall-a", { waitUntil: "load" });
  await p.waitForURL(/\/login/);
  await p.waitForFunction(() => document.readyState === "complete");
  await p.waitForTimeout(300);
  assert.deepEqual(await log(p), []);
  await context.close();
});

test("a redirect whose destination the server moves to another path sends its impression there", async () => {
  const config = { flags: [flag("moved", { actions: [redirectTo("/mv-b")] })], pageObjects: { moved: urlPage("a", "/mv-a$") } };
  live.server.setRoute("/mv-a", { body: page(config) });
  live.server.setRoute("/mv-b", { status: 302, headers: { location: "/en/mv-b" }, body: "" });
  live.server.setRoute("/en/mv-b", { body: page(config) });
  const { page: p, context, consoleErrors } = await openPage(live.browser);
  await p.goto(live.server.url + "/mv-a", { waitUntil: "load" });
  await p.waitForURL(/\/en\/mv-b$/);
  await p.waitForFunction(() => JSON.parse(localStorage.getItem("log") || "[]").length > 0);
  assert.deepEqual((await log(p)).map((e) => [e.at, e.eventProperties.flag_key]), [["/en/mv-b", "moved"]]);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("a redirect to where the visitor is, with the same parameters in another order, does not reload, and counts as shown", async () => {
  const config = { flags: [flag("same", { actions: [redirectTo("/qo-a?v=2")] })] };
  const { page: p, context, consoleErrors } = await visit("/qo-a?utm=x&v=2", config);
  await p.waitForTimeout(300);
  assert.equal(new URL(p.url()).search, "?utm=x&v=2");
  assert.equal(await p.evaluate(() => performance.getEntriesByType("navigation").length), 1);
  assert.deepEqual((await log(p)).map((e) => [e.at, e.eventType, e.eventProperties.variant]), [["/qo-a", "$impression", "treatment"]]);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("a URL test whose every arm redirects (the control to the page it is on, as GrowthBook writes them) counts each arm once, where its page is shown", async () => {
  // growthbook/growthbook#2741 and the SRM reports of redirect tests: an arm left uncounted
  // skews the split. The control's redirect leads where the visitor is: counted there.
  const variants = {
    off: { key: "off", metadata: { default: true } },
    control: { key: "control", payload: [redirectTo("/url-test")] },
    treatment: { key: "treatment", payload: [redirectTo("/url-test-b")] },
  };
  const counted = [];
  for (const variant of ["control", "treatment"]) {
    const config = { flags: [flag("url", { variant, variants })], pageObjects: { url: urlPage("a", "/url-test$") } };
    const { page: p, context, consoleErrors } = await visit(["/url-test", "/url-test-b"], config);
    if (variant === "treatment") await p.waitForURL(/\/url-test-b$/);
    await p.waitForFunction(() => document.readyState === "complete");
    await p.waitForTimeout(300);
    counted.push(...(await log(p)).map((e) => [e.at, e.eventType, e.eventProperties.variant]));
    assert.deepEqual(consoleErrors, []);
    await context.close();
  }
  assert.deepEqual(counted, [["/url-test", "$impression", "control"], ["/url-test-b", "$impression", "treatment"]]);
});

test("a redirect made twice in one page view (a manual page switched on, then applyVariants) hands over one impression", async () => {
  const config = {
    flags: [flag("twice", { actions: [redirectTo("/tw-after", ["m"])] })],
    pageObjects: { twice: { m: { id: "m", trigger_type: "manual", trigger_value: { name: "modal" } } } },
  };
  const { page: p, context, consoleErrors } = await visit(["/tw-before", "/tw-after"], config);
  await p.evaluate(() => setTimeout(() => { webexp.toggleManualPageObject("modal"); webexp.applyVariants(); webexp.toggleManualPageObject("modal"); }, 0));
  await p.waitForURL(/\/tw-after$/);
  await p.waitForFunction(() => document.readyState === "complete");
  await p.waitForTimeout(300);
  assert.deepEqual((await log(p)).map((e) => [e.at, e.eventProperties.flag_key]), [["/tw-after", "twice"]]);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("a redirect the server rewrites (a trailing slash) sends its impression there and does not loop", async () => {
  const config = { flags: [flag("slash", { experimentKey: "exp-s", actions: [redirectTo("/slash-b")] })] };
  live.server.setRoute("/slash-a", { body: page(config) });
  live.server.setRoute("/slash-b", { status: 302, headers: { location: "/slash-b/" }, body: "" });
  live.server.setRoute("/slash-b/", { body: page(config) });
  const { page: p, context, consoleErrors } = await openPage(live.browser);
  await p.goto(live.server.url + "/slash-a", { waitUntil: "load" });
  await p.waitForURL(/\/slash-b\/$/);
  await p.waitForFunction(() => document.readyState === "complete");
  await p.waitForTimeout(300);
  assert.equal(new URL(p.url()).pathname, "/slash-b/", "no second redirect");
  assert.deepEqual((await log(p)).map((e) => [e.at, e.eventProperties.flag_key]), [["/slash-b/", "slash"]]);
  assert.equal(consoleErrors.length, 1);
  assert.match(consoleErrors[0], /flag "slash": this flag has just redirected, and the server led here/);
  await context.close();
});

test("a redirect scoped to a manual page happens when page code switches the page on", async () => {
  const config = {
    flags: [flag("modal-move", { actions: [redirectTo("/after-modal", ["m"])] })],
    pageObjects: { "modal-move": { m: { id: "m", trigger_type: "manual", trigger_value: { name: "modal" } } } },
  };
  const { page: p, context, consoleErrors } = await visit(["/before-modal", "/after-modal"], config);
  assert.equal(new URL(p.url()).pathname, "/before-modal");
  await p.evaluate(() => webexp.toggleManualPageObject("modal"));
  await p.waitForURL(/\/after-modal/);
  await p.waitForFunction(() => document.readyState === "complete");
  assert.deepEqual((await log(p)).map((e) => [e.at, e.eventProperties.flag_key]), [["/after-modal", "modal-move"]]);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("after revertVariants() a page switched on does not redirect either", async () => {
  const config = {
    flags: [flag("rv-move", { actions: [redirectTo("/rv-after", ["m"])] })],
    pageObjects: { "rv-move": { m: { id: "m", trigger_type: "manual", trigger_value: { name: "modal" } } } },
  };
  const { page: p, context } = await visit(["/rv-before", "/rv-after"], config);
  await p.evaluate(() => { webexp.revertVariants(); webexp.toggleManualPageObject("modal"); });
  await p.waitForTimeout(300);
  assert.equal(new URL(p.url()).pathname, "/rv-before");
  assert.deepEqual(await log(p), []);
  await context.close();
});

test("a destination that the redirecting flag also changes counts one impression, not two", async () => {
  // No pages: the flag is active on its destination too, where the redirect is skipped (the
  // visitor is there) and its mutation applies.
  const config = { flags: [flag("both", { experimentKey: "exp-b", actions: [redirectTo("/both-b"), mutate("#title", "Changed")] })] };
  const { page: p, context, consoleErrors } = await visit(["/both-a", "/both-b"], config);
  await p.waitForURL(/\/both-b/);
  await p.waitForFunction(() => document.readyState === "complete");
  assert.equal(await p.textContent("#title"), "Changed");
  await p.waitForTimeout(300);
  assert.deepEqual((await log(p)).map((e) => [e.at, e.eventProperties.flag_key]), [["/both-b", "both"]]);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("a flag that redirected a moment ago redirects again from another of its pages", async () => {
  const config = {
    flags: [flag("two-src", { actions: [redirectTo("/ts-dest")] })],
    pageObjects: { "two-src": urlPage("src", "/ts-(a|c)$") },
  };
  const { page: p, context, consoleErrors } = await visit(["/ts-a", "/ts-c", "/ts-dest"], config);
  await p.waitForURL(/\/ts-dest/);
  await p.waitForFunction(() => document.readyState === "complete");
  // Within the loop guard's 10 seconds, the visitor opens the flag's other page.
  await p.goto(live.server.url + "/ts-c", { waitUntil: "load" });
  await p.waitForURL(/\/ts-dest/);
  await p.waitForFunction(() => document.readyState === "complete");
  assert.deepEqual((await log(p)).map((e) => [e.at, e.eventProperties.flag_key]), [["/ts-dest", "two-src"], ["/ts-dest", "two-src"]]);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("getActiveExperiments(): the flags whose actions are on the page now, not a control, off, or a flag out of scope", async () => {
  const offVariants = { off: { key: "off", metadata: { default: true } }, treatment: { key: "treatment", payload: [mutate("#note", "x")] } };
  const config = {
    flags: [
      flag("applied", { actions: [mutate("#title", "Changed")] }),
      flag("ctl", { variant: "control" }),
      flag("offed", { variant: "off", variants: offVariants }),
      flag("elsewhere", { actions: [mutate("#note", "Elsewhere")] }),
      flag("waiting", { actions: [mutate("#not-there", "Never")] }),
    ],
    pageObjects: { elsewhere: urlPage("pricing", "/pricing$") },
    user: { web_exp_id: "v1" },
  };
  const { page: p, context } = await visit("/active", config);
  assert.deepEqual(await p.evaluate(() => webexp.getActiveExperiments()), ["applied"]);
  await p.evaluate(() => webexp.revertVariants());
  assert.equal(await p.textContent("#title"), "Original");
  assert.deepEqual(await p.evaluate(() => webexp.getActiveExperiments()), []);
  await p.evaluate(() => webexp.applyVariants());
  assert.deepEqual(await p.evaluate(() => webexp.getActiveExperiments()), ["applied"]);
  await p.evaluate(() => history.pushState(null, "", "/pricing"));
  await p.waitForFunction(() => document.getElementById("note").textContent === "Elsewhere");
  assert.deepEqual((await p.evaluate(() => webexp.getActiveExperiments())).sort(), ["applied", "elsewhere"]);
  await context.close();
});
