// The browser context (issue 4 point 1): device facts in context.user, named as Amplitude's
// DefaultUserProvider names them, then the integration's ids and user_properties, then the config's
// user; targeting on them works.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EvaluationEngine } from "@amplitude/experiment-core";
import { serverAndBrowser } from "./support/browser.mjs";

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
