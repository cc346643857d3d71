// Issue 3: evaluating 100 flags for one context, webexp (npm build, wasm) against the reference
// engine (@amplitude/experiment-core), in the same Chromium page. Each round times a batch of
// calls of each, alternating which goes first.
import { summary, fmt } from "./stats.mjs";

const ROUNDS = 41;
const CALLS_PER_ROUND = 50;

export async function evaluationBenchmark({ server, browser }) {
  server.setRoute("/bench/evaluation.html", {
    body: `<!doctype html><script type="module">
      import init, { evaluate } from "/npm/webexp.js";
      import { EvaluationEngine } from "/node_modules/@amplitude/experiment-core/dist/experiment-core.esm.js";
      await init();
      window.bench = { evaluate, engine: new EvaluationEngine() };
    </script>`,
  });
  const page = await browser.newPage();
  await page.goto(server.url + "/bench/evaluation.html");
  await page.waitForFunction(() => window.bench);
  const result = await page.evaluate(({ rounds, calls }) => {
    // 100 realistic web flags: targeting conditions on user properties, then a 50/50 split.
    const flags = Array.from({ length: 100 }, (_, i) => ({
      key: `flag-${i}`,
      metadata: { deliveryMethod: "web", experimentKey: `exp-${i}`, flagVersion: 3 },
      segments: [
        {
          conditions: [[
            { selector: ["context", "user", "country"], op: "is", values: ["us", "ca", "gb"] },
            { selector: ["context", "user", "app_version"], op: "version greater or equal", values: ["2.1.0"] },
          ], [
            { selector: ["context", "page", "url"], op: "regex match", values: [`/landing-${i % 7}`] },
          ]],
          bucket: { selector: ["context", "user", "web_exp_id"], salt: `salt-${i}`, allocations: [{ range: [0, 100], distributions: [
            { variant: "control", range: [0, 21474837] }, { variant: "treatment", range: [21474837, 42949673] }] }] },
          metadata: { segmentName: "Targeted" },
          variant: "off",
        },
        { metadata: { segmentName: "All Other Users" }, variant: "off" },
      ],
      variants: {
        off: { key: "off", metadata: { default: true } },
        control: { key: "control", payload: [] },
        treatment: { key: "treatment", payload: [{ action: "mutate", data: { mutations: [
          { selector: `#hero-${i}`, action: "set", attribute: "html", value: "New" }] } }] },
      },
    }));
    const context = {
      user: { web_exp_id: "4f1c2d3e-aaaa-bbbb-cccc-123456789abc", country: "us", app_version: "2.3.1", device_category: "desktop" },
      page: { url: "https://www.example.com/landing-3?utm_source=ads" },
    };
    const contenders = {
      webexp: () => window.bench.evaluate(context, flags),
      reference: () => window.bench.engine.evaluate(context, flags),
    };
    // Same answers first: a benchmark of wrong results is worthless.
    if (JSON.stringify(contenders.webexp()) !== JSON.stringify(contenders.reference())) throw new Error("results differ");
    for (const f of Object.values(contenders)) for (let i = 0; i < 20; i++) f(); // warm up
    const times = { webexp: [], reference: [] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? ["reference", "webexp"] : ["webexp", "reference"];
      for (const name of order) {
        const t0 = performance.now();
        for (let i = 0; i < calls; i++) contenders[name]();
        times[name].push(((performance.now() - t0) / calls) * 1000);
      }
    }
    return times;
  }, { rounds: ROUNDS, calls: CALLS_PER_ROUND });
  await page.close();
  const w = summary(result.webexp);
  const r = summary(result.reference);
  return `## Evaluation: 100 flags for one context

What it measures: the time of one \`evaluate(context, flags)\` call over 100 targeted web flags
(two condition groups and a 50/50 bucket each), in microseconds, in Chromium; webexp's figure
includes its JSON hand-over between JavaScript and wasm. ${ROUNDS} rounds of ${CALLS_PER_ROUND} calls each.

| contender | median µs | min µs | max µs |
|---|---:|---:|---:|
| webexp \`evaluate\` (wasm) | ${fmt(w.median)} | ${fmt(w.min)} | ${fmt(w.max)} |
| \`@amplitude/experiment-core\` \`EvaluationEngine.evaluate\` | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} |

Ratio webexp / reference (medians): ${fmt(w.median / r.median, 2)}.`;
}
