// The script tag's cost to the page it is on: how long the parser waits at the tag (from an inline
// script just before it to one just after: fetching the file, compiling it, setting up the wasm,
// and starting with the page's config), and within that the set-up alone
// (`getDebugState().initMicros`: the inlined wasm turned back into bytes by src/js/decode.wat,
// compiled and instantiated with initSync). Each run in a fresh browser context (nothing cached or
// compiled from an earlier run, no storage: a first visit), at normal CPU speed and throttled 4x,
// with the apply benchmark's 20 experiments and with an empty config.
import { openPage } from "../support/browser.mjs";
import { summary, fmt } from "./stats.mjs";
import { webexpFlags } from "./apply-pages.mjs";

const RUNS = 15;

const CONFIGS = [
  { label: "20 experiments (the apply benchmark's), 1 section of the page parsed", config: { flags: webexpFlags() } },
  { label: "empty config (`flags: []`)", config: { flags: [] } },
];

const page = (config) => `<!doctype html><html><head><meta charset="utf-8"><title>init</title>
<script>window.__t0 = performance.now();</script>
<script>window.webexpConfig = ${JSON.stringify(config)};</script>
<script src="/webexp.js"></script>
<script>window.__t1 = performance.now();</script>
</head><body><section><h2 id="exp-0">Section 0 headline</h2><p>Some words.</p></section></body></html>`;

export async function initBenchmark({ server, browser }) {
  CONFIGS.forEach((c, i) => server.setRoute(`/bench/init-${i}.html`, { body: page(c.config) }));
  const rows = [];
  for (const throttle of [1, 4]) {
    const runs = CONFIGS.map(() => ({ tag: [], fetched: [], setUp: [] }));
    for (let r = 0; r < RUNS; r++) {
      for (let k = 0; k < CONFIGS.length; k++) {
        const i = r % 2 ? CONFIGS.length - 1 - k : k;
        const { page: p, context } = await openPage(browser, { cpuThrottle: throttle });
        await p.goto(`${server.url}/bench/init-${i}.html`);
        const m = await p.evaluate(() => {
          const file = performance.getEntriesByType("resource").find((e) => e.name.endsWith("/webexp.js"));
          return { tag: __t1 - __t0, fetched: Math.max(0, file.responseEnd - __t0), setUp: webexp.getDebugState().initMicros / 1000 };
        });
        for (const key in m) runs[i][key].push(m[key]);
        await context.close();
      }
    }
    CONFIGS.forEach((c, i) => {
      const cell = (xs) => { const s = summary(xs); return `${fmt(s.median)} [${fmt(s.min)} to ${fmt(s.max)}]`; };
      rows.push(`| ${throttle}x | ${c.label} | ${cell(runs[i].tag)} | ${cell(runs[i].fetched)} | ${cell(runs[i].setUp)} |`);
    });
  }
  return `## Script tag: how long the page waits at it

What it measures: the tag is synchronous (so that its observer sees every element the parser
inserts after it), so the parser waits at it. The time from an inline script just before the tag
(before the config script) to one just after it: fetching \`dist/webexp.js\` (from 127.0.0.1),
compiling it, setting up the wasm, and starting: reading storage (the visitor's id, redirect
hand-overs, a preview), evaluating the flags, applying the changes to what is on the page and
installing the observer. Within it, the file's fetch (to its last byte, from the same start) and the
set-up alone, from the start of the tag's code to the wasm instantiated
(\`getDebugState().initMicros\`): the inlined wasm turned back into bytes (the browser's
TextEncoder and a small wasm decoder, \`src/js/decode.wat\`), compiled and instantiated with
\`initSync\`. ${RUNS} runs per CPU speed and config, interleaved, each in a fresh browser context
(a first visit: nothing cached, no storage).

| CPU | config | the page waits at the tag, ms | of which the file's fetch, ms | of which the set-up, ms |
|---|---|---:|---:|---:|
${rows.join("\n")}`;
}
