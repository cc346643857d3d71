// A test page for the script tag and a measurement of what happened on it (shared by the
// sync-path and config tests).
import { openPage } from "./browser.mjs";

const filler = (n, word) =>
  Array.from({ length: n }, (_, i) => `<p class="filler">${word} paragraph ${i} with some text to lay out.</p>`).join("\n");

// Instrumentation that runs before webexp (paint entries) and an observer registered after
// webexp's: observers are called in creation order in the same microtask checkpoint, so this one
// sees exactly what webexp left, before the browser can render anything.
export function syncPage(configScript) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>sync path</title>
<script>
  window.__t = { paints: {}, seen: null, pageAttrChanges: 0, events: [] };
  new PerformanceObserver((list) => { for (const e of list.getEntries()) __t.paints[e.name] = e.startTime; })
    .observe({ type: "paint", buffered: true });
  window.experimentIntegration = { track(e) { __t.events.push(e); return true; }, getUser() { return {}; } };
</script>
${configScript}
<script src="/webexp.js"></script>
<script>
  new MutationObserver((records) => {
    const el = document.getElementById("late");
    if (el && !__t.seen) __t.seen = { at: performance.now(), html: el.innerHTML };
    for (const r of records) {
      if (r.type === "attributes" && (r.target === document.documentElement || r.target === document.body)) __t.pageAttrChanges++;
    }
  }).observe(document, { childList: true, subtree: true, attributes: true });
</script>
<style>body { font: 16px/1.4 sans-serif; margin: 2em; }</style>
</head><body>
${filler(3, "Intro")}
<h1 id="late">Original headline</h1>
${filler(300, "Body")}
</body></html>`;
}

export async function loadAndMeasure(browser, url, cpuThrottle = 1) {
  const { page, consoleErrors, pageErrors } = await openPage(browser, { cpuThrottle });
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => "first-paint" in window.__t.paints);
  const result = await page.evaluate(() => {
    const cs = (el) => { const s = getComputedStyle(el); return { visibility: s.visibility, opacity: s.opacity, display: s.display }; };
    const hidingRules = [...document.styleSheets, ...document.adoptedStyleSheets]
      .flatMap((sheet) => [...sheet.cssRules].map((r) => r.cssText))
      .filter((t) => /(^|[\s,])(html|body|\*|:root)[\s,{]/.test(t) && /(opacity|visibility|display)\s*:/.test(t));
    return {
      t: window.__t,
      text: document.getElementById("late").innerHTML,
      html: cs(document.documentElement),
      body: cs(document.body),
      late: cs(document.getElementById("late")),
      styleElements: document.querySelectorAll("style").length,
      adopted: document.adoptedStyleSheets.length,
      hidingRules,
      debug: window.webexp.getDebugState(),
    };
  });
  await page.context().close();
  return { ...result, consoleErrors, pageErrors };
}

