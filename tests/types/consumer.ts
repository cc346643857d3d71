// Compiled (not run) by tests/npm.test.mjs with `tsc --strict`: the package's types must accept
// the documented uses and reject wrong ones (the @ts-expect-error lines fail the build if they
// stop being errors).
import init, {
  initSync, start, evaluate, getVariants, getActiveExperiments, applyVariants, revertVariants, toggleManualPageObject, variant,
  setIntegration, setConsent, setRedirectHandler, getDebugState, type EvaluationFlag, type Integration, type WebexpConfig, type DebugState,
} from "webexp";

const flags: EvaluationFlag[] = [
  {
    key: "hero",
    variants: { off: { key: "off" }, on: { key: "on", payload: [] } },
    segments: [{ conditions: [[{ selector: ["context", "user", "country"], op: "is", values: ["us"] }]], variant: "on" }],
  },
];

async function main(bytes: Uint8Array): Promise<void> {
  await init();
  initSync({ module: bytes });
  initSync(bytes);
  const config: WebexpConfig = { flags, user: { web_exp_id: "v1" }, forcedVariants: { hero: "on" }, integration: { ingestedForm: true } };
  start(config);
  const result: Record<string, { key?: string }> = evaluate({ user: { web_exp_id: "v1" } }, flags);
  const key: string | undefined = result.hero?.key;
  const all = getVariants();
  const v = variant("hero");
  const integration: Integration = { getUser: () => ({ device_id: "d" }), track: (e) => e.eventType === "$impression" };
  setIntegration(integration);
  void key; void all; void v;
  // The rest of CONTRACT section 5, and the README's additions.
  const active: string[] = getActiveExperiments();
  applyVariants();
  revertVariants();
  toggleManualPageObject("pricing", true);
  setConsent("granted");
  setRedirectHandler((url) => { void url; });
  setRedirectHandler(null);
  setIntegration(null);
  const debug: DebugState = getDebugState();
  const why: "evaluated" | "forced" | "preview" | "unmatched" | undefined = debug.flags.hero?.reason;
  const queued: number = debug.eventsQueued.length + debug.eventsSent.length;
  void active; void why; void queued;
  // @ts-expect-error: consent is one of three words
  setConsent("yes");
  // @ts-expect-error: the redirect handler takes the URL
  setRedirectHandler((url: number) => { void url; });
  // Flags written as plain objects (their ops and ranges inferred as string and number[]), as
  // @amplitude/experiment-core's types give them.
  const plain = [{
    key: "plain",
    variants: { on: { key: "on" } },
    segments: [{
      conditions: [[{ selector: ["context", "page", "url"], op: "regex match", values: ["/p"] }]],
      bucket: { selector: ["context", "user", "web_exp_id"], salt: "s", allocations: [{ range: [0, 100], distributions: [{ variant: "on", range: [0, 42949673] }] }] },
    }],
  }];
  evaluate({}, plain);
  // A context typed by an interface (no index signature), and flags in a readonly array.
  interface Visitor { user: { web_exp_id: string; plan?: string } }
  const visitor: Visitor = { user: { web_exp_id: "v2" } };
  const frozen: readonly EvaluationFlag[] = flags;
  evaluate(visitor, frozen);
  start({ flags: frozen });
  // @ts-expect-error: condition values are strings
  const bad: EvaluationFlag["segments"][0]["conditions"] = [[{ selector: ["x"], op: "is", values: [1] }]];
  // @ts-expect-error: track returns a boolean (or nothing)
  setIntegration({ getUser: () => ({}), track: () => "yes" });
  // A track that returns nothing takes the event (README, "Integrations").
  setIntegration({ getUser: () => ({}), track: (e) => { void e; } });
  // @ts-expect-error: a misspelt field (forcedVariants) is an error, not an extra field
  start({ flags, forcedVariant: { hero: "on" } });
  // @ts-expect-error: ingestedForm is a boolean
  start({ flags, integration: { ingestedForm: "yes" } });
  void bad;
}
void main;
