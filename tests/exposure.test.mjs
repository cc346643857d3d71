// Exposure (CONTRACT section 4, issue 4 points 4 and 7): the opt-in `exposureMode: "element"`
// counts every arm, control and off included, only once an element that the flag's treatments
// target is on the page; `webexp.variant(flagKey)` tracks `$exposure` once per flag and variant per
// page view.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, openPage, flag, setHtml, taggedPage } from "./support/browser.mjs";

const live = serverAndBrowser();

// One experiment, its arm chosen by the test; the treatment changes #late, which the page adds later.
const VARIANTS = {
  off: { key: "off", metadata: { default: true } },
  control: { key: "control" },
  treatment: { key: "treatment", payload: [setHtml("#late", "Treatment")] },
};
const experiment = (variant, metadata = { exposureMode: "element" }) => {
  const f = flag("exp", { variant, experimentKey: "exp-1", variants: VARIANTS });
  return { ...f, metadata: { ...f.metadata, ...metadata } };
};

const page = (config, body = "") => taggedPage(config, `<p id="top">top</p>${body}`);

let n = 0;
async function open(config, body) {
  const path = "/exposure/" + n++;
  live.server.setRoute(path, { body: page(config, body) });
  const opened = await openPage(live.browser);
  await opened.page.goto(live.server.url + path, { waitUntil: "load" });
  return opened;
}
const tracked = (p) => p.evaluate(() => tracked);
const settle = (p) => p.evaluate(() => new Promise((r) => setTimeout(r, 0)));
const addLate = async (p) => {
  await p.evaluate(() => {
    const el = document.createElement("section");
    el.innerHTML = '<div><p id="late">late</p></div>';
    document.body.append(el);
  });
  await settle(p);
};
const impression = (variant) => ({
  eventType: "$impression",
  eventProperties: { flag_key: "exp", ...(variant ? { variant } : {}), experiment_key: "exp-1" },
});

for (const variant of ["treatment", "control", "off"]) {
  test(`exposureMode "element": ${variant} is counted only once the targeted element appears`, async () => {
    const { page: p, context, consoleErrors } = await open({ flags: [experiment(variant)] });
    assert.deepEqual(await tracked(p), [], "nothing before the element is on the page");
    assert.equal((await p.evaluate(() => webexp.getDebugState())).flags.exp.exposureMode, "element");
    await addLate(p);
    assert.deepEqual(await tracked(p), [impression(variant === "off" ? undefined : variant)]);
    assert.equal(await p.textContent("#late"), variant === "treatment" ? "Treatment" : "late");
    // Once per page view.
    await addLate(p);
    assert.equal((await tracked(p)).length, 1);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
}

test('exposureMode "element": an element added in the same task as a history call that is no new page view (the same URL, a query) counts', async () => {
  for (const call of ["history.replaceState({ scroll: 1 }, '', location.href)", "history.pushState(null, '', '?q=1')"]) {
    for (const variant of ["treatment", "control"]) {
      const { page: p, context } = await open({ flags: [experiment(variant)] });
      await p.evaluate((call) => {
        const el = document.createElement("section");
        el.innerHTML = '<p id="late">late</p>';
        document.body.append(el);
        (0, eval)(call);
      }, call);
      await p.waitForFunction(() => tracked.length > 0);
      await settle(p);
      assert.deepEqual(await tracked(p), [impression(variant)], call);
      await context.close();
    }
  }
});

test('exposureMode "element" from the config; an element already there counts at once; a flag can opt out', async () => {
  const optOut = { ...flag("plain", { variant: "control" }) };
  optOut.metadata = { ...optOut.metadata, exposureMode: "default" };
  const config = { exposureMode: "element", flags: [experiment("control", {}), optOut] };
  const { page: p, context, consoleErrors } = await open(config, '<p id="late">here</p>');
  assert.deepEqual((await tracked(p)).map((e) => e.eventProperties.flag_key).sort(), ["exp", "plain"]);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("by default control counts when its page is active, before the element exists", async () => {
  const { page: p, context } = await open({ flags: [experiment("control", {})] });
  assert.deepEqual(await tracked(p), [impression("control")]);
  await context.close();
});

test('exposureMode "element": scoped targets count only on their pages, and a new page view counts again', async () => {
  const f = flag("exp", { variant: "control", experimentKey: "exp-1", variants: { ...VARIANTS, treatment: { key: "treatment", payload: [
    { action: "mutate", data: { mutations: [{ selector: "#late", action: "set", attribute: "html", value: "T", metadata: { scope: ["b"] } }] } },
  ] } } });
  f.metadata.exposureMode = "element";
  const config = {
    flags: [f],
    pageObjects: { exp: {
      a: { id: "a", conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: ["/exposure/"] }]] },
      b: { id: "b", conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: ["/spa-b"] }]] },
    } },
  };
  const { page: p, context } = await open(config, '<p id="late">here</p>');
  assert.deepEqual(await tracked(p), [], "the target is there, but its scope (page b) is not active");
  await p.evaluate(() => history.pushState(null, "", "/spa-b"));
  await settle(p);
  assert.deepEqual(await tracked(p), [impression("control")]);
  await p.evaluate(() => history.pushState(null, "", "/spa-b/2"));
  await settle(p);
  assert.deepEqual(await tracked(p), [impression("control"), impression("control")]);
  await context.close();
});

test("variant(flagKey) returns the variant and tracks $exposure once per flag and variant per page view", async () => {
  const noVariant = { key: "empty", metadata: {}, segments: [{}], variants: { on: { key: "on" } } };
  const config = { flags: [flag("f", { experimentKey: "exp-f" }), noVariant] };
  const { page: p, context, consoleErrors } = await open(config);
  const first = await p.evaluate(() => webexp.variant("f"));
  assert.equal(first.key, "treatment");
  await p.evaluate(() => webexp.variant("f"));
  assert.equal(await p.evaluate(() => webexp.variant("empty")), undefined);
  // A key no flag has is a mistake in the page's code: said once, however often it is asked.
  assert.equal(await p.evaluate(() => webexp.variant("missing")), undefined);
  assert.equal(await p.evaluate(() => webexp.variant("missing")), undefined);
  const exposures = async () => (await tracked(p)).filter((e) => e.eventType === "$exposure");
  const exposure = { eventType: "$exposure", eventProperties: { flag_key: "f", variant: "treatment", experiment_key: "exp-f" } };
  assert.deepEqual(await exposures(), [exposure]);
  // A query-only change is the same page view; a new path is a new one.
  await p.evaluate(() => history.replaceState(null, "", location.pathname + "?q=1"));
  await settle(p);
  await p.evaluate(() => webexp.variant("f"));
  assert.deepEqual(await exposures(), [exposure]);
  await p.evaluate(() => history.pushState(null, "", "/exposure/next"));
  await settle(p);
  await p.evaluate(() => webexp.variant("f"));
  assert.deepEqual(await exposures(), [exposure, exposure]);
  assert.deepEqual(consoleErrors, ['webexp: variant(): missing: no flag of the config has this key']);
  await context.close();
});

test('exposureMode "element": a treatment that removes its own target counts again in every SPA page view', async () => {
  const removes = { key: "treatment", payload: [{ action: "mutate", data: { mutations: [{ selector: "#promo", action: "remove", attribute: "element" }] } }] };
  const f = flag("gone", { variant: "treatment", variants: { ...VARIANTS, treatment: removes } });
  const config = { flags: [{ ...f, metadata: { ...f.metadata, exposureMode: "element" } }] };
  const { page: p, context, pageErrors } = await open(config, `<div id="promo">Promo</div>`);
  assert.equal(await p.evaluate(() => document.getElementById("promo")), null);
  assert.equal((await p.evaluate(() => tracked)).length, 1);
  // The header with the promo stays across the SPA's pages: the removal is still in place.
  await p.evaluate(() => history.pushState({}, "", "/exposure/next-view"));
  await p.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  assert.deepEqual((await p.evaluate(() => tracked)).map((e) => e.eventProperties.flag_key), ["gone", "gone"]);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("$exposure leaves out variant for the off variant and experiment_key for a flag without one", async () => {
  // (The `off` variant is the default one: `metadata.default`.)
  const offVariants = { off: { key: "off", metadata: { default: true } }, treatment: { key: "treatment" } };
  const config = { flags: [flag("plain"), flag("offed", { variant: "off", experimentKey: "exp-offed", variants: offVariants }),
    flag("both-missing", { variant: "off", variants: offVariants })] };
  const { page: p, context, consoleErrors } = await open(config);
  const before = (await tracked(p)).length;
  for (const key of ["plain", "offed", "both-missing"]) await p.evaluate((k) => webexp.variant(k), key);
  await p.waitForTimeout(100);
  assert.deepEqual((await tracked(p)).slice(before).filter((e) => e.eventType === "$exposure"), [
    { eventType: "$exposure", eventProperties: { flag_key: "plain", variant: "treatment" } },
    { eventType: "$exposure", eventProperties: { flag_key: "offed", experiment_key: "exp-offed" } },
    { eventType: "$exposure", eventProperties: { flag_key: "both-missing" } },
  ]);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
