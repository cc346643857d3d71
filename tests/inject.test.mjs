// `inject` actions (CONTRACT section 3, issue 6 point 5): CSS through a constructable stylesheet,
// JS run once per page view as function(html, utils, id), utils.remove on revert, waitForElement,
// and errors reported naming flag and inject without reaching the page. Also: no eval or
// new Function anywhere in the bundle.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { serverAndBrowser, openPage, flag } from "./support/browser.mjs";

const live = serverAndBrowser();

const inject = (data) => ({ action: "inject", data });

function page(config, body = "") {
  return `<!doctype html><html><head><meta charset="utf-8">
<script>
  window.__log = [];
  window.experimentIntegration = { getUser() { return {}; }, track(e) { __log.push(e); return true; } };
  window.webexpConfig = ${JSON.stringify(config)};
</script>
<script src="/webexp.js"></script>
<script>
  // An error tracker, loaded after webexp as page scripts usually are.
  window.__errors = [];
  addEventListener("error", (e) => __errors.push(String(e.message)));
</script>
</head><body><h1 id="title">Title</h1>${body}</body></html>`;
}

let n = 0;
async function open(config, body) {
  const path = `/inject-${++n}.html`;
  live.server.setRoute(path, { body: page(config, body) });
  const opened = await openPage(live.browser);
  await opened.page.goto(live.server.url + path, { waitUntil: "load" });
  return opened;
}

const color = (page) => page.evaluate(() => getComputedStyle(document.getElementById("title")).color);

test("css: a constructable stylesheet, applied before paint, removed on revert and back on apply", async () => {
  const config = { flags: [flag("css", { experimentKey: "exp-css", actions: [inject({ id: "c1", css: "#title { color: rgb(255, 0, 0) }" })] })] };
  const { page, consoleErrors, pageErrors, context } = await open(config);
  assert.equal(await color(page), "rgb(255, 0, 0)");
  assert.equal(await page.evaluate(() => document.adoptedStyleSheets.length), 1);
  assert.equal(await page.evaluate(() => document.querySelectorAll("style").length), 0);
  assert.deepEqual(await page.evaluate(() => window.webexp.getActiveExperiments()), ["css"]);
  const events = await page.evaluate(() => __log);
  assert.deepEqual(events, [{ eventType: "$impression", eventProperties: { flag_key: "css", variant: "treatment", experiment_key: "exp-css" } }]);
  await page.evaluate(() => window.webexp.revertVariants());
  assert.equal(await color(page), "rgb(0, 0, 0)");
  assert.equal(await page.evaluate(() => document.adoptedStyleSheets.length), 0);
  await page.evaluate(() => window.webexp.applyVariants());
  assert.equal(await color(page), "rgb(255, 0, 0)");
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("css falls back to a <style> carrying webexp's nonce where constructable stylesheets are missing", async () => {
  const config = { flags: [flag("css", { actions: [inject({ id: "c2", css: "#title { color: rgb(0, 0, 255) }" })] })] };
  const path = "/inject-fallback.html";
  live.server.setRoute(path, {
    body: page(config).replace('<script src="/webexp.js">', '<script>delete window.CSSStyleSheet;</script><script nonce="n1" src="/webexp.js">'),
  });
  const { page: p, consoleErrors, context } = await openPage(live.browser);
  await p.goto(live.server.url + path, { waitUntil: "load" });
  assert.equal(await color(p), "rgb(0, 0, 255)");
  assert.deepEqual(await p.evaluate(() => [...document.querySelectorAll("style")].map((s) => s.nonce)), ["n1"]);
  await p.evaluate(() => window.webexp.revertVariants());
  assert.equal(await p.evaluate(() => document.querySelectorAll("style").length), 0);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("js runs once per page view with (html, utils, id); utils.remove runs on revert; apply after revert runs it again", async () => {
  const js = `
    window.__runs = (window.__runs || 0) + 1;
    window.__seen = { tag: html && html.tagName, text: html && html.textContent, id, connected: html && html.isConnected,
      utils: Object.keys(utils).sort(), self: this === undefined || this === window };
    utils.insertElement(html, { parentSelector: "body", insertBeforeSelector: "#title" });
    utils.remove = () => { window.__removed = (window.__removed || 0) + 1; };`;
  const config = { flags: [flag("js", { actions: [inject({ id: "j1", js, html: "<aside id=\"banner\">Hi <b>there</b></aside><p>second</p>" })] })] };
  const { page, consoleErrors, pageErrors, context } = await open(config);
  await page.waitForFunction(() => document.getElementById("banner"));
  assert.deepEqual(await page.evaluate(() => window.__seen), {
    tag: "ASIDE", text: "Hi there", id: "j1", connected: false, utils: ["insertElement", "remove", "waitForElement"], self: true,
  });
  assert.equal(await page.evaluate(() => document.body.firstElementChild.id), "banner");
  // No <script> of ours is left in the document.
  assert.equal(await page.evaluate(() => [...document.scripts].filter((s) => s.text.startsWith("document.currentScript.")).length), 0);
  await page.evaluate(() => window.webexp.applyVariants());
  assert.equal(await page.evaluate(() => window.__runs), 1);
  await page.evaluate(() => window.webexp.revertVariants());
  assert.equal(await page.evaluate(() => window.__removed), 1);
  assert.equal(await page.evaluate(() => document.getElementById("banner")), null);
  await page.evaluate(() => window.webexp.revertVariants());
  assert.equal(await page.evaluate(() => window.__removed), 1);
  await page.evaluate(() => window.webexp.applyVariants());
  assert.equal(await page.evaluate(() => window.__runs), 2);
  await page.waitForFunction(() => document.getElementById("banner"));
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("injected js can call webexp's API: it runs after webexp's own call, before the parser goes on", async () => {
  const js = `window.__seen = { variant: webexp.variant("api"), variants: webexp.getVariants(), title: !!document.getElementById("title") };`;
  const config = { flags: [flag("api", { actions: [inject({ id: "a1", js })] })] };
  const { page, consoleErrors, pageErrors, context } = await open(config);
  const seen = await page.evaluate(() => window.__seen);
  assert.equal(seen.variant.key, "treatment");
  assert.equal(seen.variants.api.key, "treatment");
  assert.equal(seen.title, false, "run from the head, before the body was parsed");
  const events = (await page.evaluate(() => __log)).map((e) => e.eventType).sort();
  assert.deepEqual(events, ["$exposure", "$impression"]);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("utils.waitForElement resolves for an element added later", async () => {
  const js = `utils.waitForElement(".late").then((el) => { el.textContent = "found"; window.__found = el.id; });`;
  const config = { flags: [flag("wait", { actions: [inject({ id: "w1", js })] })] };
  const { page, consoleErrors, context } = await open(config);
  assert.equal(await page.evaluate(() => window.__found), undefined);
  await page.evaluate(() => {
    const outer = document.createElement("div");
    outer.innerHTML = '<section><p id="l1" class="late">late</p></section>';
    document.body.append(outer);
  });
  await page.waitForFunction(() => window.__found === "l1");
  assert.equal(await page.evaluate(() => document.getElementById("l1").textContent), "found");
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("an element already there resolves at once; a revert stops the wait", async () => {
  const js = `utils.waitForElement("#title").then((el) => { window.__title = el.id; });
    utils.waitForElement(".never").then(() => { window.__never = true; });`;
  const config = { flags: [flag("wait", { actions: [inject({ id: "w2", js })] })] };
  const { page, context } = await open(config);
  await page.waitForFunction(() => window.__title === "title");
  await page.evaluate(() => window.webexp.revertVariants());
  await page.evaluate(() => { const p = document.createElement("p"); p.className = "never"; document.body.append(p); });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r))));
  assert.equal(await page.evaluate(() => window.__never), undefined);
  await context.close();
});

test("js that throws or does not parse is reported naming flag and inject; nothing reaches the page", async () => {
  const config = {
    flags: [
      flag("thrower", { actions: [inject({ id: "t1", js: "throw new Error('boom')" })] }),
      flag("broken", { actions: [inject({ id: "s1", js: "this is not javascript(" })] }),
      flag("remover", { actions: [inject({ id: "r1", js: "utils.remove = () => { throw new Error('cleanup'); }" })] }),
      flag("fine", { actions: [inject({ id: "f1", js: "window.__fine = true" })] }),
    ],
  };
  const { page, consoleErrors, pageErrors, context } = await open(config);
  assert.equal(await page.evaluate(() => window.__fine), true);
  await page.evaluate(() => window.webexp.revertVariants());
  // Applied again: now the page's error tracker is listening.
  await page.evaluate(() => window.webexp.applyVariants());
  assert.deepEqual(pageErrors, []);
  // A throw inside the injected code never reaches the page's error listeners. A syntax error is
  // an "error" event the browser dispatches while the script is inserted, which listeners added
  // before that moment see (no JS can parse code without compiling it); it is marked handled, so
  // it is not logged as uncaught (the console errors below are all ours).
  assert.deepEqual((await page.evaluate(() => __errors)).filter((m) => !/SyntaxError/.test(m)), []);
  assert.equal(consoleErrors.length, 5, consoleErrors.join("\n"));
  for (const i of [0, 3]) {
    assert.match(consoleErrors[i], /^webexp: flag "thrower": inject "t1": js threw:.*boom/);
    assert.match(consoleErrors[i + 1], /^webexp: flag "broken": inject "s1": invalid js:/);
  }
  assert.match(consoleErrors[2], /^webexp: flag "remover": inject "r1": utils\.remove threw:.*cleanup/);
  // The other flags still ran.
  assert.deepEqual((await page.evaluate(() => window.webexp.getDebugState().flags.fine.variant)), "treatment");
  await context.close();
});

test("invalid inject data is reported naming flag and field, and skipped", async () => {
  const config = {
    flags: [
      flag("bad", { actions: [inject({ css: "#title { color: red }" }), inject({ id: "x", js: 5 }), inject({ id: "ok", css: "#title { color: rgb(0, 128, 0) }" })] }),
    ],
  };
  const { page, consoleErrors, pageErrors, context } = await open(config);
  assert.deepEqual(pageErrors, []);
  assert.equal(consoleErrors.length, 2, consoleErrors.join("\n"));
  assert.match(consoleErrors[0], /flag "bad": payload\[0\]\.data\.id: is required/);
  assert.match(consoleErrors[1], /flag "bad": payload\[1\]\.data\.js: must be a string/);
  assert.equal(await color(page), "rgb(0, 128, 0)");
  await context.close();
});

test("inject follows its scope: only on its pages", async () => {
  const pages = {
    home: { id: "home", name: "home", conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: ["/inject-scope-home"] }]] },
  };
  const config = {
    flags: [flag("scoped", { actions: [inject({ id: "sc", js: "window.__scoped = true", css: "#title { color: rgb(255, 0, 0) }", scope: ["home"] })] })],
    pageObjects: { scoped: pages },
  };
  for (const [path, expected] of [["/inject-scope-home", true], ["/inject-scope-other", undefined]]) {
    live.server.setRoute(path, { body: page(config) });
    const { page: p, context, consoleErrors } = await openPage(live.browser);
    await p.goto(live.server.url + path, { waitUntil: "load" });
    assert.equal(await p.evaluate(() => window.__scoped), expected, path);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  }
});

test("SPA: a new path is a new page view (js runs again after utils.remove); a query change is not; leaving scope reverts", async () => {
  const counter = (name) => `window.__${name} = (window.__${name} || 0) + 1;
    utils.remove = () => { window.__${name}Removed = (window.__${name}Removed || 0) + 1; };`;
  const config = {
    flags: [
      flag("everywhere", { actions: [inject({ id: "e1", js: counter("e") })] }),
      flag("only-a", { actions: [inject({ id: "a1", js: counter("a"), css: "#title { color: rgb(255, 0, 0) }" })] }),
    ],
    pageObjects: {
      "only-a": { a: { id: "a", conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: ["/inject-spa/a"] }]] } },
    },
  };
  live.server.setRoute("/inject-spa/a", { body: page(config) });
  const { page: p, context, consoleErrors, pageErrors } = await openPage(live.browser);
  await p.goto(live.server.url + "/inject-spa/a", { waitUntil: "load" });
  const counts = () => p.evaluate(() => [window.__e, window.__eRemoved, window.__a, window.__aRemoved]);
  const go = (url) => p.evaluate((url) => {
    history.pushState({}, "", url);
    // webexp hears of the navigation in a microtask after the router's call; the js of a new
    // page view runs in the first task after the next frame.
    return new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  }, url);
  assert.deepEqual(await counts(), [1, undefined, 1, undefined]);
  await go("/inject-spa/a?tab=2");
  assert.deepEqual(await counts(), [1, undefined, 1, undefined]);
  await go("/inject-spa/b");
  assert.deepEqual(await counts(), [2, 1, 1, 1]);
  assert.equal(await color(p), "rgb(0, 0, 0)");
  await go("/inject-spa/a");
  assert.deepEqual(await counts(), [3, 2, 2, 1]);
  assert.equal(await color(p), "rgb(255, 0, 0)");
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

// The script tag's JS with the inlined wasm and its character table cut out: both are data
// (arbitrary bytes as characters), where the letters "eval(" can occur by chance.
function bundleCode() {
  const text = readFileSync(new URL("../dist/webexp.js", import.meta.url), "utf8");
  const literals = [...text.matchAll(/`[^`]*`/g)].filter((m) => m[0].length > 200);
  let code = text;
  for (const m of literals.filter((m) => m[0].length > 20000 || m[0].length === 258)) code = code.replace(m[0], "``");
  return code;
}

// eval( / .eval( / new Function( / Function( / setTimeout("...") — the ways JS compiles strings.
const COMPILES_STRINGS = /\beval\s*\(|\bFunction\s*\(|\b(setTimeout|setInterval)\s*\(\s*["'`]/;

test("no eval or new Function in the bundle", () => {
  // The detector itself finds each form (so this test can fail).
  for (const bad of ["eval(x)", "window.eval (x)", "new Function('a', b)", "Function(s)()", 'setTimeout("go()")']) {
    assert.match(bad, COMPILES_STRINGS, bad);
  }
  assert.doesNotMatch("evaluate(x); isFunction(f); new MyFunction()", COMPILES_STRINGS);
  const code = bundleCode();
  // What is left is the real code, not an empty string: the glue and page.js are in it.
  assert.ok(code.length > 5000 && code.length < 40000, `${code.length} characters of code`);
  assert.match(code, /adoptedStyleSheets/);
  assert.match(code, /createPolicy/);
  const found = code.match(COMPILES_STRINGS);
  assert.equal(found, null, found && code.slice(Math.max(0, found.index - 80), found.index + 80));
});
