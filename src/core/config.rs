//! `WebexpConfig` (CONTRACT section 2), read leniently: each bad part is reported with its path
//! and skipped, and the rest of the config still runs.

use super::compact::compile;
use super::flag::Path;
use super::json::Value;
use super::Host;
use crate::prelude::*;

/// The config, with its parts checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Flags in the evaluation model, each still raw (the evaluator reports a malformed one).
    pub flags: Vec<Value>,
    /// `pageObjects`: per flag key, the raw object of its pages.
    pub page_objects: Vec<(String, Value)>,
    /// `user`: members merged over the detected `context.user`.
    pub user: Vec<(Vec<u8>, Value)>,
    /// `forcedVariants`: flag key to variant key; evaluation is skipped for these flags.
    pub forced_variants: Vec<(String, String)>,
    /// `debug`: log each decision.
    pub debug: bool,
    /// `exposureMode: "element"`: every flag's impressions wait for the elements its variants
    /// target (a flag's metadata `exposureMode` overrides this).
    pub element_exposure: bool,
    /// `consent`: `"pending"` or `"denied"` hold back storage writes and events (see
    /// [`Consent`]); absent is granted.
    pub consent: Consent,
    /// `integration.ingestedForm`: the built-in adapters send events as Amplitude's ingestion
    /// names them (`[Experiment] Impression`...), for destinations that do not rename them.
    pub ingested_form: bool,
}

/// Whether the visitor allows webexp to store data and send events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Consent {
    /// Everything allowed.
    #[default]
    Granted,
    /// Nothing written, nothing sent: events wait in memory.
    Pending,
    /// Nothing written, nothing sent, nothing kept.
    Denied,
}

impl Consent {
    /// `"granted"`, `"pending"` or `"denied"`.
    pub fn parse(s: &str) -> Option<Consent> {
        Some(match s {
            "granted" => Consent::Granted,
            "pending" => Consent::Pending,
            "denied" => Consent::Denied,
            _ => return None,
        })
    }
}

/// A part of the config that was skipped: where it is and why. Also the error of a payload
/// ([`super::actions::ActionError`]) and of the compact format: one type, so one copy of its
/// vector code in the wasm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Path such as `forcedVariants.hero`.
    pub path: String,
    /// What is wrong.
    pub message: &'static str,
}

impl ConfigError {
    /// An error at the place `path` points to.
    ///
    /// Config, payload and compact readers all build their paths in one [`Path`] buffer (the one
    /// flag checks use), entering members and elements on the way in: a path costs nothing
    /// until there is an error, and one builder serves every message.
    pub(crate) fn at(path: &Path, message: &'static str) -> ConfigError {
        ConfigError {
            // Paths are built from validated text only, so the conversion is exact.
            path: crate::core::json::message_text(&path.0),
            message,
        }
    }
}

/// Adds the error `message` at the place `path` points to: one call at each place that reports.
pub(crate) fn push_error(errors: &mut Vec<ConfigError>, path: &Path, message: &'static str) {
    errors.push(ConfigError::at(path, message));
}

/// Enters member `name` and returns `message`: the outcome of a failed check of a member with
/// nothing nested in it, so the path is only extended when there is a problem to report.
pub(crate) fn fail(path: &mut Path, name: &str, message: &'static str) -> &'static str {
    path.enter(name.as_bytes());
    message
}

const OBJECT: &str = "must be an object";

/// The parts of the config that are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Flags,
    PageObjects,
    User,
    ForcedVariants,
    Debug,
    Experiments,
    Consent,
    ExposureMode,
    Integration,
}

const PARTS: [(&[u8], Part); 9] = [
    (b"flags", Part::Flags),
    (b"pageObjects", Part::PageObjects),
    (b"user", Part::User),
    (b"forcedVariants", Part::ForcedVariants),
    (b"debug", Part::Debug),
    (b"experiments", Part::Experiments),
    (b"consent", Part::Consent),
    (b"exposureMode", Part::ExposureMode),
    (b"integration", Part::Integration),
];

/// Moves a part out of the config, leaving `null`. Parts are taken through `&mut` rather than
/// by consuming iterators and match arms, which each cost drop code in the wasm.
fn take(v: &mut Value) -> Value {
    core::mem::replace(v, Value::Null)
}

/// Reads a config value, moving its parts out (flags can be large: no copies), and compiles its
/// `experiments` (the compact authoring format) into more flags and pages. Never fails as a
/// whole: what cannot be used is reported and left out.
pub fn parse_config<H: Host>(host: &H, mut v: Value) -> (Config, Vec<ConfigError>) {
    let mut config = Config::default();
    let mut errors = Vec::new();
    let mut path = Path::default();
    let mut experiments = None;
    let Value::Object(members) = &mut v else {
        path.enter(b"config");
        push_error(&mut errors, &path, OBJECT);
        return (config, errors);
    };
    for (key, value) in members {
        // A table rather than a `match` on byte strings, which compiles to a comparison per
        // byte of every name.
        let Some(&(_, part)) = PARTS.iter().find(|(name, _)| *name == key.as_slice()) else {
            continue;
        };
        // Each part is checked by reference first and moved out after.
        let (fits, message) = match (part, &*value) {
            (_, Value::Null) => continue,
            (Part::Experiments, _) => {
                experiments = Some(take(value));
                continue;
            }
            (Part::Flags, v) => (matches!(v, Value::Array(_)), "must be an array of flags"),
            (Part::Debug, v) => (matches!(v, Value::Bool(_)), "must be true or false"),
            (Part::Consent, v) => (
                v.as_str().and_then(Consent::parse).is_some(),
                "must be \"granted\", \"pending\" or \"denied\"",
            ),
            (Part::ExposureMode, v) => (
                matches!(v.as_str(), Some("element" | "default")),
                "must be \"element\" or \"default\"",
            ),
            (_, v) => (matches!(v, Value::Object(_)), OBJECT),
        };
        path.0.clear();
        path.enter(key);
        if !fits {
            push_error(&mut errors, &path, message);
            // A consent that cannot be read is no grant: nothing is stored or sent until the
            // page sets one.
            if part == Part::Consent {
                config.consent = Consent::Pending;
            }
            continue;
        }
        match (part, value) {
            (Part::Flags, Value::Array(flags)) => {
                for (i, flag) in flags.iter_mut().enumerate() {
                    if flag.as_object().is_some() {
                        config.flags.push(take(flag));
                    } else {
                        let len = path.index(i);
                        push_error(&mut errors, &path, OBJECT);
                        path.0.truncate(len);
                    }
                }
            }
            (Part::User, Value::Object(members)) => config.user = core::mem::take(members),
            (Part::Integration, value) => match value.get("ingestedForm") {
                None | Some(Value::Null) => {}
                Some(Value::Bool(b)) => config.ingested_form = *b,
                Some(_) => {
                    path.enter(b"ingestedForm");
                    push_error(&mut errors, &path, "must be true or false");
                }
            },
            (Part::Debug, value) => config.debug = *value == Value::Bool(true),
            (Part::ExposureMode, value) => {
                config.element_exposure = value.as_str() == Some("element")
            }
            (Part::Consent, value) => {
                config.consent = value.as_str().and_then(Consent::parse).unwrap_or_default()
            }
            (part, Value::Object(members)) => {
                let forced = part == Part::ForcedVariants;
                for (key, v) in members {
                    // Members whose name is not text (a lone surrogate) cannot be looked up by
                    // flag key: skipped without a word, as before.
                    let Ok(name) = core::str::from_utf8(key) else {
                        continue;
                    };
                    let fits = match &*v {
                        Value::Str(s) => forced && core::str::from_utf8(s).is_ok(),
                        Value::Object(_) => !forced,
                        _ => false,
                    };
                    if !fits {
                        let len = path.enter(key);
                        push_error(
                            &mut errors,
                            &path,
                            if forced {
                                "must be a variant key (string)"
                            } else {
                                "must be an object of pages"
                            },
                        );
                        path.0.truncate(len);
                    } else if forced {
                        let variant = v.as_str().unwrap_or_default();
                        config.forced_variants.push((name.into(), variant.into()));
                    } else {
                        config.page_objects.push((name.into(), take(v)));
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(experiments) = experiments {
        compile(host, &experiments, &mut config, &mut errors);
    }
    (config, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::parse;
    use crate::core::test_host::TestHost;

    #[test]
    fn reads_every_part() {
        let v = parse(
            r#"{"flags":[{"key":"a"}],"pageObjects":{"a":{"p":{"id":"p"}}},"user":{"web_exp_id":"u1"},
                "forcedVariants":{"a":"treatment"},"debug":true,"consent":"pending","exposureMode":"element","unknown":1,
                "integration":{"ingestedForm":true}}"#,
        )
        .unwrap();
        let (c, errors) = parse_config(&TestHost, v);
        assert!(errors.is_empty());
        assert_eq!(c.flags.len(), 1);
        assert_eq!(c.page_objects[0].0, "a");
        assert_eq!(c.user[0].0, b"web_exp_id");
        assert_eq!(c.forced_variants, vec![("a".into(), "treatment".into())]);
        assert!(c.debug);
        assert_eq!(c.consent, Consent::Pending);
        assert!(c.element_exposure);
        assert!(c.ingested_form);
    }

    #[test]
    fn skips_bad_parts_and_names_them() {
        let v = parse(r#"{"flags":[1,{"key":"ok"}],"user":"x","forcedVariants":{"a":1,"b":"on"},"debug":"yes","consent":"maybe","exposureMode":"late","integration":{"ingestedForm":"yes"}}"#)
            .unwrap();
        let (c, errors) = parse_config(&TestHost, v);
        assert_eq!(c.flags.len(), 1);
        assert_eq!(c.forced_variants, vec![("b".into(), "on".into())]);
        let got: Vec<_> = errors
            .iter()
            .map(|e| (e.path.as_str(), e.message))
            .collect();
        assert_eq!(
            got,
            [
                ("flags[0]", "must be an object"),
                ("user", "must be an object"),
                ("forcedVariants.a", "must be a variant key (string)"),
                ("debug", "must be true or false"),
                ("consent", "must be \"granted\", \"pending\" or \"denied\""),
                ("exposureMode", "must be \"element\" or \"default\""),
                ("integration.ingestedForm", "must be true or false"),
            ]
        );
        // A consent that cannot be read is not a grant.
        assert_eq!(c.consent, Consent::Pending);
        for bad in [r#""Granted""#, "true", "1", r#"["granted"]"#] {
            let text = String::from(r#"{"consent":"#) + bad + "}";
            let (c, errors) = parse_config(&TestHost, parse(&text).unwrap());
            assert_eq!((c.consent, errors.len()), (Consent::Pending, 1), "{bad}");
        }
        let (c, _) = parse_config(&TestHost, parse(r#"{"consent":null}"#).unwrap());
        assert_eq!(
            c.consent,
            Consent::Granted,
            "absent (null) is granted, as documented"
        );
    }

    #[test]
    fn a_config_that_is_not_an_object_is_reported() {
        let (c, errors) = parse_config(&TestHost, Value::Array(vec![]));
        assert_eq!(c, Config::default());
        assert_eq!(errors[0].path, "config");
    }
}
