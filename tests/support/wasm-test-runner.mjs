// The runner of the wasm-bindgen browser tests (`cargo test --target wasm32-unknown-unknown`, set
// as the target's runner by build.sh): wasm-bindgen-test-runner serves the test page, and the page
// is opened here in headless Chromium through playwright-core, as the end-to-end tests open theirs.
//
// Why not the runner's own chromedriver mode: in one run out of two to ten its page never got
// past "Loading scripts..." and the run hung (wasm-bindgen/wasm-pack#783). The runner's
// interactive mode (`NO_HEADLESS`) serves the same page without a driver; this script reads the
// page's output as the runner would, prints it, and exits 0 only on "test result: ok".
//
// Usage (as cargo calls a runner): node tests/support/wasm-test-runner.mjs <test.wasm> [args...]
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { launch } from "./browser.mjs";

const LIMIT_MS = 120_000;
const LOAD_MS = 10_000;

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const port = await freePort();
const runner = spawn("wasm-bindgen-test-runner", process.argv.slice(2), {
  env: { ...process.env, NO_HEADLESS: "1", WASM_BINDGEN_TEST_ADDRESS: `127.0.0.1:${port}` },
  stdio: ["ignore", "pipe", "inherit"],
});
let browser;
let code = 1;
try {
  // The runner says when it serves; a wasm without browser tests ("no tests to run!") exits.
  const served = await new Promise((resolve, reject) => {
    let out = "";
    runner.stdout.on("data", (d) => {
      out += d;
      if (out.includes("are now available at")) resolve(true);
    });
    runner.on("exit", (status) => (status === 0 ? resolve(false) : reject(new Error(`wasm-bindgen-test-runner exited with ${status}:\n${out}`))));
    runner.on("error", reject);
  });
  if (!served) {
    code = 0;
  } else {
    browser = await launch();
    const page = await browser.newPage();
    const output = () => page.$eval("#output", (e) => e.textContent).catch(() => "");
    // The runner's server now and then stalls a request, so that the page never loads; the
    // page is then loaded again (the tests have not started: its scripts never ran).
    for (let attempt = 1; ; attempt++) {
      try {
        await page.goto(`http://127.0.0.1:${port}/`, { timeout: LOAD_MS });
        break;
      } catch (e) {
        if (attempt === 5) throw e;
        console.error(`wasm-test-runner: the test page did not load in ${LOAD_MS / 1000} s; loading it again`);
      }
    }
    let text = "";
    for (const start = Date.now(); Date.now() - start < LIMIT_MS; await new Promise((r) => setTimeout(r, 100))) {
      text = await output();
      if (/test result: (ok|FAILED)/.test(text)) break;
    }
    console.log(text);
    if (/test result: ok/.test(text)) code = 0;
    else if (!/test result: FAILED/.test(text)) console.error(`wasm-test-runner: no test result after ${LIMIT_MS / 1000} s`);
  }
} catch (e) {
  console.error(String(e));
} finally {
  await browser?.close();
  runner.kill("SIGKILL");
}
process.exit(code);
