// Compiled (not run) by tests/npm.test.mjs with `tsc --strict`: the package's types must accept
// the documented uses and reject wrong ones (the @ts-expect-error lines fail the build if they
// stop being errors).
import init, { initSync, start, evaluate, getVariants, variant, setIntegration, type EvaluationFlag, type Integration, type WebexpConfig } from "webexp";

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
  const config: WebexpConfig = { flags, user: { web_exp_id: "v1" }, forcedVariants: { hero: "on" }, integration: { ingestedForm: true } };
  start(config);
  const result: Record<string, { key?: string }> = evaluate({ user: { web_exp_id: "v1" } }, flags);
  const key: string | undefined = result.hero?.key;
  const all = getVariants();
  const v = variant("hero");
  const integration: Integration = { getUser: () => ({ device_id: "d" }), track: (e) => e.eventType === "$impression" };
  setIntegration(integration);
  void key; void all; void v;
  // @ts-expect-error: an operator that does not exist
  const bad: EvaluationFlag["segments"][0]["conditions"] = [[{ selector: ["x"], op: "equals", values: [] }]];
  // @ts-expect-error: track must return a boolean
  setIntegration({ getUser: () => ({}), track: () => "yes" });
  // @ts-expect-error: ingestedForm is a boolean
  start({ flags, integration: { ingestedForm: "yes" } });
  void bad;
}
void main;
