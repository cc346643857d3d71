// Types of the webexp npm package (CONTRACT sections 2 to 5).

/** The 20 operators of the Amplitude Experiment evaluation model. */
export type EvaluationOperator =
  | "is" | "is not" | "contains" | "does not contain"
  | "less" | "less or equal" | "greater" | "greater or equal"
  | "version less" | "version less or equal" | "version greater" | "version greater or equal"
  | "set is" | "set is not" | "set contains" | "set does not contain"
  | "set contains any" | "set does not contain any"
  | "regex match" | "regex does not match";

/**
 * A condition of the Amplitude Experiment evaluation model. `op` takes any string, as
 * `@amplitude/experiment-core`'s own types do (flags typed there, or written as plain objects,
 * fit); an unknown operator matches nothing.
 */
export interface EvaluationCondition {
  selector: string[];
  op: EvaluationOperator | (string & {});
  values: string[];
}

/** `range`: `[start, end)`, as two numbers. */
export interface EvaluationDistribution { variant: string; range: number[]; }
export interface EvaluationAllocation { range: number[]; distributions: EvaluationDistribution[]; }
export interface EvaluationBucket { selector: string[]; salt: string; allocations: EvaluationAllocation[]; }
export interface EvaluationSegment {
  bucket?: EvaluationBucket;
  conditions?: EvaluationCondition[][] | null;
  variant?: string;
  metadata?: Record<string, unknown>;
}
export interface EvaluationVariant {
  key?: string;
  value?: unknown;
  payload?: unknown;
  metadata?: Record<string, unknown>;
}
export interface EvaluationFlag {
  key: string;
  variants: Record<string, EvaluationVariant>;
  segments: EvaluationSegment[];
  dependencies?: string[];
  metadata?: Record<string, unknown>;
}

/** A page of a flag: where its actions may run. */
export interface PageObject {
  id: string;
  name?: string;
  conditions?: EvaluationCondition[][];
  trigger_type?: "url_change" | "manual";
  trigger_value?: unknown;
}

/** The config of CONTRACT section 2. */
export interface WebexpConfig {
  flags?: readonly EvaluationFlag[];
  pageObjects?: Record<string, Record<string, PageObject>>;
  user?: Record<string, unknown> & { web_exp_id?: string };
  forcedVariants?: Record<string, string>;
  /** Log each decision with console.log ("webexp: ..."). */
  debug?: boolean;
  /** "element": impressions of every arm wait for the elements the flag's variants target. */
  exposureMode?: "element" | "default";
  /** "pending" or "denied": no storage writes and no events until setConsent("granted"). */
  consent?: "granted" | "pending" | "denied";
  /** The built-in analytics adapters (used when no integration is set). */
  integration?: {
    /**
     * Send `[Experiment] Impression` / `[Experiment] Exposure` with `[Experiment] Flag Key`,
     * `[Experiment] Variant`, `[Experiment] Experiment Key`, and set the user property
     * `[Experiment] <flagKey>` (unset for `off`): the form Amplitude's ingestion makes, for
     * destinations that do not transform events (Segment to a warehouse, Mixpanel). Not GA4.
     */
    ingestedForm?: boolean;
  };
}

/** An event delivered to the integration. */
export interface WebexpEvent {
  eventType: "$impression" | "$exposure" | string;
  eventProperties: { flag_key: string; variant?: string; experiment_key?: string; [k: string]: unknown };
}

/**
 * The integration bridge of CONTRACT section 4. Without one (neither `setIntegration` nor
 * `window.experimentIntegration`), built-in adapters send to the Amplitude, Segment, Mixpanel or
 * GA4 SDK on the page.
 */
export interface Integration {
  type?: "integration";
  setup?(): Promise<void>;
  getUser(): { user_id?: string; device_id?: string; user_properties?: object };
  /** Return false (or throw) to keep the event queued; anything else (nothing too) delivers it. */
  track(event: WebexpEvent): boolean | void;
}

/**
 * The wasm as bytes (an ArrayBuffer or a typed array) or a compiled `WebAssembly.Module`; for
 * `init`, also a URL (a string or a `URL`), a `Request` or a fetch `Response`. Written without the
 * DOM library's names, so that projects without it (Node, workers) compile.
 */
export type WasmSource = ArrayBuffer | ArrayBufferView | string | object;

/** Instantiates the wasm from a URL, Response or bytes; with no argument, finds webexp_bg.wasm next to the module. */
export default function init(module_or_path?: { module_or_path: WasmSource } | WasmSource): Promise<unknown>;
export { init };
/** Instantiates the wasm synchronously from bytes or a compiled module. */
export function initSync(module: { module: ArrayBuffer | ArrayBufferView | object } | ArrayBuffer | ArrayBufferView | object): unknown;

/**
 * Starts the runtime with a config (what the script tag does with window.webexpConfig).
 * `nonce`: the CSP nonce that the <script> and <style> elements of `inject` carry; by default the
 * nonce of the page's first script element that has one.
 */
export function start(config: WebexpConfig, nonce?: string): void;
/** Exactly what EvaluationEngine.evaluate of @amplitude/experiment-core returns for the same input. */
export function evaluate(context: object, flags: readonly EvaluationFlag[]): Record<string, EvaluationVariant>;
/** { flagKey: variant } for the current page view. */
export function getVariants(): Record<string, EvaluationVariant>;
/** Flag keys whose actions are applied on this page now. */
export function getActiveExperiments(): string[];
/** Re-applies the variants' actions. */
export function applyVariants(): void;
/** Undoes every applied action. */
export function revertVariants(): void;
/** Switches the `manual` pages with this name (trigger_value.name, else the page's name or id) on or off. */
export function toggleManualPageObject(name: string, isActive?: boolean): void;
/** The variant of a flag, tracking $exposure once per flag and variant per page view. */
export function variant(flagKey: string): EvaluationVariant | undefined;
/**
 * Sets the integration that events are delivered to; `null` unsets it. A value without a
 * `track(event)` function is reported and ignored (the integration set before stays).
 */
export function setIntegration(integration: Integration | null): void;
/** Consent for storage writes and events: "pending" keeps them in memory, "denied" drops them. */
export function setConsent(status: "granted" | "pending" | "denied"): void;
/**
 * Redirects call fn(url) instead of location.replace(url); `null` unsets it. A value that is not
 * a function is reported and ignored.
 */
export function setRedirectHandler(fn: ((url: string) => void) | null): void;
/** One flag in getDebugState(). */
export interface FlagDebugState {
  variant: string | null;
  /** "unmatched": an SPA navigation left the flag without a variant; its actions were undone. */
  reason: "evaluated" | "forced" | "preview" | "unmatched";
  /** Active page ids; null for a flag without pages (active everywhere). */
  pages: string[] | null;
  /** Actions on the page now, and the others (out of scope, or waiting for their elements). */
  actions: { applied: number; pending: number };
  exposureMode: "default" | "element";
  /** At least one action reached the page. */
  applied: boolean;
}
/** What getDebugState() returns. */
export interface DebugState {
  initMicros: number;
  /** This session is in preview (?PREVIEW=true...): no events. */
  preview: boolean;
  flags: Record<string, FlagDebugState>;
  eventsSent: WebexpEvent[];
  eventsQueued: WebexpEvent[];
  fights: { flag: string; selector: string }[];
}
/** Per flag: variant, why, pages, actions applied or pending; events sent or queued. */
export function getDebugState(): DebugState;
