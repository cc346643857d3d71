// The built-in integration (CONTRACT section 4, issue 4 point 6): with no custom integration,
// webexp's events go to whichever analytics SDK is on the page. Each test loads the real SDK
// from npm (served from /node_modules), points it at this test's local server, captures the
// request the SDK would send to its vendor, and asserts the event in it. Requests to anywhere
// but 127.0.0.1 are refused and fail the test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { serverAndBrowser, openPage, flag, setHtml } from "./support/browser.mjs";

const live = serverAndBrowser();

// "hero": treatment (a mutation, experiment key "exp-hero"); "gone": the off variant, tracked
// without `variant`.
const FLAGS = [flag("hero", { actions: [setHtml("#a", "A")], experimentKey: "exp-hero" }), flag("gone", { variant: "off", variants: { off: { key: "off", metadata: { default: true } } } })];
const config = (extra = {}) => ({ flags: FLAGS, user: { web_exp_id: "adapters-visitor" }, ...extra });

// Bodies of the requests made to the capture routes, as { path, body } (body: text).
let captured = [];
function capture(path, reply = "1") {
  live.server.setRoute(path, async (req) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    captured.push({ path, body, url: req.url });
    return { headers: { "content-type": "application/json" }, body: reply };
  });
}

// Waits (polling, no timing assumption) until `find` returns (or resolves to) something.
async function waitFor(find, what) {
  for (let i = 0; i < 300; i++) {
    const found = await find();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no ${what} captured; got: ${JSON.stringify(captured).slice(0, 2000)}`);
}

// A page: `head` (the SDK set-up) before the webexp tag unless `sdkAfter`.
function page({ head = "", cfg = config(), sdkAfter = false } = {}) {
  const webexp = `<script>window.webexpConfig = ${JSON.stringify(cfg)};</script><script src="/webexp.js"></script>`;
  return `<!doctype html><html><head><meta charset="utf-8">
${sdkAfter ? webexp + head : head + webexp}
</head><body><p id="a">a</p></body></html>`;
}

// Opens `path` (registered with `body`) in a fresh context in which only 127.0.0.1 is reachable.
async function open(path, body) {
  live.server.setRoute(path, { body });
  const opened = await openPage(live.browser);
  const outside = [];
  await opened.context.route((url) => url.hostname !== "127.0.0.1", (route) => {
    outside.push(route.request().url());
    return route.abort();
  });
  opened.outside = outside;
  await opened.page.goto(live.server.url + path, { waitUntil: "load" });
  return opened;
}

// The number of events waiting in the page's queue.
const queued = (p) => p.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("webexp:q:")).length);

async function close({ context, outside, pageErrors }) {
  assert.deepEqual(outside, [], "no request leaves 127.0.0.1");
  assert.deepEqual(pageErrors, []);
  await context.close();
}

// ---- Amplitude Browser SDK (@amplitude/analytics-browser, its script build) ----

const AMPLITUDE_SCRIPT = "/node_modules/@amplitude/analytics-browser/lib/scripts/amplitude-min.js";
const amplitudeInit = () => `amplitude.init("test-key", {
  serverUrl: location.origin + "/amp", autocapture: false, fetchRemoteConfig: false,
  flushIntervalMillis: 50, logLevel: 0 });`;
const amplitudeHead = () => `<script src="${AMPLITUDE_SCRIPT}"></script><script>${amplitudeInit()}</script>`;
// Every event the SDK posted to the local serverUrl.
const amplitudeEvents = () => captured.filter((c) => c.path === "/amp").flatMap((c) => JSON.parse(c.body).events);

function amplitudeRoutes() {
  captured = [];
  capture("/amp", JSON.stringify({ code: 200, events_ingested: 1, payload_size_bytes: 1, server_upload_time: 1 }));
}

test("Amplitude: $impression as it is, with flag_key, variant and experiment_key; off without variant", async () => {
  amplitudeRoutes();
  const opened = await open("/amp.html", page({ head: amplitudeHead() }));
  const hero = await waitFor(() => amplitudeEvents().find((e) => e.event_type === "$impression" && e.event_properties.flag_key === "hero"), "hero $impression");
  assert.deepEqual(hero.event_properties, { flag_key: "hero", variant: "treatment", experiment_key: "exp-hero" });
  const gone = await waitFor(() => amplitudeEvents().find((e) => e.event_type === "$impression" && e.event_properties.flag_key === "gone"), "off $impression");
  assert.deepEqual(gone.event_properties, { flag_key: "gone" });
  assert.equal(hero.device_id, await opened.page.evaluate(() => amplitude.getDeviceId()));
  // $exposure through webexp.variant().
  await opened.page.evaluate(() => webexp.variant("hero"));
  const exposure = await waitFor(() => amplitudeEvents().find((e) => e.event_type === "$exposure"), "$exposure");
  assert.deepEqual(exposure.event_properties, { flag_key: "hero", variant: "treatment", experiment_key: "exp-hero" });
  assert.deepEqual(await opened.page.evaluate(() => webexp.getDebugState().eventsQueued), []);
  await close(opened);
});

test("Amplitude, ingestedForm: [Experiment] Impression and the [Experiment] <flag> user property (unset for off)", async () => {
  amplitudeRoutes();
  const opened = await open("/amp-ingested.html", page({ head: amplitudeHead(), cfg: config({ integration: { ingestedForm: true } }) }));
  const hero = await waitFor(() => amplitudeEvents().find((e) => e.event_type === "[Experiment] Impression" && e.event_properties["[Experiment] Flag Key"] === "hero"), "hero impression");
  assert.deepEqual(hero.event_properties, { "[Experiment] Flag Key": "hero", "[Experiment] Variant": "treatment", "[Experiment] Experiment Key": "exp-hero" });
  const identifies = await waitFor(() => {
    const ids = amplitudeEvents().filter((e) => e.event_type === "$identify");
    return ids.length >= 2 && ids;
  }, "two $identify");
  const ops = identifies.map((e) => e.user_properties);
  assert.ok(ops.some((p) => p.$set && p.$set["[Experiment] hero"] === "treatment"), JSON.stringify(ops));
  assert.ok(ops.some((p) => p.$unset && "[Experiment] gone" in p.$unset), JSON.stringify(ops));
  const gone = amplitudeEvents().find((e) => e.event_type === "[Experiment] Impression" && e.event_properties["[Experiment] Flag Key"] === "gone");
  assert.deepEqual(gone?.event_properties, { "[Experiment] Flag Key": "gone" });
  assert.ok(!amplitudeEvents().some((e) => e.event_type === "$impression"));
  await close(opened);
});

test("an SDK that appears after webexp started still receives the queued impressions", async () => {
  amplitudeRoutes();
  const opened = await open("/amp-late.html", page());
  const { page: p } = opened;
  assert.equal(await queued(p), 2, "no SDK yet: both impressions wait in the queue");
  assert.deepEqual(captured, []);
  await p.addScriptTag({ url: AMPLITUDE_SCRIPT });
  await p.evaluate(amplitudeInit());
  await waitFor(() => amplitudeEvents().filter((e) => e.event_type === "$impression").length >= 2 || null, "both impressions");
  const flags = amplitudeEvents().filter((e) => e.event_type === "$impression").map((e) => e.event_properties.flag_key);
  assert.deepEqual(flags.sort(), ["gone", "hero"]);
  assert.equal(await queued(p), 0);
  await close(opened);
});

test("an Amplitude still loading is waited for: the load-time impressions do not go to Google Analytics instead", async () => {
  amplitudeRoutes();
  // Amplitude's snippet stub (no device id until the SDK has loaded), and Google's snippet.
  const head = `<script>window.amplitude = { _q: [], track() { this._q.push(arguments); }, getDeviceId() {} };
    window.dataLayer = []; function gtag() { dataLayer.push(arguments); }</script>`;
  const opened = await open("/amp-and-ga.html", page({ head }));
  const { page: p } = opened;
  assert.equal(await queued(p), 2, "both impressions wait for Amplitude");
  await p.addScriptTag({ url: AMPLITUDE_SCRIPT });
  await p.evaluate(amplitudeInit());
  await waitFor(() => amplitudeEvents().filter((e) => e.event_type === "$impression").length >= 2 || null, "both impressions");
  assert.equal(await queued(p), 0);
  assert.deepEqual(await p.evaluate(() => dataLayer), [], "nothing went to Google Analytics");
  await close(opened);
});

// ---- Segment analytics.js (@segment/analytics-next, its standalone build) ----

const SEGMENT_UMD = "node_modules/@segment/analytics-next/dist/umd/";
function segmentRoutes() {
  captured = [];
  const host = live.server.url.replace("http://", "");
  // What cdn.segment.com would serve: the source's settings and analytics.js's lazy bundles.
  live.server.setRoute("/v1/projects/test-key/settings", {
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      integrations: { "Segment.io": { apiKey: "test-key", apiHost: host + "/seg/v1", protocol: "http" } },
      plan: {},
      metrics: { sampleRate: 0 },
    }),
  });
  for (const file of readdirSync(new URL("../" + SEGMENT_UMD, import.meta.url))) {
    if (!file.endsWith(".js")) continue;
    live.server.setRoute("/analytics-next/bundles/" + file, {
      headers: { "content-type": "text/javascript" },
      body: readFileSync(new URL("../" + SEGMENT_UMD + file, import.meta.url)),
    });
  }
  for (const type of ["t", "i", "p"]) capture("/seg/v1/" + type, "{}");
}
// Segment's snippet, reduced to what analytics.js reads: a call buffer, the write key, the CDN.
const segmentHead = () => `<script>
  window.analytics = []; analytics._writeKey = "test-key"; analytics._cdn = location.origin;
</script><script src="/${SEGMENT_UMD}standalone.js"></script>`;
const segmentCalls = (type) => captured.filter((c) => c.path === "/seg/v1/" + type).map((c) => JSON.parse(c.body));

test("Segment: $impression as it is, through analytics.track", async () => {
  segmentRoutes();
  const opened = await open("/seg.html", page({ head: segmentHead() }));
  const hero = await waitFor(() => segmentCalls("t").find((t) => t.event === "$impression" && t.properties.flag_key === "hero"), "hero track");
  assert.deepEqual(hero.properties, { flag_key: "hero", variant: "treatment", experiment_key: "exp-hero" });
  assert.equal(hero.writeKey, "test-key");
  assert.equal(hero.anonymousId, await opened.page.evaluate(() => analytics.user().anonymousId()));
  const gone = await waitFor(() => segmentCalls("t").find((t) => t.properties.flag_key === "gone"), "off track");
  assert.deepEqual(gone.properties, { flag_key: "gone" });
  assert.deepEqual(segmentCalls("i"), []);
  await close(opened);
});

test("Segment, ingestedForm: [Experiment] Impression and the [Experiment] <flag> trait via identify (null for off)", async () => {
  segmentRoutes();
  const opened = await open("/seg-ingested.html", page({ head: segmentHead(), cfg: config({ integration: { ingestedForm: true } }) }));
  const hero = await waitFor(() => segmentCalls("t").find((t) => t.event === "[Experiment] Impression" && t.properties["[Experiment] Flag Key"] === "hero"), "hero track");
  assert.deepEqual(hero.properties, { "[Experiment] Flag Key": "hero", "[Experiment] Variant": "treatment", "[Experiment] Experiment Key": "exp-hero" });
  await waitFor(() => segmentCalls("i").length >= 2 || null, "two identify calls");
  const traits = segmentCalls("i").map((i) => i.traits);
  assert.ok(traits.some((t) => t["[Experiment] hero"] === "treatment"), JSON.stringify(traits));
  assert.ok(traits.some((t) => "[Experiment] gone" in t && t["[Experiment] gone"] === null), JSON.stringify(traits));
  assert.ok(!segmentCalls("t").some((t) => t.event === "$impression"));
  await close(opened);
});

// ---- Mixpanel (mixpanel-browser, loaded by Mixpanel's own snippet) ----

function mixpanelRoutes() {
  captured = [];
  capture("/mp/track/");
  capture("/mp/engage/");
}
// Mixpanel's snippet (from the package), loading the library from the local server.
const MIXPANEL_SNIPPET = readFileSync(new URL("../node_modules/mixpanel-browser/dist/mixpanel-jslib-snippet.min.js", import.meta.url), "utf8");
const mixpanelHead = (after = "") => `<script>
  window.MIXPANEL_CUSTOM_LIB_URL = "/node_modules/mixpanel-browser/dist/mixpanel.min.js";
  ${MIXPANEL_SNIPPET}
  mixpanel.init("test-token", { api_host: location.origin + "/mp", batch_requests: false, track_pageview: false });
  ${after}
</script>`;
// Mixpanel posts `data=` (base64 of JSON, the default away from *.mixpanel.com) as a form.
function mixpanelPayloads(path) {
  return captured.filter((c) => c.path === path).flatMap((c) => {
    const data = new URLSearchParams(c.body).get("data") ?? new URL(c.url, "http://x").searchParams.get("data");
    let text = data;
    if (!/^[[{]/.test(text)) text = Buffer.from(data, "base64").toString("utf8");
    const v = JSON.parse(text);
    return Array.isArray(v) ? v : [v];
  });
}

test("Mixpanel: $experiment_started with Experiment name and Variant name; nothing for off", async () => {
  mixpanelRoutes();
  const opened = await open("/mp.html", page({ head: mixpanelHead() }));
  const started = await waitFor(() => mixpanelPayloads("/mp/track/").find((e) => e.event === "$experiment_started"), "$experiment_started");
  assert.equal(started.properties["Experiment name"], "hero");
  assert.equal(started.properties["Variant name"], "treatment");
  assert.equal(started.properties.token, "test-token");
  // The off impression was delivered (nothing waits) without sending anything.
  await waitFor(() => opened.page.evaluate(() => webexp.getDebugState().eventsQueued.length === 0 || null), "empty queue");
  const tracked = mixpanelPayloads("/mp/track/").filter((e) => e.event === "$experiment_started");
  assert.deepEqual(tracked.map((e) => e.properties["Experiment name"]), ["hero"]);
  assert.ok(!mixpanelPayloads("/mp/track/").some((e) => e.event === "$impression"));
  await close(opened);
});

test("Mixpanel, ingestedForm: [Experiment] Impression and people.set / people.unset of [Experiment] <flag>", async () => {
  mixpanelRoutes();
  // Mixpanel keeps profile updates of a visitor it has not identified in the browser until
  // identify(); an identified visitor's go out at once.
  const opened = await open("/mp-ingested.html", page({ head: mixpanelHead('mixpanel.identify("u-1");'), cfg: config({ integration: { ingestedForm: true } }) }));
  const hero = await waitFor(() => mixpanelPayloads("/mp/track/").find((e) => e.event === "[Experiment] Impression" && e.properties["[Experiment] Flag Key"] === "hero"), "hero impression");
  assert.equal(hero.properties["[Experiment] Variant"], "treatment");
  assert.equal(hero.properties["[Experiment] Experiment Key"], "exp-hero");
  const gone = await waitFor(() => mixpanelPayloads("/mp/track/").find((e) => e.properties["[Experiment] Flag Key"] === "gone"), "off impression");
  assert.ok(!("[Experiment] Variant" in gone.properties));
  const set = await waitFor(() => mixpanelPayloads("/mp/engage/").find((e) => e.$set && e.$set["[Experiment] hero"]), "people.set");
  assert.equal(set.$set["[Experiment] hero"], "treatment");
  const unset = await waitFor(() => mixpanelPayloads("/mp/engage/").find((e) => e.$unset), "people.unset");
  assert.deepEqual(unset.$unset, ["[Experiment] gone"]);
  await close(opened);
});

// ---- Identity: getUser() ids in context.user at start ----

// "who" is treatment only for the visitor whose context.user has `field` equal to `value`.
const targeted = (field, value) => ({
  key: "who",
  metadata: { deliveryMethod: "web", evaluationMode: "local" },
  segments: [
    { conditions: [[{ selector: ["context", "user", field], op: "is", values: [value] }]], variant: "treatment" },
    { variant: "off" },
  ],
  variants: { off: { key: "off", metadata: { default: true } }, treatment: { key: "treatment", payload: [] } },
});

test("getUser: the SDK's ids (Mixpanel, loaded before webexp) and a custom integration's are in context.user", async () => {
  mixpanelRoutes();
  // The library is loaded synchronously after the snippet's stub (the snippet's own async load
  // is pointed at nothing), so it is ready when webexp starts.
  const sync = `<script>window.MIXPANEL_CUSTOM_LIB_URL = "/none.js";
    ${MIXPANEL_SNIPPET}
    mixpanel.init("test-token", { api_host: location.origin + "/mp", batch_requests: false, track_pageview: false });
    </script><script src="/node_modules/mixpanel-browser/dist/mixpanel.min.js"></script><script>mixpanel.identify("u-42");</script>`;
  const opened = await open("/who-mp.html", page({ head: sync, cfg: { flags: [targeted("user_id", "u-42")], user: { web_exp_id: "v" } } }));
  assert.equal((await opened.page.evaluate(() => webexp.getVariants())).who.key, "treatment");
  await close(opened);

  const custom = `<script>window.experimentIntegration = { getUser() { return { device_id: "d-7", user_id: 5 }; }, track() { return true; } };</script>`;
  const opened2 = await open("/who-custom.html", page({ head: custom, cfg: { flags: [targeted("device_id", "d-7"), { ...targeted("user_id", "5"), key: "num" }], user: { web_exp_id: "v" } } }));
  const variants = await opened2.page.evaluate(() => webexp.getVariants());
  assert.equal(variants.who.key, "treatment");
  assert.equal(variants.num.key, "off", "only string ids are taken");
  await close(opened2);
});

test("Segment's and Mixpanel's snippet stubs, their SDK blocked, take nothing: the impressions wait in webexp's queue", async () => {
  // The snippets as they are before their library loads: an array that buffers the calls, which
  // would be lost with the page if the library never came (an ad blocker).
  const stubs = {
    segment: `<script>window.analytics = []; analytics._writeKey = "k";
      for (const m of ["track", "identify", "page", "user"]) analytics[m] = function () { analytics.push([m, ...arguments]); return analytics; };</script>`,
    mixpanel: `<script>window.mixpanel = []; mixpanel._i = []; mixpanel.__SV = 1.2;
      for (const m of ["track", "identify", "register", "get_property"]) mixpanel[m] = function () { mixpanel.push([m, ...arguments]); };
      mixpanel.people = { set() { mixpanel.push(["people.set"]); }, unset() { mixpanel.push(["people.unset"]); } };</script>`,
  };
  for (const [name, head] of Object.entries(stubs)) {
    const opened = await open(`/stub-${name}.html`, page({ head }));
    const { page: p } = opened;
    await p.waitForTimeout(300);
    assert.equal(await queued(p), 2, `${name}: both impressions wait`);
    const buffered = await p.evaluate((global) => window[global].filter((call) => call[0] === "track").length, name === "segment" ? "analytics" : "mixpanel");
    assert.equal(buffered, 0, `${name}: nothing was handed to the stub`);
    await close(opened);
  }
});

// ---- Google Analytics 4 (gtag / dataLayer stubs, no network) ----

test("GA4: gtag('event', 'experience_impression', { exp_variant_string }), nothing for off; else a dataLayer push", async () => {
  const gtagHead = `<script>window.dataLayer = []; function gtag() { dataLayer.push(arguments); }</script>`;
  const opened = await open("/gtag.html", page({ head: gtagHead }));
  await waitFor(() => opened.page.evaluate(() => webexp.getDebugState().eventsQueued.length === 0 || null), "empty queue");
  const calls = await opened.page.evaluate(() => dataLayer.map((a) => Array.from(a)));
  assert.deepEqual(calls, [["event", "experience_impression", { exp_variant_string: "webexp-hero-treatment" }]]);
  await close(opened);

  const opened2 = await open("/datalayer.html", page({ head: "<script>window.dataLayer = [];</script>" }));
  await waitFor(() => opened2.page.evaluate(() => webexp.getDebugState().eventsQueued.length === 0 || null), "empty queue");
  assert.deepEqual(await opened2.page.evaluate(() => dataLayer), [{ event: "experience_impression", exp_variant_string: "webexp-hero-treatment" }]);
  await close(opened2);
});

test("a custom integration takes precedence over the SDK on the page", async () => {
  const head = `<script>window.dataLayer = []; window.got = [];
    window.experimentIntegration = { getUser() { return {}; }, track(e) { got.push(e.eventProperties.flag_key); return true; } };</script>`;
  const opened = await open("/custom.html", page({ head }));
  assert.deepEqual((await opened.page.evaluate(() => got)).sort(), ["gone", "hero"]);
  assert.deepEqual(await opened.page.evaluate(() => dataLayer), []);
  await close(opened);
});

// ---- What each adapter is handed: recorded in the page, so that counts are exact ----

// Wraps methods of loaded SDK objects (still calling them) to record each call webexp makes as
// [name, ...arguments] in window.calls; `spec`: [[global path, [method names]]]. An Amplitude
// Identify is recorded as its user properties.
function record(p, spec) {
  return p.evaluate((spec) => {
    window.calls = [];
    const clone = (a) => (a === undefined ? null : typeof a?.getUserProperties === "function" ? a.getUserProperties() : JSON.parse(JSON.stringify(a)));
    for (const [path, names] of spec) {
      const target = path.split(".").reduce((o, k) => o[k], window);
      for (const name of names) {
        const original = target[name];
        target[name] = function (...args) {
          calls.push([path + "." + name, ...args.map(clone)]);
          return original.apply(this, args);
        };
      }
    }
  }, spec);
}
const calls = (p) => p.evaluate(() => calls);
const queueEmpty = (p) => waitFor(() => p.evaluate(() => webexp.getDebugState().eventsQueued.length === 0 || null), "an empty queue");
const HERO = { flag_key: "hero", variant: "treatment", experiment_key: "exp-hero" };

test("Segment: $exposure as it is, once per flag and variant; off without variant", async () => {
  segmentRoutes();
  const opened = await open("/seg-exposure.html", page({ head: segmentHead() }));
  const { page: p } = opened;
  await waitFor(() => segmentCalls("t").filter((t) => t.event === "$impression").length === 2 || null, "both impressions");
  await queueEmpty(p);
  await record(p, [["analytics", ["track", "identify"]]]);
  await p.evaluate(() => { webexp.variant("hero"); webexp.variant("hero"); webexp.variant("gone"); webexp.variant("gone"); });
  assert.deepEqual(await calls(p), [["analytics.track", "$exposure", HERO], ["analytics.track", "$exposure", { flag_key: "gone" }]]);
  // What reaches Segment's API.
  const exposures = await waitFor(() => {
    const found = segmentCalls("t").filter((t) => t.event === "$exposure");
    return found.length === 2 && found;
  }, "both exposures");
  assert.deepEqual(exposures.map((t) => t.properties).sort((a, b) => a.flag_key.localeCompare(b.flag_key)), [{ flag_key: "gone" }, HERO]);
  assert.deepEqual(segmentCalls("t").filter((t) => t.event === "$impression").map((t) => t.properties.flag_key).sort(), ["gone", "hero"]);
  assert.deepEqual(segmentCalls("i"), []);
  await close(opened);
});

test("Mixpanel: $exposure is sent as $experiment_started too (Experiment name, Variant name), nothing for off", async () => {
  mixpanelRoutes();
  const opened = await open("/mp-exposure.html", page({ head: mixpanelHead() }));
  const { page: p } = opened;
  await waitFor(() => mixpanelPayloads("/mp/track/").find((e) => e.event === "$experiment_started"), "the impression");
  await queueEmpty(p);
  await record(p, [["mixpanel", ["track"]], ["mixpanel.people", ["set", "unset"]]]);
  await p.evaluate(() => { webexp.variant("hero"); webexp.variant("hero"); webexp.variant("gone"); });
  assert.deepEqual(await calls(p), [["mixpanel.track", "$experiment_started", { "Experiment name": "hero", "Variant name": "treatment" }]]);
  assert.deepEqual(await p.evaluate(() => webexp.getDebugState().eventsQueued), [], "the off exposure counts as delivered");
  const started = await waitFor(() => {
    const found = mixpanelPayloads("/mp/track/").filter((e) => e.event === "$experiment_started");
    return found.length === 2 && found;
  }, "the impression and the exposure");
  for (const e of started) {
    assert.equal(e.properties["Experiment name"], "hero");
    assert.equal(e.properties["Variant name"], "treatment");
  }
  assert.ok(!mixpanelPayloads("/mp/track/").some((e) => e.event === "$exposure" || e.event === "$impression"));
  await close(opened);
});

// Per SDK: the page head, what to record, and the calls expected for $exposure of "hero"
// (treatment) and "gone" (off) in the ingested form: the user property first, then the event.
const EXPOSURE_HERO = { "[Experiment] Flag Key": "hero", "[Experiment] Variant": "treatment", "[Experiment] Experiment Key": "exp-hero" };
const EXPOSURE_GONE = { "[Experiment] Flag Key": "gone" };
const INGESTED = {
  amplitude: {
    routes: amplitudeRoutes,
    head: () => amplitudeHead(),
    record: [["amplitude", ["track", "identify"]]],
    expected: [
      ["amplitude.identify", { $set: { "[Experiment] hero": "treatment" } }], ["amplitude.track", "[Experiment] Exposure", EXPOSURE_HERO],
      ["amplitude.identify", { $unset: { "[Experiment] gone": "-" } }], ["amplitude.track", "[Experiment] Exposure", EXPOSURE_GONE],
    ],
  },
  segment: {
    routes: segmentRoutes,
    head: () => segmentHead(),
    record: [["analytics", ["track", "identify"]]],
    expected: [
      ["analytics.identify", { "[Experiment] hero": "treatment" }], ["analytics.track", "[Experiment] Exposure", EXPOSURE_HERO],
      ["analytics.identify", { "[Experiment] gone": null }], ["analytics.track", "[Experiment] Exposure", EXPOSURE_GONE],
    ],
  },
  mixpanel: {
    routes: mixpanelRoutes,
    head: () => mixpanelHead('mixpanel.identify("u-1");'),
    record: [["mixpanel", ["track"]], ["mixpanel.people", ["set", "unset"]]],
    expected: [
      ["mixpanel.people.set", "[Experiment] hero", "treatment"], ["mixpanel.track", "[Experiment] Exposure", EXPOSURE_HERO],
      ["mixpanel.people.unset", "[Experiment] gone"], ["mixpanel.track", "[Experiment] Exposure", EXPOSURE_GONE],
    ],
  },
};

test("ingestedForm: $exposure as [Experiment] Exposure, each after its user property is set (Amplitude, Segment, Mixpanel)", async () => {
  for (const [name, sdk] of Object.entries(INGESTED)) {
    sdk.routes();
    const opened = await open(`/ingested-exposure-${name}.html`, page({ head: sdk.head(), cfg: config({ integration: { ingestedForm: true } }) }));
    const { page: p } = opened;
    await queueEmpty(p);
    await record(p, sdk.record);
    await p.evaluate(() => { webexp.variant("hero"); webexp.variant("gone"); webexp.variant("hero"); });
    assert.deepEqual(await calls(p), sdk.expected, name);
    await close(opened);
  }
});

test("Amplitude, ingestedForm: the $identify of each impression reaches Amplitude before the impression", async () => {
  amplitudeRoutes();
  const opened = await open("/amp-ingested-order.html", page({ head: amplitudeHead(), cfg: config({ integration: { ingestedForm: true } }) }));
  const events = await waitFor(() => {
    const all = amplitudeEvents();
    return all.filter((e) => e.event_type === "[Experiment] Impression").length === 2 && all.filter((e) => e.event_type === "$identify").length === 2 && all;
  }, "two impressions and two $identify");
  // event_id: the order in which the SDK took the calls.
  const order = events.sort((a, b) => a.event_id - b.event_id).map((e) => e.event_type === "$identify"
    ? "identify " + Object.keys(e.user_properties.$set ?? e.user_properties.$unset)[0]
    : "impression " + e.event_properties["[Experiment] Flag Key"]);
  const at = (what) => order.indexOf(what);
  assert.ok(at("identify [Experiment] hero") >= 0 && at("identify [Experiment] hero") < at("impression hero"), order.join(", "));
  assert.ok(at("identify [Experiment] gone") >= 0 && at("identify [Experiment] gone") < at("impression gone"), order.join(", "));
  await close(opened);
});

// ---- getUser(): the ids of the Amplitude and Segment SDKs, and of the first SDK when several ----

// The SDKs' ids, set before webexp starts.
const AMP_IDS = { user_id: "u-amp", device_id: "d-amp" };
const SEG_IDS = { user_id: "u-seg", device_id: "a-seg" };
// One flag per id, "treatment" only for a context.user that has it.
const ID_FLAGS = [
  { ...targeted("user_id", AMP_IDS.user_id), key: "amp-user" }, { ...targeted("device_id", AMP_IDS.device_id), key: "amp-device" },
  { ...targeted("user_id", SEG_IDS.user_id), key: "seg-user" }, { ...targeted("device_id", SEG_IDS.device_id), key: "seg-device" },
];
// Amplitude's init() finishes asynchronously (its ids are undefined until then), and
// analytics.js loads asynchronously: webexp's tag is added once they are ready, so that the SDKs
// are loaded when it starts.
const READY = {
  amplitude: `await amplitude.init("test-key", "${AMP_IDS.user_id}", { deviceId: "${AMP_IDS.device_id}", serverUrl: location.origin + "/amp",
    autocapture: false, fetchRemoteConfig: false, flushIntervalMillis: 50, logLevel: 0 }).promise;`,
  segment: `await new Promise((r) => { const t = setInterval(() => { if (analytics.initialized) { clearInterval(t); r(); } }, 10); });
    analytics.setAnonymousId("${SEG_IDS.device_id}"); analytics.identify("${SEG_IDS.user_id}");`,
};
function pageWhenReady(sdks) {
  const head = sdks.map((s) => (s === "amplitude" ? `<script src="${AMPLITUDE_SCRIPT}"></script>` : segmentHead())).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8">${head}
<script>(async () => {
  ${sdks.map((s) => READY[s]).join("\n")}
  window.webexpConfig = ${JSON.stringify({ flags: ID_FLAGS, user: { web_exp_id: "v" } })};
  const tag = document.createElement("script");
  tag.src = "/webexp.js";
  document.head.append(tag);
})();</script></head><body></body></html>`;
}
const idVariants = async (p) => {
  await p.waitForFunction(() => window.webexp);
  return p.evaluate(() => Object.fromEntries(Object.entries(webexp.getVariants()).map(([k, v]) => [k, v.key])));
};

test("getUser: Amplitude's getUserId() and getDeviceId() are context.user's user_id and device_id", async () => {
  amplitudeRoutes();
  const opened = await open("/ids-amp.html", pageWhenReady(["amplitude"]));
  assert.deepEqual(await idVariants(opened.page), { "amp-user": "treatment", "amp-device": "treatment", "seg-user": "off", "seg-device": "off" });
  await close(opened);
});

test("getUser: Segment's user().id() and user().anonymousId() are context.user's user_id and device_id", async () => {
  segmentRoutes();
  const opened = await open("/ids-seg.html", pageWhenReady(["segment"]));
  assert.deepEqual(await idVariants(opened.page), { "amp-user": "off", "amp-device": "off", "seg-user": "treatment", "seg-device": "treatment" });
  await close(opened);
});

test("getUser with Amplitude and Segment both loaded: the ids are Amplitude's, the first SDK's", async () => {
  amplitudeRoutes();
  segmentRoutes();
  capture("/amp", JSON.stringify({ code: 200, events_ingested: 1, payload_size_bytes: 1, server_upload_time: 1 }));
  const opened = await open("/ids-both.html", pageWhenReady(["amplitude", "segment"]));
  assert.deepEqual(await idVariants(opened.page), { "amp-user": "treatment", "amp-device": "treatment", "seg-user": "off", "seg-device": "off" });
  await close(opened);
});

// ---- Several SDKs on one page: which one the built-in integration picks ----

test("several SDKs loaded: events go to the first of Amplitude, Segment, Mixpanel, gtag, dataLayer, and to that one only", async () => {
  amplitudeRoutes();
  segmentRoutes();
  mixpanelRoutes();
  capture("/amp", JSON.stringify({ code: 200, events_ingested: 1, payload_size_bytes: 1, server_upload_time: 1 }));
  for (const type of ["t", "i", "p"]) capture("/seg/v1/" + type, "{}");
  // All four, each loaded the way its vendor documents (Mixpanel's library synchronously, so it
  // is ready first). "c1".."c4": controls, for one $exposure per step below.
  const mixpanelSync = `<script>window.MIXPANEL_CUSTOM_LIB_URL = "/none.js";
    ${MIXPANEL_SNIPPET}
    mixpanel.init("test-token", { api_host: location.origin + "/mp", batch_requests: false, track_pageview: false });
    </script><script src="/node_modules/mixpanel-browser/dist/mixpanel.min.js"></script>`;
  const gtagSnippet = `<script>window.dataLayer = []; function gtag() { dataLayer.push(arguments); }</script>`;
  const controls = ["c1", "c2", "c3", "c4"].map((key) => flag(key, { variant: "control" }));
  const cfg = config({ flags: [...FLAGS, ...controls] });
  const opened = await open("/several.html", page({ head: amplitudeHead() + segmentHead() + mixpanelSync + gtagSnippet, cfg }));
  const { page: p } = opened;
  await queueEmpty(p);
  await p.waitForFunction(() => analytics.initialized);
  // Every impression went to Amplitude, once; a marker sent through each other SDK after them
  // shows that nothing of webexp's went there.
  await p.evaluate(() => { amplitude.track("marker"); analytics.track("marker"); mixpanel.track("marker"); });
  await waitFor(() => amplitudeEvents().some((e) => e.event_type === "marker")
    && segmentCalls("t").some((t) => t.event === "marker")
    && mixpanelPayloads("/mp/track/").some((e) => e.event === "marker"), "the markers");
  const impressions = amplitudeEvents().filter((e) => e.event_type === "$impression").map((e) => e.event_properties.flag_key);
  assert.deepEqual(impressions.sort(), ["c1", "c2", "c3", "c4", "gone", "hero"]);
  assert.deepEqual(segmentCalls("t").map((t) => t.event), ["marker"]);
  assert.deepEqual(mixpanelPayloads("/mp/track/").map((e) => e.event), ["marker"]);
  assert.deepEqual(await p.evaluate(() => dataLayer.length), 0);

  // Down the list, one SDK gone at each step: the next one gets the $exposure, alone.
  await record(p, [["amplitude", ["track"]], ["analytics", ["track"]], ["mixpanel", ["track"]], ["window", ["gtag"]]]);
  const step = (remove, key) => p.evaluate(([remove, key]) => {
    calls.length = 0;
    if (remove) window[remove] = undefined;
    webexp.variant(key);
    return calls;
  }, [remove, key]);
  assert.deepEqual(await step(null, "hero"), [["amplitude.track", "$exposure", HERO]]);
  assert.deepEqual(await step("amplitude", "c1"), [["analytics.track", "$exposure", { flag_key: "c1", variant: "control" }]]);
  assert.deepEqual(await step("analytics", "c2"), [["mixpanel.track", "$experiment_started", { "Experiment name": "c2", "Variant name": "control" }]]);
  assert.deepEqual(await step("mixpanel", "c3"), [["window.gtag", "event", "experience_impression", { exp_variant_string: "webexp-c3-control" }]]);
  assert.deepEqual(await step("gtag", "c4"), []);
  assert.deepEqual(await p.evaluate(() => dataLayer.map((d) => (d.length !== undefined ? Array.from(d) : d))), [
    ["event", "experience_impression", { exp_variant_string: "webexp-c3-control" }],
    { event: "experience_impression", exp_variant_string: "webexp-c4-control" },
  ]);
  assert.deepEqual(await p.evaluate(() => webexp.getDebugState().eventsQueued), []);
  await close(opened);
});

test("a Segment still loading is waited for: a loaded Mixpanel further down the list gets nothing", async () => {
  // Segment's snippet stub (analytics.js not loaded: no `initialized`), and a Mixpanel that is.
  const head = `<script>window.analytics = []; analytics._writeKey = "k";
      for (const m of ["track", "identify", "page", "user"]) analytics[m] = function () { analytics.push([m, ...arguments]); return analytics; };
    window.mixpanelCalls = [];
    window.mixpanel = { __loaded: true, track(...args) { mixpanelCalls.push(args); }, get_property() {}, people: { set() {}, unset() {} } };</script>`;
  const opened = await open("/seg-loading.html", page({ head }));
  const { page: p } = opened;
  assert.equal(await queued(p), 2, "both impressions wait for Segment");
  assert.deepEqual(await p.evaluate(() => mixpanelCalls), []);
  // analytics.js has loaded (a stand-in with its loaded shape): the retry delivers to it.
  await p.evaluate(() => {
    window.segmentCalls = [];
    window.analytics = { initialized: true, track(...args) { segmentCalls.push(args); }, user: () => ({ id: () => null, anonymousId: () => "a" }) };
  });
  await p.waitForFunction(() => segmentCalls.length >= 2);
  assert.deepEqual(await p.evaluate(() => segmentCalls.map(([name, props]) => [name, props.flag_key])), [["$impression", "gone"], ["$impression", "hero"]], "in the order made: off at start, the treatment when #a is parsed");
  assert.equal(await queued(p), 0);
  assert.deepEqual(await p.evaluate(() => mixpanelCalls), []);
  await close(opened);
});
