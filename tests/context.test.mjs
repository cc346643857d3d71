// The browser context (issue 4 point 1): device facts in context.user, named as Amplitude's
// DefaultUserProvider names them, then the integration's ids and user_properties, then the config's
// user; targeting on them works. getVariants() and window.webexp.evaluate() answer as the reference
// engine (@amplitude/experiment-core) does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EvaluationEngine } from "@amplitude/experiment-core";
import { serverAndBrowser, taggedPage } from "./support/browser.mjs";

const live = serverAndBrowser();

const cond = (path, op, values) => ({ selector: ["context", "user", ...path], op, values });
// A flag that is "on" exactly when all the conditions hold.
const onWhen = (key, conditions) => ({
  key,
  segments: [{ conditions: [conditions], variant: "on" }, { variant: "off" }],
  variants: { on: { key: "on" }, off: { key: "off", metadata: { default: true } } },
});

const FLAGS = [
  onWhen("mobile-ios-fr", [cond(["device_category"], "is", ["mobile"]), cond(["os"], "is", ["iOS"]),
    cond(["language"], "is", ["fr-FR"]), cond(["platform"], "is", ["Web"]), cond(["browser"], "is", ["Safari"])]),
  onWhen("desktop-linux-chrome", [cond(["device_category"], "is", ["desktop"]), cond(["os"], "is", ["Linux"]),
    cond(["browser"], "is", ["Chrome"])]),
  onWhen("from-mail", [cond(["url_param", "utm_source"], "is", ["mail"]), cond(["url_param", "tag"], "set is", ["a", "b"])]),
  onWhen("pro-user", [cond(["user_properties", "plan"], "is", ["pro"]), cond(["user_id"], "is", ["u-42"])]),
  onWhen("config-wins", [cond(["language"], "is", ["xx"])]),
];

function page(configUser) {
  return `<!doctype html><html><head><meta charset="utf-8">
<script>
  window.experimentIntegration = {
    getUser() { return { user_id: "u-42", device_id: "d-1", user_properties: { plan: "pro" } }; },
    track() { return true; },
  };
  window.webexpConfig = ${JSON.stringify({ flags: FLAGS, user: configUser })};
</script>
<script src="/webexp.js"></script></head><body></body></html>`;
}

async function variants(contextOptions, query = "", configUser = {}) {
  live.server.setRoute("/ctx.html", { body: page(configUser) });
  const context = await live.browser.newContext(contextOptions);
  const p = await context.newPage();
  await p.goto(live.server.url + "/ctx.html" + query, { waitUntil: "load" });
  const v = await shownVariants(p);
  await context.close();
  return v;
}
// The variant key of each flag on the page.
const shownVariants = (p) => p.evaluate(() => Object.fromEntries(Object.entries(webexp.getVariants()).map(([k, v]) => [k, v.key])));

const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

test("device facts: an iPhone in French is mobile, iOS, Safari; headless Chromium on Linux is desktop Chrome", async () => {
  const phone = await variants({ userAgent: IPHONE, locale: "fr-FR" });
  assert.equal(phone["mobile-ios-fr"], "on");
  assert.equal(phone["desktop-linux-chrome"], "off");
  const desktop = await variants({});
  assert.equal(desktop["mobile-ios-fr"], "off");
  assert.equal(desktop["desktop-linux-chrome"], "on");
});

test("url_param: the page's query parameters, repeated ones as a list", async () => {
  assert.equal((await variants({}, "?utm_source=mail&tag=a&tag=b"))["from-mail"], "on");
  assert.equal((await variants({}, "?utm_source=ad&tag=a&tag=b"))["from-mail"], "off");
});

test("the integration's user_id and user_properties are targetable; the config's user wins over detection", async () => {
  const v = await variants({}, "", { language: "xx" });
  assert.equal(v["pro-user"], "on");
  assert.equal(v["config-wins"], "on");
});

// CONTRACT section 3: `user.web_exp_id` comes from the config, else from localStorage, else a new
// crypto.randomUUID() that is then stored. Flags that are "on" for one id exactly, and one that
// buckets the id into ten variants, checked against the reference engine.
const byId = {
  key: "by-id",
  segments: [{ bucket: { selector: ["context", "user", "web_exp_id"], salt: "ids", allocations: [{ range: [0, 100],
    distributions: Array.from({ length: 10 }, (_, i) => ({ variant: "v" + i, range: [i * 429496730, i === 9 ? 4294967296 : (i + 1) * 429496730] })) }] } }],
  variants: Object.fromEntries(Array.from({ length: 10 }, (_, i) => ["v" + i, { key: "v" + i }])),
};
const ID_FLAGS = [onWhen("is-stored", [cond(["web_exp_id"], "is", ["stored-visitor-9"])]),
  onWhen("is-config", [cond(["web_exp_id"], "is", ["config-visitor-1"])]), byId];
const idPage = (user) => `<!doctype html><html><head><meta charset="utf-8">
<script>window.webexpConfig = ${JSON.stringify({ flags: ID_FLAGS, ...(user ? { user } : {}) })};</script>
<script src="/webexp.js"></script></head><body></body></html>`;

test("the visitor's id: the config's, else the one stored in localStorage, else a new one that is stored and kept", async () => {
  live.server.setRoute("/id-none.html", { body: idPage() });
  live.server.setRoute("/id-config.html", { body: idPage({ web_exp_id: "config-visitor-1" }) });
  const stored = await live.browser.newContext();
  await stored.addInitScript(() => localStorage.getItem("webexp:web_exp_id") || localStorage.setItem("webexp:web_exp_id", "stored-visitor-9"));
  const p = await stored.newPage();
  await p.goto(live.server.url + "/id-none.html");
  const fromStorage = await shownVariants(p);
  assert.deepEqual([fromStorage["is-stored"], fromStorage["is-config"]], ["on", "off"]);
  assert.equal(fromStorage["by-id"], new EvaluationEngine().evaluate({ user: { web_exp_id: "stored-visitor-9" } }, [byId])["by-id"].key);
  await p.goto(live.server.url + "/id-config.html");
  const fromConfig = await shownVariants(p);
  assert.deepEqual([fromConfig["is-stored"], fromConfig["is-config"]], ["off", "on"]);
  assert.equal(await p.evaluate(() => localStorage.getItem("webexp:web_exp_id")), "stored-visitor-9", "the config's id is not stored over the visitor's");
  await stored.close();

  const fresh = await live.browser.newContext();
  const q = await fresh.newPage();
  await q.goto(live.server.url + "/id-none.html");
  const id = await q.evaluate(() => localStorage.getItem("webexp:web_exp_id"));
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const expected = new EvaluationEngine().evaluate({ user: { web_exp_id: id } }, [byId])["by-id"].key;
  assert.equal((await shownVariants(q))["by-id"], expected);
  for (let i = 0; i < 2; i++) {
    await q.reload();
    assert.equal(await q.evaluate(() => localStorage.getItem("webexp:web_exp_id")), id);
    assert.equal((await shownVariants(q))["by-id"], expected);
  }
  await fresh.close();
});

test("context.page.url is location.href whole (origin, query, hash), at load and after an SPA navigation", async () => {
  const url = (key, pattern) => onWhen(key, [{ selector: ["context", "page", "url"], op: "regex match", values: [pattern] }]);
  const flags = [url("at-load", "^http://127\\.0\\.0\\.1:\\d+/full\\?x=1#top$"), url("after-push", "^http://127\\.0\\.0\\.1:\\d+/full-2\\?y=2#k$")];
  live.server.setRoute("/full", { body: `<!doctype html><script>window.webexpConfig = ${JSON.stringify({ flags })};</script><script src="/webexp.js"></script>` });
  const context = await live.browser.newContext();
  const p = await context.newPage();
  await p.goto(live.server.url + "/full?x=1#top");
  const first = await shownVariants(p);
  assert.deepEqual([first["at-load"], first["after-push"]], ["on", "off"]);
  await p.evaluate(() => history.pushState(null, "", "/full-2?y=2#k"));
  await p.waitForFunction(() => webexp.getVariants()["after-push"]?.key === "on", null, { timeout: 3000 });
  assert.equal((await shownVariants(p))["at-load"], "off");
  await context.close();
});

// CONTRACT sections 3 and 5: getVariants() gives each flag's variant for the page view as
// evaluate() gives it, that is what the reference engine returns: key, value, payload, and the
// flag's, the segment's and the variant's metadata merged (the variant's wins, then the segment's).
const pageUrl = (re) => [[{ selector: ["context", "page", "url"], op: "regex match", values: [re] }]];
const setHtml = (selector, value) => ({ action: "mutate", data: { mutations: [{ selector, action: "set", attribute: "html", value }] } });
const GV_FLAGS = [
  {
    key: "pricing",
    metadata: { deliveryMethod: "web", evaluationMode: "local", experimentKey: "exp-pricing", flagVersion: 12, segmentName: "from the flag" },
    segments: [
      {
        metadata: { segmentName: "Pricing page", trackExposure: true },
        conditions: pageUrl("/gv/pricing"),
        bucket: { selector: ["context", "user", "web_exp_id"], salt: "gv-salt", allocations: [{ range: [0, 100], distributions: [
          { variant: "control", range: [0, 21474836] }, { variant: "treatment", range: [21474836, 42949673] }] }] },
        variant: "off",
      },
      { metadata: { segmentName: "All Other Users" }, variant: "treatment" },
    ],
    variants: {
      off: { key: "off", metadata: { default: true } },
      control: { key: "control", value: "control", payload: [] },
      treatment: {
        key: "treatment", value: "treatment",
        payload: [setHtml("#title", "Cheaper"), { action: "mutate", data: { mutations: [{ selector: "#title", action: "append", attribute: "class", value: "hot", metadata: { scope: [] } }] } }],
        metadata: { evaluationId: "e-1", flagVersion: 13, nested: { list: [1, "two", null, true, 2.5], "ü": "🚀" } },
      },
    },
  },
  {
    key: "banner",
    segments: [{ variant: "on" }],
    variants: { on: { key: "on", value: "on", payload: [{ action: "inject", data: { id: "b1", css: "#title { color: rgb(1, 2, 3) }" } }] } },
  },
  {
    key: "defaulted",
    metadata: { experimentKey: "exp-d" },
    segments: [{ metadata: { segmentName: "All" }, variant: "off" }],
    variants: { off: { key: "off", metadata: { default: true } }, on: { key: "on" } },
  },
  { key: "never", segments: [{ conditions: pageUrl("/nowhere"), variant: "on" }], variants: { on: { key: "on" } } },
];
const FORCED = {
  key: "forced",
  metadata: { experimentKey: "exp-f" },
  segments: [{ variant: "a" }],
  variants: { a: { key: "a", value: "a", payload: [] }, b: { key: "b", value: "bee", payload: [setHtml("#side", "Forced b")], metadata: { note: "b's" } } },
};

test("getVariants(): each variant's key, value, payload and merged metadata as the reference engine gives them, and after an SPA navigation that changes the segment", async () => {
  const engine = new EvaluationEngine();
  // A visitor the pricing page buckets into treatment, the variant the other pages give too.
  const id = Array.from({ length: 50 }, (_, i) => "gv-" + i)
    .find((v) => engine.evaluate({ user: { web_exp_id: v }, page: { url: "http://x/gv/pricing" } }, GV_FLAGS).pricing.key === "treatment");
  assert.ok(id);
  const config = { flags: [...GV_FLAGS, FORCED], forcedVariants: { forced: "b" }, user: { web_exp_id: id } };
  live.server.setRoute("/gv/pricing", { body: taggedPage(config, `<h1 id="title">Title</h1><p id="side">side</p>`) });
  const context = await live.browser.newContext();
  const p = await context.newPage();
  const errors = [];
  p.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await p.goto(live.server.url + "/gv/pricing?x=1", { waitUntil: "load" });
  const expected = (url) => engine.evaluate({ user: { web_exp_id: id }, page: { url } }, GV_FLAGS);
  const atLoad = expected(live.server.url + "/gv/pricing?x=1");
  // (The reference's answer itself, spelt out: what this test compares with.)
  assert.deepEqual(Object.keys(atLoad), ["pricing", "banner", "defaulted"]);
  assert.deepEqual(atLoad.pricing.metadata, {
    deliveryMethod: "web", evaluationMode: "local", experimentKey: "exp-pricing", flagVersion: 13, segmentName: "Pricing page",
    trackExposure: true, evaluationId: "e-1", nested: { list: [1, "two", null, true, 2.5], "ü": "🚀" },
  });
  const { forced, ...variants } = await p.evaluate(() => webexp.getVariants());
  assert.deepEqual(variants, atLoad);
  // A forced variant is the configured one (CONTRACT section 2: no evaluation); which metadata it
  // carries the CONTRACT does not say.
  assert.deepEqual({ ...forced, metadata: undefined }, { key: "b", value: "bee", payload: [setHtml("#side", "Forced b")], metadata: undefined });
  assert.deepEqual(await p.evaluate(() => [title.textContent, title.className, side.textContent]), ["Cheaper", "hot", "Forced b"]);
  // Another path: the first segment no longer matches, the second gives the same variant key,
  // with that segment's metadata.
  await p.evaluate(() => history.pushState(null, "", "/gv/other"));
  await p.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  const after = expected(live.server.url + "/gv/other");
  assert.equal(after.pricing.key, "treatment");
  assert.equal(after.pricing.metadata.segmentName, "All Other Users");
  assert.equal(after.pricing.metadata.trackExposure, undefined);
  const { forced: _, ...variantsAfter } = await p.evaluate(() => webexp.getVariants());
  assert.deepEqual(variantsAfter, after);
  // What variant() returns is the same object.
  assert.deepEqual(await p.evaluate(() => webexp.variant("pricing")), after.pricing);
  assert.deepEqual(errors, []);
  await context.close();
});

// CONTRACT section 3 through window.webexp (the script tag's build, not the npm package's that
// tests/differential.test.mjs compares): flags with conditions, bucketing, allocations,
// dependencies and metadata, for many visitors.
const ucond = (path, op, values) => ({ selector: ["context", "user", ...path], op, values });
const split = (salt, percent, variants) => ({
  selector: ["context", "user", "web_exp_id"], salt,
  allocations: [{ range: [0, percent], distributions: variants.map((v, i) => ({
    variant: v, range: [Math.floor((i * 42949673) / variants.length), Math.floor(((i + 1) * 42949673) / variants.length)] })) }],
});
const EVAL_FLAGS = [
  {
    key: "geo-test",
    metadata: { experimentKey: "exp-geo", deliveryMethod: "web", flagVersion: 3 },
    segments: [
      { metadata: { segmentName: "Europe" }, conditions: [[ucond(["country"], "is", ["DE", "FR"])], [ucond(["city"], "regex match", ["^(Paris|Berlin)$"])]],
        bucket: split("geo", 60, ["a", "b"]) },
      { metadata: { segmentName: "All Other Users" }, bucket: split("geo-rest", 70, ["a", "b", "c"]), variant: "off" },
    ],
    variants: { off: { key: "off", metadata: { default: true } }, a: { key: "a", value: "a", payload: [] },
      b: { key: "b", value: "b", payload: { any: ["json", 1] } }, c: { key: "c", metadata: { segmentName: "c wins" } } },
  },
  {
    key: "app-version",
    segments: [{ conditions: [[ucond(["version"], "version greater or equal", ["2.10.0"]), ucond(["cohort_ids"], "set contains any", ["c1", "c9"])]], variant: "new" }],
    variants: { new: { key: "new", value: "new" } },
  },
  {
    key: "dependent",
    dependencies: ["geo-test"],
    segments: [
      { conditions: [[{ selector: ["result", "geo-test", "key"], op: "is", values: ["a"] }]], variant: "follows-a" },
      { conditions: [[{ selector: ["result", "geo-test", "key"], op: "is not", values: ["off"] }]], variant: "other" },
    ],
    variants: { "follows-a": { key: "follows-a" }, other: { key: "other" } },
  },
  {
    key: "props",
    metadata: { experimentKey: "exp-props" },
    segments: [
      { conditions: [[ucond(["user_properties", "age"], "greater", ["30"]), ucond(["user_properties", "plan"], "does not contain", ["free"])],
        [ucond(["user_properties", "email"], "regex match", [".*@example\\.com$"])]], variant: "on" },
      { conditions: [[ucond(["user_properties", "tags"], "set is", ["x", "y"])]], variant: "tagged" },
      { conditions: [[ucond(["user_properties", "missing"], "is", ["(none)"])]], bucket: split("p", 50, ["half"]) },
    ],
    variants: { on: { key: "on", metadata: { v: 1 } }, tagged: { key: "tagged" }, half: { key: "half" } },
  },
];
const OTHER_FLAGS = [{ key: "solo", segments: [{ bucket: split("solo", 100, ["x", "y"]) }], variants: { x: { key: "x" }, y: { key: "y" } } }];
// Visitors of every kind: the conditions above hold for some and not for others.
const evalContexts = () => Array.from({ length: 60 }, (_, i) => ({
  user: {
    web_exp_id: i % 7 === 3 ? `ü-🚀-${i}` : `visitor-${i}`,
    ...(i % 3 === 0 ? { country: "DE" } : i % 3 === 1 ? { city: ["Paris", "Lyon", "Berlin"][i % 9 % 3] } : {}),
    version: ["2.9.9", "2.10.0", "10.0", "1.2.3-beta"][i % 4],
    cohort_ids: i % 5 === 0 ? ["c9", "c2"] : ["c2"],
    user_properties: { age: (i * 7) % 60, plan: ["pro", "free-trial"][i % 2], ...(i % 11 === 0 ? { email: `u${i}@example.com` } : {}),
      ...(i % 4 === 2 ? { tags: ["y", "x"] } : {}) },
  },
  page: { url: "http://127.0.0.1/eval?i=" + i },
}));

test("window.webexp.evaluate(context, flags) returns what the reference engine returns, for other flags than the config's too, and changes nothing of the page view", async () => {
  const engine = new EvaluationEngine();
  const contexts = evalContexts();
  const expected = contexts.map((c) => [engine.evaluate(c, EVAL_FLAGS), engine.evaluate(c, OTHER_FLAGS)]);
  // The visitors exercise each outcome: every variant of geo-test, none for some flags.
  const keys = (flag) => new Set(expected.map(([r]) => r[flag]?.key ?? "none"));
  assert.deepEqual([...keys("geo-test")].sort(), ["a", "b", "c", "off"]);
  assert.deepEqual([...keys("dependent")].sort(), ["follows-a", "none", "other"]);
  assert.deepEqual([...keys("app-version")].sort(), ["new", "none"]);
  assert.deepEqual([...keys("props")].sort(), ["half", "none", "on", "tagged"]);
  const config = { flags: [{ key: "own", segments: [{ variant: "on" }], variants: { on: { key: "on" } } }], user: { web_exp_id: "page-visitor" } };
  live.server.setRoute("/eval", { body: taggedPage(config) });
  const context = await live.browser.newContext();
  const p = await context.newPage();
  const errors = [];
  p.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await p.goto(live.server.url + "/eval", { waitUntil: "load" });
  const before = await p.evaluate(() => [webexp.getVariants(), tracked.length]);
  // The two flag lists alternate: each answer is for the flags of its own call.
  const actual = await p.evaluate(([contexts, flags, other]) => contexts.map((c) => [webexp.evaluate(c, flags), webexp.evaluate(c, other)]),
    [contexts, EVAL_FLAGS, OTHER_FLAGS]);
  for (let i = 0; i < contexts.length; i++) assert.deepEqual(actual[i], expected[i], `context ${JSON.stringify(contexts[i])}`);
  assert.deepEqual(before, [{ own: { key: "on", metadata: {} } }, 1]);
  assert.deepEqual(await p.evaluate(() => [webexp.getVariants(), tracked.length]), before);
  assert.deepEqual(errors, []);
  await context.close();
});
