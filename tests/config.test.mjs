// CONTRACT sections 1 and 2: where the script tag finds its config, the compact authoring format
// (issue 3), and what it does with bad input: one clear console.error, the rest keeps working.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, openPage, flag, setHtml } from "./support/browser.mjs";
import { syncPage, loadAndMeasure } from "./support/pages.mjs";

const live = serverAndBrowser();

const CONFIG = {
  flags: [flag("hero", { experimentKey: "exp-hero", actions: [setHtml("#late", "New headline")] })],
  user: { web_exp_id: "visitor-1" },
};

// What getDebugState() gives when webexp cannot answer: DebugState's shape, empty.
const EMPTY_DEBUG_STATE = { initMicros: 0, preview: false, flags: {}, eventsSent: [], eventsQueued: [], fights: [] };

async function load(path, configScript) {
  live.server.setRoute(path, { body: syncPage(configScript) });
  return loadAndMeasure(live.browser, live.server.url + path);
}
const inline = (config) => `<script>window.webexpConfig = ${JSON.stringify(config)};</script>`;

test("config from <script type=application/json id=webexp-config>", async () => {
  const tag = `<script type="application/json" id="webexp-config">${JSON.stringify(CONFIG)}</script>`;
  const r = await load("/json-config.html", tag);
  assert.deepEqual(r.consoleErrors, []);
  assert.equal(r.text, "New headline");
  assert.equal(r.t.seen.html, "New headline");
});

test("window.webexpConfig wins over the JSON tag", async () => {
  const other = { flags: [flag("hero", { actions: [setHtml("#late", "From JSON tag")] })] };
  const both = `<script>window.webexpConfig = ${JSON.stringify(CONFIG)};</script>
<script type="application/json" id="webexp-config">${JSON.stringify(other)}</script>`;
  const r = await load("/both.html", both);
  assert.equal(r.text, "New headline");
});

test("a bad flag is skipped with one clear console.error; the others run; nothing throws", async () => {
  const config = {
    flags: [
      { key: "broken", segments: [{ bucket: { selector: ["context", "user", "web_exp_id"], salt: 5, allocations: "x" } }], variants: {} },
      flag("bad-selector", { actions: [setHtml("##nope", "x")] }),
      CONFIG.flags[0],
    ],
  };
  const r = await load("/bad.html", inline(config));
  assert.deepEqual(r.pageErrors, []);
  assert.equal(r.text, "New headline");
  assert.equal(r.consoleErrors.length, 2, r.consoleErrors.join("\n"));
  assert.match(r.consoleErrors[0], /flag "broken": segments\[0\]\.bucket\.allocations/);
  assert.match(r.consoleErrors[1], /flag "bad-selector".*"##nope".*not a valid CSS selector/);
});

test("a flag key listed twice is said once; the last flag with that key runs", async () => {
  const config = { flags: [flag("hero", { actions: [setHtml("#late", "First hero")] }), CONFIG.flags[0]] };
  const r = await load("/twice.html", inline(config));
  assert.equal(r.text, "New headline");
  assert.equal(r.consoleErrors.length, 1, r.consoleErrors.join("\n"));
  assert.match(r.consoleErrors[0], /flag "hero": is listed again further on; the last flag with this key is used/);
});

test("a flag key listed twice: forcedVariants and a preview take the last flag too, as evaluation does", async () => {
  const twice = [flag("hero", { actions: [setHtml("#late", "First hero")] }), CONFIG.flags[0]];
  const capture = `<script>window.experimentIntegration = { getUser: () => ({}), track: (e) => { (window.sent ||= []).push(e); return true; } };</script>`;
  live.server.setRoute("/twice-forced.html", { body: syncPage(capture + inline({ flags: twice, user: CONFIG.user, forcedVariants: { hero: "treatment" } })) });
  const { page, context } = await openPage(live.browser);
  await page.goto(live.server.url + "/twice-forced.html");
  const sent = await (await page.waitForFunction(() => window.sent)).jsonValue();
  assert.equal(await page.evaluate(() => document.getElementById("late").innerHTML), "New headline");
  assert.deepEqual(sent.map((e) => e.eventProperties.experiment_key), ["exp-hero"]);
  await context.close();
  live.server.setRoute("/twice-preview.html", { body: syncPage(inline({ flags: twice, user: CONFIG.user })) });
  const preview = await loadAndMeasure(live.browser, live.server.url + "/twice-preview.html?PREVIEW=true&hero=treatment");
  assert.equal(preview.text, "New headline");
});

test("a flag JSON cannot hold, a payload that is one action, a change none of whose parts is valid: each said, none tracked, the others run", async () => {
  const script = `<script>
    const cyclic = { key: "cyclic", variants: {}, segments: [] };
    cyclic.self = cyclic;
    window.webexpConfig = ${JSON.stringify({ user: CONFIG.user })};
    webexpConfig.flags = [
      cyclic,
      ${JSON.stringify(flag("single", { actions: { action: "mutate", data: { mutations: [] } } }))},
      ${JSON.stringify(flag("invalid", { actions: [setHtml("##nope", "x")] }))},
      ${JSON.stringify(flag("empty", { actions: [{ action: "mutate", data: { mutations: [] } }] }))},
      ${JSON.stringify(CONFIG.flags[0])},
    ];
  </script>`;
  const r = await load("/unsendable.html", script);
  assert.deepEqual(r.pageErrors, []);
  assert.equal(r.text, "New headline");
  assert.equal(r.consoleErrors.length, 3, r.consoleErrors.join("\n"));
  assert.match(r.consoleErrors[0], /webexp: config\.flags\[0\] is not JSON \(Converting circular[^]*\); the flag is skipped/);
  assert.match(r.consoleErrors[1], /flag "single": payload: must be an array of actions/);
  assert.match(r.consoleErrors[2], /flag "invalid".*"##nope".*not a valid CSS selector/);
  // (A variant whose change is empty is tracked as a control is.)
  assert.deepEqual(r.t.events.map((e) => e.eventProperties.flag_key), ["empty", "hero"]);
});

test("no config: one console.error, the page keeps working", async () => {
  const r = await load("/none.html", "");
  assert.deepEqual(r.pageErrors, []);
  assert.equal(r.text, "Original headline");
  assert.equal(r.consoleErrors.length, 1);
  assert.match(r.consoleErrors[0], /webexp: no config/);
});

test("a window.webexpConfig that is not an object, or whose getter throws: said, and the JSON tag read", async () => {
  const tag = `<script type="application/json" id="webexp-config">${JSON.stringify(CONFIG)}</script>`;
  for (const [name, script] of [
    ["string", `<script>window.webexpConfig = "{}";</script>`],
    ["getter", `<script>Object.defineProperty(window, "webexpConfig", { get() { throw new Error("boom"); } });</script>`],
  ]) {
    const r = await load(`/odd-config-${name}.html`, script + tag);
    assert.deepEqual(r.pageErrors, [], name);
    assert.equal(r.text, "New headline", name);
    assert.equal(r.consoleErrors.length, 1, name);
    assert.match(r.consoleErrors[0], /webexp: (window.webexpConfig is not an object|reading window.webexpConfig threw)/, name);
  }
});

test("an error the wasm cannot recover from (out of stack) stops webexp quietly; the page lives on", { timeout: 30000 }, async () => {
  // A dependency chain deep enough to overflow the stack while flags are ordered.
  const chain = `<script>
    const flags = [];
    for (let i = 0; i < 12000; i++) flags.push({ key: "d" + i, dependencies: ["d" + (i + 1)], variants: { a: { key: "a" } }, segments: [{ variant: "a" }] });
    window.webexpConfig = { flags };
  </script>`;
  live.server.setRoute("/stack.html", { body: syncPage(chain) });
  const { page, context, consoleErrors, pageErrors } = await openPage(live.browser);
  await page.goto(live.server.url + "/stack.html", { waitUntil: "load" });
  // A change asked for now would have waited for the runtime in microtasks forever.
  const alive = await page.evaluate(() => new Promise((resolve) => {
    setTimeout(() => resolve(true), 0);
    webexp.applyVariants();
    webexp.variant("d0");
  }));
  assert.equal(alive, true);
  assert.deepEqual(pageErrors, []);
  assert.match(consoleErrors[0], /webexp: start failed/);
  assert.match(consoleErrors[1], /webexp: stopped after an internal error/);
  assert.deepEqual(await page.evaluate(() => [webexp.getVariants(), webexp.getDebugState()]), [{}, EMPTY_DEBUG_STATE]);
  assert.equal(consoleErrors.length, 2);
  await context.close();
});

test("compact format: an experiment written by hand runs like a flag, mixed with flags", async () => {
  const config = {
    user: { web_exp_id: "visitor-1" },
    flags: [flag("other", { actions: [setHtml("p.filler", "flag form")] })],
    experiments: [{
      key: "hero-compact",
      experimentKey: "exp-compact",
      pages: ["/compact.html"],
      variants: { treatment: { weight: 100, actions: [setHtml("#late", "Compact headline")] }, control: { weight: 0 } },
    }],
  };
  const r = await load("/compact.html", inline(config));
  assert.deepEqual(r.consoleErrors, []);
  assert.equal(r.text, "Compact headline");
  assert.equal(r.t.seen.html, "Compact headline");
  assert.deepEqual(r.debug.flags["hero-compact"].variant, "treatment");
  assert.ok(r.t.events.some((e) => e.eventProperties.flag_key === "hero-compact" && e.eventProperties.experiment_key === "exp-compact"));
  assert.ok(r.t.events.some((e) => e.eventProperties.flag_key === "other"));
});

test("compact format errors name the experiment and the field; the others run", async () => {
  const config = {
    user: { web_exp_id: "visitor-1" },
    experiments: [
      { key: "broken", variants: { a: { weight: -1 } } },
      { key: "fine", variants: { t: { weight: 1, actions: [setHtml("#late", "Fine")] } } },
    ],
  };
  const r = await load("/compact-bad.html", inline(config));
  assert.deepEqual(r.pageErrors, []);
  assert.equal(r.text, "Fine");
  assert.equal(r.consoleErrors.length, 1);
  assert.match(r.consoleErrors[0], /experiments\[0\] "broken"\.variants\.a\.weight: must be a number, 0 or more/);
});

test("forcedVariants naming a flag or a variant the config lacks: an error saying which, the rest forced", async () => {
  const hero = flag("hero", { experimentKey: "exp-hero", actions: [setHtml("#late", "Forced headline")] });
  hero.segments = [{ variant: "control" }];
  const config = { user: { web_exp_id: "visitor-1" }, flags: [hero, flag("other")], forcedVariants: { typo: "treatment", other: "treatmnt", hero: "treatment" } };
  const r = await load("/forced-wrong.html", inline(config));
  assert.deepEqual(r.consoleErrors, [
    "webexp: forcedVariants.typo: no flag of the config has this key",
    "webexp: forcedVariants.other: names a variant the flag does not have",
  ]);
  assert.equal(r.text, "Forced headline");
  assert.equal(r.debug.flags.hero.reason, "forced");
});

test("forcedVariants skips evaluation and is still tracked, with the flag's metadata merged", async () => {
  const hero = flag("hero", { experimentKey: "exp-hero", actions: [setHtml("#late", "Forced headline")] });
  hero.segments = [{ variant: "control" }]; // evaluation alone gives control
  hero.variants.treatment.metadata = { note: "t" };
  const config = { user: { web_exp_id: "visitor-1" }, flags: [hero], forcedVariants: { hero: "treatment" } };
  const r = await load("/forced.html", inline(config));
  assert.deepEqual(r.consoleErrors, []);
  assert.equal(r.text, "Forced headline");
  assert.equal(r.debug.flags.hero.reason, "forced");
  assert.deepEqual(r.t.events, [
    { eventType: "$impression", eventProperties: { flag_key: "hero", variant: "treatment", experiment_key: "exp-hero" } },
  ]);
});
