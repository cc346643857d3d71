// The built-in integration (CONTRACT section 4): used when the page sets no integration of its
// own, it hands webexp's events to whichever analytics SDK is on the page at the moment of each
// delivery (Amplitude Browser SDK, Segment analytics.js, Mixpanel, Google Analytics 4), so an SDK
// that loads after webexp gets the events that waited for it. JavaScript rather than web-sys glue:
// a few duck-typed calls on page objects are far smaller here.
//
// `track` returns true only when an SDK that has finished loading took the call; a snippet's stub
// (which would lose the call if the SDK never loads, e.g. behind an ad blocker) does not count, so
// the event stays in webexp's queue and is retried. Google Analytics is the exception: its
// snippet's `dataLayer` is the queue that gtag.js reads when it loads.

const EXPERIMENT = "[Experiment] ";

// The SDK to take events: [kind, sdk], or nothing while there is none or the first on the page
// is still loading (the events wait for it: a site with Amplitude and Google Analytics must not
// get its load-time impressions in GA only because Amplitude was not ready yet). Kinds:
// 0 Amplitude, 1 Segment, 2 Mixpanel, 3 gtag, 4 dataLayer (Google's own queue: its snippet is
// the API).
function sdk() {
  const w = window, a = w.amplitude, s = w.analytics, m = w.mixpanel;
  // Amplitude's snippet stub returns no device id; the SDK does once init() has run.
  if (a && a.track) return a.getDeviceId && a.getDeviceId() ? [0, a] : null;
  // Segment's snippet stub is an array of calls; analytics.js sets `initialized` once loaded.
  if (s && s.track) return s.initialized ? [1, s] : null;
  // Mixpanel's snippet stub is replaced by the library, which sets `__loaded` in init().
  if (m && m.track) return m.__loaded ? [2, m] : null;
  if (typeof w.gtag == "function") return [3, w.gtag];
  if (Array.isArray(w.dataLayer)) return [4, w.dataLayer];
}

// Members whose value is not undefined, so no SDK sends an empty property.
function defined(o) {
  const out = {};
  for (const k in o) if (o[k] != null) out[k] = o[k];
  return out;
}

/**
 * The built-in integration. `ingested`: send the form that Amplitude's ingestion makes of
 * `$impression`/`$exposure` (`[Experiment] Impression`...), with the user property
 * `[Experiment] <flag>` set to the variant (unset for `off`), for destinations that do not
 * rename events. Amplitude (without `ingested`) and Segment get the events as they are.
 */
function builtin(ingested) {
  return {
    getUser() {
      const found = sdk() || [];
      const [kind, x] = found;
      let user;
      if (kind == 0) user = { user_id: x.getUserId(), device_id: x.getDeviceId() };
      if (kind == 1) {
        const u = x.user();
        user = { user_id: u.id(), device_id: u.anonymousId() };
      }
      if (kind == 2) user = { user_id: x.get_property("$user_id"), device_id: x.get_property("$device_id") };
      return defined(user);
    },
    track(e) {
      const found = sdk();
      if (!found) return false;
      const [kind, x] = found;
      const p = e.eventProperties, flag = p.flag_key, variant = p.variant;
      if (kind > 2) {
        // Google's documented A/B-testing event; `<tool>-<experience>-<variant>` as Google
        // recommends. `off` is no variant: nothing to send.
        if (variant != null) {
          const params = { exp_variant_string: "webexp-" + flag + "-" + variant };
          if (kind == 3) x("event", "experience_impression", params);
          else x.push({ event: "experience_impression", ...params });
        }
        return true;
      }
      let name = e.eventType, props = p;
      if (ingested) {
        name = EXPERIMENT + (name == "$exposure" ? "Exposure" : "Impression");
        props = defined({
          [EXPERIMENT + "Flag Key"]: flag,
          [EXPERIMENT + "Variant"]: variant,
          [EXPERIMENT + "Experiment Key"]: p.experiment_key,
        });
        const key = EXPERIMENT + flag;
        if (kind == 0) {
          const id = new x.Identify();
          x.identify(variant != null ? id.set(key, variant) : id.unset(key));
        }
        if (kind == 1) x.identify({ [key]: variant ?? null });
        if (kind == 2) variant != null ? x.people.set(key, variant) : x.people.unset(key);
      } else if (kind == 2) {
        // Mixpanel's documented experiment event. `off` is no variant: nothing to send.
        if (variant == null) return true;
        name = "$experiment_started";
        props = { "Experiment name": flag, "Variant name": variant };
      }
      x.track(name, props);
      return true;
    },
  };
}

// The built-in integration of each form, made on first use.
const made = [];

// What a window.experimentIntegration that cannot be read stands for: one that takes nothing
// yet, so that events wait in the queue for it (a getter that throws until its SDK has loaded).
const unreadable = { getUser: () => ({}), track: () => false };
let saidUnreadable;

/** `window.experimentIntegration` when it is an object, else the built-in integration. */
export function pageIntegration(ingested) {
  let i;
  try {
    i = window.experimentIntegration;
  } catch (e) {
    if (!saidUnreadable) console.error("webexp: window.experimentIntegration could not be read; events wait in the queue:", e);
    saidUnreadable = true;
    return unreadable;
  }
  return i && typeof i == "object" ? i : (made[+ingested] ||= builtin(ingested));
}

/** The page's query parameters as Amplitude's `url_param`: a value, or the values of a repeated one. */
function urlParams() {
  const params = {};
  for (const [k, v] of new URLSearchParams(location.search)) {
    params[k] = k in params ? [].concat(params[k], v) : v;
  }
  return params;
}

/** `urlParams()` as JSON text. */
export const urlParamsJson = () => JSON.stringify(urlParams());

// The visitor's device as Amplitude's DefaultUserProvider describes it (names as there), from
// the user agent: coarse on purpose, for targeting (`device_category is mobile`), not analytics.
// (Substrings, not regular expressions: each expression is compiled at its first use, on every
// page load, and these fifteen cost about 0.2 ms more than the same tests by `includes`.)
function device() {
  const n = navigator, ua = n.userAgent || "", has = (words) => words.split("|").some((w) => ua.includes(w));
  // [words, name, ...]: the name of the first words found.
  const first = (pairs) => { for (let i = 0; i < pairs.length; i += 2) if (has(pairs[i])) return pairs[i + 1]; };
  const version = ua.indexOf("Version/");
  return {
    language: n.language,
    platform: "Web",
    os: first(["Windows", "Windows", "Android", "Android", "iPhone|iPad|iPod", "iOS", "CrOS", "Chrome OS", "Mac OS X", "Mac OS", "Linux", "Linux"]),
    device_category: has("iPad|Tablet") || (has("Android") && !has("Mobile")) ? "tablet" : has("Mobi|iPhone|iPod|Android") ? "mobile" : "desktop",
    browser: first(["Edg/", "Edge", "OPR/|Opera", "Opera", "SamsungBrowser", "Samsung Internet", "Chrome/|CriOS", "Chrome", "Firefox/|FxiOS", "Firefox"])
      ?? (version >= 0 && ua.includes("Safari/", version + 8) ? "Safari" : undefined),
    user_agent: ua,
    referring_url: document.referrer || undefined,
    url_param: urlParams(),
  };
}

/**
 * The detected `context.user` as JSON text: the device (see `device`), then the `user_id`,
 * `device_id` (strings) and `user_properties` (an object) of
 * `(integration || pageIntegration()).getUser()`, whose throw leaves them out.
 */
export function userOf(integration) {
  const user = device();
  try {
    const u = (integration || pageIntegration()).getUser();
    for (const k of ["user_id", "device_id"]) if (typeof u[k] == "string") user[k] = u[k];
    if (u.user_properties && typeof u.user_properties == "object") user.user_properties = u.user_properties;
  } catch (e) {}
  return JSON.stringify(user);
}
