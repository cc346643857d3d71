// The browser context (issue 4 point 1): device facts in context.user, named as Amplitude's
// DefaultUserProvider names them, then the integration's ids and user_properties, then the config's
// user; targeting on them works.
import { test } from "node:test";
import assert from "node:assert/strict";
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
  const v = await p.evaluate(() => Object.fromEntries(Object.entries(webexp.getVariants()).map(([k, v]) => [k, v.key])));
  await context.close();
  return v;
}

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
