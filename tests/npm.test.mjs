// CONTRACT section 0: the npm package. In Node, the documented initSync call works through the
// package's own exports map (a package can import itself by name); in a browser, `await init()`
// finds webexp_bg.wasm next to the module by itself, as bundlers do.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EvaluationEngine } from "@amplitude/experiment-core";
import { initSync, evaluate } from "webexp";
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

test("Node: initSync + evaluate through the package exports, same answer as the reference", () => {
  initSync({ module: readFileSync(fileURLToPath(import.meta.resolve("webexp/webexp_bg.wasm"))) });
  const engine = new EvaluationEngine();
  for (const id of ["user-1", "0e6bd5c2-8a3b-4d9e-9f1a-2b7c4d5e6f70", "a", "ü-🚀"]) {
    const context = { user: { web_exp_id: id } };
    assert.deepEqual(evaluate(context, FLAGS), engine.evaluate(context, FLAGS));
  }
});

test("TypeScript: the package's types accept the documented uses and reject wrong ones", () => {
  // tsc --strict over tests/types/consumer.ts, which imports "webexp" through the exports map;
  // its @ts-expect-error lines fail the compile if a wrong use stops being an error.
  const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
  const project = fileURLToPath(new URL("./types/tsconfig.json", import.meta.url));
  execFileSync(process.execPath, [tsc, "-p", project], { encoding: "utf8" });
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
