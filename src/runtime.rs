//! The page runtime: config to context, evaluation, actions on the page, and events.
//!
//! State lives in one `RefCell`; every call into page code (the integration's `track`) happens
//! after that borrow is released, so page code that calls back into webexp cannot break it.

use crate::core::actions::{parse_payload, Action};
use crate::core::config::{parse_config, Config};
use crate::core::evaluation::{evaluate, with_metadata};
use crate::core::json::{self, Value};
use crate::dom::host::BrowserHost;
use crate::dom::mutator::Mutator;
use crate::dom::observer::DomObserver;
use crate::dom::{self, bridge};
use crate::prelude::*;
use core::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};

/// localStorage key of the visitor's bucketing id when the config does not give one.
const ID_KEY: &str = "webexp:web_exp_id";

/// One flag's decision on this page view.
struct FlagState {
    key: String,
    /// The variant object (merged metadata), as `getVariants()` returns it.
    variant: Value,
    /// `variant.key`, absent for a variant without a key.
    variant_key: Option<String>,
    /// `metadata.default == true`: the `off` variant, tracked without `variant`.
    is_default: bool,
    experiment_key: Option<String>,
    actions: Vec<Action>,
    /// Why this variant (`evaluated` or `forced`).
    reason: &'static str,
    /// At least one of its actions reached the page.
    applied: bool,
}

/// An event and whether the integration has accepted it.
struct Event {
    json: String,
    sent: bool,
}

/// Everything the runtime knows.
#[derive(Default)]
pub(crate) struct Runtime {
    config: Config,
    flags: Vec<FlagState>,
    mutator: Mutator,
    observer: Option<DomObserver>,
    /// The function the mutator's timers and `DOMContentLoaded` listener call (kept alive here).
    waker: Option<wasm_bindgen::closure::Closure<dyn FnMut()>>,
    /// The mutations found fighting the page's own writes (warned once per element).
    fights: Vec<crate::dom::mutator::MutationId>,
    integration: Option<JsValue>,
    redirect_handler: Option<js_sys::Function>,
    events: Vec<Event>,
    /// (flag, variant) pairs tracked in this page view; a tuple, so keys cannot collide.
    impressions: Vec<(String, Option<String>)>,
    /// The same for `$exposure`.
    exposures: Vec<(String, Option<String>)>,
    init_ms: f64,
    started: bool,
}

/// The one runtime of the page (`None` until first used).
struct Global(RefCell<Option<Runtime>>);

// wasm32-unknown-unknown without atomics has one thread.
unsafe impl Sync for Global {}

static RUNTIME: Global = Global(RefCell::new(None));

/// Runs `f` on the runtime. `None` when it is already busy (page code called back into webexp
/// from inside a DOM write of ours); the caller then does nothing rather than corrupt state.
pub(crate) fn with<R>(f: impl FnOnce(&mut Runtime) -> R) -> Option<R> {
    let mut rt = RUNTIME.0.try_borrow_mut().ok()?;
    Some(f(rt.get_or_insert_with(Runtime::default)))
}

fn report(prefix: &str, path: &str, message: &str) {
    let mut s = String::from("webexp: ");
    s.push_str(prefix);
    if !path.is_empty() {
        s.push_str(path);
        s.push_str(": ");
    }
    s.push_str(message);
    dom::console_error(&s);
}

fn flag_prefix(key: &str) -> String {
    let mut s = String::from("flag \"");
    s.push_str(key);
    s.push_str("\": ");
    s
}

/// The detected browser context (CONTRACT section 3) with the config's `user` merged over it.
fn build_context(config: &Config) -> Value {
    let mut user: Vec<(Vec<u8>, Value)> = Vec::new();
    let configured_id = config
        .user
        .iter()
        .rev()
        .find(|(k, _)| k == b"web_exp_id")
        .and_then(|(_, v)| v.as_str().map(str::to_string));
    let id = configured_id
        .or_else(|| dom::local_get(ID_KEY))
        .or_else(|| {
            let id = dom::random_uuid()?;
            dom::local_set(ID_KEY, &id);
            Some(id)
        });
    if let Some(id) = id {
        user.push((b"web_exp_id".to_vec(), Value::string(&id)));
    }
    for (k, v) in &config.user {
        match user.iter_mut().find(|(uk, _)| uk == k) {
            Some(slot) => slot.1 = v.clone(),
            None => user.push((k.clone(), v.clone())),
        }
    }
    let page = Value::Object(vec![(
        b"url".to_vec(),
        Value::string(&dom::location_href()),
    )]);
    Value::Object(vec![
        (b"user".to_vec(), Value::Object(user)),
        (b"page".to_vec(), page),
    ])
}

/// A forced variant: the flag's variant object with the flag's metadata merged under its own,
/// by the same merge as evaluation.
fn forced_variant(flag: &Value, variant_key: &str) -> Option<Value> {
    let variant = flag.get("variants")?.get(variant_key)?;
    variant.as_object()?;
    let flag_metadata = flag
        .get("metadata")
        .and_then(Value::as_object)
        .unwrap_or(&[]);
    Some(with_metadata(&[flag_metadata], variant))
}

impl Runtime {
    /// Reads the config, evaluates, installs the actions and the observer.
    fn start(&mut self, config_json: &str) {
        if self.started {
            report(
                "",
                "",
                "start() was called again; the first config stays in effect",
            );
            return;
        }
        self.started = true;
        let value = match json::parse(config_json) {
            Ok(v) => v,
            Err(e) => {
                report("config: ", "", e.what);
                return;
            }
        };
        let (config, errors) = parse_config(&BrowserHost, value);
        for e in &errors {
            report("config.", &e.path, e.message);
        }
        self.config = config;
        let context = build_context(&self.config);
        let evaluation = evaluate(&BrowserHost, &context, &self.config.flags);
        for e in &evaluation.errors {
            report("", "", &e.message());
        }
        let mut decided: Vec<(String, Value, &'static str)> = evaluation
            .results
            .into_iter()
            .map(|(k, v)| (String::from_utf8_lossy(&k).into(), v, "evaluated"))
            .collect();
        for (key, variant_key) in &self.config.forced_variants {
            let flag = self
                .config
                .flags
                .iter()
                .find(|f| f.get("key").and_then(Value::as_str) == Some(key));
            match flag.and_then(|f| forced_variant(f, variant_key)) {
                Some(v) => {
                    decided.retain(|(k, _, _)| k != key);
                    decided.push((key.clone(), v, "forced"));
                }
                None => report(
                    "forcedVariants.",
                    key,
                    "names no variant of a configured flag",
                ),
            }
        }
        for (key, variant, reason) in decided {
            let (actions, errors) = parse_payload(variant.get("payload"));
            for e in &errors {
                report(&flag_prefix(&key), &e.path, e.message);
            }
            let metadata = variant.get("metadata");
            self.flags.push(FlagState {
                variant_key: variant
                    .get("key")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                is_default: metadata.and_then(|m| m.get("default")) == Some(&Value::Bool(true)),
                experiment_key: metadata
                    .and_then(|m| m.get("experimentKey"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                key,
                variant,
                actions,
                reason,
                applied: false,
            });
        }
        if self.config.debug {
            for f in &self.flags {
                let mut s = String::from("webexp: ");
                s.push_str(&flag_prefix(&f.key));
                s.push_str(f.reason);
                s.push_str(" variant ");
                s.push_str(f.variant_key.as_deref().unwrap_or("(none)"));
                dom::console_log(&s);
            }
        }
        self.install();
    }

    /// Installs every flag's mutations (moved out of its actions into the mutator, which owns
    /// them from then on); action-less variants are tracked at once (their page is active:
    /// flags without pages are active everywhere). Then starts observing the document.
    fn install(&mut self) {
        let waker = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(|| {
            with(|rt| {
                rt.mutator.wake();
                rt.collect_applied();
            });
            flush();
        });
        self.mutator
            .set_waker(waker.as_ref().unchecked_ref::<js_sys::Function>().clone());
        self.waker = Some(waker);
        for index in 0..self.flags.len() {
            let actions = core::mem::take(&mut self.flags[index].actions);
            if actions.is_empty() {
                self.track_impression(index);
            }
            for action in actions {
                let Action::Mutate(mutations) = action else {
                    self.flags[index].actions.push(action);
                    continue;
                };
                for m in mutations {
                    if let Err(m) = self.mutator.add(m, index) {
                        let mut what = String::from("selector \"");
                        what.push_str(&m.selector);
                        what.push_str("\" is not a valid CSS selector; the mutation is skipped");
                        report(&flag_prefix(&self.flags[index].key), "", &what);
                    }
                }
            }
        }
        self.collect_applied();
        let observer = DomObserver::new(&dom::document(), |records| {
            with(|rt| {
                rt.mutator.on_records(records);
                rt.collect_applied();
            });
            flush();
        });
        match observer {
            Ok(o) => self.observer = Some(o),
            Err(_) => report(
                "",
                "",
                "could not observe the document; late elements will not change",
            ),
        }
    }

    /// Takes the mutator's news: first changes (impressions) and fights (warned once).
    fn collect_applied(&mut self) {
        for index in self.mutator.drain_newly_applied() {
            self.flags[index].applied = true;
            self.track_impression(index);
        }
        for id in self.mutator.drain_fights() {
            let (index, selector) = self.mutator.describe(id);
            let mut s = String::from("webexp: ");
            s.push_str(&flag_prefix(&self.flags[index].key));
            s.push_str("the page keeps rewriting what mutation \"");
            s.push_str(selector);
            s.push_str("\" changes; re-applying it with a growing delay");
            dom::console_warn(&s);
            if !self.fights.contains(&id) {
                self.fights.push(id);
            }
        }
    }

    /// Queues `$impression` for a flag's variant, once per page view.
    fn track_impression(&mut self, index: usize) {
        self.track(index, false);
    }

    /// Queues `$impression` (or `$exposure`) for the variant of flag `index`, once per flag and
    /// variant per page view; the `off` variant is tracked without `variant`.
    fn track(&mut self, index: usize, exposure: bool) {
        let f = &self.flags[index];
        let variant = if f.is_default {
            None
        } else {
            f.variant_key.clone()
        };
        let key = (f.key.clone(), variant);
        let (seen, event_type) = match exposure {
            false => (&mut self.impressions, "$impression"),
            true => (&mut self.exposures, "$exposure"),
        };
        if seen.contains(&key) {
            return;
        }
        let json = event_json(
            event_type,
            &f.key,
            key.1.as_deref(),
            f.experiment_key.as_deref(),
        );
        seen.push(key);
        self.events.push(Event { json, sent: false });
    }

    /// The next event to deliver and the integration to deliver it to.
    fn next_delivery(&mut self) -> Option<(JsValue, usize, String)> {
        let integration = self.integration.clone().or_else(bridge::page_integration)?;
        let index = self.events.iter().position(|e| !e.sent)?;
        Some((integration, index, self.events[index].json.clone()))
    }
}

/// `{eventType, eventProperties: {flag_key, variant?, experiment_key?}}` as JSON text.
fn event_json(
    event_type: &str,
    flag_key: &str,
    variant: Option<&str>,
    experiment_key: Option<&str>,
) -> String {
    let mut out = Vec::new();
    out.extend_from_slice(b"{\"eventType\":");
    json::write_string(&mut out, event_type.as_bytes());
    out.extend_from_slice(b",\"eventProperties\":{\"flag_key\":");
    json::write_string(&mut out, flag_key.as_bytes());
    if let Some(v) = variant {
        out.extend_from_slice(b",\"variant\":");
        json::write_string(&mut out, v.as_bytes());
    }
    if let Some(e) = experiment_key {
        out.extend_from_slice(b",\"experiment_key\":");
        json::write_string(&mut out, e.as_bytes());
    }
    out.extend_from_slice(b"}}");
    String::from_utf8(out).unwrap_or_default()
}

/// Delivers queued events in order until the integration refuses one.
pub(crate) fn flush() {
    while let Some(Some((integration, index, json))) = with(Runtime::next_delivery) {
        let accepted = bridge::track(&integration, &json);
        if !accepted {
            break;
        }
        with(|rt| rt.events[index].sent = true);
    }
}

/// Starts the runtime with a config given as JSON text.
pub(crate) fn start(config_json: &str) {
    with(|rt| rt.start(config_json));
    flush();
}

/// Records how long the script tag took to instantiate the wasm.
pub(crate) fn set_init_ms(ms: f64) {
    with(|rt| rt.init_ms = ms);
}

/// `state(0)`: `{flagKey: variant}`.
const STATE_VARIANTS: u32 = 0;
/// `state(1)`: flag keys with an action applied. Any other value: the debug state.
const STATE_ACTIVE: u32 = 1;

/// JSON text written directly: smaller code and less work than building `Value` trees only to
/// serialise them.
struct Out(Vec<u8>);

impl Out {
    fn raw(&mut self, s: &str) -> &mut Self {
        self.0.extend_from_slice(s.as_bytes());
        self
    }
    fn str(&mut self, s: &str) -> &mut Self {
        json::write_string(&mut self.0, s.as_bytes());
        self
    }
    /// A comma before every item but the first of a list or object.
    fn item(&mut self, first: &mut bool) -> &mut Self {
        if !core::mem::take(first) {
            self.0.push(b',');
        }
        self
    }
}

/// `getVariants()` (0), `getActiveExperiments()` (1) or `getDebugState()` (2) as JSON text.
pub(crate) fn state_json(what: u32) -> String {
    let mut out = Out(Vec::new());
    with(|rt| match what {
        STATE_VARIANTS => {
            out.raw("{");
            let mut first = true;
            for f in &rt.flags {
                out.item(&mut first).str(&f.key).raw(":");
                json::write(&mut out.0, &f.variant);
            }
            out.raw("}");
        }
        STATE_ACTIVE => {
            out.raw("[");
            let mut first = true;
            for f in rt.flags.iter().filter(|f| f.applied) {
                out.item(&mut first).str(&f.key);
            }
            out.raw("]");
        }
        _ => rt.debug_state(&mut out),
    });
    String::from_utf8(out.0).unwrap_or_default()
}

/// `applyVariants()` (`true`): every variant's actions applied again (after a revert, or to pick
/// up page changes); `revertVariants()` (`false`): every applied action undone.
pub(crate) fn set_applied(applied: bool) {
    with(|rt| {
        rt.mutator.set_all_active(applied);
        if applied {
            rt.collect_applied();
        } else {
            for f in &mut rt.flags {
                f.applied = false;
            }
        }
    });
    flush();
}

/// The variant of a flag as JSON text, tracking `$exposure` once per flag and variant per page
/// view. `None` when the flag has no variant here.
pub(crate) fn variant_json(flag_key: &str) -> Option<String> {
    let json = with(|rt| {
        let index = rt.flags.iter().position(|f| f.key == flag_key)?;
        rt.track(index, true);
        Some(rt.flags[index].variant.to_json())
    })??;
    flush();
    Some(json)
}

/// Sets the integration and delivers what is queued.
pub(crate) fn set_integration(integration: JsValue) {
    with(|rt| rt.integration = integration.is_object().then_some(integration));
    flush();
}

/// Sets the redirect handler.
pub(crate) fn set_redirect_handler(handler: JsValue) {
    with(|rt| rt.redirect_handler = handler.dyn_into_function());
}

trait DynIntoFunction {
    fn dyn_into_function(self) -> Option<js_sys::Function>;
}

impl DynIntoFunction for JsValue {
    fn dyn_into_function(self) -> Option<js_sys::Function> {
        wasm_bindgen::JsCast::dyn_into(self).ok()
    }
}

impl Runtime {
    /// The debug state: wasm init time, per flag its variant, why, whether its actions reached
    /// the page, the events sent and still queued, and the mutations fighting the page.
    fn debug_state(&self, out: &mut Out) {
        let mut micros = String::new();
        // Whole microseconds, written without float formatting.
        json::push_usize(&mut micros, (self.init_ms * 1000.0) as usize);
        out.raw("{\"initMicros\":").raw(&micros).raw(",\"flags\":{");
        let mut first = true;
        for f in &self.flags {
            out.item(&mut first).str(&f.key).raw(":{\"variant\":");
            match &f.variant_key {
                Some(k) => out.str(k),
                None => out.raw("null"),
            };
            out.raw(",\"reason\":").str(f.reason);
            out.raw(if f.applied {
                ",\"applied\":true}"
            } else {
                ",\"applied\":false}"
            });
        }
        for (name, sent) in [
            ("},\"eventsSent\":[", true),
            ("],\"eventsQueued\":[", false),
        ] {
            out.raw(name);
            let mut first = true;
            for e in self.events.iter().filter(|e| e.sent == sent) {
                out.item(&mut first).raw(&e.json);
            }
        }
        out.raw("],\"fights\":[");
        let mut first = true;
        for &id in &self.fights {
            let (index, selector) = self.mutator.describe(id);
            out.item(&mut first)
                .raw("{\"flag\":")
                .str(&self.flags[index].key)
                .raw(",\"selector\":")
                .str(selector)
                .raw("}");
        }
        out.raw("]}");
    }
}
