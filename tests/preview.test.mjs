// Preview and QA (CONTRACT section 5, issue 4 point 8): `?PREVIEW=true&<flagKey>=<variantKey>`
// shows that variant for the rest of the session (reloads, later pages, SPA navigations), sends
// no event at all, only takes variants the config has, and leaves the visible URL clean.
// `?PREVIEW=false` ends it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, openPage, flag, setHtml } from "./support/browser.mjs";

const live = serverAndBrowser();

const CONFIG = {
  flags: [
    flag("hero", { experimentKey: "exp-h", actions: [setHtml("#title", "Treatment title")] }),
    flag("side", { actions: [setHtml("#side", "Treatment side")] }),
  ],
  user: { web_exp_id: "preview-visitor" },
};

// Every track call is recorded in sessionStorage (so calls from every load of the tab count).
function page(config = CONFIG) {
  return `<!doctype html><html><head><meta charset="utf-8">
<script>
  window.historyBefore = history.length;
  window.experimentIntegration = { getUser() { return {}; }, track(e) {
    const log = JSON.parse(sessionStorage.getItem("tracked") || "[]");
    log.push(e); sessionStorage.setItem("tracked", JSON.stringify(log)); return true; } };
  window.webexpConfig = ${JSON.stringify(config)};
</script>
<script src="/webexp.js"></script>
</head><body><h1 id="title">Original title</h1><p id="side">Original side</p></body></html>`;
}

async function open(path, config) {
  for (const p of ["/pv/one", "/pv/two"]) live.server.setRoute(p, { body: page(config) });
  const opened = await openPage(live.browser);
  await opened.page.goto(live.server.url + path, { waitUntil: "load" });
  return opened;
}
const tracked = (p) => p.evaluate(() => JSON.parse(sessionStorage.getItem("tracked") || "[]"));
const queued = (p) => p.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("webexp:q:")));
const shown = (p) => p.evaluate(() => ({
  title: document.getElementById("title").textContent,
  side: document.getElementById("side").textContent,
  hero: webexp.getDebugState().flags.hero,
}));
const settle = (p) => p.evaluate(() => new Promise((r) => setTimeout(r, 0)));

test("a preview link shows the variant for the session (reload, next page, SPA navigation), sends nothing, and cleans the URL", async () => {
  const { page: p, context, consoleErrors, pageErrors } = await open("/pv/one?utm_source=mail&PREVIEW=true&hero=control&x=a%20b#part");
  let now = await shown(p);
  assert.equal(now.title, "Original title", "control: no change");
  assert.equal(now.side, "Treatment side", "flags outside the preview are evaluated as usual");
  assert.equal(now.hero.variant, "control");
  assert.equal(now.hero.reason, "preview");
  assert.equal((await p.evaluate(() => webexp.getDebugState())).preview, true);
  // The rest of the URL is kept byte for byte; no history entry was added.
  assert.equal(p.url(), live.server.url + "/pv/one?utm_source=mail&x=a%20b#part");
  assert.deepEqual(await p.evaluate(() => [history.length, history.state]), [await p.evaluate(() => historyBefore), null]);
  assert.equal(await p.evaluate(() => webexp.variant("hero").key), "control");

  await p.reload({ waitUntil: "load" });
  now = await shown(p);
  assert.deepEqual([now.title, now.hero.variant, now.hero.reason], ["Original title", "control", "preview"]);

  await p.goto(live.server.url + "/pv/two", { waitUntil: "load" });
  now = await shown(p);
  assert.deepEqual([now.title, now.hero.reason], ["Original title", "preview"]);
  await p.evaluate(() => history.pushState(null, "", "/pv/spa"));
  await settle(p);
  now = await shown(p);
  assert.deepEqual([now.title, now.hero.variant, now.hero.reason], ["Original title", "control", "preview"]);
  await p.evaluate(() => webexp.variant("side"));

  // Not one event was tracked or queued, nor kept in the debug state.
  assert.deepEqual(await tracked(p), []);
  assert.deepEqual(await queued(p), []);
  const dbg = await p.evaluate(() => webexp.getDebugState());
  assert.deepEqual([dbg.eventsSent, dbg.eventsQueued], [[], []]);
  // The link's other parameters cannot be told from misspelt flag keys: each is reported (and kept).
  assert.deepEqual(consoleErrors, [
    "webexp: preview: utm_source: not a configured flag; ignored",
    "webexp: preview: x: not a configured flag; ignored",
  ]);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("?PREVIEW=false ends the preview: evaluation and events are back", async () => {
  const { page: p, context, consoleErrors } = await open("/pv/one?PREVIEW=true&hero=control");
  assert.equal((await shown(p)).hero.reason, "preview");
  await p.goto(live.server.url + "/pv/two?PREVIEW=false&hero=control&keep=1", { waitUntil: "load" });
  const now = await shown(p);
  assert.deepEqual([now.title, now.hero.variant, now.hero.reason], ["Treatment title", "treatment", "evaluated"]);
  assert.equal(p.url(), live.server.url + "/pv/two?keep=1");
  assert.equal(await p.evaluate(() => sessionStorage.getItem("webexp:preview")), null);
  assert.deepEqual((await tracked(p)).map((e) => e.eventProperties.flag_key).sort(), ["hero", "side"]);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("preview overrides forcedVariants", async () => {
  const config = { ...CONFIG, forcedVariants: { hero: "off" } };
  const { page: p, context } = await open("/pv/one?PREVIEW=true&hero=treatment", config);
  const now = await shown(p);
  assert.deepEqual([now.title, now.hero.variant, now.hero.reason], ["Treatment title", "treatment", "preview"]);
  await context.close();
});

test("an unknown flag or variant in a preview link is reported and ignored; still no events", async () => {
  const { page: p, context, consoleErrors, pageErrors } = await open("/pv/one?PREVIEW=true&hero=bogus&nope=x&side=control");
  assert.equal(consoleErrors.length, 2, consoleErrors.join("\n"));
  assert.match(consoleErrors.find((e) => /nope/.test(e)), /^webexp: preview: nope: not a configured flag/);
  assert.match(consoleErrors.find((e) => /bogus/.test(e)), /^webexp: preview: hero=bogus: names a variant the flag does not have$/);
  const now = await shown(p);
  assert.deepEqual([now.title, now.hero.reason], ["Treatment title", "evaluated"], "the bad entry changes nothing");
  assert.deepEqual([now.side, (await p.evaluate(() => webexp.getDebugState())).flags.side.reason], ["Original side", "preview"]);
  // A parameter that is not a flag may be the page's own: it stays.
  assert.equal(p.url(), live.server.url + "/pv/one?nope=x");
  assert.deepEqual(await tracked(p), []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("a preview link none of whose pairs is valid previews nothing, says so, and events go on", async () => {
  for (const path of ["/pv/one?PREVIEW=true&heroo=control", "/pv/one?PREVIEW=true&hero=Treatment", "/pv/one?PREVIEW=true"]) {
    const { page: p, context, consoleErrors } = await open(path);
    assert.ok(consoleErrors.some((e) => /^webexp: preview: no flag=variant pair of the link names a configured flag/.test(e)), consoleErrors.join("\n"));
    const now = await shown(p);
    assert.deepEqual([now.hero.reason, (await p.evaluate(() => webexp.getDebugState())).preview], ["evaluated", false]);
    assert.equal(await p.evaluate(() => sessionStorage.getItem("webexp:preview")), null);
    await p.waitForFunction(() => JSON.parse(sessionStorage.getItem("tracked") || "[]").length === 2);
    assert.deepEqual((await tracked(p)).map((e) => e.eventProperties.flag_key).sort(), ["hero", "side"]);
    await context.close();
  }
});

test("a preview begun while consent is pending lasts the session once consent is granted", async () => {
  const { page: p, context } = await open("/pv/one?PREVIEW=true&hero=control", { ...CONFIG, consent: "pending" });
  assert.equal((await shown(p)).title, "Original title", "control shows the original");
  assert.equal(await p.evaluate(() => sessionStorage.getItem("webexp:preview")), null, "nothing stored before consent");
  await p.evaluate(() => webexp.setConsent("granted"));
  await p.goto(live.server.url + "/pv/two", { waitUntil: "load" });
  const now = await shown(p);
  assert.equal(now.title, "Original title");
  assert.equal(now.hero.reason, "preview");
  assert.deepEqual(await tracked(p), []);
  await context.close();
});

test("a link with two flag=variant pairs previews both, for the session; no events; the URL is left clean", async () => {
  const { page: p, context, consoleErrors, pageErrors } = await open("/pv/one?PREVIEW=true&hero=control&side=control");
  const both = async () => p.evaluate(() => {
    const { flags, preview } = webexp.getDebugState();
    const v = webexp.getVariants();
    return { title: title.textContent, side: side.textContent, preview, reasons: [flags.hero.reason, flags.side.reason], keys: [v.hero.key, v.side.key] };
  });
  const expected = { title: "Original title", side: "Original side", preview: true, reasons: ["preview", "preview"], keys: ["control", "control"] };
  assert.deepEqual(await both(), expected);
  assert.equal(p.url(), live.server.url + "/pv/one");
  await p.reload({ waitUntil: "load" });
  assert.deepEqual(await both(), expected);
  await p.goto(live.server.url + "/pv/two", { waitUntil: "load" });
  assert.deepEqual(await both(), expected);
  await p.evaluate(() => [webexp.variant("hero"), webexp.variant("side")]);
  await settle(p);
  assert.deepEqual(await tracked(p), []);
  assert.deepEqual(await queued(p), []);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("events queued before a preview wait through it (nothing is sent in preview), then are delivered once, in order, when it ends", async () => {
  // The integration logs each event with the path of the page that delivered it.
  const logging = (integration) => `<!doctype html><html><head><meta charset="utf-8">
<script>
  ${integration ? `window.experimentIntegration = { getUser() { return {}; }, track(e) {
    const log = JSON.parse(sessionStorage.getItem("tracked") || "[]");
    log.push([location.pathname, e]); sessionStorage.setItem("tracked", JSON.stringify(log)); return true; } };` : ""}
  window.webexpConfig = ${JSON.stringify(CONFIG)};
</script>
<script src="/webexp.js"></script>
</head><body><h1 id="title">Original title</h1><p id="side">Original side</p></body></html>`;
  live.server.setRoute("/pv/q0", { body: logging(false) });
  for (const path of ["/pv/q1", "/pv/q2"]) live.server.setRoute(path, { body: logging(true) });
  const { page: p, context, consoleErrors } = await openPage(live.browser);
  // No integration, no analytics SDK: the two impressions wait in localStorage.
  await p.goto(live.server.url + "/pv/q0", { waitUntil: "load" });
  const waiting = await queued(p);
  assert.equal(waiting.length, 2);
  await p.goto(live.server.url + "/pv/q1?PREVIEW=true&hero=control", { waitUntil: "load" });
  assert.equal((await shown(p)).hero.reason, "preview");
  await p.evaluate(() => new Promise((r) => setTimeout(r, 300)));
  assert.deepEqual(await tracked(p), []);
  assert.deepEqual((await queued(p)).sort(), [...waiting].sort(), "the earlier events are still queued");
  await p.goto(live.server.url + "/pv/q2?PREVIEW=false", { waitUntil: "load" });
  await p.waitForFunction(() => JSON.parse(sessionStorage.getItem("tracked") || "[]").length >= 4);
  await p.evaluate(() => new Promise((r) => setTimeout(r, 100)));
  const impression = (flag_key, extra) => ({ eventType: "$impression", eventProperties: { flag_key, variant: "treatment", ...extra } });
  // The two from before the preview first, then this page's own; none from the preview.
  assert.deepEqual(await tracked(p), [
    ["/pv/q2", impression("hero", { experiment_key: "exp-h" })],
    ["/pv/q2", impression("side")],
    ["/pv/q2", impression("hero", { experiment_key: "exp-h" })],
    ["/pv/q2", impression("side")],
  ]);
  assert.deepEqual(await queued(p), []);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("PREVIEW= values other than true (1, TRUE, yes, empty, no value) start no preview: evaluation and events as usual", async () => {
  // CONTRACT: the link is `?PREVIEW=true&<flagKey>=<variantKey>`; it says nothing of other values.
  for (const mode of ["PREVIEW=1", "PREVIEW=TRUE", "PREVIEW=yes", "PREVIEW=", "PREVIEW"]) {
    const { page: p, context, consoleErrors } = await open(`/pv/one?${mode}&hero=control`);
    const now = await shown(p);
    assert.deepEqual([now.title, now.hero.variant, now.hero.reason], ["Treatment title", "treatment", "evaluated"], mode);
    assert.equal((await p.evaluate(() => webexp.getDebugState())).preview, false, mode);
    assert.equal(await p.evaluate(() => sessionStorage.getItem("webexp:preview")), null, mode);
    await p.waitForFunction(() => JSON.parse(sessionStorage.getItem("tracked") || "[]").length === 2);
    assert.deepEqual((await tracked(p)).map((e) => e.eventProperties.flag_key).sort(), ["hero", "side"], mode);
    assert.deepEqual(consoleErrors, [], mode);
    await context.close();
  }
});

test("a PREVIEW= value other than true ends a preview, as false does (the runtime's rule; the CONTRACT names neither)", async () => {
  for (const mode of ["PREVIEW=1", "PREVIEW="]) {
    const { page: p, context } = await open("/pv/one?PREVIEW=true&hero=control");
    assert.equal((await shown(p)).hero.reason, "preview");
    await p.goto(live.server.url + `/pv/two?${mode}`, { waitUntil: "load" });
    const now = await shown(p);
    assert.deepEqual([now.title, now.hero.variant, now.hero.reason], ["Treatment title", "treatment", "evaluated"], mode);
    assert.equal(await p.evaluate(() => sessionStorage.getItem("webexp:preview")), null, mode);
    await p.waitForFunction(() => JSON.parse(sessionStorage.getItem("tracked") || "[]").length === 2);
    await context.close();
  }
});
