// Issues 5 and 6: what a page that re-renders constantly pays for the library watching it. A page
// of 5000 nodes re-renders 200 of them per frame (as a framework would) with 25 mutations
// installed, 20 of which match nothing; the main-thread time of the whole run (CDP's cumulative
// TaskDuration, and ScriptDuration for JavaScript and wasm alone) is compared with the same run
// without any library.
import { summary, fmt } from "./stats.mjs";

const ROUNDS = 25;
export const FRAMES = 90;
const ROWS = 1000; // 5 nodes each: 5000 nodes
const PER_FRAME = 40; // rows re-rendered per frame: 200 nodes

// 5 mutations that match rows the churn re-renders again and again, 20 that match nothing.
const MUTATIONS = [
  ...[3, 217, 431, 645, 859].map((r, i) =>
    i % 2
      ? { selector: `#row-${r} .title`, action: "set", attribute: "html", value: `Changed ${r}` }
      : { selector: `#row-${r}`, action: "append", attribute: "class", value: "changed" }),
  ...Array.from({ length: 20 }, (_, i) => ({ selector: `#absent-${i} .nothing`, action: "set", attribute: "html", value: "x" })),
];

const churnScript = `
  const list = document.getElementById("list");
  const row = (i, n) => '<li id="row-' + i + '" class="row"><span class="title">Row ' + i + '</span><span class="price">' + n + '</span><button>Buy</button><em>new</em></li>';
  let html = "";
  for (let i = 0; i < ${ROWS}; i++) html += row(i, 0);
  list.innerHTML = html;
  window.churn = (frames) => new Promise((done) => {
    let frame = 0;
    const step = () => {
      // Replace ${PER_FRAME} rows with fresh elements, as a framework re-render would.
      for (let k = 0; k < ${PER_FRAME}; k++) {
        const i = (frame * ${PER_FRAME} + k) % ${ROWS};
        const old = document.getElementById("row-" + i);
        const tpl = document.createElement("template");
        tpl.innerHTML = row(i, frame);
        old.replaceWith(tpl.content.firstChild);
      }
      if (++frame < frames) requestAnimationFrame(step); else setTimeout(done, 50);
    };
    requestAnimationFrame(step);
  });`;

// Installed before any library: times every MutationObserver callback on the page (both libraries
// do their work in theirs), to the microsecond, without the run-to-run noise of whole-page totals.
const timeObservers = `<script>
  window.observerMs = 0;
  const Native = MutationObserver;
  window.MutationObserver = class extends Native {
    constructor(cb) {
      super((records, o) => { const t = performance.now(); try { cb(records, o); } finally { observerMs += performance.now() - t; } });
    }
  };
</script>`;

const page = (head) => `<!doctype html><html><head><meta charset="utf-8">${timeObservers}${head}</head>
<body><ul id="list"></ul><script>${churnScript}</script></body></html>`;

// A reference, not a contender: about the least JavaScript that does the same work on this page.
// Each batch looks the 25 anchor ids up, and an anchor new in the batch gets its change, the
// original kept. It does none of what a library must also do (revert, re-applying over the page's
// later writes, fights, elements the parser has not finished, other selectors, impressions): it
// shows about how far below dom-mutator a library that works this way can go here.
const floorScript = `<script>
  const mutations = ${JSON.stringify(MUTATIONS)}.map((m) => {
    const [, id, rest] = /^#([\\w-]+)(.*)$/.exec(m.selector);
    return { ...m, id, scoped: rest ? ":scope" + rest : null, seen: null };
  });
  const originals = [];
  const o = new MutationObserver(() => {
    for (const m of mutations) {
      const el = document.getElementById(m.id);
      if (el === m.seen) continue;
      m.seen = el;
      if (!el) continue;
      for (const t of m.scoped ? el.querySelectorAll(m.scoped) : [el]) {
        const original = m.attribute === "class" ? t.className : t.innerHTML;
        if (m.attribute === "class") t.className = original + " " + m.value;
        else t.innerHTML = m.value;
        originals.push(t, original);
      }
    }
    o.takeRecords();
  });
  o.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
</script>`;

const webexpConfig = {
  user: { web_exp_id: "bench" },
  flags: [{
    key: "churn",
    segments: [{ variant: "treatment" }],
    variants: { treatment: { key: "treatment", payload: [{ action: "mutate", data: { mutations: MUTATIONS } }] } },
  }],
};

// Served cross-origin isolated: there `performance.now()` has a resolution of 5 µs instead of
// 100 µs, which matters when most callbacks take less than 100 µs.
export const ISOLATED = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export const PAGES = {
  none: page(""),
  webexp: page(`<script>window.webexpConfig = ${JSON.stringify(webexpConfig)};</script><script src="/webexp.js"></script>`),
  "dom-mutator": page(`<script type="module">
    import mutate from "/node_modules/dom-mutator/dist/dom-mutator.esm.js";
    for (const m of ${JSON.stringify(MUTATIONS)}) mutate.declarative(m);
    window.installed = true;
  </script>`),
  floor: page(floorScript),
};

async function run(browser, server, name) {
  const context = await browser.newContext();
  const p = await context.newPage();
  const cdp = await context.newCDPSession(p);
  await cdp.send("Performance.enable");
  await p.goto(`${server.url}/bench/churn-${name}.html`);
  if (name === "dom-mutator") await p.waitForFunction(() => window.installed);
  await p.waitForTimeout(100);
  const metrics = async () => {
    const all = (await cdp.send("Performance.getMetrics")).metrics;
    const get = (name) => all.find((m) => m.name === name).value * 1000;
    return { task: get("TaskDuration"), script: get("ScriptDuration") };
  };
  const before = await metrics();
  const observerBefore = await p.evaluate(() => window.observerMs);
  await p.evaluate((frames) => window.churn(frames), FRAMES);
  const after = await metrics();
  const observer = (await p.evaluate(() => window.observerMs)) - observerBefore;
  const ms = { task: after.task - before.task, script: after.script - before.script, observer };
  // Every library must have kept its changes on the re-rendered rows.
  const ok = await p.evaluate(() => document.querySelector("#row-217 .title").textContent === "Changed 217"
    && document.getElementById("row-3").classList.contains("changed"));
  await context.close();
  if (name !== "none" && !ok) throw new Error(`${name}: the changes did not survive the re-renders`);
  return ms;
}

export async function churnBenchmark({ server, browser }) {
  for (const [name, body] of Object.entries(PAGES)) server.setRoute(`/bench/churn-${name}.html`, { body, headers: ISOLATED });
  const times = { none: [], webexp: [], "dom-mutator": [], floor: [] };
  const names = Object.keys(times);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [...names].reverse() : names;
    for (const name of order) times[name].push(await run(browser, server, name));
  }
  // Added time per round: the library's run minus the same round's run without a library.
  const added = (name, k) => summary(times[name].map((t, i) => t[k] - times.none[i][k]));
  const cell = (x) => `${fmt(x.median)} [${fmt(x.min)} to ${fmt(x.max)}]`;
  const rows = [["page alone", (k) => summary(times.none.map((t) => t[k]))], ["added by webexp", (k) => added("webexp", k)],
    ["added by dom-mutator 0.7.0", (k) => added("dom-mutator", k)]];
  const inObservers = (name) => summary(times[name].map((t) => t.observer));
  const [ow, od, of] = [inObservers("webexp"), inObservers("dom-mutator"), inObservers("floor")];
  // A ratio only means something when both libraries clearly added time (every round above 0).
  const ratio = (k) => {
    const [w, d] = [added("webexp", k), added("dom-mutator", k)];
    return w.min > 0 && d.min > 0 ? fmt(w.median / d.median, 2) : "none (within run-to-run noise, see min and max)";
  };
  return `## Churn: 5000 nodes, 200 re-rendered per frame, 25 mutations installed

What it measures: main-thread time (Chromium's cumulative TaskDuration, and ScriptDuration for
JavaScript and wasm alone, over ${FRAMES} frames) that each library adds to a page re-rendering 200 of its 5000 nodes per frame, with 25 mutations
installed of which 20 match nothing; each round runs the page without a library, with webexp and
with dom-mutator 0.7.0, and the library's figure is its run minus that round's run without one.
${ROUNDS} rounds, order alternating; the changes are checked to have survived the re-renders.

Main-thread time (all tasks: script, style, layout) and script time alone (JavaScript and wasm), in
ms, median [min to max]; a negative minimum is run-to-run noise larger than the library's cost.

| run | main thread | script |
|---|---:|---:|
${rows.map(([name, f]) => `| ${name} | ${cell(f("task"))} | ${cell(f("script"))} |`).join("\n")}

Ratio webexp / dom-mutator of the added medians: ${ratio("task")} (main thread), ${ratio("script")} (script).

Time spent inside each library's MutationObserver callbacks (both do their work there; timed on the
page with performance.now() around every callback, the page cross-origin isolated so that it
resolves 5 µs, without the noise of the totals above), ms:

| library | in its observer callbacks |
|---|---:|
| webexp | ${cell(ow)} |
| dom-mutator 0.7.0 | ${cell(od)} |
| reference: the least JavaScript doing the same work (below) | ${cell(of)} |

Ratio webexp / dom-mutator of the medians: ${fmt(ow.median / od.median, 2)} (issue 6 requires below 0.5).
The reference is about the least JavaScript that makes the same changes on this page: each batch
it looks the 25 ids up and changes the rows that came with it, and does nothing else (no revert,
no re-applying over the page's writes, no fight detection, no impressions); its ratio to
dom-mutator, ${fmt(of.median / od.median, 2)}, shows about how low a library that works this way (ids looked up per batch,
the rows that came with it changed) can go here.
With these selectors (ids, as experiments usually target), dom-mutator's one document query per
mutation and batch hits the browser's id fast path; webexp looks each anchor id up once per batch,
reads each record's target, and enters the wasm only for the re-rendered rows that hold a change.
Issue 6 requires webexp to add less than half of dom-mutator's time here.`;
}
