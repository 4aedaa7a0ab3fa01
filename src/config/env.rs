//! Config keys from the environment: `KHABAR_<SECTION>_<KEY>` sets
//! `[section] key` (`KHABAR_SMTP_URL` → `smtp.url`), and
//! `KHABAR_<KEY>` a top-level list such as `feeds` (TOML syntax). The
//! environment wins over the file.
//!
//! Nothing here lists the keys: which variables are config, and what type
//! each value has, is asked of [`RawConfig`]'s own serde definition by
//! trial deserialisation of a one-key table, so a key added to the file
//! format gets its variable with no code here. A value is tried as a
//! string, then as a TOML value (`32`, `true`, `["a", "b"]`), then as a
//! comma-separated list of strings (`10.0.0.0/8,127.0.0.1`).

use super::{ConfigError, RawConfig};

/// The prefix every khabar variable starts with.
pub const PREFIX: &str = "KHABAR_";

/// Names from before every key had its variable, still honoured: the
/// variable and the key it sets. The `KHABAR_<SECTION>_<KEY>` name wins
/// when both are set.
pub const ALIASES: &[(&str, &str, &str)] = &[
    ("KHABAR_DATABASE", "database", "path"),
    ("KHABAR_LISTEN", "server", "listen"),
    ("KHABAR_SECRET", "digest", "secret"),
];

/// khabar's own variables that are not config keys, and what each does
/// (`khabar config check` says so instead of calling them unknown).
pub const NOT_CONFIG: &[(&str, &str)] = &[
    (
        "KHABAR_CONFIG",
        "names the config file when --config is not given",
    ),
    ("KHABAR_LOG_JSON", "logs JSON lines, as --log-json does"),
    (
        "KHABAR_NOW",
        "starts khabar's clock at an RFC 3339 instant, a test and operations aid: \
         one-shot commands act at exactly that instant, run and demo start there \
         and advance with the real clock",
    ),
];

/// A config key set by an environment variable.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvKey {
    /// The variable, e.g. `KHABAR_SMTP_URL`.
    pub var: String,
    /// The dotted key it sets, e.g. `smtp.url`.
    pub key: String,
    section: String,
    name: Option<String>,
    value: toml::Value,
}

/// What the environment says about the config.
#[derive(Debug, Default)]
pub struct Overlay {
    /// The keys set, in variable order.
    pub keys: Vec<EnvKey>,
    /// khabar's own variables that are not config keys ([`NOT_CONFIG`])
    /// among those set.
    pub others: Vec<String>,
    /// `KHABAR_*` variables that name nothing khabar reads (other tools'
    /// own, misspelt sections), left alone.
    pub ignored: Vec<String>,
}

impl Overlay {
    /// Reads the `KHABAR_*` variables among `vars`; a variable that names a
    /// section but holds an unusable value (or a key the section does not
    /// have) is an error naming it.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Overlay, ConfigError> {
        let mut vars: Vec<(String, String)> = vars
            .into_iter()
            .filter(|(name, _)| name.starts_with(PREFIX))
            .collect();
        vars.sort();
        let mut overlay = Overlay::default();
        for (var, text) in &vars {
            if NOT_CONFIG.iter().any(|(name, _)| name == var) {
                overlay.others.push(var.clone());
                continue;
            }
            if let Some(&(_, section, name)) = ALIASES.iter().find(|(alias, ..)| *alias == var) {
                let canonical = format!("{PREFIX}{}_{}", section, name).to_uppercase();
                if !vars.iter().any(|(v, _)| *v == canonical) {
                    overlay.keys.push(typed(var, section, Some(name), text)?);
                }
                continue;
            }
            match locate(&var[PREFIX.len()..].to_ascii_lowercase()) {
                Some((section, name)) => {
                    overlay
                        .keys
                        .push(typed(var, &section, name.as_deref(), text)?)
                }
                None => overlay.ignored.push(var.clone()),
            }
        }
        Ok(overlay)
    }

    /// Sets every key in `table` (the file's), replacing the file's value.
    pub fn apply(&self, table: &mut toml::Table) {
        for key in &self.keys {
            match &key.name {
                None => {
                    table.insert(key.section.clone(), key.value.clone());
                }
                Some(name) => {
                    let section = table
                        .entry(key.section.clone())
                        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                    if let toml::Value::Table(section) = section {
                        section.insert(name.clone(), key.value.clone());
                    }
                }
            }
        }
    }

    /// The variable that set `key` (dotted, as the validator names it;
    /// `feeds[0].url` belongs to `KHABAR_FEEDS`), if one did.
    pub fn var_for(&self, key: &str) -> Option<&str> {
        self.keys
            .iter()
            .find(|k| {
                key == k.key
                    || key
                        .strip_prefix(k.key.as_str())
                        .is_some_and(|rest| rest.starts_with(['.', '[']))
            })
            .map(|k| k.var.as_str())
    }
}

/// Which key `rest` (the variable's name after the prefix, lowercased)
/// sets: `(section, Some(key))` for a key of a section, `(key, None)` for a
/// top-level list; `None` when it names neither.
fn locate(rest: &str) -> Option<(String, Option<String>)> {
    // The longest section first, so that a section whose name holds an
    // underscore (`term_groups`) is not read as a shorter one.
    let splits = rest
        .char_indices()
        .filter(|(_, c)| *c == '_')
        .map(|(i, _)| i);
    let mut splits: Vec<usize> = splits.collect();
    splits.reverse();
    for i in splits {
        let (section, name) = (&rest[..i], &rest[i + 1..]);
        if !name.is_empty() && accepts(section, toml::Value::Table(toml::Table::new())) {
            return Some((section.to_string(), Some(name.to_string())));
        }
    }
    let empty = [
        toml::Value::Array(Vec::new()),
        toml::Value::Table(toml::Table::new()),
    ];
    empty
        .into_iter()
        .any(|v| accepts(rest, v))
        .then(|| (rest.to_string(), None))
}

/// Whether the config accepts `key = value` at the top level.
fn accepts(key: &str, value: toml::Value) -> bool {
    deserialize_one(key, None, value).is_ok()
}

/// `section.name = value` (or `section = value`) alone, deserialised.
fn deserialize_one(
    section: &str,
    name: Option<&str>,
    value: toml::Value,
) -> Result<RawConfig, String> {
    let value = match name {
        Some(name) => toml::Value::Table(toml::Table::from_iter([(name.to_string(), value)])),
        None => value,
    };
    let table = toml::Table::from_iter([(section.to_string(), value)]);
    table
        .try_into::<RawConfig>()
        .map_err(|e| e.message().to_string())
}

/// The variable's text as the value its key takes: a string, else a TOML
/// value, else a comma-separated list.
fn typed(var: &str, section: &str, name: Option<&str>, text: &str) -> Result<EnvKey, ConfigError> {
    let key = match name {
        Some(name) => format!("{section}.{name}"),
        None => section.to_string(),
    };
    let as_toml = toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"));
    let list = (!text.trim_start().starts_with('[')).then(|| {
        toml::Value::Array(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.to_string()))
                .collect(),
        )
    });
    let candidates = [
        Some(toml::Value::String(text.to_string())),
        as_toml.clone(),
        list,
    ];
    let mut first_error = None;
    for value in candidates.into_iter().flatten() {
        match deserialize_one(section, name, value.clone()) {
            Ok(_) => {
                return Ok(EnvKey {
                    var: var.to_string(),
                    key,
                    section: section.to_string(),
                    name: name.map(str::to_string),
                    value,
                })
            }
            // The TOML reading's complaint says more than the string's
            // ("expected a value ≥ 0" beats "expected an integer").
            Err(e) if first_error.is_none() || (as_toml.as_ref() == Some(&value)) => {
                first_error = Some(e)
            }
            Err(_) => {}
        }
    }
    Err(ConfigError::Env {
        var: var.to_string(),
        key,
        problem: first_error.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn keys(pairs: &[(&str, &str)]) -> Vec<(String, String, toml::Value)> {
        Overlay::from_vars(vars(pairs))
            .unwrap()
            .keys
            .into_iter()
            .map(|k| (k.var, k.key, k.value))
            .collect()
    }

    #[test]
    fn each_variable_finds_its_key_and_type_from_the_serde_definition() {
        use toml::Value::{Array, Boolean, Integer, String as Str};
        let cases: &[(&str, &str, &str, toml::Value)] = &[
            (
                "KHABAR_SERVER_PUBLIC_URL",
                "https://n.example/",
                "server.public_url",
                Str("https://n.example/".into()),
            ),
            (
                "KHABAR_FETCH_CONCURRENCY",
                "8",
                "fetch.concurrency",
                Integer(8),
            ),
            (
                "KHABAR_SERVER_BEHIND_PROXY",
                "true",
                "server.behind_proxy",
                Boolean(true),
            ),
            (
                "KHABAR_SCHEDULE_MAX_INTERVAL",
                "6h",
                "schedule.max_interval",
                Str("6h".into()),
            ),
            (
                "KHABAR_DIGEST_SECRET",
                "12345678901234567890",
                "digest.secret",
                Str("12345678901234567890".into()),
            ),
            (
                "KHABAR_SMTP_PASSWORD",
                "true",
                "smtp.password",
                Str("true".into()),
            ),
            (
                "KHABAR_DATABASE",
                "/data/k.db",
                "database.path",
                Str("/data/k.db".into()),
            ),
            (
                "KHABAR_FEEDS",
                r#"[{url = "https://a.example/rss"}]"#,
                "feeds",
                Array(vec![toml::Value::Table(toml::Table::from_iter([(
                    "url".to_string(),
                    Str("https://a.example/rss".into()),
                )]))]),
            ),
        ];
        for (var, text, key, value) in cases {
            let got = keys(&[(var, text)]);
            assert_eq!(
                got,
                [(var.to_string(), key.to_string(), value.clone())],
                "{var}={text}"
            );
        }
    }

    #[test]
    fn other_khabar_variables_are_left_alone() {
        let overlay = Overlay::from_vars(vars(&[
            ("KHABAR_CONFIG", "/etc/khabar.toml"),
            ("KHABAR_LOG_JSON", "1"),
            ("KHABAR_NOW", "2026-12-01T07:00:00Z"),
            ("KHABAR_TOPICS_DEV", "x.jsonl"),
            ("KHABAR_FUZZ_JOBS", "2"),
            ("HOME", "/root"),
        ]))
        .unwrap();
        assert!(overlay.keys.is_empty(), "{:?}", overlay.keys);
        assert_eq!(
            overlay.others,
            ["KHABAR_CONFIG", "KHABAR_LOG_JSON", "KHABAR_NOW"]
        );
        assert_eq!(overlay.ignored, ["KHABAR_FUZZ_JOBS", "KHABAR_TOPICS_DEV"]);
    }

    #[test]
    fn a_bad_value_or_unknown_key_names_the_variable() {
        let cases = [
            ("KHABAR_FETCH_CONCURRENCY", "many", "invalid type"),
            ("KHABAR_FETCH_CONCURRENCY", "-1", "-1"),
            ("KHABAR_SMTP_PASWORD", "x", "unknown field `pasword`"),
            ("KHABAR_SCHEDULE_INTERVAL", "soon", "schedule.interval"),
            ("KHABAR_SERVER_BEHIND_PROXY", "yes", "bool"),
        ];
        for (var, text, says) in cases {
            let err = Overlay::from_vars(vars(&[(var, text)]))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(var) && err.contains(says),
                "{var}={text}: {err}"
            );
        }
    }

    #[test]
    fn the_new_name_wins_over_the_old_one() {
        let got = keys(&[
            ("KHABAR_SECRET", "old-old-old-old-old"),
            ("KHABAR_DIGEST_SECRET", "new-new-new-new-new"),
        ]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "KHABAR_DIGEST_SECRET");
    }

    #[test]
    fn the_environment_replaces_the_file_value_and_keeps_the_rest() {
        let mut table: toml::Table =
            toml::from_str("[server]\nlisten = \"127.0.0.1:9\"\npublic_url = \"http://a/\"")
                .unwrap();
        Overlay::from_vars(vars(&[
            ("KHABAR_SERVER_PUBLIC_URL", "https://b/"),
            ("KHABAR_SMTP_URL", "smtp://m:25"),
        ]))
        .unwrap()
        .apply(&mut table);
        assert_eq!(table["server"]["public_url"].as_str(), Some("https://b/"));
        assert_eq!(table["server"]["listen"].as_str(), Some("127.0.0.1:9"));
        assert_eq!(table["smtp"]["url"].as_str(), Some("smtp://m:25"));
    }
}
