// The script tag's set-up time: from the start of its code to the wasm instantiated
// (`getDebugState().initMicros`: the inlined wasm turned back into bytes by src/js/decode.wat,
// compiled and instantiated with initSync), on the demo page, each run in a fresh browser context
// (nothing compiled or cached from an earlier run), at normal CPU speed and throttled 4x.
import { openPage } from "../support/browser.mjs";
import { summary, fmt } from "./stats.mjs";

const RUNS = 15;

export async function initBenchmark({ server, browser }) {
  const rows = [];
  for (const throttle of [1, 4]) {
    const ms = [];
    for (let i = 0; i < RUNS; i++) {
      const { page, context } = await openPage(browser, { cpuThrottle: throttle });
      await page.goto(`${server.url}/index.html`);
      ms.push(await page.evaluate(() => window.webexp.getDebugState().initMicros / 1000));
      await context.close();
    }
    const s = summary(ms);
    rows.push(`| ${throttle}x | ${fmt(s.median)} [${fmt(s.min)} to ${fmt(s.max)}] |`);
  }
  return `## Script tag set-up time

What it measures: the time the script tag's code takes, on the demo page (\`www/index.html\`), from
its start to the wasm instantiated (\`getDebugState().initMicros\`): the inlined wasm turned back into
bytes (the browser's TextEncoder and a small wasm decoder, \`src/js/decode.wat\`), compiled and
instantiated with \`initSync\`. ${RUNS} runs per CPU speed, each in a fresh browser context.

| CPU | set-up, ms |
|---|---:|
${rows.join("\n")}`;
}
