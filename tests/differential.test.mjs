// Issue 3: our evaluate() against the reference engine (@amplitude/experiment-core) on generated
// flags and contexts. Seeded, so a failure names a case that reproduces: WEBEXP_DIFF_SEED=<seed>
// WEBEXP_DIFF_CASES=<n> node --test tests/differential.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { EvaluationEngine } from "@amplitude/experiment-core";
import { initSync, evaluate } from "webexp";
import { rng } from "./support/rng.mjs";

const SEED = Number(process.env.WEBEXP_DIFF_SEED ?? 20261121);
const CASES = Number(process.env.WEBEXP_DIFF_CASES ?? 12000);

initSync({ module: readFileSync(fileURLToPath(import.meta.resolve("webexp/webexp_bg.wasm"))) });


const STRINGS = [
  "", "a", "A", "abc", "ABC", "Hello World", "hello", "us", "US", "de", "fr-CA", "true", "TRUE", "False", "false",
  "0", "1", "-1", "10", "2", "1.5", "1e3", "0x10", " 12 ", "1_000", "Infinity", "-Infinity", "NaN", "  ",
  "1.2.3", "1.10.0", "1.2", "1.2.3-beta.1", "1.2.3-alpha", "1.2.3-", "2.0.0-rc.10", "01.2.3", "1.2.3.4", "v1.2.3",
  "(none)", "[]", "[\"a\",\"b\"]", "[1,2,\"\"]", "[\"\",null]", "[1, 2", "{\"a\":1}", "[{\"k\":\"v\"}]", "[ 1.0, 2e1 ]",
  "ü", "Ü", "straße", "STRASSE", "İstanbul", "ΣΑΣ", "日本", "🚀", "a🚀b", "\ud800", "x\udc00y", "\ud83d",
  "https://ex.com/pricing?x=1#h", "/pricing", "gmail.com", "user@GMAIL.com",
];
const REGEXES = ["^a", "b$", "[0-9]+", "^$", ".*", "pric", "^https?://", "\\d{2,}", "ü", "(?:a|b)c", "🚀", "^\\s"];
const OPS = [
  "is", "is not", "contains", "does not contain", "less", "less or equal", "greater", "greater or equal",
  "version less", "version less or equal", "version greater", "version greater or equal", "set is", "set is not",
  "set contains", "set does not contain", "set contains any", "set does not contain any", "regex match",
  "regex does not match", "unknown op",
];
const PROPS = ["country", "plan", "age", "version", "tags", "json_tags", "flag", "nested", "missing", "nil", "empty", "score"];

function scalar(r) {
  switch (r.int(6)) {
    case 0: return r.pick(STRINGS);
    case 1: return r.int(200) - 50;
    case 2: return Number((r.next() * 100 - 20).toFixed(r.int(4))) + 0; // + 0: no -0 (JSON has none)
    case 3: return r.chance(0.5);
    case 4: return r.pick([0, 1e21, 1.5e-7, 2 ** 53 + 2, 0.1 + 0.2]);
    default: return r.pick(STRINGS) + r.pick(STRINGS);
  }
}

function json(r, depth = 0) {
  if (depth > 2 || r.chance(0.6)) return r.chance(0.1) ? null : scalar(r);
  if (r.chance(0.5)) return Array.from({ length: r.int(4) }, () => json(r, depth + 1));
  return Object.fromEntries(Array.from({ length: r.int(4) }, (_, i) => [r.pick(["a", "b", "1", "0", "k" + i]), json(r, depth + 1)]));
}

function context(r) {
  const user = {};
  if (!r.chance(0.05)) user.web_exp_id = r.chance(0.7) ? `user-${r.int(100000)}` : r.pick(STRINGS);
  if (r.chance(0.5)) user.device_id = `d-${r.int(1000)}`;
  if (r.chance(0.3)) user.user_id = r.pick(STRINGS);
  const props = {
    country: () => r.pick(["us", "US", "de", "fr-CA", "", null]),
    plan: () => r.pick(["free", "pro", "PRO", "enterprise"]),
    age: () => r.pick([r.int(90), String(r.int(90)), r.next() * 90, "abc", " 42 "]),
    version: () => r.pick(["1.2.3", "1.10.0", "1.2", "1.2.3-beta.1", "2.0.0-rc.10", "1.2.3.4", "x"]),
    tags: () => Array.from({ length: r.int(4) }, () => r.pick(["a", "b", "c", "", null, 1, "A"])),
    json_tags: () => JSON.stringify(Array.from({ length: r.int(4) }, () => r.pick(["a", "b", "", 2, null]))),
    flag: () => r.pick([true, false, "true", "FALSE"]),
    nested: () => ({ x: r.pick(STRINGS), y: { z: scalar(r) }, list: [scalar(r), scalar(r)] }),
    nil: () => null,
    empty: () => r.pick(["", [], {}]),
    score: () => scalar(r),
  };
  for (const [k, f] of Object.entries(props)) if (r.chance(0.7)) user[k] = f();
  if (r.chance(0.3)) user.user_properties = json(r);
  return { user, page: { url: r.pick(["https://ex.com/", "https://ex.com/pricing?x=1", "https://shop.ex.com/p/1#top"]) } };
}

function selector(r, earlier) {
  if (earlier.length && r.chance(0.15)) return ["result", r.pick(earlier), r.pick(["key", "value", "metadata"])];
  switch (r.int(10)) {
    case 0: return ["context", "user", "nested", r.pick(["x", "y", "list"]), ...(r.chance(0.5) ? [r.pick(["z", "0", "1", "length"])] : [])];
    case 1: return ["context", "user", "tags", r.pick(["0", "1", "length", "01"])];
    case 2: return ["context", "page", "url"];
    case 3: return ["context", "user", "user_properties", r.pick(["a", "b", "1", "0"])];
    case 4: return r.pick([[], ["context"], ["context", "user"], ["nope", "x"]]);
    default: return ["context", "user", r.pick(PROPS)];
  }
}

function condition(r, earlier) {
  const op = r.pick(OPS);
  const pool = op.startsWith("regex") ? REGEXES : STRINGS;
  return { selector: selector(r, earlier), op, values: Array.from({ length: 1 + r.int(3) }, () => r.pick(pool)) };
}

function variants(r) {
  const keys = ["off", "control", "treatment", "b"].slice(0, 2 + r.int(3));
  const out = {};
  for (const k of keys) {
    const v = { key: k };
    if (r.chance(0.7)) v.value = r.chance(0.5) ? k : json(r);
    if (r.chance(0.4)) v.payload = json(r);
    if (r.chance(0.5)) v.metadata = k === "off" ? { default: true } : { [r.pick(["a", "segmentName", "evaluationMode"])]: json(r) };
    if (r.chance(0.1)) v.extra = json(r);
    out[k] = v;
  }
  return out;
}

function flag(r, key, earlier) {
  const vs = variants(r);
  const variantKeys = [...Object.keys(vs), "missing-variant"];
  const segments = Array.from({ length: 1 + r.int(3) }, () => {
    const s = {};
    if (r.chance(0.7)) {
      s.conditions = r.chance(0.05) ? [] : Array.from({ length: 1 + r.int(2) }, () =>
        Array.from({ length: r.int(3) }, () => condition(r, earlier)));
    }
    if (r.chance(0.7)) {
      let start = 0;
      s.bucket = {
        selector: r.chance(0.9) ? ["context", "user", "web_exp_id"] : selector(r, earlier),
        salt: r.pick(["G0U0BTSK", "salt", "ü🚀", "", "x\ud800"]) + (r.chance(0.5) ? String(r.int(100)) : ""),
        allocations: Array.from({ length: 1 + r.int(2) }, () => {
          const end = r.chance(0.6) ? 100 : r.int(101);
          const a = { range: [r.chance(0.8) ? 0 : r.int(50), end], distributions: [] };
          let d = 0;
          for (const v of variantKeys.slice(0, 1 + r.int(3))) {
            const w = r.chance(0.2) ? 42949673 : r.int(42949673);
            a.distributions.push({ variant: v, range: [d, Math.min(42949673, d + w)] });
            d += w;
          }
          start = end;
          return a;
        }),
      };
    }
    if (r.chance(0.8)) s.variant = r.pick(variantKeys);
    if (r.chance(0.5)) s.metadata = { segmentName: r.pick(["Segment 1", "All Other Users"]), [r.pick(["a", "b"])]: json(r) };
    return s;
  });
  const f = { key, variants: vs, segments };
  if (r.chance(0.6)) f.metadata = { deliveryMethod: "web", experimentKey: `exp-${key}`, [r.pick(["a", "flagVersion"])]: json(r) };
  if (earlier.length && r.chance(0.3)) f.dependencies = [r.pick(earlier)];
  return f;
}

test(`evaluate() equals the reference on ${CASES} generated cases (seed ${SEED})`, () => {
  const r = rng(SEED);
  const engine = new EvaluationEngine();
  // Count each operator's outcomes in the reference, to show the cases exercise both answers.
  const outcomes = {};
  const match = engine.matchCondition.bind(engine);
  engine.matchCondition = (target, c) => {
    const matched = match(target, c);
    (outcomes[c.op] ??= [0, 0])[matched ? 1 : 0]++;
    return matched;
  };
  let compared = 0;
  let referenceThrew = 0;
  const errors = console.error;
  for (let i = 0; i < CASES; i++) {
    const flags = [];
    const n = 1 + r.int(5);
    for (let j = 0; j < n; j++) flags.push(flag(r, r.chance(0.05) ? String(j) : `flag-${j}`, flags.map((f) => f.key)));
    const ctx = context(r);
    let expected;
    try {
      // Flags are generated in dependency order (the order the SDK hands to evaluate()), where
      // our dependency ordering changes nothing: compare with the engine call itself.
      expected = engine.evaluate(ctx, flags);
    } catch {
      referenceThrew++;
      continue;
    }
    let logged = [];
    console.error = (...a) => logged.push(a.join(" "));
    const actual = evaluate(ctx, flags);
    console.error = errors;
    assert.deepEqual(logged, [], `case ${i}: our evaluate reported errors`);
    assert.deepEqual(actual, expected, `case ${i} differs:\ncontext ${JSON.stringify(ctx)}\nflags ${JSON.stringify(flags)}`);
    compared++;
  }
  console.log(`# differential: ${compared} cases compared, 0 differences; reference threw on ${referenceThrew}`);
  console.log(`# operator outcomes [false, true]: ${JSON.stringify(outcomes)}`);
  for (const op of OPS.slice(0, 20)) {
    assert.ok(outcomes[op]?.[0] > 0 && outcomes[op]?.[1] > 0, `${op} was not exercised both ways`);
  }
  assert.ok(compared >= 10000, `only ${compared} comparable cases`);
});

test("bucketing over 10,000 ids matches the reference split exactly", () => {
  const flag = {
    key: "split",
    segments: [{
      bucket: { selector: ["context", "user", "web_exp_id"], salt: "G0U0BTSK", allocations: [{ range: [0, 50], distributions: [
        { variant: "a", range: [0, 10737418] }, { variant: "b", range: [10737418, 21474836] },
        { variant: "c", range: [21474836, 32212254] }, { variant: "d", range: [32212254, 42949673] }] }] },
      variant: "off",
    }],
    variants: { off: { key: "off" }, a: { key: "a" }, b: { key: "b" }, c: { key: "c" }, d: { key: "d" } },
  };
  const engine = new EvaluationEngine();
  const count = (f) => {
    const c = {};
    for (let i = 1; i <= 10000; i++) {
      const k = f({ user: { web_exp_id: String(i) } }, [flag]).split.key;
      c[k] = (c[k] || 0) + 1;
    }
    return c;
  };
  const ours = count(evaluate);
  assert.deepEqual(ours, count((c, f) => engine.evaluate(c, f)));
  console.log(`# split over 10,000 ids: ${JSON.stringify(ours)}`);
});
