//! `WebexpConfig` (CONTRACT section 2), read leniently: each bad part is reported with its path
//! and skipped, and the rest of the config still runs.

use super::json::{push_usize, Value};
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
    /// `experiments` in the compact authoring format, compiled by [`super::compact::compile`].
    pub experiments: Option<Value>,
}

/// A part of the config that was skipped: where it is and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Path such as `forcedVariants.hero`.
    pub path: String,
    /// What is wrong.
    pub message: &'static str,
}

fn err(path: &str, message: &'static str) -> ConfigError {
    ConfigError {
        path: path.to_string(),
        message,
    }
}

fn key_path(parent: &str, key: &[u8]) -> String {
    let mut p = String::from(parent);
    p.push('.');
    p.push_str(&String::from_utf8_lossy(key));
    p
}

/// Reads a config value, moving its parts out (flags can be large: no copies). Never fails as a
/// whole: what cannot be used is reported and left out.
pub fn parse_config(v: Value) -> (Config, Vec<ConfigError>) {
    let mut config = Config::default();
    let mut errors = Vec::new();
    let Value::Object(members) = v else {
        errors.push(err("config", "must be an object"));
        return (config, errors);
    };
    for (key, value) in members {
        match (key.as_slice(), value) {
            (_, Value::Null) => {}
            (b"flags", Value::Array(flags)) => {
                for (i, flag) in flags.into_iter().enumerate() {
                    if flag.as_object().is_some() {
                        config.flags.push(flag);
                    } else {
                        let mut p = String::from("flags[");
                        push_usize(&mut p, i);
                        p.push(']');
                        errors.push(err(&p, "must be an object"));
                    }
                }
            }
            (b"flags", _) => errors.push(err("flags", "must be an array of flags")),
            (b"pageObjects", Value::Object(members)) => {
                for (key, pages) in members {
                    match String::from_utf8(key) {
                        Ok(k) if pages.as_object().is_some() => {
                            config.page_objects.push((k, pages))
                        }
                        Ok(k) => errors.push(err(
                            &key_path("pageObjects", k.as_bytes()),
                            "must be an object of pages",
                        )),
                        Err(_) => {}
                    }
                }
            }
            (b"pageObjects", _) => errors.push(err("pageObjects", "must be an object")),
            (b"user", Value::Object(members)) => config.user = members,
            (b"user", _) => errors.push(err("user", "must be an object")),
            (b"forcedVariants", Value::Object(members)) => {
                for (key, variant) in members {
                    match (String::from_utf8(key), variant) {
                        (Ok(k), Value::Str(v)) if core::str::from_utf8(&v).is_ok() => config
                            .forced_variants
                            .push((k, String::from_utf8(v).unwrap_or_default())),
                        (Ok(k), _) => errors.push(err(
                            &key_path("forcedVariants", k.as_bytes()),
                            "must be a variant key (string)",
                        )),
                        (Err(_), _) => {}
                    }
                }
            }
            (b"forcedVariants", _) => errors.push(err("forcedVariants", "must be an object")),
            (b"experiments", v) => config.experiments = Some(v),
            (b"debug", Value::Bool(b)) => config.debug = b,
            (b"debug", _) => errors.push(err("debug", "must be true or false")),
            _ => {}
        }
    }
    (config, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    #[test]
    fn reads_every_part() {
        let v = parse(
            r#"{"flags":[{"key":"a"}],"pageObjects":{"a":{"p":{"id":"p"}}},"user":{"web_exp_id":"u1"},
                "forcedVariants":{"a":"treatment"},"debug":true,"unknown":1}"#,
        )
        .unwrap();
        let (c, errors) = parse_config(v);
        assert!(errors.is_empty());
        assert_eq!(c.flags.len(), 1);
        assert_eq!(c.page_objects[0].0, "a");
        assert_eq!(c.user[0].0, b"web_exp_id");
        assert_eq!(c.forced_variants, vec![("a".into(), "treatment".into())]);
        assert!(c.debug);
    }

    #[test]
    fn skips_bad_parts_and_names_them() {
        let v = parse(r#"{"flags":[1,{"key":"ok"}],"user":"x","forcedVariants":{"a":1,"b":"on"},"debug":"yes"}"#)
            .unwrap();
        let (c, errors) = parse_config(v);
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
            ]
        );
    }

    #[test]
    fn a_config_that_is_not_an_object_is_reported() {
        let (c, errors) = parse_config(Value::Array(vec![]));
        assert_eq!(c, Config::default());
        assert_eq!(errors[0].path, "config");
    }
}
