// Strict Content-Security-Policy (CONTRACT section 1, issue 6 point 7): under
// script-src 'nonce-…' 'wasm-unsafe-eval'; style-src 'nonce-…'; require-trusted-types-for 'script'
// every kind of action, revert and re-apply cause zero violations; without 'wasm-unsafe-eval'
// webexp says so once and the page keeps working.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, openPage, flag } from "./support/browser.mjs";

const live = serverAndBrowser();

const STRICT = "script-src 'nonce-abc' 'wasm-unsafe-eval'; style-src 'nonce-abc'; require-trusted-types-for 'script'";

const mutation = (selector, attribute, action, value, extra = {}) => ({ selector, action, attribute, value, ...extra });

const CONFIG = {
  user: { web_exp_id: "v1" },
  flags: [
    flag("mutations", {
      actions: [{
        action: "mutate",
        data: {
          mutations: [
            mutation("#title", "html", "set", "New <b>bold</b> title"),
            mutation("#cls", "class", "append", "added"),
            mutation("#link", "title", "set", "new title"),
            mutation("#item", "position", "set", undefined, { parentSelector: "#l2", insertBeforeSelector: "#j" }),
          ],
        },
      }],
    }),
    flag("injected", {
      actions: [{
        action: "inject",
        data: {
          id: "inj-1",
          css: "#title { color: rgb(255, 0, 0) }",
          html: '<aside id="banner">Hello <i>you</i></aside>',
          js: `window.__injected = (window.__injected || 0) + 1;
            window.__sawUtils = typeof utils.waitForElement === "function" && "remove" in utils;
            window.__sawHtml = html.outerHTML;
            utils.insertElement(html, { parentSelector: "body" });
            utils.remove = () => { window.__removed = (window.__removed || 0) + 1; };`,
        },
      }],
    }),
  ],
};

function pageHtml(config) {
  return `<!doctype html><html><head><meta charset="utf-8">
<script nonce="abc">
  window.__violations = [];
  document.addEventListener("securitypolicyviolation", (e) =>
    __violations.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || "")));
</script>
<script nonce="abc">window.webexpConfig = ${JSON.stringify(config)};</script>
<script nonce="abc" src="/webexp.js"></script>
<script nonce="abc">window.__after = true;</script>
<style nonce="abc">body { font: 16px sans-serif; }</style>
</head><body>
<h1 id="title">Title</h1>
<p id="cls" class="a">x</p>
<a id="link" href="/x" title="t">link</a>
<ul id="l1"><li id="item">i</li></ul><ul id="l2"><li id="j">j</li></ul>
</body></html>`;
}

async function open(path, csp, body) {
  live.server.setRoute(path, { headers: { "content-security-policy": csp }, body });
  const opened = await openPage(live.browser);
  const messages = [];
  opened.page.on("console", (m) => messages.push(`${m.type()}: ${m.text()}`));
  await opened.page.goto(live.server.url + path, { waitUntil: "load" });
  return { ...opened, messages };
}

// Violations are reported asynchronously: a deliberate one (a stylesheet link without the
// nonce) is caused last, and once it has arrived every earlier one has too. It also shows that
// the listener works, so an empty list means something.
async function violations(page) {
  await page.evaluate(() => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = "/sentinel.css";
    document.head.append(link);
  });
  await page.waitForFunction(() => __violations.some((v) => v.includes("/sentinel.css")));
  return page.evaluate(() => __violations.filter((v) => !v.includes("/sentinel.css")));
}

const state = (page) => page.evaluate(() => ({
  title: document.getElementById("title").innerHTML,
  color: getComputedStyle(document.getElementById("title")).color,
  cls: document.getElementById("cls").className,
  link: document.getElementById("link").title,
  l2: [...document.querySelectorAll("#l2 li")].map((li) => li.id),
  banner: document.getElementById("banner")?.outerHTML ?? null,
  injected: window.__injected,
  removed: window.__removed ?? 0,
}));

const APPLIED = {
  title: "New <b>bold</b> title",
  color: "rgb(255, 0, 0)",
  cls: "a added",
  link: "new title",
  l2: ["item", "j"],
  banner: '<aside id="banner">Hello <i>you</i></aside>',
};
const REVERTED = { title: "Title", color: "rgb(0, 0, 0)", cls: "a", link: "t", l2: ["j"], banner: null };

for (const [name, csp] of [
  ["the strict policy", STRICT],
  ["the strict policy with trusted-types limited to webexp", `${STRICT}; trusted-types webexp`],
]) {
  test(`${name}: mutations, inject, revert and re-apply cause zero violations`, async () => {
    const path = `/csp-${name.length}.html`;
    const { page, context, consoleErrors, pageErrors, messages } = await open(path, csp, pageHtml(CONFIG));
    await page.waitForFunction(() => document.getElementById("banner"));
    assert.deepEqual(await state(page), { ...APPLIED, injected: 1, removed: 0 });
    assert.equal(await page.evaluate(() => window.__sawUtils), true);
    assert.equal(await page.evaluate(() => window.__sawHtml), APPLIED.banner);
    assert.equal(await page.evaluate(() => window.__after), true);

    await page.evaluate(() => window.webexp.revertVariants());
    assert.deepEqual(await state(page), { ...REVERTED, injected: 1, removed: 1 });

    await page.evaluate(() => window.webexp.applyVariants());
    await page.waitForFunction(() => document.getElementById("banner"));
    assert.deepEqual(await state(page), { ...APPLIED, injected: 2, removed: 1 });

    assert.deepEqual(await violations(page), []);
    assert.deepEqual(consoleErrors.filter((m) => !m.includes("/sentinel.css")), [], messages.join("\n"));
    assert.deepEqual(pageErrors, []);
    await context.close();
  });
}

test("without 'wasm-unsafe-eval': one clear console.error from webexp, the page keeps working", async () => {
  const csp = "script-src 'nonce-abc'; style-src 'nonce-abc'; require-trusted-types-for 'script'";
  const { page, context, consoleErrors, pageErrors } = await open("/csp-no-wasm.html", csp, pageHtml(CONFIG));
  const ours = consoleErrors.filter((m) => m.startsWith("webexp"));
  assert.equal(ours.length, 1, consoleErrors.join("\n"));
  assert.match(ours[0], /could not start WebAssembly.*'wasm-unsafe-eval'/);
  assert.deepEqual(pageErrors, []);
  // The page's own later script ran, and nothing was changed.
  assert.equal(await page.evaluate(() => window.__after), true);
  assert.equal(await page.evaluate(() => document.getElementById("title").innerHTML), "Title");
  // The API is there, and its calls return their empty values instead of throwing into the page.
  assert.deepEqual(await page.evaluate(() => [webexp.getVariants(), webexp.getActiveExperiments(), webexp.variant("x")]), [{}, [], undefined]);
  assert.deepEqual(pageErrors, []);
  assert.equal(consoleErrors.filter((m) => m.startsWith("webexp")).length, 1, "the calls say nothing more");
  await context.close();
});
