// Debug (CONTRACT section 5, issue 4 point 10): `debug: true` logs each decision with a "webexp:"
// prefix; getDebugState() gives per flag its variant, why, active pages, actions applied and
// pending, and the events sent and queued.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, openPage, flag, setHtml } from "./support/browser.mjs";

const live = serverAndBrowser();

const CONFIG = {
  debug: true,
  flags: [
    flag("hero", { experimentKey: "exp-h", actions: [setHtml("#title", "New"), setHtml("#late", "Late")] }),
    flag("ctl", { variant: "control" }),
    flag("forced", { actions: [setHtml("#title", "Forced")] }),
  ],
  pageObjects: { ctl: { home: { id: "home", conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: ["/dbg"] }]] } } },
  forcedVariants: { forced: "off" },
  user: { web_exp_id: "debug-visitor" },
};

async function open(config, integration = true) {
  live.server.setRoute("/dbg", { body: `<!doctype html><html><head><meta charset="utf-8">
<script>
  ${integration ? 'window.experimentIntegration = { getUser() { return {}; }, track() { return true; } };' : ""}
  window.webexpConfig = ${JSON.stringify(config)};
</script>
<script src="/webexp.js"></script>
</head><body><h1 id="title">Old</h1></body></html>` });
  const opened = await openPage(live.browser);
  const logs = [];
  opened.page.on("console", (m) => { if (m.type() === "log") logs.push(m.text()); });
  await opened.page.goto(live.server.url + "/dbg", { waitUntil: "load" });
  return { ...opened, logs };
}

test("debug: true logs each decision, the actions applied and pending, and each event sent", async () => {
  const { page: p, context, logs, consoleErrors } = await open(CONFIG);
  assert.ok(logs.length > 0 && logs.every((l) => l.startsWith("webexp: ")), logs.join("\n"));
  const decision = (key) => JSON.parse(logs.findLast((l) => l.startsWith(`webexp: flag "${key}": {`)).replace(/^[^{]*/, ""));
  assert.deepEqual(decision("hero"), { variant: "treatment", reason: "evaluated", pages: null, actions: { applied: 1, pending: 1 }, exposureMode: "default", applied: true });
  assert.deepEqual(decision("ctl"), { variant: "control", reason: "evaluated", pages: ["home"], actions: { applied: 0, pending: 0 }, exposureMode: "default", applied: false });
  assert.equal(decision("forced").reason, "forced");
  assert.ok(logs.some((l) => l.startsWith('webexp: sent: {"eventType":"$impression","eventProperties":{"flag_key":"hero"')), logs.join("\n"));
  // A late element: its application is logged as it happens.
  const before = logs.length;
  await p.evaluate(() => document.body.insertAdjacentHTML("beforeend", '<p id="late">x</p>'));
  await p.waitForFunction(() => document.getElementById("late").textContent === "Late");
  await p.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  assert.ok(logs.slice(before).some((l) => l.includes('"actions":{"applied":2,"pending":0}')), logs.slice(before).join("\n"));
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("without an integration the log says queued; without debug nothing is logged", async () => {
  const queued = await open(CONFIG, false);
  assert.ok(queued.logs.some((l) => l.startsWith('webexp: queued: {"eventType":"$impression"')), queued.logs.join("\n"));
  await queued.context.close();
  const quiet = await open({ ...CONFIG, debug: false });
  assert.deepEqual(quiet.logs, []);
  await quiet.context.close();
});

test("getDebugState(): per flag variant, why, pages, actions, exposure mode; events sent and queued", async () => {
  const { page: p, context } = await open({ ...CONFIG, debug: false });
  const state = await p.evaluate(() => webexp.getDebugState());
  assert.deepEqual(Object.keys(state), ["initMicros", "preview", "flags", "eventsSent", "eventsQueued", "fights"]);
  assert.equal(typeof state.initMicros, "number");
  assert.equal(state.preview, false);
  assert.deepEqual(state.flags.hero, { variant: "treatment", reason: "evaluated", pages: null, actions: { applied: 1, pending: 1 }, exposureMode: "default", applied: true });
  assert.deepEqual(state.flags.ctl.pages, ["home"]);
  assert.deepEqual(state.flags.forced, { variant: "off", reason: "forced", pages: null, actions: { applied: 0, pending: 0 }, exposureMode: "default", applied: false });
  assert.deepEqual(state.eventsSent.map((e) => e.eventProperties.flag_key).sort(), ["ctl", "forced", "hero"]);
  assert.deepEqual(state.eventsQueued, []);
  await context.close();
});

test("page code that runs inside webexp's own DOM write (a custom element) reads the variants, and its changes follow", async () => {
  const config = {
    flags: [flag("widget", { actions: [setHtml("#title", "<x-widget></x-widget>")] }), flag("price", { variant: "cheap", actions: [] })],
    user: { web_exp_id: "debug-visitor" },
  };
  live.server.setRoute("/reentry", { body: `<!doctype html><html><head><meta charset="utf-8">
<script>
  window.events = [];
  window.seen = [];
  window.experimentIntegration = { getUser() { return {}; }, track(e) { events.push(e.eventType + " " + e.eventProperties.flag_key); return true; } };
  window.webexpConfig = ${JSON.stringify(config)};
  // Inserted by webexp's html change: its callback runs inside webexp's write.
  customElements.define("x-widget", class extends HTMLElement {
    connectedCallback() {
      seen.push(webexp.variant("price")?.key, Object.keys(webexp.getVariants()).join());
      webexp.revertVariants();
    }
  });
</script>
<script src="/webexp.js"></script>
</head><body><h1 id="title">Old</h1></body></html>` });
  const { page, context, consoleErrors, pageErrors } = await openPage(live.browser);
  await page.goto(live.server.url + "/reentry", { waitUntil: "load" });
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  assert.deepEqual(await page.evaluate(() => seen), ["cheap", "widget,price"]);
  // The exposure is tracked, and the revert made, right after the write.
  assert.ok((await page.evaluate(() => events)).includes("$exposure price"));
  assert.equal(await page.textContent("#title"), "Old");
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});
