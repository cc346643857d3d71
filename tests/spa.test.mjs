// SPA navigation (issue 4 point 3): history.pushState/replaceState, popstate and hashchange are
// noticed after the router's own call; what left scope is undone, what entered it applied; a new
// path is a new page view, a query- or hash-only change is not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, openPage, flag, taggedPage } from "./support/browser.mjs";

const live = serverAndBrowser();

const urlPage = (id, regex) => ({
  [id]: { id, conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: [regex] }]] },
});
const mutate = (selector, value) => ({
  action: "mutate",
  data: { mutations: [{ selector, action: "set", attribute: "html", value }] },
});

const CONFIG = {
  flags: [
    flag("on-a", { actions: [mutate("#title", "A variant")] }),
    flag("on-b", { actions: [mutate("#title", "B variant"), mutate("#side", "B side")] }),
    flag("ctl-b", { variant: "control" }),
  ],
  pageObjects: { "on-a": urlPage("a", "/spa/a"), "on-b": urlPage("b", "/spa/b"), "ctl-b": urlPage("b", "/spa/b") },
  user: { web_exp_id: "spa-visitor" },
};

function spaPage(config = CONFIG) {
  return `<!doctype html><html><head><meta charset="utf-8">
<script>
  window.events = [];
  window.experimentIntegration = { getUser() { return {}; }, track(e) { events.push([location.pathname, e.eventProperties.flag_key]); return true; } };
  window.webexpConfig = ${JSON.stringify(config)};
</script>
<script src="/webexp.js"></script>
<script>
  // A tiny router: it renders synchronously inside its navigate call, right after pushState.
  window.navigate = (path) => {
    const returned = history.pushState({ path }, "", path);
    const seenInside = { returned, path: location.pathname, title: document.getElementById("title").textContent };
    document.getElementById("title").textContent = "Page " + path;
    return seenInside;
  };
</script>
</head><body><h1 id="title">Page</h1><p id="side">side</p></body></html>`;
}

async function open(config) {
  live.server.setRoute("/spa/a", { body: spaPage(config) });
  const opened = await openPage(live.browser);
  await opened.page.goto(live.server.url + "/spa/a", { waitUntil: "load" });
  return opened;
}
const text = (page, sel) => page.textContent(sel);
const settle = (page) => page.evaluate(() => new Promise((r) => setTimeout(r, 0)));

test("A to B to A: actions follow their pages, each path change is a new page view", async () => {
  const { page, context, consoleErrors, pageErrors } = await open();
  assert.equal(await text(page, "#title"), "A variant");
  const inside = await page.evaluate(() => navigate("/spa/b"));
  // The router saw its own change, unchanged by webexp, inside its call; pushState returned undefined.
  assert.equal(inside.returned, undefined);
  assert.deepEqual({ ...inside, returned: undefined }, { returned: undefined, path: "/spa/b", title: "A variant" });
  await settle(page);
  assert.equal(await text(page, "#title"), "B variant", "applied on top of the router's render");
  assert.equal(await text(page, "#side"), "B side");
  await page.evaluate(() => navigate("/spa/a"));
  await settle(page);
  assert.equal(await text(page, "#side"), "side", "B's change left with B's page");
  assert.equal(await text(page, "#title"), "A variant");
  assert.deepEqual(await page.evaluate(() => events), [
    ["/spa/a", "on-a"],
    ["/spa/b", "on-b"],
    ["/spa/b", "ctl-b"],
    ["/spa/a", "on-a"],
  ]);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("back and forward (popstate) are noticed", async () => {
  const { page, context } = await open();
  await page.evaluate(() => navigate("/spa/b"));
  await settle(page);
  assert.equal(await text(page, "#side"), "B side");
  await page.goBack();
  await page.waitForFunction(() => location.pathname === "/spa/a");
  await settle(page);
  assert.equal(await text(page, "#side"), "side");
  await page.goForward();
  await page.waitForFunction(() => location.pathname === "/spa/b");
  await settle(page);
  assert.equal(await text(page, "#side"), "B side");
  await context.close();
});

test("query- and hash-only changes are not new page views", async () => {
  const { page, context } = await open();
  await page.evaluate(() => history.replaceState(null, "", "/spa/a?tab=2"));
  await settle(page);
  await page.evaluate(() => { location.hash = "#section"; });
  await page.waitForFunction(() => location.hash === "#section");
  await settle(page);
  assert.equal(await text(page, "#title"), "A variant");
  assert.deepEqual(await page.evaluate(() => events), [["/spa/a", "on-a"]]);
  await context.close();
});

test("a router that renders the new page before pushState: its impressions count once, in the new page view", async () => {
  const config = {
    // No pages: active everywhere; /spa/a has no .cta, the next page has one.
    flags: [flag("cta", { actions: [mutate(".cta", "Buy now")] })],
    user: { web_exp_id: "spa-visitor" },
  };
  const { page, context, pageErrors } = await open(config);
  await page.evaluate(() => {
    // Rendered first (a .cta the old page did not have), the URL set after, in the same task.
    document.body.insertAdjacentHTML("beforeend", '<p class="cta">Buy</p>');
    history.pushState({}, "", "/spa/c");
  });
  await settle(page);
  assert.equal(await text(page, ".cta"), "Buy now");
  assert.deepEqual(await page.evaluate(() => events), [["/spa/c", "cta"]]);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("a router that calls pushState and renders later: a change the render removes is not counted in the new page view", async () => {
  const config = {
    flags: [flag("promo", { actions: [mutate("#promo", "50% off")] }), flag("head", { actions: [mutate("#title", "Header")] })],
    user: { web_exp_id: "spa-visitor" },
  };
  const { page, context, pageErrors } = await open({ ...config });
  await page.evaluate(() => document.body.insertAdjacentHTML("beforeend", '<div id="app"><p id="promo">promo</p></div>'));
  await page.waitForFunction(() => events.length === 2);
  await page.evaluate(() => {
    // React Router: the URL first, the new route's render in a later task.
    history.pushState({}, "", "/spa/next");
    setTimeout(() => { document.getElementById("app").innerHTML = "<p>next page, no promo</p>"; }, 0);
  });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  // The header stays on the page and counts again; the promo left with the old page.
  assert.deepEqual(await page.evaluate(() => events), [["/spa/a", "head"], ["/spa/a", "promo"], ["/spa/next", "head"]]);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("a router that calls pushState and renders later: injected js of the new page runs on the new page", async () => {
  // Turbo and React Router: the URL first, the new page's elements in a later task. The js of
  // the page entered finds its element in the new page, not in the one being left.
  const js = 'utils.waitForElement("#title").then((t) => t.insertAdjacentHTML("beforeend", "<i class=mark></i>"))';
  const config = {
    flags: [flag("inj", { actions: [{ action: "inject", data: { id: "mark", js, scope: ["b"] } }] })],
    pageObjects: { inj: urlPage("b", "/spa/b") },
    user: { web_exp_id: "spa-visitor" },
  };
  const { page, context, pageErrors } = await open(config);
  await page.evaluate(() => {
    history.pushState({}, "", "/spa/b");
    setTimeout(() => { document.body.innerHTML = '<h1 id="title">Page B</h1>'; }, 0);
  });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  assert.equal(await page.evaluate(() => document.querySelectorAll("#title .mark").length), 1);
  assert.deepEqual(await page.evaluate(() => events), [["/spa/b", "inj"]]);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("a manual page switched on ends with its page view", async () => {
  const config = {
    flags: [flag("modal", { actions: [mutate("#side", "Modal variant")] })],
    pageObjects: { modal: { m: { id: "m", trigger_type: "manual", trigger_value: { name: "checkout" } } } },
    user: { web_exp_id: "spa-visitor" },
  };
  const { page, context, pageErrors } = await open(config);
  await page.evaluate(() => webexp.toggleManualPageObject("checkout"));
  assert.equal(await text(page, "#side"), "Modal variant");
  await page.evaluate(() => navigate("/spa/other"));
  await settle(page);
  assert.equal(await text(page, "#side"), "side", "undone: the manual page is off in the new page view");
  await page.evaluate(() => navigate("/spa/third"));
  await settle(page);
  assert.deepEqual(await page.evaluate(() => events), [["/spa/a", "modal"]]);
  // Switched on right after pushState, in the same task (a router's afterEach): it belongs to
  // the new page view, and stays on in it.
  await page.evaluate(() => { navigate("/spa/fourth"); webexp.toggleManualPageObject("checkout"); });
  await settle(page);
  assert.equal(await text(page, "#side"), "Modal variant");
  assert.deepEqual(await page.evaluate(() => events), [["/spa/a", "modal"], ["/spa/fourth", "modal"]]);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("a flag that the new URL leaves without a variant has its actions undone and is no longer tracked", async () => {
  const promoOnly = {
    key: "promo",
    variants: { treatment: { key: "treatment", payload: [mutate("#title", "Promo")] } },
    segments: [{ conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: ["/spa/a$"] }]], variant: "treatment" }],
  };
  const { page, context } = await open({ flags: [promoOnly], user: { web_exp_id: "spa-visitor" } });
  assert.equal(await text(page, "#title"), "Promo");
  await page.evaluate(() => history.pushState({}, "", "/spa/home"));
  await settle(page);
  assert.equal(await text(page, "#title"), "Page", "the change is undone");
  assert.deepEqual(await page.evaluate(() => webexp.getVariants()), {});
  assert.equal(await page.evaluate(() => webexp.variant("promo")), undefined);
  assert.deepEqual(await page.evaluate(() => events), [["/spa/a", "promo"]], "no impression, no exposure on /spa/home");
  assert.equal((await page.evaluate(() => webexp.getDebugState())).flags.promo.reason, "unmatched");
  // Back on its page, it is applied and tracked again.
  await page.evaluate(() => history.pushState({}, "", "/spa/a"));
  await settle(page);
  assert.equal(await text(page, "#title"), "Promo");
  assert.deepEqual(await page.evaluate(() => events), [["/spa/a", "promo"], ["/spa/a", "promo"]]);
  await context.close();
});

test("a variant decided anew by a router that renders before pushState changes only its own elements", async () => {
  // On /spa/a the variant changes #title; on /spa/b another variant changes #side. The render
  // and the pushState come in one task: the observer has matched the render for the old
  // variant before the navigation is seen.
  const routed = {
    key: "routed",
    variants: { ta: { key: "ta", payload: [mutate("#title", "A")] }, tb: { key: "tb", payload: [mutate("#side", "B")] } },
    segments: [{ conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: ["/spa/b$"] }]], variant: "tb" }, { variant: "ta" }],
  };
  const { page, context } = await open({ flags: [routed], user: { web_exp_id: "spa-visitor" } });
  assert.equal(await text(page, "#title"), "A");
  await page.evaluate(() => {
    document.body.innerHTML = '<h1 id="title">title b</h1><p id="side">side b</p>';
    history.pushState({}, "", "/spa/b");
  });
  await settle(page);
  assert.deepEqual([await text(page, "#title"), await text(page, "#side")], ["title b", "B"]);
  await context.close();
});

test("query parameters targeted through context.user.url_param follow an SPA navigation", async () => {
  const campaign = {
    key: "campaign",
    variants: { treatment: { key: "treatment", payload: [mutate("#title", "Spring sale")] } },
    segments: [{ conditions: [[{ selector: ["context", "user", "url_param", "utm"], op: "is", values: ["spring"] }]], variant: "treatment" }],
  };
  const { page, context } = await open({ flags: [campaign], user: { web_exp_id: "spa-visitor" } });
  assert.equal(await text(page, "#title"), "Page");
  await page.evaluate(() => history.pushState({}, "", "/spa/a?utm=spring"));
  await settle(page);
  assert.equal(await text(page, "#title"), "Spring sale");
  assert.deepEqual(await page.evaluate(() => events), [["/spa/a", "campaign"]]);
  await context.close();
});

test("a variant first decided after an SPA navigation has its config problems reported, once", async () => {
  const promo = {
    key: "promo-bad",
    variants: { treatment: { key: "treatment", payload: [{ action: "mutate", data: { mutations: [{ selector: "#title", action: "sett", attribute: "html", value: "x" }] } }] } },
    segments: [{ conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: ["/spa/promo$"] }]], variant: "treatment" }],
  };
  const { page, context, consoleErrors } = await open({ flags: [promo], user: { web_exp_id: "spa-visitor" } });
  assert.deepEqual(consoleErrors, []);
  for (const path of ["/spa/promo", "/spa/a", "/spa/promo"]) {
    await page.evaluate((p) => history.pushState({}, "", p), path);
    await settle(page);
  }
  assert.equal(consoleErrors.length, 1, consoleErrors.join("\n"));
  assert.match(consoleErrors[0], /flag "promo-bad": payload\[0\]\.data\.mutations\[0\]\.action/);
  await context.close();
});

test("a variant that changes within one page view (A, B, A, control, B, A by query changes): each change undoes the other's actions; one $impression and one $exposure per flag and variant", async () => {
  // CONTRACT section 4: "One per flag and variant per page view"; a query-only change is the
  // same page view. The variant follows context.page.url: ?v=b gives b, ?v=c control, else a.
  const urlHas = (re) => [[{ selector: ["context", "page", "url"], op: "regex match", values: [re] }]];
  const switching = {
    key: "switch",
    metadata: { experimentKey: "exp-s" },
    segments: [
      { conditions: urlHas("[?&]v=b(&|#|$)"), variant: "b" },
      { conditions: urlHas("[?&]v=c(&|#|$)"), variant: "control" },
      { variant: "a" },
    ],
    variants: {
      off: { key: "off", metadata: { default: true } },
      control: { key: "control" },
      a: { key: "a", payload: [mutate("#title", "A title")] },
      b: { key: "b", payload: [mutate("#title", "B title"), mutate("#side", "B side")] },
    },
  };
  const config = { flags: [switching, flag("steady", { actions: [mutate("#foot", "Steady foot")] })], user: { web_exp_id: "spa-visitor" } };
  live.server.setRoute("/spa/v", { body: taggedPage(config, `<h1 id="title">Page</h1><p id="side">side</p><p id="foot">foot</p>`) });
  const { page, context, consoleErrors, pageErrors } = await openPage(live.browser);
  await page.goto(live.server.url + "/spa/v", { waitUntil: "load" });
  const seen = () => page.evaluate(() => ({
    title: document.getElementById("title").textContent,
    side: document.getElementById("side").textContent,
    foot: document.getElementById("foot").textContent,
    variant: webexp.getVariants().switch.key,
    active: webexp.getActiveExperiments().includes("switch"),
    read: webexp.variant("switch").key,
  }));
  const A = { title: "A title", side: "side", foot: "Steady foot", variant: "a", active: true, read: "a" };
  const B = { title: "B title", side: "B side", foot: "Steady foot", variant: "b", active: true, read: "b" };
  const CONTROL = { title: "Page", side: "side", foot: "Steady foot", variant: "control", active: false, read: "control" };
  assert.deepEqual(await seen(), A);
  for (const [call, url, expected] of [
    ["replaceState", "/spa/v?v=b", B],
    ["pushState", "/spa/v?v=a", A],
    ["pushState", "/spa/v?v=c", CONTROL],
    ["replaceState", "/spa/v?v=b#x", B],
    ["pushState", "/spa/v", A],
  ]) {
    await page.evaluate(([call, url]) => history[call](null, "", url), [call, url]);
    await settle(page);
    assert.deepEqual(await seen(), expected, `${call} ${url}`);
  }
  const events = async (type, key) => (await page.evaluate(() => tracked))
    .filter((e) => e.eventType === type && e.eventProperties.flag_key === key).map((e) => e.eventProperties);
  const props = (variant) => ({ flag_key: "switch", variant, experiment_key: "exp-s" });
  assert.deepEqual(await events("$impression", "switch"), [props("a"), props("b"), props("control")]);
  assert.deepEqual(await events("$exposure", "switch"), [props("a"), props("b"), props("control")]);
  assert.deepEqual(await events("$impression", "steady"), [{ flag_key: "steady", variant: "treatment" }], "a flag whose variant stays is not counted again");
  // A new path is a new page view: counted again, once.
  await page.evaluate(() => history.pushState(null, "", "/spa/w"));
  await settle(page);
  assert.deepEqual(await seen(), A);
  assert.deepEqual(await events("$impression", "switch"), [props("a"), props("b"), props("control"), props("a")]);
  assert.deepEqual(await events("$exposure", "switch"), [props("a"), props("b"), props("control"), props("a")]);
  assert.equal((await events("$impression", "steady")).length, 2);
  assert.equal((await page.evaluate(() => tracked)).length, 10, "nothing else was tracked");
  // Everything webexp changed is undone: the page is as it was.
  await page.evaluate(() => webexp.revertVariants());
  assert.deepEqual(await page.evaluate(() => [title.textContent, side.textContent, foot.textContent]), ["Page", "side", "foot"]);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});
