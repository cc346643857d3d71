// CONTRACT section 0: the npm package. In Node, the documented initSync call works through the
// package's own exports map (a package can import itself by name); in a browser, `await init()`
// finds webexp_bg.wasm next to the module by itself, as bundlers do.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EvaluationEngine } from "@amplitude/experiment-core";
import { initSync, evaluate, getVariants, getActiveExperiments, getDebugState, applyVariants, start } from "webexp";
import { serverAndBrowser } from "./support/browser.mjs";

const FLAGS = [
  {
    key: "hero",
    metadata: { experimentKey: "exp-1", deliveryMethod: "web" },
    segments: [
      {
        bucket: {
          selector: ["context", "user", "web_exp_id"],
          salt: "G0U0BTSK",
          allocations: [{ range: [0, 100], distributions: [
            { variant: "control", range: [0, 21474837] },
            { variant: "treatment", range: [21474836, 42949673] },
          ] }],
        },
        metadata: { segmentName: "Segment 1" },
        variant: "off",
      },
    ],
    variants: { off: { key: "off", metadata: { default: true } }, control: { key: "control" }, treatment: { key: "treatment", payload: [] } },
  },
];

// Runs first: nothing has instantiated the wasm yet.
test("Node: a call before initSync says what is missing and returns the empty value", (t) => {
  const errors = [];
  t.mock.method(console, "error", (...args) => errors.push(args.join(" ")));
  assert.deepEqual(evaluate({}, FLAGS), {});
  assert.match(errors[0], /webexp: evaluate\(\) before the wasm was instantiated \(npm: call init\(\) or initSync\(\) first\)/);
});

test("Node: initSync + evaluate through the package exports, same answer as the reference", (t) => {
  initSync({ module: readFileSync(fileURLToPath(import.meta.resolve("webexp/webexp_bg.wasm"))) });
  // Without a page, the runtime's calls say so, and keep working once asked again.
  const errors = [];
  t.mock.method(console, "error", (...args) => errors.push(args.join(" ")));
  const empty = { initMicros: 0, preview: false, flags: {}, eventsSent: [], eventsQueued: [], fights: [] };
  // (Said once: a server rendering pages would call on every request.)
  assert.deepEqual(getVariants(), {});
  assert.deepEqual(errors, ["webexp: the runtime needs a browser page; only evaluate() works here"]);
  for (const [call, answer] of [[applyVariants], [() => start({ flags: FLAGS })], [getVariants, {}], [getActiveExperiments, []], [getDebugState, empty]]) {
    assert.deepEqual(call(), answer);
  }
  assert.equal(errors.length, 1);
  t.mock.restoreAll();
  const engine = new EvaluationEngine();
  for (const id of ["user-1", "0e6bd5c2-8a3b-4d9e-9f1a-2b7c4d5e6f70", "a", "ü-🚀"]) {
    const context = { user: { web_exp_id: id } };
    assert.deepEqual(evaluate(context, FLAGS), engine.evaluate(context, FLAGS));
  }
  // Values JSON cannot hold, compared as the engine compares them.
  const odd = [
    { key: "date", variants: { on: { key: "on" } }, segments: [{ conditions: [[{ selector: ["context", "d"], op: "is", values: ['"2020-01-01T00:00:00.000Z"'] }]], variant: "on" }] },
    { key: "nan", variants: { on: { key: "on" } }, segments: [{ conditions: [[{ selector: ["context", "n"], op: "is", values: ["NaN"] }]], variant: "on" }] },
    { key: "inf", variants: { on: { key: "on" } }, segments: [{ conditions: [[{ selector: ["context", "i"], op: "greater", values: ["5"] }]], variant: "on" }] },
    { key: "big", variants: { on: { key: "on" } }, segments: [{ conditions: [[{ selector: ["context", "b"], op: "is", values: ["12"] }]], variant: "on" }] },
    { key: "list", variants: { on: { key: "on" } }, segments: [{ conditions: [[{ selector: ["context", "l"], op: "set contains", values: ["NaN"] }]], variant: "on" }] },
  ];
  const context = { d: new Date(Date.UTC(2020, 0, 1)), n: NaN, i: Infinity, b: 12n, l: [1, NaN] };
  const expected = engine.evaluate(context, odd);
  assert.deepEqual(Object.keys(expected), ["date", "nan", "inf", "big", "list"]);
  assert.deepEqual(evaluate(context, odd), expected);
});

test("TypeScript: the package's types accept the documented uses and reject wrong ones", () => {
  // tsc --strict over tests/types/consumer.ts, which imports "webexp" through the exports map;
  // its @ts-expect-error lines fail the compile if a wrong use stops being an error.
  const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
  // With the DOM library (a web app), and without it (Node, workers: no RequestInfo,
  // BufferSource or WebAssembly names).
  for (const config of ["tsconfig.json", "tsconfig.node.json"]) {
    const project = fileURLToPath(new URL(`./types/${config}`, import.meta.url));
    execFileSync(process.execPath, [tsc, "-p", project], { encoding: "utf8" });
  }
});

const live = serverAndBrowser();

test("browser ESM: `await init()` finds the wasm by itself", async () => {
  live.server.setRoute("/esm.html", {
    body: `<!doctype html><script type="module">
      import init, { evaluate } from "/npm/webexp.js";
      await init();
      window.result = evaluate({ user: { web_exp_id: "user-1" } }, ${JSON.stringify(FLAGS)});
    </script>`,
  });
  const page = await live.browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(live.server.url + "/esm.html");
  await page.waitForFunction(() => window.result !== undefined);
  const result = await page.evaluate(() => window.result);
  assert.deepEqual(errors, []);
  assert.deepEqual(result, new EvaluationEngine().evaluate({ user: { web_exp_id: "user-1" } }, FLAGS));
  await page.close();
});
