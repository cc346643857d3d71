// Pages of the apply-latency benchmark (apply.mjs): one landing page of 2000 elements with 20
// experiment targets, carrying webexp, GrowthBook's script tag, or no library, and the same
// instrumentation around the library's tag on all three.

export const EXPERIMENTS = 20;
export const ELEMENTS = 2000;
export const PER_SECTION = ELEMENTS / EXPERIMENTS; // <section>, the target <h2>, and 49 <p> with a <span> each

const newHtml = (i) => `New ${i}`;

/** The 20 experiments in the evaluation model: everyone gets "treatment" (no bucket). */
export function webexpFlags() {
  return Array.from({ length: EXPERIMENTS }, (_, i) => ({
    key: `flag-${i}`,
    metadata: { deliveryMethod: "web", evaluationMode: "local", experimentKey: `exp-${i}` },
    segments: [{ variant: "treatment" }],
    variants: {
      off: { key: "off", metadata: { default: true } },
      treatment: { key: "treatment", payload: [{ action: "mutate", data: { mutations: [
        { selector: `#exp-${i}`, action: "set", attribute: "html", value: newHtml(i) },
        { selector: `#exp-${i}`, action: "append", attribute: "class", value: "changed" },
      ] } }] },
    },
  }));
}

/**
 * The same 20 experiments as GrowthBook visual-editor experiments, in the body that GrowthBook's
 * API serves at /api/features/<client key>: weights [0, 1] with full coverage put every visitor
 * in variation 1, which carries the same two DOM mutations.
 */
export function growthbookPayload(pageUrl) {
  return {
    status: 200,
    features: {},
    experiments: Array.from({ length: EXPERIMENTS }, (_, i) => ({
      key: `exp-${i}`,
      status: "running",
      variations: [{ domMutations: [] }, { domMutations: [
        { selector: `#exp-${i}`, action: "set", attribute: "html", value: newHtml(i) },
        { selector: `#exp-${i}`, action: "append", attribute: "class", value: "changed" },
      ] }],
      weights: [0, 1],
      coverage: 1,
      hashAttribute: "id",
      hashVersion: 2,
      seed: `exp-${i}`,
      urlPatterns: [{ include: true, type: "simple", pattern: pageUrl }],
      meta: [{ key: "0" }, { key: "1" }],
    })),
    dateUpdated: "2026-01-01T00:00:00.000Z",
  };
}

function body() {
  const sections = [];
  for (let i = 0; i < EXPERIMENTS; i++) {
    const paras = Array.from({ length: (PER_SECTION - 2) / 2 }, (_, j) =>
      `<p class="copy">Paragraph ${j} of section ${i}, with <span class="em">some words</span> to lay out on the page.</p>`);
    sections.push(`<section class="block">\n<h2 id="exp-${i}" class="headline">Section ${i} headline</h2>\n${paras.join("\n")}\n</section>`);
  }
  return sections.join("\n");
}

// Before the library: paint entries (buffered), then __t0 just before the library's tag.
const HEAD_BEFORE = `<script>
  window.__t = { paints: {}, done: [], unchanged: [], hidden: [] };
  new PerformanceObserver((list) => { for (const e of list.getEntries()) __t.paints[e.name] = e.startTime; })
    .observe({ type: "paint", buffered: true });
</script>
<script>window.__t0 = performance.now();</script>`;

// Right after the library's tag: for each target, the time of the mutation callback in which it
// reached its final state (new html and the class), reset if it leaves that state again; and
// whether a callback ever found it in the page unchanged and shown. This observer observes the
// whole document, so it runs after every parser task that inserts anything and before the browser
// can render again: a target it never found unchanged and shown was never painted unchanged
// either. A target hidden by an inline style (a library may hide an element the parser has opened
// but not finished, until its content is complete) cannot be painted: it is counted apart, in
// `hidden`. (Observers run in creation order, so the library's own observer, created by its tag,
// runs first.)
const HEAD_AFTER = `<script>
  (function () {
    var n = ${EXPERIMENTS}, done = __t.done, unchanged = __t.unchanged, hidden = __t.hidden;
    for (var i = 0; i < n; i++) { done.push(null); unchanged.push(false); hidden.push(false); }
    new MutationObserver(function () {
      var now = performance.now();
      for (var i = 0; i < n; i++) {
        var el = document.getElementById("exp-" + i);
        if (!el) continue;
        var ok = el.innerHTML === "New " + i && el.classList.contains("changed");
        // (Inline styles only: reading the computed style would make the browser compute styles
        // in every callback, and change the timings measured.)
        var st = el.style, shown = st.visibility !== "hidden" && st.display !== "none" && st.opacity !== "0";
        if (!ok) { done[i] = null; if (shown) unchanged[i] = true; else hidden[i] = true; } else if (done[i] === null) done[i] = now;
      }
    }).observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
  })();
</script>`;

function page(title, libraryTags) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
${HEAD_BEFORE}
${libraryTags}
${HEAD_AFTER}
<style>body { font: 16px/1.4 sans-serif; margin: 2em; } .headline { color: #123; } .changed { color: #a00; }</style>
</head><body>
${body()}
</body></html>`;
}

export function webexpPage() {
  return page("apply: webexp", `<script>window.webexpConfig = ${JSON.stringify({ flags: webexpFlags() })};</script>
<script src="/webexp.js"></script>`);
}

/** GrowthBook's tag as its docs show it (data-api-host, data-client-key), but synchronous. */
export function growthbookPage(apiHost, clientKey) {
  return page("apply: GrowthBook", `<script src="/node_modules/@growthbook/growthbook/dist/bundles/auto.min.js" data-api-host="${apiHost}" data-client-key="${clientKey}"></script>`);
}

export function baselinePage() {
  return page("apply: no library", "");
}
