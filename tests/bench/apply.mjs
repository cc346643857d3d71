// Issue 5: apply latency on a landing page of 2000 elements with 20 experiments (one html and one
// class change each), webexp's script tag against GrowthBook's (auto.min.js, fed the same
// experiments by the local server), and first-contentful-paint against the page with no library.
// Each round loads the three pages in a fresh browser context each, in an order that rotates
// round by round, at 1x and 4x CPU.
import { readFileSync } from "node:fs";
import { openPage } from "../support/browser.mjs";
import { summary, fmt } from "./stats.mjs";
import { EXPERIMENTS, ELEMENTS, PER_SECTION, webexpPage, growthbookPage, baselinePage, growthbookPayload } from "./apply-pages.mjs";

const RATES = [{ cpu: 1, rounds: 21 }, { cpu: 4, rounds: 15 }]; // rounds: multiples of 3, so each page takes each position equally
const CLIENT_KEY = "sdk-webexp-bench";
const GROWTHBOOK_VERSION = JSON.parse(readFileSync(new URL("../../node_modules/@growthbook/growthbook/package.json", import.meta.url), "utf8")).version;
const CONTENDERS = [
  { id: "webexp", label: "webexp (`dist/webexp.js`)", path: "/bench/apply/webexp.html", library: true },
  { id: "growthbook", label: `GrowthBook \`auto.min.js\` ${GROWTHBOOK_VERSION}`, path: "/bench/apply/growthbook.html", library: true },
  { id: "baseline", label: "no library", path: "/bench/apply/baseline.html", library: false },
];

export async function applyLatencyBenchmark({ server, browser }) {
  const gbPath = CONTENDERS[1].path;
  server.setRoute(CONTENDERS[0].path, { body: webexpPage() });
  server.setRoute(gbPath, { body: growthbookPage(server.url, CLIENT_KEY) });
  server.setRoute(CONTENDERS[2].path, { body: baselinePage() });
  // Same origin as the page, so no CORS headers are needed.
  server.setRoute(`/api/features/${CLIENT_KEY}`, {
    headers: { "content-type": "application/json" },
    body: JSON.stringify(growthbookPayload(server.url + gbPath)),
  });

  const tables = [];
  for (const { cpu, rounds } of RATES) {
    const runs = Object.fromEntries(CONTENDERS.map((c) => [c.id, []]));
    for (const c of CONTENDERS) await load(browser, server.url, c, cpu); // warm-up, not counted
    for (let r = 0; r < rounds; r++) {
      const order = CONTENDERS.map((_, i) => CONTENDERS[(i + r) % CONTENDERS.length]);
      for (const c of order) runs[c.id].push(await load(browser, server.url, c, cpu));
    }
    tables.push(table(cpu, rounds, runs));
  }

  return `## Apply latency: ${ELEMENTS} elements, ${EXPERIMENTS} experiments

A landing page of ${ELEMENTS} elements (${EXPERIMENTS} sections of a heading and ${PER_SECTION - 2} more
elements, paragraphs with a span, so the last heading comes after
${Math.round((100 * (EXPERIMENTS - 1)) / EXPERIMENTS)}% of the page) with ${EXPERIMENTS} experiments, each setting one heading's html and
appending a class to it, every visitor in the variant with the changes. Served
from 127.0.0.1 to headless Chromium, each load in a fresh browser context (nothing cached, no
cookies or storage: a first visit), at normal CPU speed and throttled 4x
(\`Emulation.setCPUThrottlingRate\`); one untimed round first at each speed. Every run checks that all
${EXPERIMENTS} headings ended with the new html and the class, and fails otherwise.

- Last change after the tag: the time from an inline script just before the library's tag (before
  webexp's config script) to the \`MutationObserver\` callback, registered just after the tag, in
  which the last of the ${EXPERIMENTS} headings reached its final state; it includes parsing the page
  down to the last heading.
- All changes before first-paint: in how many runs that last change came before the page's
  \`first-paint\` entry. Chromium paints a long page before it has parsed all of it, so a library
  can miss this while still changing every heading before it is painted, which the next column
  tells apart.
- Every heading changed before it could be rendered: in how many runs that observer, which runs
  after every parser task that inserts anything and so before every chance the browser has to
  render, never found a heading in the page without both of its changes and not hidden; only then
  can no frame, before or after first-paint, have shown an original heading (a heading found
  unchanged may still have been changed before a frame was actually drawn). A heading hidden by an
  inline style (\`visibility: hidden\`, \`display: none\` or \`opacity: 0\`) cannot be drawn: webexp
  hides an element that the parser has opened but not yet filled (its text arrives in a later
  parser task) until it is complete, and changes it then; the next column counts the runs in which
  that happened.
- Held hidden while unfinished: in how many runs the observer found a heading unchanged but hidden
  so, at least once.
- First-contentful-paint: the \`first-contentful-paint\` entry, from the start of navigation
  (Chromium gives paint times in steps of 4 ms); the page without a library shows what each
  library's presence costs.
- How GrowthBook was fed: its script tag as its documentation gives it, with \`data-api-host\` set to
  the local server and a \`data-client-key\`, so \`auto.min.js\` fetched the ${EXPERIMENTS} experiments from
  \`/api/features/${CLIENT_KEY}\` on 127.0.0.1 (same origin), as visual-editor experiments whose
  variation 1 holds the same two \`domMutations\` and \`weights: [0, 1]\` so that every visitor gets it;
  the tag is synchronous (the documentation shows \`async\`) so that it runs where webexp's does, and
  no anti-flicker hiding is set.

${tables.join("\n\n")}`;
}

// One load of one page in a fresh context: the figures of that run, after checking it.
async function load(browser, base, contender, cpuThrottle) {
  const { page, context, consoleErrors, pageErrors } = await openPage(browser, { cpuThrottle });
  try {
    await page.goto(base + contender.path, { waitUntil: "load" });
    await page.waitForFunction(
      (library) => "first-contentful-paint" in __t.paints && "first-paint" in __t.paints && (!library || __t.done.every((t) => t !== null)),
      contender.library,
      { timeout: 20000, polling: 50 },
    ).catch(async (e) => {
      const state = await page.evaluate(() => window.__t).catch(() => null);
      throw new Error(`${contender.id} at ${cpuThrottle}x: page never finished (${e.message}); state ${JSON.stringify(state)}`);
    });
    const r = await page.evaluate((n) => {
      const targets = Array.from({ length: n }, (_, i) => document.getElementById(`exp-${i}`));
      return {
        t0: window.__t0,
        paints: window.__t.paints,
        done: window.__t.done,
        unchanged: window.__t.unchanged.filter(Boolean).length,
        hidden: window.__t.hidden.filter(Boolean).length,
        elements: document.body.querySelectorAll("*").length,
        landed: targets.filter((el, i) => el.innerHTML === `New ${i}` && el.classList.contains("changed")).length,
      };
    }, EXPERIMENTS);
    const where = `${contender.id} at ${cpuThrottle}x`;
    if (pageErrors.length || consoleErrors.length) throw new Error(`${where}: errors ${JSON.stringify([...pageErrors, ...consoleErrors])}`);
    if (r.elements !== ELEMENTS) throw new Error(`${where}: ${r.elements} elements in the body, expected ${ELEMENTS}`);
    if (r.landed !== (contender.library ? EXPERIMENTS : 0)) throw new Error(`${where}: ${r.landed} of ${EXPERIMENTS} changes landed`);
    const run = { fcp: r.paints["first-contentful-paint"] };
    if (contender.library) {
      const last = Math.max(...r.done);
      run.lastChange = last - r.t0;
      run.beforeFirstPaint = last < r.paints["first-paint"];
      run.neverUnchanged = r.unchanged === 0;
      run.heldHidden = r.hidden > 0;
    }
    return run;
  } finally {
    await context.close();
  }
}

const range = (xs) => {
  const s = summary(xs);
  return `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`;
};

function table(cpu, rounds, runs) {
  const rows = CONTENDERS.map((c) => {
    const rs = runs[c.id];
    const last = c.library ? range(rs.map((x) => x.lastChange)) : "—";
    const count = (key) => (c.library ? `${rs.filter((x) => x[key]).length} of ${rs.length}` : "—");
    return `| ${c.label} | ${last} | ${count("beforeFirstPaint")} | ${count("neverUnchanged")} | ${count("heldHidden")} | ${range(rs.map((x) => x.fcp))} |`;
  });
  return `### CPU ${cpu}x (${rounds} rounds)

| page | last change after the tag, ms: median [min–max] | all changes before first-paint | every heading changed before it could be rendered | held hidden while unfinished | first-contentful-paint, ms: median [min–max] |
|---|---:|---:|---:|---:|---:|
${rows.join("\n")}`;
}
