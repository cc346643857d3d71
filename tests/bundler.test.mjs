// CONTRACT section 0: in a bundler, `await init()` finds the wasm by itself. The package is put
// into a scratch project's node_modules exactly as `files` ships it, built with Vite and with
// webpack 5, and each page is run in Chromium; the Vite dev server (which pre-bundles
// dependencies) is checked too.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, createServer } from "vite";
import webpack from "webpack";
import { EvaluationEngine } from "@amplitude/experiment-core";
import { startServer } from "../www/server.mjs";
import { launch } from "./support/browser.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FLAGS = [{
  key: "hero",
  segments: [{ bucket: { selector: ["context", "user", "web_exp_id"], salt: "s", allocations: [{ range: [0, 100], distributions: [
    { variant: "a", range: [0, 21474837] }, { variant: "b", range: [21474837, 42949673] }] }] }, variant: "off" }],
  variants: { off: { key: "off" }, a: { key: "a" }, b: { key: "b" } },
}];
const CONTEXT = { user: { web_exp_id: "user-7" } };

let project, browser;
before(async () => {
  project = mkdtempSync(join(tmpdir(), "webexp-vite-"));
  const pkg = join(project, "node_modules", "webexp");
  mkdirSync(pkg, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  for (const entry of manifest.files) cpSync(join(ROOT, entry), join(pkg, entry), { recursive: true });
  cpSync(join(ROOT, "package.json"), join(pkg, "package.json"));
  writeFileSync(join(project, "index.html"), `<!doctype html><script type="module" src="/main.js"></script>`);
  writeFileSync(join(project, "main.js"), `import init, { evaluate } from "webexp";
await init();
window.result = evaluate(${JSON.stringify(CONTEXT)}, ${JSON.stringify(FLAGS)});`);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  if (project) rmSync(project, { recursive: true, force: true });
});

async function run(url) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // Failed requests are checked by URL (the browser asks for /favicon.ico by itself).
  page.on("response", (r) => r.status() >= 400 && !r.url().endsWith("/favicon.ico") && errors.push(`${r.status()} ${r.url()}`));
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(m.text()));
  await page.goto(url);
  await page.waitForFunction(() => window.result !== undefined || document.title === "failed", null, { timeout: 10000 });
  const result = await page.evaluate(() => window.result);
  await page.close();
  assert.deepEqual(errors, []);
  assert.deepEqual(result, new EvaluationEngine().evaluate(CONTEXT, FLAGS));
}

test("vite build: the wasm is emitted as an asset and found by init()", async () => {
  await build({ root: project, logLevel: "silent", build: { outDir: join(project, "dist"), target: "es2022" } });
  const server = await startServer({ staticRoot: join(project, "dist") });
  try {
    await run(server.url + "/");
  } finally {
    await server.close();
  }
});

test("webpack 5 build: the wasm is emitted as an asset and found by init()", async () => {
  const out = join(project, "dist-webpack");
  // Production mode, webpack's defaults otherwise (a classic script; top-level await supported).
  const stats = await new Promise((resolve, reject) =>
    webpack({ mode: "production", context: project, entry: "./main.js", output: { path: out }, performance: { hints: false } },
      (err, stats) => (err ? reject(err) : resolve(stats))));
  assert.deepEqual(stats.toJson({ all: false, errors: true }).errors, []);
  const emitted = stats.toJson({ all: false, assets: true }).assets.map((a) => a.name);
  assert.ok(emitted.some((name) => name.endsWith(".wasm")), `webpack emitted no wasm: ${emitted.join(", ")}`);
  writeFileSync(join(out, "index.html"), `<!doctype html><script src="main.js"></script>`);
  const server = await startServer({ staticRoot: out });
  try {
    await run(server.url + "/");
  } finally {
    await server.close();
  }
});

// Vite's dev server pre-bundles dependencies into .vite/deps, where `new URL("webexp_bg.wasm",
// import.meta.url)` no longer points next to the wasm (vitejs/vite#8427): the README tells Vite
// users to exclude webexp from pre-bundling, which is what this checks.
test("vite dev server with optimizeDeps.exclude: init() finds the wasm", async () => {
  const server = await createServer({
    root: project,
    logLevel: "silent",
    server: { host: "127.0.0.1", port: 0, hmr: false },
    optimizeDeps: { exclude: ["webexp"] },
  });
  await server.listen();
  try {
    await run(server.resolvedUrls.local[0]);
  } finally {
    await server.close();
  }
});
