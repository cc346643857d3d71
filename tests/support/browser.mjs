// Headless Chromium for the end-to-end tests (Debian's chromium; playwright's own download does
// not work offline). The browser is a child of this process and closes with it; build.sh also
// runs the whole test run in its own process group and kills the group at the end.
import { before, after } from "node:test";
import { chromium } from "playwright-core";
import { startServer } from "../../www/server.mjs";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

/** Opens a page that collects console errors and uncaught page errors. */
export async function openPage(browser, { cpuThrottle = 1 } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleErrors = [];
  const pageErrors = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  if (cpuThrottle !== 1) {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: cpuThrottle });
  }
  return { page, context, consoleErrors, pageErrors };
}

/** A flag in the evaluation model that puts everyone in `variant` with these actions. */
export function flag(key, { variant = "treatment", actions = [], experimentKey, variants } = {}) {
  return {
    key,
    metadata: { deliveryMethod: "web", evaluationMode: "local", ...(experimentKey ? { experimentKey } : {}) },
    segments: [{ metadata: { segmentName: "All Other Users" }, variant }],
    variants: variants || {
      off: { key: "off", metadata: { default: true } },
      control: { key: "control", payload: [] },
      [variant]: { key: variant, payload: actions },
    },
  };
}

/**
 * A page with webexp's tag and `config`, whose integration records every event it is given in
 * `window.tracked` (and takes it), and `body` as its body's content.
 */
export function taggedPage(config, body = "") {
  return `<!doctype html><html><head><meta charset="utf-8">
<script>
  window.tracked = [];
  window.experimentIntegration = { getUser() { return {}; }, track(e) { tracked.push(e); return true; } };
  window.webexpConfig = ${JSON.stringify(config)};
</script>
<script src="/webexp.js"></script>
</head><body>${body}</body></html>`;
}

export const setHtml = (selector, value) => ({
  action: "mutate",
  data: { mutations: [{ selector, action: "set", attribute: "html", value }] },
});

/**
 * Registers hooks that start the local server and a browser before the file's tests and close
 * both after them; the returned object holds them (`{ server, browser }`) once started.
 */
export function serverAndBrowser() {
  const live = {};
  before(async () => {
    live.server = await startServer();
    live.browser = await launch();
  });
  after(async () => {
    await live.browser?.close();
    await live.server?.close();
  });
  return live;
}
