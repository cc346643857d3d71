//! The page runtime: config to context, evaluation, actions on the page, and events.
//!
//! State lives in one `RefCell`; every call into page code (the integration's `track`) happens
//! after that borrow is released, so page code that calls back into webexp cannot break it.

use crate::core::actions::{parse_payload, Action, Mutation};
use crate::core::config::{parse_config, Config, Consent};
use crate::core::evaluation::{evaluate, with_metadata};
use crate::core::json::{self, Value};
use crate::core::pages::{read_pages, Page};
use crate::core::queue;
use crate::core::redirect::{self, Handoff};
use crate::dom::delivery;
use crate::dom::handles::Timeout;
use crate::dom::host::BrowserHost;
use crate::dom::inject::Injector;
use crate::dom::mutator::{MutationId, Mutator};
use crate::dom::navigation::{self, NavigationWatcher};
use crate::dom::observer::DomObserver;
use crate::dom::presence::{self, ElementWatch, Presence};
use crate::dom::{self, bridge, preview};
use crate::prelude::*;
use core::cell::RefCell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// localStorage key of the visitor's bucketing id when the config does not give one.
const ID_KEY: &str = "webexp:web_exp_id";

/// sessionStorage key of the impressions that redirects hand to their destination page.
const HANDOFF_KEY: &str = "webexp:redirects";
/// localStorage: the hand-overs whose impression some tab has sent (flag, destination and
/// time): a copy of
/// the session's storage (a window opened by the destination, a duplicated tab) holds the same
/// hand-over, which must not be sent twice.
const HANDOFF_SENT_KEY: &str = "webexp:redirects-sent";

/// sessionStorage key of the session's preview: `["true", flagKey, variantKey, ...]`.
const PREVIEW_KEY: &str = "webexp:preview";

/// A mutation of a flag's variant: waiting for its scope to become active, or handed to the
/// mutator (which switches it on and off as the scope comes and goes).
enum Slot {
    Pending(Mutation),
    Installed(MutationId),
}

/// A mutation and the page ids it is scoped to (empty: every active page of its flag).
struct ScopedMutation {
    scope: Vec<String>,
    slot: Slot,
}

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
    /// The variant's actions other than mutations (their mutations are in `mutations`).
    actions: Vec<Action>,
    /// The variant's mutations, in config order.
    mutations: Vec<ScopedMutation>,
    /// The flag's pages; `None` when `pageObjects` has no entry for it (active everywhere).
    pages: Option<Vec<Page>>,
    /// Ids of its pages active now.
    active_pages: Vec<String>,
    /// Ids of its pages whose invalid regular expression has been reported.
    bad_pages: Vec<String>,
    /// A problem of its redirect (invalid URL, a loop) has been reported: once per flag, not at
    /// every navigation.
    redirect_reported: bool,
    /// Why this variant (`evaluated`, `forced` or `preview`), or [`UNMATCHED`].
    reason: &'static str,
    /// At least one of its actions reached the page.
    applied: bool,
    /// Its variant has no actions (a control, `off`): tracked whenever the flag is active. Not
    /// one whose actions were all malformed: nothing of it reaches the page, so nothing counts.
    action_less: bool,
    /// `exposureMode: "element"`: the selectors and scopes of the mutations of all the flag's
    /// variants. Its impression (every arm's) waits for one of them to match an element.
    targets: Option<Vec<Mutation>>,
    /// The in-scope targets looked for in this page view (`\0`-separated), and the wait for them.
    watched: String,
    watch: Option<ElementWatch>,
}

/// Where an event of this page view is on its way to the integration.
#[derive(PartialEq)]
enum Delivery {
    /// Made, not yet offered (or waiting for consent).
    New,
    /// In the localStorage queue under this key, for whichever tab delivers first.
    Stored(String),
    /// Not accepted and not storable (no localStorage): kept in this tab's memory.
    Held,
    /// Accepted by the integration.
    Sent,
}

/// An event of this page view and its delivery.
struct Event {
    /// Unique in this page view: page code run during a delivery may drop or add events, so
    /// deliveries find their event again by id, never by position.
    id: u32,
    json: String,
    delivery: Delivery,
}

/// Everything the runtime knows.
#[derive(Default)]
pub(crate) struct Runtime {
    config: Config,
    flags: Vec<FlagState>,
    mutator: Mutator,
    /// The injects switched on (their data stays in the flags' actions).
    injector: Injector,
    observer: Option<DomObserver>,
    navigation: Option<NavigationWatcher>,
    /// The function the mutator's timers and `readystatechange` listener call (kept alive here).
    waker: Option<wasm_bindgen::closure::Closure<dyn FnMut()>>,
    /// [`flush`], for the observer to queue as a microtask (kept alive here).
    flush_task: Option<wasm_bindgen::closure::Closure<dyn FnMut()>>,
    /// The mutations found fighting the page's own writes (warned once per element).
    fights: Vec<crate::dom::mutator::MutationId>,
    /// The moves the browser refused (said once per mutation).
    refused_moves: Vec<crate::dom::mutator::MutationId>,
    integration: Option<JsValue>,
    redirect_handler: Option<js_sys::Function>,
    /// The evaluation context of this page view (`{ user, page: { url } }`).
    context: Value,
    /// Names of the `manual` pages page code has switched on.
    manual_on: Vec<String>,
    /// `revertVariants()` was called and no `applyVariants()` since: scope changes apply nothing.
    reverted: bool,
    /// Where this page view's redirect goes: nothing more is applied, redirected or tracked
    /// here until the page gets there (or another path).
    redirecting: Option<String>,
    /// This document came through a server redirect (`redirectCount` of its navigation): a
    /// redirect handed over to `/b` may land on `/en/b`. Cleared at the first SPA page view.
    server_redirected: bool,
    /// Counts, after the frame that follows an SPA navigation, the changes still on the page in
    /// the new page view (a router that calls `pushState` first renders after it).
    carry_over: Option<dom::handles::AfterFrame>,
    /// Random id of this tab in queue keys; made when the first event is stored.
    tab: String,
    /// Number of this tab's next stored event.
    seq: u32,
    /// The time in this tab's last queue key.
    last_stored_at: f64,
    /// Id of the last event made ([`Event::id`]).
    next_event_id: u32,
    /// A delivery is under way: page code it runs (`track`) that calls back into webexp must
    /// not start another one, which would offer the same event twice. The running one picks up
    /// what is made meanwhile.
    delivering: bool,
    /// Tabs whose queued events this page delivers: its own, and those it adopted.
    held_tabs: Vec<String>,
    /// Tabs whose lock this page has asked for (see [`delivery::adopt`]).
    requested_tabs: Vec<String>,
    /// Called when one of those locks is granted.
    on_adopted: Option<Closure<dyn FnMut(String)>>,
    /// While set, this page's own queued events wait for older ones of tabs being adopted (a
    /// reloaded page's previous load lets go of its lock a moment after the new load starts).
    adoption_wait: Option<Timeout>,
    /// The next delivery attempt after a refusal, and the wait before it. While it is due, a
    /// new event has the queue offered again only a second or more after the last refusal.
    retry: Option<Timeout>,
    retry_ms: i32,
    /// When the integration last refused (`Date.now()`).
    refused_at: f64,
    /// Keeps `window.experimentIntegration = ...` noticed.
    integration_watch: Option<Closure<dyn FnMut()>>,
    /// A visitor id made while consent was pending, stored once it is granted.
    unstored_id: Option<String>,
    /// A preview begun while consent was pending, stored for the session once it is granted.
    unstored_preview: Option<String>,
    /// (flag, variant key) pairs whose payload and pages have been checked and reported; and
    /// (key, `None`) for each key `variant()` was asked for that no flag of the config has.
    reported: Vec<(String, Option<String>)>,
    /// The destination, until the redirect is performed (outside the runtime's borrow: a
    /// redirect handler is page code).
    pending_redirect: Option<String>,
    /// The last `setConsent()`: it stands over the config's `consent`, also when made before
    /// `start()`.
    consent_call: Option<Consent>,
    /// `(flag, from)` of the redirects that led to this document (the first page with webexp
    /// after them), kept through its SPA page views: the loop guard's evidence.
    landing: Vec<(String, String)>,
    events: Vec<Event>,
    /// The queue-full warning was given (once per document: a page left open with consent
    /// pending would repeat it at every event).
    queue_full_warned: bool,
    /// (flag, variant) pairs tracked in this page view; a tuple, so keys cannot collide.
    impressions: Vec<(String, Option<String>)>,
    /// The same for `$exposure`.
    exposures: Vec<(String, Option<String>)>,
    init_ms: f64,
    started: bool,
    /// Preview (`?PREVIEW=true&flag=variant`): the variants shown; while set, no event is made or
    /// delivered.
    preview: Option<Vec<(String, String)>>,
}

/// The one runtime of the page (`None` until first used).
struct Global(RefCell<Option<Runtime>>);

// wasm32-unknown-unknown without atomics has one thread.
unsafe impl Sync for Global {}

static RUNTIME: Global = Global(RefCell::new(None));

/// Runs `f` on the runtime. `None` when it is already busy (page code called back into webexp
/// from inside a DOM write of ours); the caller then does nothing rather than corrupt state.
pub(crate) fn with<R>(f: impl FnOnce(&mut Runtime) -> R) -> Option<R> {
    // Without a page (Node, a worker) the DOM calls below would throw inside the borrow, which
    // a JS exception never releases: every later call would find the runtime busy.
    if no_page() {
        return None;
    }
    let mut rt = RUNTIME.0.try_borrow_mut().ok()?;
    Some(f(rt.get_or_insert_with(Runtime::default)))
}

/// Begins the page view of a URL set just before in the same task, whose navigation has not
/// been told yet: a router that renders and then calls `pushState` (as Next.js does), or calls
/// webexp right after it (`toggleManualPageObject` in an `afterEach`). Called before what
/// belongs to the new page view (else an impression would count in the old one and again in the
/// new one, and a manual page switched on would be switched off again).
fn begin_current_view() {
    if navigation::navigation_pending() {
        with(Runtime::on_navigation);
    }
}

/// The variants as `getVariants()` gives them, kept outside the runtime, updated wherever they
/// change: page code that runs inside one of its DOM writes (a custom element's callback) reads
/// them while the runtime is busy.
struct VariantsCopy(RefCell<String>);

// wasm32-unknown-unknown without atomics has one thread.
unsafe impl Sync for VariantsCopy {}

static VARIANTS: VariantsCopy = VariantsCopy(RefCell::new(String::new()));

/// Whether there is no page to run on (said once: a server rendering pages would call on
/// every request). Not generic, unlike [`with`]: one copy.
#[inline(never)]
fn no_page() -> bool {
    static SAID: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    if dom::has_page() {
        return false;
    }
    if !SAID.swap(true, core::sync::atomic::Ordering::Relaxed) {
        dom::console_error("webexp: the runtime needs a browser page; only evaluate() works here");
    }
    true
}

/// Whether the runtime is in the middle of a call: page code it ran (a custom element's
/// callback during one of its DOM writes) is calling back.
pub(crate) fn busy() -> bool {
    RUNTIME.0.try_borrow_mut().is_err()
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
/// `identity` is the detected `context.user` as JSON text: the device (language, os,
/// device_category, browser...) and the integration's `user_id`, `device_id` and
/// `user_properties`. A visitor id made here is stored only with consent; otherwise it comes
/// back as the second value, to be stored once consent is granted.
fn build_context(config: &Config, identity: Option<&str>) -> (Value, Option<String>) {
    let mut unstored = None;
    let mut user = match identity.map(json::parse) {
        Some(Ok(Value::Object(ids))) => ids,
        _ => Vec::new(),
    };
    // The config's id: a string, or a number (as its text). An empty one (`null`, `""`: a
    // template that had no id to put in) put every flag at `off` without a word: it is said,
    // and the visitor's own id is used.
    let is_id = |(k, _): &&(Vec<u8>, Value)| k == b"web_exp_id";
    let configured_id = match config.user.iter().rev().find(is_id).map(|(_, v)| v) {
        Some(Value::Number(n)) => Some(String::from(&**n)),
        Some(v @ Value::Str(s)) if !s.is_empty() => v.as_str().map(String::from),
        Some(_) => {
            report(
                "config.user.web_exp_id: ",
                "",
                "is not a string or a number, or is empty; the visitor's stored id is used",
            );
            None
        }
        None => None,
    };
    let id = configured_id
        .or_else(|| dom::local_get(ID_KEY))
        .or_else(|| {
            let id = dom::random_uuid()?;
            if config.consent == Consent::Granted {
                // (Blocked storage, a sandboxed frame, a full quota: the visitor would be
                // bucketed afresh at every page load, and counted in each variant they get.)
                if !dom::local_set(ID_KEY, &id) {
                    dom::console_warn("webexp: localStorage keeps no visitor id (blocked or full): their next page may show another variant; set user.web_exp_id");
                }
            } else {
                unstored = Some(id.clone());
            }
            Some(id)
        });
    if let Some(id) = id {
        user.push((b"web_exp_id".to_vec(), Value::string(&id)));
    }
    // (The id is in already: the config's, as a string, or the visitor's.)
    for (k, v) in config.user.iter().filter(|e| !is_id(e)) {
        match user.iter_mut().find(|(uk, _)| uk == k) {
            Some(slot) => slot.1 = v.clone(),
            None => user.push((k.clone(), v.clone())),
        }
    }
    let page = Value::Object(vec![(
        b"url".to_vec(),
        Value::string(&dom::location_href()),
    )]);
    let context = Value::Object(vec![
        (b"user".to_vec(), Value::Object(user)),
        (b"page".to_vec(), page),
    ]);
    (context, unstored)
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
    /// Returns false when the config's JSON text could not be read (nesting too deep).
    fn start(&mut self, config_json: &str, nonce: &str, identity: Option<String>) -> bool {
        if self.started {
            report(
                "",
                "",
                "start() was called again; the first config stays in effect",
            );
            return true;
        }
        // A config that is not even an object leaves the runtime unstarted: a corrected
        // `start()` may follow.
        let value = match json::parse(config_json) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => {
                report("config: ", "", "must be an object; nothing was started");
                return true;
            }
            // (Nesting too deep is said by the caller, which can tell the parts that have it.)
            Err(e) if e.what == json::TOO_DEEP => return false,
            Err(e) => {
                report("config: ", "", e.what);
                return true;
            }
        };
        self.started = true;
        // `revertVariants()` before `start()` had nothing to undo: it does not stop this start.
        self.reverted = false;
        self.injector.nonce = nonce.into();
        let (config, errors) = parse_config(&BrowserHost, value);
        for e in &errors {
            report("config.", &e.path, e.message);
        }
        self.config = config;
        // `setConsent()` called before `start()` (npm) says more than the config.
        if let Some(consent) = self.consent_call {
            self.config.consent = consent;
        }
        // Before the context: its URL is the one without the preview parameters.
        let (preview, url_changed) = self.read_preview();
        self.preview = preview;
        (self.context, self.unstored_id) = build_context(&self.config, identity.as_deref());
        // (The integration's user was read before the preview parameters left the URL.)
        if url_changed {
            self.refresh_url_param();
        }
        for (key, variant, reason) in self.decide(true) {
            let state = self.flag_state(key, variant, reason, true);
            self.reported
                .push((state.key.clone(), state.variant_key.clone()));
            self.flags.push(state);
        }
        // Before any action runs page code (a custom element's callback) that may read them.
        self.copy_variants();
        let waker = Closure::<dyn FnMut()>::new(|| {
            with(|rt| {
                rt.mutator.wake();
                rt.collect_applied();
            });
            flush();
        });
        self.mutator
            .set_waker(waker.as_ref().unchecked_ref::<js_sys::Function>().clone());
        self.waker = Some(waker);
        self.server_redirected = dom::arrived_by_redirect();
        // A prerendered page (Speculation Rules) has not been seen, and may never be: its
        // events wait in memory ([`begin_delivery`]) and go once it is shown.
        if dom::prerendering() {
            let task = self.flush_task.get_or_insert_with(|| Closure::new(flush));
            dom::on_shown(task.as_ref().unchecked_ref());
        }
        self.deliver_handoffs();
        self.update_pages();
        let redirecting = self.redirect();
        // `location.replace` leaves the page. A redirect handler (an SPA's router) may keep it:
        // then webexp keeps watching, so the navigation it makes is noticed (and the handed-over
        // impression sent there); nothing is applied here meanwhile.
        if redirecting && self.redirect_handler.is_none() {
            return true;
        }
        // The observer starts before the changes are made: the records of their writes reach
        // its filter, which finds the elements that one change makes match another's selector
        // (on a page already there when webexp starts), as it does for every later change.
        let observer = DomObserver::new(&dom::document(), self.mutator.filter(), |batch| {
            // (The batch's matches were found with the selectors of the page view being left:
            // the ids of the mutations its navigation removes are not reused before the end of
            // the batch.)
            if navigation::navigation_pending() {
                with(|rt| {
                    rt.mutator.begin_batch();
                    rt.on_navigation();
                });
            }
            with(|rt| {
                rt.mutator.on_records(batch);
                rt.collect_applied();
                // A delivery reads the stored queue: only a batch that made an event pays
                // it (a page re-rendering under a kept change calls here every frame). It
                // runs in a microtask: the observer takes the records of the mutator's
                // writes right after this returns, and must not take the DOM changes of
                // page code that `track` runs.
                if rt.events.iter().any(|e| e.delivery == Delivery::New) {
                    let task = rt.flush_task.get_or_insert_with(|| Closure::new(flush));
                    dom::queue_microtask(task.as_ref().unchecked_ref());
                }
            });
        });
        match observer {
            Ok(o) => self.observer = Some(o),
            Err(_) => report(
                "",
                "",
                "could not observe the document; late elements will not change",
            ),
        }
        if !redirecting {
            self.sync_scope();
        }
        self.log_flags();
        self.integration_watch = Some(delivery::on_integration_assigned(integration_changed));
        self.navigation = Some(NavigationWatcher::new(|| {
            with(Runtime::on_navigation);
            flush();
            perform_redirect();
        }));
        true
    }

    /// Each flag's variant for the current context: evaluated, or forced by the config. Problems
    /// are reported when `report` (once per page load, not again on every navigation).
    fn decide(&self, report_problems: bool) -> Vec<(String, Value, &'static str)> {
        let evaluation = evaluate(&BrowserHost, &self.context, &self.config.flags);
        if report_problems {
            for e in &evaluation.errors {
                report("", "", &e.message());
            }
        }
        let mut decided: Vec<(String, Value, &'static str)> = evaluation
            .results
            .into_iter()
            .map(|(k, v)| (String::from_utf8(k).unwrap_or_default(), v, "evaluated"))
            .collect();
        // Preview comes last: it overrides evaluation and forced variants.
        let forced = self.config.forced_variants.iter().map(|p| (p, "forced"));
        let preview = self.preview.iter().flatten().map(|p| (p, "preview"));
        for ((key, variant_key), reason) in forced.chain(preview) {
            match self
                .flag_def(key)
                .and_then(|f| forced_variant(f, variant_key))
            {
                Some(v) => {
                    decided.retain(|(k, _, _)| k != key);
                    decided.push((key.clone(), v, reason));
                }
                None if report_problems => {
                    // Which of the two is wrong: the flag's key, or the variant's.
                    let message = if self.flag_def(key).is_some() {
                        "names a variant the flag does not have"
                    } else {
                        "no flag of the config has this key"
                    };
                    if reason == "forced" {
                        report("forcedVariants.", key, message);
                    } else {
                        let mut what = key.clone();
                        what.push('=');
                        what.push_str(variant_key);
                        report("preview: ", &what, message);
                    }
                }
                None => {}
            }
        }
        decided
    }

    /// The definition of flag `key` in the config: the last one with the key, as evaluation
    /// takes it (forcing or previewing the first would show QA another variant than visitors').
    fn flag_def(&self, key: &str) -> Option<&Value> {
        self.config
            .flags
            .iter()
            .rev()
            .find(|f| f.get("key").and_then(Value::as_str) == Some(key))
    }

    /// The preview of this session: from the URL's `PREVIEW` parameters (which are then removed
    /// from the visible URL, and stored for the session's later pages), else from the session.
    /// `?PREVIEW=false` (or any other value than `true`) ends it. Stored only with consent. Also
    /// says whether parameters were taken out of the URL.
    fn read_preview(&mut self) -> (Option<Vec<(String, String)>>, bool) {
        let mut keys = Vec::from(*b"[");
        for f in &self.config.flags {
            if keys.len() > 1 {
                keys.push(b',');
            }
            let key = f.get("key").and_then(Value::as_str).unwrap_or_default();
            json::write_string(&mut keys, key.as_bytes());
        }
        keys.push(b']');
        match preview::take_params(core::str::from_utf8(&keys).unwrap_or_default()) {
            Some(text) => {
                let pairs = preview_pairs(&text);
                // A link none of whose pairs names a configured flag and variant (a typo, or
                // `?PREVIEW=true` alone) previews nothing: it would only have stopped every event
                // for the rest of the session.
                let valid = |(key, variant): &(String, String)| {
                    self.flag_def(key)
                        .and_then(|f| forced_variant(f, variant))
                        .is_some()
                };
                if pairs.as_ref().is_some_and(|p| !p.iter().any(valid)) {
                    report(
                        "preview: ",
                        "",
                        "no flag=variant pair of the link names a configured flag and one of its variants; no preview, events are sent as usual",
                    );
                    // (Nor does an earlier preview of the session go on.)
                    dom::session_set(PREVIEW_KEY, None);
                    return (None, true);
                }
                let on = text.starts_with("[\"true\"");
                if !on || self.config.consent == Consent::Granted {
                    dom::session_set(PREVIEW_KEY, on.then_some(text.as_str()));
                } else {
                    // Stored for the session once consent is granted.
                    self.unstored_preview = Some(text.clone());
                }
                (pairs, true)
            }
            None => (
                dom::session_get(PREVIEW_KEY).and_then(|t| preview_pairs(&t)),
                false,
            ),
        }
    }

    /// A flag's state for its decided variant: actions read from the payload, pages from the
    /// config, nothing applied yet.
    fn flag_state(
        &self,
        key: String,
        variant: Value,
        reason: &'static str,
        report_problems: bool,
    ) -> FlagState {
        let (actions, errors) = parse_payload(variant.get("payload"));
        let mut page_errors = Vec::new();
        let pages = self
            .config
            .page_objects
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, p)| read_pages(&key, p, &mut page_errors));
        if report_problems {
            for e in &errors {
                report(&flag_prefix(&key), &e.path, e.message);
            }
            for e in &page_errors {
                report("config.", &e.path, e.message);
            }
        }
        let mut mutations = Vec::new();
        let mut others = Vec::new();
        // (A `mutate` with no mutations is no change: the variant is tracked as a control is.)
        let action_less = errors.is_empty()
            && actions
                .iter()
                .all(|a| matches!(a, Action::Mutate(list) if list.is_empty()));
        for action in actions {
            match action {
                Action::Mutate(list) => {
                    mutations.extend(list.into_iter().map(|m| ScopedMutation {
                        scope: m.scope.clone(),
                        slot: Slot::Pending(m),
                    }))
                }
                other => others.push(other),
            }
        }
        let metadata = variant.get("metadata");
        let element_mode = match metadata
            .and_then(|m| m.get("exposureMode"))
            .and_then(Value::as_str)
        {
            Some(mode) => mode == "element",
            None => self.config.element_exposure,
        };
        let targets = element_mode
            .then(|| self.targets_of(&key))
            .filter(|t| !t.is_empty());
        let (is_default, experiment_key) = metadata_facts(&variant);
        FlagState {
            variant_key: variant
                .get("key")
                .and_then(Value::as_str)
                .map(str::to_string),
            is_default,
            experiment_key,
            key,
            variant,
            actions: others,
            mutations,
            action_less,
            pages,
            active_pages: Vec::new(),
            bad_pages: Vec::new(),
            redirect_reported: false,
            reason,
            applied: false,
            targets,
            watched: String::new(),
            watch: None,
        }
    }

    /// The detected query parameters follow the URL (unless the config gave its own): after an
    /// SPA navigation, and after the preview parameters were taken out of it.
    fn refresh_url_param(&mut self) {
        if !self.config.user.iter().any(|(k, _)| k == b"url_param") {
            if let (Some(Value::Object(user)), Ok(params)) = (
                context_member(&mut self.context, b"user"),
                json::parse(&bridge::url_params_json()),
            ) {
                if let Some(slot) = user.iter_mut().find(|(k, _)| k == b"url_param") {
                    slot.1 = params;
                }
            }
        }
    }

    /// Undoes flag `index`'s actions: its mutations switched off, its injects reverted. For
    /// good when its state is about to be replaced (a variant decided anew): its mutations are
    /// uninstalled then, their fights forgotten.
    fn undo_actions(&mut self, index: usize, for_good: bool) {
        // (Last first: undone in the reverse order of their making, an element moved into
        // one that a later move took elsewhere goes home after that one has.)
        for m in self.flags[index].mutations.iter().rev() {
            if let Slot::Installed(id) = m.slot {
                if for_good {
                    self.mutator.remove(id);
                    self.fights.retain(|&f| f != id);
                    self.refused_moves.retain(|&f| f != id);
                } else {
                    self.mutator.set_active(id, false);
                }
            }
        }
        self.injector.revert_owner(index);
    }

    /// The selectors and scopes of the mutations of every variant of flag `key`, from its
    /// definition: a control has no actions of its own, and every arm must wait for the same
    /// elements to be counted on the same condition.
    fn targets_of(&self, key: &str) -> Vec<Mutation> {
        let mut out = Vec::new();
        let variants = self.flag_def(key).and_then(|f| f.get("variants"));
        for (_, v) in variants.and_then(Value::as_object).unwrap_or(&[]) {
            for action in parse_payload(v.get("payload")).0 {
                if let Action::Mutate(mut list) = action {
                    out.append(&mut list);
                }
            }
        }
        out
    }

    /// `exposureMode: "element"`: looks for the flag's in-scope targets (again when they
    /// changed) and tracks its impression when one is on the page, now or when it appears.
    fn watch_targets(&mut self, index: usize) {
        let f = &self.flags[index];
        let Some(targets) = &f.targets else {
            return;
        };
        let mut list = String::new();
        for m in targets {
            if in_scope(f.pages.is_some(), &f.active_pages, &m.scope) {
                if !list.is_empty() {
                    list.push('\0');
                }
                list.push_str(&m.selector);
            }
        }
        if list == f.watched {
            return;
        }
        // A change of this arm that reached an element: its target was there, though the change
        // may leave none matching now (a removal, a class the selector needs).
        let reached = !list.is_empty()
            && f.mutations.iter().any(|m| match m.slot {
                Slot::Installed(id) => self.mutator.reaches_page(id),
                Slot::Pending(_) => false,
            });
        let f = &mut self.flags[index];
        f.watch = None;
        let presence = if list.is_empty() {
            Presence::Nothing
        } else if reached {
            Presence::Found
        } else {
            presence::watch(&list, move || {
                // A router that renders the next page and then calls `pushState`: the element
                // belongs to the page view the navigation starts, which looks for it again; so
                // does this one when the navigation turns out to be none (the same path, a
                // query or a state changed): see `on_navigation`.
                if navigation::navigation_pending() {
                    with(|rt| rt.flags[index].watched.clear());
                } else {
                    with(|rt| rt.track(index, false));
                    flush();
                }
            })
        };
        f.watched = list;
        match presence {
            Presence::Found => self.track(index, false),
            Presence::Waiting(w) => {
                let prefix = flag_prefix(&self.flags[index].key);
                self.debug_log(&[&prefix, "waiting for its elements"]);
                self.flags[index].watch = Some(w);
            }
            Presence::Nothing => {}
        }
    }

    /// After a possible SPA navigation: a new URL updates the context and is evaluated again; a
    /// flag whose variant changed has the old variant's actions undone. Then what left scope is
    /// undone and what entered it applied. A new path is a new page view (impressions and
    /// exposures count again, also for changes still on the page); a query- or hash-only change
    /// is not.
    fn on_navigation(&mut self) {
        let href = dom::location_href();
        let Some(page) = context_page(&mut self.context) else {
            return;
        };
        let old = page.get("url").and_then(Value::as_str).unwrap_or_default();
        if old == href {
            // (Element impressions whose element came with this call look for it again.)
            for index in 0..self.flags.len() {
                self.watch_targets(index);
            }
            return;
        }
        let new_view = redirect::address(old) != redirect::address(&href);
        set_page_url(page, &href);
        // A redirect made through a handler that kept the page has led here (or the router
        // went elsewhere): tracking goes on. A query changed meanwhile on the page being left
        // (`replaceState`) is not the redirect.
        if new_view
            || self
                .redirecting
                .as_deref()
                .is_some_and(|to| redirect::same_url(to, &href))
        {
            self.redirecting = None;
        }
        self.refresh_url_param();
        if new_view {
            self.impressions.clear();
            self.exposures.clear();
            self.server_redirected = false;
            self.carry_over = None;
            // A new page starts with no manual page switched on, as a new document does.
            self.manual_on.clear();
            // Element impressions: the targets are looked for again in the new page view.
            for f in &mut self.flags {
                f.watched.clear();
                f.watch = None;
            }
        }
        let mut decided = Vec::new();
        for (key, variant, reason) in self.decide(false) {
            let new_key = variant.get("key").and_then(Value::as_str);
            decided.push(key.clone());
            // A variant first decided here has its payload's and pages' problems reported, as
            // those decided at start have theirs (once per flag and variant).
            let seen = (key.clone(), new_key.map(String::from));
            let report = !self.reported.contains(&seen);
            if report {
                self.reported.push(seen);
            }
            match self.flags.iter().position(|f| f.key == key) {
                // The same variant: its actions stay; its merged metadata (and what is read
                // from it) may come from another segment now, as `evaluate()` gives it.
                Some(i)
                    if self.flags[i].reason != UNMATCHED
                        && self.flags[i].variant_key.as_deref() == new_key =>
                {
                    let f = &mut self.flags[i];
                    (f.is_default, f.experiment_key) = metadata_facts(&variant);
                    f.variant = variant;
                }
                Some(i) => {
                    self.undo_actions(i, true);
                    self.flags[i] = self.flag_state(key, variant, reason, report);
                }
                None => {
                    let state = self.flag_state(key, variant, reason, report);
                    self.flags.push(state);
                }
            }
        }
        // A flag that no segment gives a variant any more (its targeting names the old URL): its
        // actions are undone, and it is left out of the variants and tracking, as it would
        // have been had the page been loaded here.
        for i in 0..self.flags.len() {
            if self.flags[i].reason != UNMATCHED && !decided.contains(&self.flags[i].key) {
                self.undo_actions(i, true);
                let key = self.flags[i].key.clone();
                self.flags[i] = self.flag_state(key, Value::Null, UNMATCHED, false);
            }
        }
        self.copy_variants();
        self.deliver_handoffs();
        self.update_pages();
        if self.redirect() {
            return;
        }
        if new_view {
            // Injected code runs once per page view: off now, on again below if still in scope.
            self.injector.revert_all();
        }
        self.injector.later = true;
        self.sync_scope();
        self.injector.later = false;
        if new_view {
            // A change made in the last page view that is still on the page counts in this one
            // too, but only once the router has rendered: one that calls `pushState` first
            // (React Router) removes the old page's elements in a later task. So the count is
            // made after the next frame; changes made meanwhile count as they are made.
            self.carry_over = Some(dom::handles::AfterFrame::once(|| {
                with(|rt| {
                    rt.carry_over = None;
                    rt.track_carried_over();
                });
                flush();
            }));
        }
        self.log_flags();
    }

    /// Tracks the flags that have a change on the page (see [`Runtime::on_navigation`]).
    fn track_carried_over(&mut self) {
        if self.reverted {
            return;
        }
        for index in 0..self.flags.len() {
            let reached = self.flags[index].mutations.iter().any(|m| match m.slot {
                Slot::Installed(id) => self.mutator.reaches_page(id),
                Slot::Pending(_) => false,
            });
            if reached {
                self.track_impression(index);
            }
        }
    }

    /// What a change of pages outside a navigation leads to (a manual page switched,
    /// `applyVariants()`): the first redirect now in scope, else the actions in scope.
    fn apply_scope(&mut self) {
        if !self.redirect() {
            self.sync_scope();
        }
    }

    /// Recomputes each flag's active pages for the current context.
    fn update_pages(&mut self) {
        for f in &mut self.flags {
            f.active_pages.clear();
            for page in f.pages.iter().flatten() {
                match page.is_active(&BrowserHost, &self.context, &self.manual_on) {
                    Some(true) => f.active_pages.push(page.id.clone()),
                    Some(false) => {}
                    // Reported once per page and flag, not again at every navigation.
                    None if f.bad_pages.contains(&page.id) => {}
                    None => {
                        f.bad_pages.push(page.id.clone());
                        let mut what = String::from("page \"");
                        what.push_str(&page.id);
                        what.push_str("\" has an invalid regular expression; it matches nothing");
                        report(&flag_prefix(&f.key), "", &what);
                    }
                }
            }
        }
    }

    /// Applies what is in scope and undoes what left it. A scoped action runs while one of its
    /// pages is active; an unscoped one while any page of its flag is (always, for a flag without
    /// pages). Action-less variants (control, `off`) are tracked when their flag is active.
    fn sync_scope(&mut self) {
        if self.reverted {
            return;
        }
        self.mutator.hold_filter();
        self.sync_scope_of_flags();
        self.mutator.release_filter();
    }

    /// [`Runtime::sync_scope`], flag by flag.
    fn sync_scope_of_flags(&mut self) {
        for index in 0..self.flags.len() {
            let f = &mut self.flags[index];
            let mut failed = Vec::new();
            let has_pages = f.pages.is_some();
            let in_scope = |scope: &[String]| in_scope(has_pages, &f.active_pages, scope);
            // An unscoped action's condition: one of the flag's pages is active.
            let flag_active = in_scope(&[]);
            let mut injected = false;
            for (at, action) in f.actions.iter().enumerate() {
                if let Action::Inject(i) = action {
                    injected |= self.injector.set(index, at, &f.key, i, in_scope(&i.scope));
                }
            }
            for (i, m) in f.mutations.iter_mut().enumerate() {
                let in_scope = in_scope(&m.scope);
                match &mut m.slot {
                    Slot::Installed(id) => self.mutator.set_active(*id, in_scope),
                    Slot::Pending(_) if !in_scope => {}
                    Slot::Pending(_) => {
                        let Slot::Pending(pending) =
                            core::mem::replace(&mut m.slot, Slot::Installed(0))
                        else {
                            continue;
                        };
                        match self.mutator.add(pending, index) {
                            Ok(id) => m.slot = Slot::Installed(id),
                            Err(bad) => failed.push((i, bad)),
                        }
                    }
                }
            }
            // A selector or a style value the browser rejects is reported once, in config
            // order, and its mutation dropped (from the last, so the indices hold).
            for (_, what) in &mut failed {
                what.push_str("; the mutation is skipped");
                report(&flag_prefix(&f.key), "", what);
            }
            for (i, _) in failed.into_iter().rev() {
                f.mutations.remove(i);
            }
            let action_less = f.action_less;
            if injected {
                f.applied = true;
            }
            // Impressions in config order: this flag's, before the next flag is looked at.
            self.collect_applied();
            if (flag_active && action_less) || injected {
                self.track_impression(index);
            }
            self.watch_targets(index);
        }
    }

    /// Performs the first in-scope redirect of this page view, if any; `true` when the page is
    /// being left. Its impression is handed to the destination (see [`redirect`]).
    fn redirect(&mut self) -> bool {
        // After `revertVariants()` nothing is applied until `applyVariants()`, redirects included.
        if self.reverted {
            return false;
        }
        // At most one redirect per page view: a second call (`applyVariants()`, a manual page,
        // a handler that calls back) before the page got there would hand over a second
        // impression.
        if self.redirecting.is_some() {
            return true;
        }
        let current = dom::location_href();
        for index in 0..self.flags.len() {
            let f = &self.flags[index];
            let target = f.actions.iter().find_map(|a| match a {
                Action::Redirect(r) if in_scope(f.pages.is_some(), &f.active_pages, &r.scope) => {
                    Some(r)
                }
                _ => None,
            });
            let Some(target) = target else {
                continue;
            };
            // Only to a page: a `javascript:` URL would run as code, and `mailto:` or `data:`
            // leave the visitor where they are, with the other flags never applied.
            let to = dom::resolve_url(&target.url, &current)
                .filter(|u| u.starts_with("https:") || u.starts_with("http:"))
                .map(|resolved| redirect::destination(&resolved, &current));
            let problem = match &to {
                None => {
                    Some("redirect url is not a valid http or https URL; the redirect is skipped")
                }
                // Already there (the same parameters in another order included): the page the
                // variant leads to is the one shown, so it counts as shown. A URL test's control
                // redirects to the page it is on; uncounted, only the other arms would be.
                Some(to) if redirect::same_url(to, &current) => {
                    self.track(index, false);
                    continue;
                }
                Some(to) => self.redirect_loop(index, to, &current),
            };
            let (Some(to), None) = (to, problem) else {
                let f = &mut self.flags[index];
                if !f.redirect_reported {
                    f.redirect_reported = true;
                    report(&flag_prefix(&f.key), "", problem.unwrap_or_default());
                }
                continue;
            };
            let f = &self.flags[index];
            self.debug_log(&[&flag_prefix(&f.key), "redirect to ", &to]);
            self.redirecting = Some(to.clone());
            let event = self.event_of(index, false);
            // Another origin's page cannot read this sessionStorage: its impression goes from
            // here (see [`redirect`]); the entry stays for the loop guard.
            let sent_here = dom::other_origin(&to);
            let mut list = dom::session_get(HANDOFF_KEY)
                .map(|t| redirect::read_handoffs(&t))
                .unwrap_or_default();
            list.push(Handoff {
                at: dom::date_now(),
                id: dom::random_uuid().unwrap_or_default(),
                flag: f.key.clone(),
                from: current.clone(),
                to: to.clone(),
                event: if sent_here {
                    String::new()
                } else {
                    event.clone()
                },
                landed: false,
            });
            // Storage is written only with consent. Without sessionStorage the destination
            // cannot receive the impression, so it goes now rather than never.
            let granted = self.config.consent == Consent::Granted;
            let stored =
                granted && dom::session_set(HANDOFF_KEY, Some(&redirect::write_handoffs(&list)));
            if sent_here || !stored {
                self.push_event(event);
            }
            self.pending_redirect = Some(to);
            return true;
        }
        false
    }

    /// Why redirecting flag `index` to `to` would loop, if it would.
    fn redirect_loop(&self, index: usize, to: &str, here: &str) -> Option<&'static str> {
        let f = &self.flags[index];
        if let Some(pages) = &f.pages {
            let mut context = self.context.clone();
            if let Some(page) = context_page(&mut context) {
                set_page_url(page, to);
            }
            let again = pages
                .iter()
                // A new document starts with no manual page switched on.
                .any(|p| p.is_active(&BrowserHost, &context, &[]) == Some(true));
            if again {
                return Some("redirect url matches a page of the same flag; the redirect is skipped to avoid a loop");
            }
        }
        // The server sent the visitor back to the page they came from (it drops the query
        // parameter the target adds, say): known without the hand-over, which is not stored
        // before consent.
        let referrer = dom::referrer();
        if self.server_redirected && redirect::address(&referrer) == redirect::address(here) {
            return Some("the server has just sent the visitor back here; the redirect is skipped to avoid a loop");
        }
        let now = dom::date_now();
        let list = dom::session_get(HANDOFF_KEY)
            .map(|t| redirect::read_handoffs(&t))
            .unwrap_or_default();
        let recent = list
            .iter()
            .filter(|h| now - h.at < redirect::LOOP_WINDOW_MS);
        for h in recent {
            if redirect::without_fragment(&h.from) == redirect::without_fragment(to) {
                return Some("redirect url is the page that just redirected here; the redirect is skipped to avoid a loop");
            }
            // The same flag again, on the first page after its redirect: its own destination
            // as the server rewrote it (`/b` to `/b/`, another language...), or the page it
            // redirected from, where the server sent the visitor back (it drops the query
            // parameter the target adds, say), also once the page's router has changed the URL
            // (`/b?v=2` to `/en/b`, a new page view): that would load the page again, and
            // again. A later document (the visitor went on to another page of the flag) is
            // redirected as usual; this one's SPA page views are not, for the loop window.
            if h.flag == f.key
                && self
                    .landing
                    .iter()
                    .any(|(flag, from)| *flag == h.flag && *from == h.from)
            {
                return Some(
                    "this flag has just redirected, and the server led here; the redirect is skipped to avoid a loop",
                );
            }
        }
        // Never back to the page that led here: two flags redirecting to each other's page
        // would loop, also before consent, when no hand-over is stored to tell.
        if redirect::same_url(&referrer, to) {
            return Some("redirect url is the page that just redirected here; the redirect is skipped to avoid a loop");
        }
        None
    }

    /// Sends the impressions handed over by redirects whose destination is this page; drops the
    /// ones whose destination never loaded in time.
    fn deliver_handoffs(&mut self) {
        // Without consent the hand-over stays where it is (it is not rewritten), and is
        // delivered when consent is granted on this page.
        if self.config.consent != Consent::Granted {
            return;
        }
        let Some(text) = dom::session_get(HANDOFF_KEY) else {
            return;
        };
        let now = dom::date_now();
        let here = dom::location_href();
        let mut list = redirect::read_handoffs(&text);
        let mut changed = false;
        let mut delivered = Vec::new();
        // (Read when one has arrived, as most page loads have none.)
        let mut sent_anywhere: Option<Vec<redirect::Handoff>> = None;
        list.retain_mut(|h| {
            let age = now - h.at;
            let landed_now = !h.landed;
            if !h.landed {
                h.landed = true;
                changed = true;
                self.landing.push((h.flag.clone(), h.from.clone()));
            }
            // The destination, or where the server moved it (`/b` to `/en/b`) when this is the
            // first page after the redirect; not another page the server sent the visitor to
            // (a login, the page it came from): the variant was not seen there. (The page it
            // came from is at the destination's address when the redirect only adds a
            // parameter, which the server may drop.)
            let arrived = !redirect::same_url(&h.from, &here)
                && (redirect::address(&h.to) == redirect::address(&here)
                    || (landed_now && self.server_redirected && redirect::moved_to(&h.to, &here)));
            let keep = if h.event.is_empty() {
                age <= redirect::LOOP_WINDOW_MS
            } else if arrived {
                let sent = sent_anywhere.get_or_insert_with(|| {
                    let text = dom::local_get(HANDOFF_SENT_KEY).unwrap_or_default();
                    redirect::read_handoffs(&text)
                });
                let event = core::mem::take(&mut h.event);
                // (The same hand-over: its id, and the same flag and destination at the same
                // millisecond; those alone where either entry has no id, stored by an older
                // version.)
                let same_id =
                    |s: &redirect::Handoff| s.id.is_empty() || h.id.is_empty() || s.id == h.id;
                if !sent
                    .iter()
                    .any(|s| same_id(s) && s.at == h.at && s.flag == h.flag && s.to == h.to)
                {
                    sent.push(redirect::Handoff {
                        at: h.at,
                        id: h.id.clone(),
                        flag: h.flag.clone(),
                        from: String::new(),
                        to: h.to.clone(),
                        event: String::new(),
                        landed: false,
                    });
                    delivered.push((h.flag.clone(), event));
                }
                changed = true;
                true
            } else if age > redirect::HANDOFF_TTL_MS {
                dom::console_warn(
                    "webexp: a redirect's destination never loaded; its impression is dropped",
                );
                false
            } else {
                true
            };
            changed |= !keep;
            keep
        });
        if changed {
            let text = redirect::write_handoffs(&list);
            dom::session_set(HANDOFF_KEY, (!list.is_empty()).then_some(text.as_str()));
        }
        if let (Some(mut sent), false) = (sent_anywhere, delivered.is_empty()) {
            // (No copy outlives its hand-over's lifetime.)
            sent.retain(|s| now - s.at <= redirect::HANDOFF_TTL_MS);
            dom::local_set(HANDOFF_SENT_KEY, &redirect::write_handoffs(&sent));
        }
        let mut sent: Vec<(String, String)> = Vec::new();
        for (flag, event) in delivered {
            // One per flag and variant per page view, as tracked impressions: a second hand-over
            // of the same one, or one this page view tracked already, is not sent again.
            if sent.iter().any(|(f, e)| *f == flag && *e == event) {
                continue;
            }
            // The impression this page view would track for the same flag and variant has
            // come with the redirect: it is not tracked a second time.
            if let Some(index) = self.flags.iter().position(|f| f.key == flag) {
                if self.event_of(index, false) == event {
                    let key = self.variant_id(index);
                    if self.impressions.contains(&key) {
                        continue;
                    }
                    self.impressions.push(key);
                }
            }
            self.push_event(event.clone());
            sent.push((flag, event));
        }
    }

    /// Takes the mutator's news: first changes (impressions) and fights (warned once).
    fn collect_applied(&mut self) {
        for index in self.mutator.drain_newly_applied() {
            self.flags[index].applied = true;
            self.track_impression(index);
            self.log_flag(index);
        }
        // Fights are warned, refused moves are errors; each once per mutation, not per element
        // (a re-rendered list would say it per row).
        let fights = self
            .mutator
            .drain_fights()
            .into_iter()
            .map(|id| (id, false));
        let refused = self.mutator.drain_refused_moves().into_iter();
        for (id, refused) in fights.chain(refused.map(|id| (id, true))) {
            let said = match refused {
                true => &mut self.refused_moves,
                false => &mut self.fights,
            };
            if said.contains(&id) {
                continue;
            }
            said.push(id);
            let (index, selector) = self.mutator.describe(id);
            let mut s = String::from("webexp: ");
            s.push_str(&flag_prefix(&self.flags[index].key));
            if !refused {
                s.push_str("the page keeps rewriting what ");
            }
            s.push_str("mutation \"");
            s.push_str(selector);
            s.push_str(match refused {
                true => "\": the browser refused to move the element (is its parentSelector inside it?); left where it is",
                false => "\" changes; re-applying it with a growing delay",
            });
            match refused {
                true => dom::console_error(&s),
                false => dom::console_warn(&s),
            }
        }
    }

    /// Queues `$impression` for a flag's variant, once per page view. With `exposureMode:
    /// "element"` only [`watch_targets`](Self::watch_targets) does.
    fn track_impression(&mut self, index: usize) {
        if self.flags[index].targets.is_none() {
            self.track(index, false);
        }
    }

    /// The dedupe key of flag `index`'s variant: the flag and the variant key, `None` for `off`
    /// (a tuple, so keys cannot collide).
    fn variant_id(&self, index: usize) -> (String, Option<String>) {
        let f = &self.flags[index];
        let variant = if f.is_default {
            None
        } else {
            f.variant_key.clone()
        };
        (f.key.clone(), variant)
    }

    /// The `$impression` (or `$exposure`) of flag `index`'s variant as JSON text; the `off`
    /// variant is tracked without `variant`.
    fn event_of(&self, index: usize, exposure: bool) -> String {
        let (key, variant) = self.variant_id(index);
        event_json(
            if exposure { "$exposure" } else { "$impression" },
            &key,
            variant.as_deref(),
            self.flags[index].experiment_key.as_deref(),
        )
    }

    /// Queues `$impression` (or `$exposure`) for the variant of flag `index`, once per flag and
    /// variant per page view. Nothing is tracked on a page that is being left for a redirect.
    fn track(&mut self, index: usize, exposure: bool) {
        if self.redirecting.is_some()
            || self.config.consent == Consent::Denied
            || self.flags[index].reason == UNMATCHED
        {
            return;
        }
        let key = self.variant_id(index);
        let seen = match exposure {
            false => &self.impressions,
            true => &self.exposures,
        };
        if seen.contains(&key) {
            return;
        }
        let json = self.event_of(index, exposure);
        match exposure {
            false => self.impressions.push(key),
            true => self.exposures.push(key),
        }
        self.push_event(json);
    }

    /// Adds an event of this page view, to be delivered; in preview, none is made.
    fn push_event(&mut self, json: String) {
        // Denied: nothing is made that a later grant could send.
        if self.config.consent == Consent::Denied {
            return;
        }
        if self.preview.is_some() {
            self.debug_log(&["preview: not sent: ", &json]);
            return;
        }
        self.next_event_id += 1;
        self.events.push(Event {
            id: self.next_event_id,
            json,
            delivery: Delivery::New,
        });
        self.trim_events();
    }

    /// Keeps the events in memory bounded on a page that lives for hours: beyond
    /// [`queue::MAX_QUEUED`], the oldest sent or stored one goes (they are kept for
    /// `getDebugState()` only), else the oldest waiting one (consent pending, storage refused),
    /// as the full queue drops its oldest, with a warning.
    fn trim_events(&mut self) {
        if self.events.len() > queue::MAX_QUEUED {
            let done = |e: &Event| matches!(e.delivery, Delivery::Sent | Delivery::Stored(_));
            let i = match self.events.iter().position(done) {
                Some(i) => i,
                None => {
                    self.warn_queue_full();
                    0
                }
            };
            self.events.remove(i);
        }
    }

    /// Warns that events were dropped for want of room, once.
    fn warn_queue_full(&mut self) {
        if !core::mem::replace(&mut self.queue_full_warned, true) {
            dom::console_warn("webexp: the event queue is full; its oldest events were dropped");
        }
    }

    /// With `debug: true`, logs `webexp: ` and `parts` with `console.log`.
    fn debug_log(&self, parts: &[&str]) {
        if self.config.debug {
            let mut s = String::from("webexp: ");
            for p in parts {
                s.push_str(p);
            }
            dom::console_log(&s);
        }
    }

    /// Writes `{flagKey: variant}` of this page view into [`VARIANTS`], which `getVariants()`
    /// reads; called wherever the variants change.
    fn copy_variants(&mut self) {
        let mut out = Out(Vec::new());
        out.raw("{");
        let mut first = true;
        for f in self.flags.iter().filter(|f| f.reason != UNMATCHED) {
            out.item(&mut first).str(&f.key).raw(":");
            json::write(&mut out.0, &f.variant);
        }
        out.raw("}");
        if let Ok(mut copy) = VARIANTS.0.try_borrow_mut() {
            *copy = String::from_utf8(out.0).unwrap_or_default();
        }
    }

    /// With `debug: true`, logs [`log_flag`](Self::log_flag) for every flag.
    fn log_flags(&self) {
        for index in 0..self.flags.len() {
            self.log_flag(index);
        }
    }

    /// With `debug: true`, logs flag `index`'s decision as its `getDebugState()` entry: variant
    /// and why, active pages, actions applied and pending.
    fn log_flag(&self, index: usize) {
        if self.config.debug {
            let mut out = Out(Vec::new());
            self.flag_debug(index, &mut out);
            let json = String::from_utf8(out.0).unwrap_or_default();
            self.debug_log(&[&flag_prefix(&self.flags[index].key), &json]);
        }
    }

    /// How many of flag `index`'s actions are on the page now, and how many are not (out of
    /// scope, or waiting for their elements).
    fn action_counts(&self, index: usize) -> (usize, usize) {
        let f = &self.flags[index];
        let mut applied = 0;
        for m in &f.mutations {
            if let Slot::Installed(id) = m.slot {
                applied += self.mutator.reaches_page(id) as usize;
            }
        }
        for (at, a) in f.actions.iter().enumerate() {
            if let Action::Inject(_) = a {
                applied += self.injector.is_on(index, at) as usize;
            }
        }
        (applied, f.mutations.len() + f.actions.len() - applied)
    }

    /// The integration events go to: the one set with `setIntegration`, else
    /// `window.experimentIntegration`, else the built-in adapters (CONTRACT section 4).
    fn integration(&self) -> JsValue {
        let set = self.integration.clone();
        set.unwrap_or_else(|| bridge::page_integration(self.config.ingested_form))
    }

    /// The next new event, and the integration to offer it to: none while older events wait in
    /// the queue (order). `None` while consent is not granted.
    fn next_new(&mut self) -> Option<(u32, String, Option<JsValue>)> {
        if self.config.consent != Consent::Granted {
            return None;
        }
        let index = self
            .events
            .iter()
            .position(|e| e.delivery == Delivery::New)?;
        let id = self.events[index].id;
        let older_waiting = self.events.iter().any(|e| e.delivery == Delivery::Held)
            || delivery::local_count(queue::PREFIX) > 0;
        // (Any queued event counts, also other tabs': a previous load's events go first.)
        let integration = (!older_waiting).then(|| self.integration());
        Some((id, self.events[index].json.clone(), integration))
    }

    /// Records the outcome of offering new event `id`: sent, or stored in the queue (the
    /// oldest dropped, with a warning, when it is full), or held in memory without storage.
    /// Nothing when the event is gone meanwhile (consent denied by the page during `track`).
    fn after_offer(&mut self, id: u32, accepted: bool) {
        let Some(index) = self.events.iter().position(|e| e.id == id) else {
            return;
        };
        self.debug_log(&[
            if accepted { "sent: " } else { "queued: " },
            &self.events[index].json,
        ]);
        if accepted {
            self.events[index].delivery = Delivery::Sent;
            return;
        }
        if delivery::local_count(queue::PREFIX) >= queue::MAX_QUEUED {
            let queued = queue::in_order(delivery::local_keys(queue::PREFIX));
            for key in queued.iter().take(queued.len() + 1 - queue::MAX_QUEUED) {
                delivery::local_remove(key);
            }
            self.warn_queue_full();
        }
        if self.tab.is_empty() {
            self.tab = dom::random_uuid().unwrap_or_default();
            delivery::own_tab(&self.tab);
            self.held_tabs.push(self.tab.clone());
            // Its first key comes after the newest already queued: a clock set back between
            // loads, or fixed by a test, would put this load's events before an earlier load's.
            for key in delivery::local_keys(queue::PREFIX) {
                if let Some(t) = queue::time_of(&key) {
                    self.last_stored_at = self.last_stored_at.max(t + 1.0);
                }
            }
        }
        // Never earlier than this tab's last key: keys sort by time first, and a clock set back
        // (NTP) would put a later event before an earlier one.
        let at = dom::date_now().max(self.last_stored_at);
        self.last_stored_at = at;
        let key = queue::key(at, self.seq, &self.tab);
        self.seq += 1;
        self.events[index].delivery = if dom::local_set(&key, &self.events[index].json) {
            Delivery::Stored(key)
        } else {
            Delivery::Held
        };
    }

    /// Whether events may go out now: consent granted, no preview (in preview nothing is
    /// delivered, not even what waits from before it), the page not prerendered.
    fn may_deliver(&self) -> bool {
        self.config.consent == Consent::Granted && self.preview.is_none() && !dom::prerendering()
    }

    /// Delivers what waits, oldest first: the shared queue, then this tab's held events. Runs
    /// under the queue lock, so each queued event goes to one tab's integration exactly once. On
    /// a refusal it stops and tries again later, waiting twice as long each time (1 s to 30 s).
    fn drain(&mut self) -> Option<(JsValue, String, Option<String>)> {
        // Also when called by a lock or a timer: consent may have been withdrawn, or a preview
        // begun, since the delivery was asked for.
        if !self.may_deliver() || self.adoption_wait.is_some() {
            return None;
        }
        let integration = self.integration();
        for key in queue::in_order(delivery::local_keys(queue::PREFIX)) {
            if !self.held_tabs.iter().any(|t| t == queue::tab_of(&key)) {
                continue;
            }
            if let Some(json) = dom::local_get(&key) {
                return Some((integration, json, Some(key)));
            }
        }
        // Held events came after what was stored before them (the storage refused them).
        let e = self.events.iter().find(|e| e.delivery == Delivery::Held)?;
        Some((integration, e.json.clone(), None))
    }

    /// Records a delivery made by [`drain`](Self::drain).
    fn after_drain(&mut self, json: &str, key: Option<String>, accepted: bool) {
        if !accepted {
            self.schedule_retry();
            return;
        }
        self.retry_ms = 0;
        self.debug_log(&["sent: ", json]);
        let own = match &key {
            Some(key) => {
                delivery::local_remove(key);
                self.events
                    .iter_mut()
                    .find(|e| e.delivery == Delivery::Stored(key.clone()))
            }
            None => self
                .events
                .iter_mut()
                .find(|e| e.delivery == Delivery::Held && e.json == json),
        };
        if let Some(e) = own {
            e.delivery = Delivery::Sent;
        }
    }

    fn schedule_retry(&mut self) {
        self.refused_at = dom::date_now();
        if self.retry.is_some() {
            return;
        }
        self.retry_ms = (self.retry_ms * 2).clamp(1000, 30_000);
        self.retry = Some(Timeout::once(self.retry_ms, || {
            with(|rt| rt.retry = None);
            request_drain();
        }));
    }
}

/// Whether an action scoped to the page ids `scope` runs, with `active_pages` active: a scoped
/// action while one of its pages is, an unscoped one while any page of its flag is (always, for
/// a flag without pages).
fn in_scope(flag_has_pages: bool, active_pages: &[String], scope: &[String]) -> bool {
    if scope.is_empty() {
        !flag_has_pages || !active_pages.is_empty()
    } else {
        scope.iter().any(|p| active_pages.contains(p))
    }
}

/// Sets `context.page.url`.
fn set_page_url(page: &mut Value, url: &str) {
    if let Value::Object(members) = page {
        members.retain(|(k, _)| k != b"url");
        members.push((b"url".to_vec(), Value::string(url)));
    }
}

/// The `(flag, variant)` pairs of a preview as stored (`["true", flag, variant, ...]`); `None`
/// when it is not on.
fn preview_pairs(text: &str) -> Option<Vec<(String, String)>> {
    let Ok(Value::Array(items)) = json::parse(text) else {
        return None;
    };
    let mut items = items
        .iter()
        .map(|v| String::from(v.as_str().unwrap_or_default()));
    if items.next()? != "true" {
        return None;
    }
    let mut pairs = Vec::new();
    while let (Some(flag), Some(variant)) = (items.next(), items.next()) {
        pairs.push((flag, variant));
    }
    Some(pairs)
}

/// The `page` member of a context.
fn context_page(context: &mut Value) -> Option<&mut Value> {
    context_member(context, b"page")
}

/// Member `name` of a context.
fn context_member<'a>(context: &'a mut Value, name: &[u8]) -> Option<&'a mut Value> {
    match context {
        Value::Object(members) => members.iter_mut().find(|(k, _)| k == name).map(|(_, v)| v),
        _ => None,
    }
}

/// What a variant's merged metadata says of it: `default: true` (the `off` variant, tracked
/// without `variant`), and its `experimentKey`.
fn metadata_facts(variant: &Value) -> (bool, Option<String>) {
    let metadata = variant.get("metadata");
    (
        metadata.and_then(|m| m.get("default")) == Some(&Value::Bool(true)),
        metadata
            .and_then(|m| m.get("experimentKey"))
            .and_then(Value::as_str)
            .map(str::to_string),
    )
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

/// Offers this page's new events to the integration, in order, storing what it does not accept;
/// then has the queue delivered. Called with the runtime's state released: `track` is page code.
/// A call made from inside a delivery (page code calling back into webexp) does nothing: the
/// delivery under way goes on until no new event is left.
pub(crate) fn flush() {
    offer_new(true);
}

/// [`flush`]; `drain`: the stored events are offered too, unless an event has just been
/// refused (the integration is asked again later, not twice at once) or a retry is due within
/// a second of the last refusal.
fn offer_new(drain: bool) {
    if !begin_delivery() {
        return;
    }
    loop {
        let mut refused = false;
        while let Some(Some((id, json, integration))) = with(Runtime::next_new) {
            let offered = integration.is_some();
            let accepted = integration.is_some_and(|i| bridge::track(&i, &json));
            refused |= offered && !accepted;
            with(|rt| rt.after_offer(id, accepted));
        }
        // An integration that has just refused an event is asked again later, not at once for
        // the stored copy (it saw each refused event twice per attempt). While that retry is
        // due, a new event has the queue offered again only a second or more after the last
        // refusal: not an attempt per event, but no wait of up to 30 s either once an SDK is
        // ready or consent granted (a visitor who leaves meanwhile would take the events
        // along), nor a stall when the retry's timer never fires (a test's fake clock removed).
        if refused || !drain {
            with(Runtime::schedule_retry);
        } else if with(|rt| rt.retry.is_none() || dom::date_now() - rt.refused_at >= 1000.0)
            == Some(true)
        {
            request_drain();
        }
        let more = with(|rt| {
            rt.config.consent == Consent::Granted
                && rt.events.iter().any(|e| e.delivery == Delivery::New)
        });
        if more != Some(true) {
            break;
        }
    }
    with(|rt| rt.delivering = false);
}

/// Marks a delivery as under way; `false` when one already is, or before `start()` (the config
/// says what consent allows; until then nothing is delivered, not even an earlier load's queue).
fn begin_delivery() -> bool {
    // A prerendered page delivers nothing until it is shown.
    !dom::prerendering()
        && with(|rt| rt.started && !core::mem::replace(&mut rt.delivering, true)) == Some(true)
}

/// Asks for the events of tabs seen in the queue that this page does not hold yet, then delivers
/// what it holds. Its own wait up to a second for adoptions to settle, so that a previous load's
/// events go first.
fn request_drain() {
    let ready = with(|rt| {
        if !rt.may_deliver() {
            return false;
        }
        let mut new_tabs = Vec::new();
        for key in delivery::local_keys(queue::PREFIX) {
            let tab = queue::tab_of(&key);
            let known = rt
                .held_tabs
                .iter()
                .chain(&rt.requested_tabs)
                .chain(&new_tabs);
            if !known.into_iter().any(|t| t == tab) {
                new_tabs.push(String::from(tab));
            }
        }
        if new_tabs.is_empty() {
            return true;
        }
        let granted = rt.on_adopted.get_or_insert_with(|| {
            Closure::new(|tab: String| {
                with(|rt| {
                    rt.requested_tabs.retain(|t| *t != tab);
                    rt.held_tabs.push(tab);
                    if rt.requested_tabs.is_empty() {
                        rt.adoption_wait = None;
                    }
                });
                deliver_held();
            })
        });
        for tab in &new_tabs {
            delivery::adopt(tab, granted);
        }
        rt.requested_tabs.extend(new_tabs);
        if rt.adoption_wait.is_none() && !rt.requested_tabs.is_empty() {
            rt.adoption_wait = Some(Timeout::once(1000, || {
                with(|rt| rt.adoption_wait = None);
                deliver_held();
            }));
        }
        true
    });
    if ready == Some(true) {
        deliver_held();
    }
}

/// Delivers this page's held events and the queued events of the tabs it holds, in order, until
/// the integration refuses one.
fn deliver_held() {
    // From `flush` (the only caller page code can reach) this is part of its delivery; from a
    // lock or a timer it is a delivery of its own.
    let alone = begin_delivery();
    let mut refused = false;
    while let Some(Some((integration, json, key))) = with(Runtime::drain) {
        let accepted = bridge::track(&integration, &json);
        with(|rt| rt.after_drain(&json, key, accepted));
        if !accepted {
            refused = true;
            break;
        }
    }
    if alone {
        with(|rt| rt.delivering = false);
        // Page code may have made events while this delivery ran.
        offer_new(!refused);
    }
}

/// Starts the runtime with a config given as JSON text.
/// Returns false when the config's JSON text could not be read: nested too deep, which the
/// caller tells by its parts (the text alone could say only where, not in which flag).
pub(crate) fn start(config_json: &str, nonce: &str) -> bool {
    if no_page() {
        return true;
    }
    // The visitor's ids, from the integration there is before start (the built-in one reads
    // them from the analytics SDK on the page): asked here, outside the runtime's borrow, since
    // `getUser` is page code.
    let set = with(|rt| rt.integration.clone()).flatten();
    let identity = bridge::user_of(&set.unwrap_or(JsValue::UNDEFINED));
    if with(|rt| rt.start(config_json, nonce, identity)) == Some(false) {
        return false;
    }
    flush();
    perform_redirect();
    true
}

/// Leaves for the pending redirect's destination: through the page's redirect handler when it
/// set one, else `location.replace`. Called with the runtime's state released.
fn perform_redirect() {
    let Some(Some((to, handler))) =
        with(|rt| Some((rt.pending_redirect.take()?, rt.redirect_handler.clone())))
    else {
        return;
    };
    match handler {
        Some(h) => {
            if h.call1(&JsValue::UNDEFINED, &JsValue::from_str(&to))
                .is_err()
            {
                report("", "", "the redirect handler threw");
            }
        }
        None => dom::location_replace(&to),
    }
}

/// Records how long the script tag took to instantiate the wasm.
pub(crate) fn set_init_ms(ms: f64) {
    with(|rt| rt.init_ms = ms);
}

/// The reason of a flag that an SPA navigation left without a variant ([`FlagState::reason`]).
const UNMATCHED: &str = "unmatched";

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
    if what == STATE_VARIANTS {
        // From the copy: it answers also while the runtime is busy (page code inside one of
        // its DOM writes). (Empty without a page, which is said as the other calls say it;
        // asked only then, not at every call of a page.)
        return match VARIANTS.0.try_borrow() {
            Ok(v) if !v.is_empty() => v.clone(),
            _ => {
                no_page();
                String::from("{}")
            }
        };
    }
    let mut out = Out(Vec::new());
    let answered = with(|rt| match what {
        STATE_ACTIVE => {
            out.raw("[");
            let mut first = true;
            // Derived from what is on the page now: actions that left scope are not counted.
            for (index, f) in rt.flags.iter().enumerate() {
                if f.applied && rt.action_counts(index).0 > 0 {
                    out.item(&mut first).str(&f.key);
                }
            }
            out.raw("]");
        }
        _ => rt.debug_state(&mut out),
    });
    // Without a page (reported) or while busy: the empty value, not an empty text.
    if answered.is_none() {
        out.raw(if what == STATE_ACTIVE { "[]" } else { "{}" });
    }
    String::from_utf8(out.0).unwrap_or_default()
}

/// `applyVariants()` (`true`): the actions in scope applied again (after a revert, or to pick up
/// page changes); `revertVariants()` (`false`): every applied action undone, and nothing applied
/// by scope changes until the next `applyVariants()`.
pub(crate) fn set_applied(applied: bool) {
    begin_current_view();
    with(|rt| {
        rt.reverted = !applied;
        if applied {
            rt.apply_scope();
            return;
        }
        // (Last first, as in `undo_actions`.)
        for i in (0..rt.flags.len()).rev() {
            rt.flags[i].applied = false;
            rt.undo_actions(i, false);
        }
    });
    flush();
    perform_redirect();
}

/// Switches the `manual` pages named `name` on or off (`toggleManualPageObject`), applying what
/// enters scope and undoing what leaves it.
pub(crate) fn toggle_manual_page(name: &str, active: bool) {
    begin_current_view();
    with(|rt| {
        rt.manual_on.retain(|n| n != name);
        if active {
            rt.manual_on.push(name.into());
        }
        rt.update_pages();
        rt.apply_scope();
    });
    flush();
    perform_redirect();
}

/// The variant of a flag as JSON text, tracking `$exposure` once per flag and variant per page
/// view. `None` when the flag has no variant here.
pub(crate) fn variant_json(flag_key: &str) -> Option<String> {
    let json = with(|rt| {
        // A key no flag has (a typo, or a flag skipped for an error reported at start) is
        // reported once (page code may ask at every render); noted among the reported
        // (flag, variant) pairs, where no flag of the config can have it.
        let noted = (String::from(flag_key), None);
        if rt.started && rt.flag_def(flag_key).is_none() && !rt.reported.contains(&noted) {
            rt.reported.push(noted);
            report(
                "variant(): ",
                flag_key,
                "no flag of the config has this key",
            );
        }
        let index = rt
            .flags
            .iter()
            .position(|f| f.key == flag_key && f.reason != UNMATCHED)?;
        rt.track(index, true);
        Some(rt.flags[index].variant.to_json())
    })??;
    flush();
    Some(json)
}

/// Sets the integration and delivers what is queued.
pub(crate) fn set_integration(integration: JsValue) {
    with(|rt| rt.integration = integration.is_object().then_some(integration));
    integration_changed();
}

/// Delivers what waits at once to an integration just set or assigned, or whose `setup()` has
/// just settled: the retry that a refusal scheduled, and its back-off, are over.
fn integration_changed() {
    bridge::forget_throw();
    with(|rt| {
        rt.retry = None;
        rt.retry_ms = 0;
    });
    flush();
}

/// `setConsent(status)`: granted stores what waited and sends the events kept in memory; denied
/// drops them; pending holds them back again.
pub(crate) fn set_consent(status: &str) {
    with(|rt| {
        let Some(consent) = Consent::parse(status) else {
            report(
                "setConsent: ",
                "",
                "the status must be \"granted\", \"pending\" or \"denied\"",
            );
            return;
        };
        rt.config.consent = consent;
        rt.consent_call = Some(consent);
        match consent {
            Consent::Granted => {
                // Another tab may have been granted first and stored its id: the first one
                // stored stays, so that later pages agree with it (this page keeps its own).
                if let Some(id) = rt.unstored_id.take() {
                    if dom::local_get(ID_KEY).is_none() {
                        dom::local_set(ID_KEY, &id);
                    }
                }
                if let Some(preview) = rt.unstored_preview.take() {
                    dom::session_set(PREVIEW_KEY, Some(&preview));
                }
                // (Before `start()`, start delivers them.)
                if rt.started {
                    rt.deliver_handoffs();
                }
            }
            // What waits in memory (new, or refused by the storage) is dropped; what was stored
            // with consent stays queued.
            Consent::Denied => rt
                .events
                .retain(|e| !matches!(e.delivery, Delivery::New | Delivery::Held)),
            Consent::Pending => {}
        }
    });
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
    /// Flag `index`'s entry of the debug state: its variant, why (`evaluated`, `forced`,
    /// `preview`), its active pages, how many of its actions are applied and pending, its
    /// exposure mode, and whether any action reached the page.
    fn flag_debug(&self, index: usize, out: &mut Out) {
        let f = &self.flags[index];
        out.raw("{\"variant\":");
        match &f.variant_key {
            Some(k) => out.str(k),
            None => out.raw("null"),
        };
        out.raw(",\"reason\":").str(f.reason);
        // Active page ids; `null` for a flag without pages (active everywhere).
        out.raw(",\"pages\":");
        if f.pages.is_some() {
            out.raw("[");
            let mut first = true;
            for p in &f.active_pages {
                out.item(&mut first).str(p);
            }
            out.raw("]");
        } else {
            out.raw("null");
        }
        let (applied, pending) = self.action_counts(index);
        let mut counts = String::from(",\"actions\":{\"applied\":");
        json::push_usize(&mut counts, applied);
        counts.push_str(",\"pending\":");
        json::push_usize(&mut counts, pending);
        out.raw(&counts)
            .raw("},\"exposureMode\":")
            .str(if f.targets.is_some() {
                "element"
            } else {
                "default"
            })
            .raw(",\"applied\":")
            .raw(if f.applied { "true}" } else { "false}" });
    }

    /// The debug state: wasm init time, per flag its variant, why, whether its actions reached
    /// the page, the events sent and still queued, and the mutations fighting the page.
    fn debug_state(&self, out: &mut Out) {
        let mut micros = String::new();
        // Whole microseconds, written without float formatting.
        json::push_usize(&mut micros, (self.init_ms * 1000.0) as usize);
        out.raw("{\"initMicros\":").raw(&micros);
        out.raw(if self.preview.is_some() {
            ",\"preview\":true"
        } else {
            ",\"preview\":false"
        });
        out.raw(",\"flags\":{");
        let mut first = true;
        for (index, f) in self.flags.iter().enumerate() {
            out.item(&mut first).str(&f.key).raw(":");
            self.flag_debug(index, out);
        }
        for (name, sent) in [
            ("},\"eventsSent\":[", true),
            ("],\"eventsQueued\":[", false),
        ] {
            out.raw(name);
            let mut first = true;
            for e in self
                .events
                .iter()
                .filter(|e| (e.delivery == Delivery::Sent) == sent)
            {
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
