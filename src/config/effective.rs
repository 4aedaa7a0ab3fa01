//! `khabar config check`: the settings khabar would run with (file,
//! environment and defaults together), validated, with secrets redacted.
//! A key left unset has no TOML value to print: a comment in its section
//! says what khabar does instead, and `[websub]` says whether push is on
//! and which hub the feeds announce.

use std::path::{Path, PathBuf};

use super::env::NOT_CONFIG;
use super::{layered, process_env, read_file, Config, ConfigError};

/// What replaces a secret in the printout.
const REDACTED: &str = "<redacted>";

/// Words that make a key's value a secret wherever it appears.
const SECRET_WORDS: &[&str] = &["secret", "password", "token"];

/// A configuration that passed validation, and how to show it.
#[derive(Debug)]
pub struct Checked {
    /// The validated configuration.
    pub config: Config,
    /// Every key at its effective value, secrets redacted (topics are
    /// summarised in [`Checked::report`], not repeated).
    pub effective: toml::Table,
    /// `(variable, key)` for each key the environment set.
    pub from_env: Vec<(String, String)>,
    /// khabar's own variables set that are not config keys
    /// ([`NOT_CONFIG`]: `KHABAR_CONFIG`, `KHABAR_LOG_JSON`, `KHABAR_NOW`).
    pub others: Vec<String>,
    /// Other `KHABAR_*` variables, which khabar does not read.
    pub ignored: Vec<String>,
    /// `(section, comment)` printed at the end of each section: what an
    /// unset key means, and the effective WebSub state.
    pub notes: Vec<(&'static str, String)>,
}

impl Config {
    /// Loads the config as [`Config::load`] does, keeping what
    /// `khabar config check` reports.
    pub fn check(explicit: Option<&Path>) -> Result<Checked, ConfigError> {
        let (text, source) = read_file(explicit)?;
        Config::check_with_env(&text, source, process_env())
    }

    /// [`Config::check`] of TOML text with `vars` as the environment.
    pub fn check_with_env(
        text: &str,
        source: Option<PathBuf>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Checked, ConfigError> {
        let (raw, validator) = layered(text, source.as_deref(), vars)?;
        let mut effective = toml::Table::try_from(&raw).map_err(|e| ConfigError::Syntax {
            path: validator.path.clone(),
            message: format!("cannot print the settings back: {e}"),
        })?;
        let from_env = validator
            .overlay
            .keys
            .iter()
            .map(|k| (k.var.clone(), k.key.clone()))
            .collect();
        let others = validator.overlay.others.clone();
        let ignored = validator.overlay.ignored.clone();
        let config = validator.build(raw, source)?;
        // Derived when not set: show what is sent.
        if let Some(toml::Value::Table(fetch)) = effective.get_mut("fetch") {
            fetch.insert(
                "user_agent".into(),
                toml::Value::String(config.fetch.user_agent.clone()),
            );
        }
        redact(&mut effective);
        let notes = notes(&effective, &config);
        Ok(Checked {
            config,
            effective,
            from_env,
            others,
            ignored,
            notes,
        })
    }
}

impl Checked {
    /// The printout: a comment header saying where the settings came
    /// from, then the settings as TOML.
    pub fn report(&self) -> String {
        let mut out = format!(
            "# khabar {}: the configuration is valid\n",
            env!("CARGO_PKG_VERSION")
        );
        match &self.config.source {
            Some(path) => out.push_str(&format!("# file: {}\n", path.display())),
            None => out.push_str("# file: none (defaults)\n"),
        }
        for (var, key) in &self.from_env {
            out.push_str(&format!("# environment: {var} sets {key}\n"));
        }
        for var in &self.others {
            let what = NOT_CONFIG
                .iter()
                .find(|(name, _)| name == var)
                .map_or("", |(_, what)| *what);
            out.push_str(&format!("# environment: {var} {what} (not a config key)\n"));
        }
        for var in &self.ignored {
            out.push_str(&format!(
                "# environment: {var} is not a config key (ignored)\n"
            ));
        }
        let slugs: Vec<&str> = self
            .config
            .tagger
            .topics()
            .iter()
            .map(|t| t.slug.as_str())
            .collect();
        out.push_str(&format!("# topics: {}\n", slugs.join(", ")));
        // Top-level values first (`feeds`): after a `[section]` header they
        // would belong to it. Then each section, with its notes.
        let (sections, top): (toml::Table, toml::Table) = self
            .effective
            .clone()
            .into_iter()
            .partition(|(_, value)| value.is_table());
        if !top.is_empty() {
            out.push('\n');
            out.push_str(&toml::to_string_pretty(&top).unwrap_or_default());
        }
        for (name, value) in sections {
            let notes = self.notes.iter().filter(|(s, _)| *s == name);
            let section = toml::Table::from_iter([(name.clone(), value)]);
            out.push('\n');
            out.push_str(&toml::to_string_pretty(&section).unwrap_or_default());
            for (_, note) in notes {
                out.push_str(&format!("# {note}\n"));
            }
        }
        out
    }
}

/// What each key left unset in `effective` means for `config`, and the
/// effective WebSub state, by section.
fn notes(effective: &toml::Table, config: &Config) -> Vec<(&'static str, String)> {
    let set = |section: &str, key: &str| {
        effective
            .get(section)
            .and_then(toml::Value::as_table)
            .is_some_and(|t| t.contains_key(key))
    };
    let public_url_set = set("server", "public_url");
    let unset: [(&str, &str, String); 6] = [
        (
            "server",
            "public_url",
            format!(
                "links in feeds and mail use {}{}: set it to the address readers \
                 (and hubs) reach khabar at",
                config.public_url,
                if config.websub.enabled {
                    ""
                } else {
                    ", and WebSub is off"
                }
            ),
        ),
        (
            "smtp",
            "url",
            format!(
                "digests are written as .eml files to {}",
                config.digest.outbox.display()
            ),
        ),
        ("smtp", "reply_to", "replies go to smtp.from".into()),
        ("smtp", "username", "no SMTP AUTH".into()),
        (
            "digest",
            "secret",
            "links are signed with a key generated once and kept in the database".into(),
        ),
        (
            "websub",
            "hub",
            "the feeds announce khabar's own hub".into(),
        ),
    ];
    let mut notes: Vec<(&'static str, String)> = unset
        .into_iter()
        .filter(|(section, key, _)| !set(section, key))
        .filter(|(_, key, _)| *key != "hub" || config.websub.enabled)
        .map(|(section, key, what)| (section, format!("{key} is not set: {what}")))
        .collect();
    notes.push(("websub", websub_state(config, public_url_set)));
    notes
}

/// `effective: …` for `[websub]`: on or why not, and the hub announced.
fn websub_state(config: &Config, public_url_set: bool) -> String {
    let websub = &config.websub;
    if !websub.enabled {
        let why = if public_url_set {
            "websub.enabled is false"
        } else {
            "server.public_url is not set, so hubs could not reach khabar \
             (set it, or enabled = true)"
        };
        return format!("effective: WebSub is off, and the feeds announce no hub: {why}");
    }
    let hub = match &websub.hub {
        Some(external) => format!("{external} (websub.hub, pinged when a feed changes)"),
        None => format!(
            "{}/{} (khabar's own)",
            config.public_url.as_str().trim_end_matches('/'),
            super::HUB_PATH
        ),
    };
    format!("effective: WebSub is on; the feeds announce the hub {hub}")
}

/// Replaces every secret in `table`: the value of a key named like one
/// (`digest.secret`, `smtp.password`, any `…token`), and the password of
/// any URL (`smtps://user:pass@relay`).
fn redact(table: &mut toml::Table) {
    for (key, value) in table.iter_mut() {
        let key = key.to_ascii_lowercase();
        if SECRET_WORDS.iter().any(|w| key.contains(w)) {
            redact_all(value);
        } else {
            redact_value(value);
        }
    }
}

fn redact_value(value: &mut toml::Value) {
    match value {
        toml::Value::Table(t) => redact(t),
        toml::Value::Array(a) => a.iter_mut().for_each(redact_value),
        toml::Value::String(s) => {
            if let Ok(mut url) = url::Url::parse(s) {
                if url.password().is_some() && url.set_password(Some(REDACTED)).is_ok() {
                    *s = url.to_string();
                }
            }
        }
        _ => {}
    }
}

/// A secret key's value, whatever its shape: strings become [`REDACTED`].
fn redact_all(value: &mut toml::Value) {
    match value {
        toml::Value::Table(t) => t.iter_mut().for_each(|(_, v)| redact_all(v)),
        toml::Value::Array(a) => a.iter_mut().for_each(redact_all),
        toml::Value::String(s) => *s = REDACTED.into(),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, vars: &[(&str, &str)]) -> Result<Checked, ConfigError> {
        let vars = vars.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Config::check_with_env(text, Some("k.toml".into()), vars)
    }

    #[test]
    fn secrets_are_redacted_wherever_they_are() {
        let checked = check(
            "[smtp]\nurl = \"smtps://digest:hunter2hunter2@mail.example:465\"\npassword = \"p4ssw0rd\"\n\
             [[feeds]]\nurl = \"https://reader:feedpass@a.example/rss\"",
            &[("KHABAR_DIGEST_SECRET", "0123456789abcdef0123")],
        )
        .unwrap();
        let report = checked.report();
        for secret in [
            "hunter2hunter2",
            "p4ssw0rd",
            "feedpass",
            "0123456789abcdef0123",
        ] {
            assert!(!report.contains(secret), "{secret} shown:\n{report}");
        }
        assert!(
            report.contains("smtps://digest:%3Credacted%3E@mail.example:465"),
            "{report}"
        );
        assert!(report.contains("secret = \"<redacted>\""), "{report}");
        assert!(
            report.contains("# environment: KHABAR_DIGEST_SECRET sets digest.secret"),
            "{report}"
        );
        // The real values are still what khabar runs with.
        assert_eq!(checked.config.smtp.password.as_deref(), Some("p4ssw0rd"));
    }

    #[test]
    fn the_printout_shows_defaults_env_values_and_reads_back_as_the_same_config() {
        let checked = check(
            "[fetch]\nconcurrency = 4",
            &[("KHABAR_SERVER_PUBLIC_URL", "https://news.example/k/")],
        )
        .unwrap();
        let report = checked.report();
        for line in [
            "concurrency = 4",
            "public_url = \"https://news.example/k/\"",
            "interval = \"30m\"",
            concat!(
                "user_agent = \"khabar/",
                env!("CARGO_PKG_VERSION"),
                " (+https://news.example/k/)\""
            ),
        ] {
            assert!(report.contains(line), "{line:?} missing:\n{report}");
        }
        let again = Config::from_toml_with_env(&report, None, Vec::new()).unwrap();
        assert_eq!(again.fetch, checked.config.fetch);
        assert_eq!(again.schedule, checked.config.schedule);
        assert_eq!(again.public_url, checked.config.public_url);
    }

    #[test]
    fn unset_keys_are_shown_with_what_khabar_does_instead() {
        let report = check("", &[]).unwrap().report();
        for line in [
            "# public_url is not set: links in feeds and mail use http://127.0.0.1:8080/, \
             and WebSub is off",
            "# url is not set: digests are written as .eml files to outbox",
            "# reply_to is not set: replies go to smtp.from",
            "# secret is not set: links are signed with a key generated once",
            "# effective: WebSub is off, and the feeds announce no hub: server.public_url is not set",
        ] {
            assert!(report.contains(line), "{line:?} missing:\n{report}");
        }
        let server = report.split("[server]").nth(1).unwrap();
        let server = server.split("\n[").next().unwrap();
        assert!(
            server.contains("# public_url is not set"),
            "in [server]:\n{report}"
        );
    }

    #[test]
    fn the_websub_state_names_the_hub_the_feeds_announce() {
        let own = check("[server]\npublic_url = \"https://news.example/k/\"", &[])
            .unwrap()
            .report();
        assert!(
            own.contains(
                "# effective: WebSub is on; the feeds announce the hub \
                 https://news.example/k/websub/hub (khabar's own)"
            ) && own.contains("# hub is not set: the feeds announce khabar's own hub"),
            "{own}"
        );
        let external = check(
            "[server]\npublic_url = \"https://news.example/\"",
            &[("KHABAR_WEBSUB_HUB", "https://pubsubhubbub.appspot.com/")],
        )
        .unwrap()
        .report();
        assert!(
            external.contains("hub = \"https://pubsubhubbub.appspot.com/\"")
                && external.contains(
                    "the feeds announce the hub https://pubsubhubbub.appspot.com/ \
                     (websub.hub, pinged when a feed changes)"
                )
                && !external.contains("hub is not set"),
            "{external}"
        );
        let off = check(
            "[server]\npublic_url = \"https://news.example/\"\n[websub]\nenabled = false",
            &[],
        )
        .unwrap()
        .report();
        assert!(
            off.contains("# effective: WebSub is off, and the feeds announce no hub: websub.enabled is false"),
            "{off}"
        );
    }

    #[test]
    fn an_external_hub_must_be_an_http_url() {
        for (text, vars, origin) in [
            ("[websub]\nhub = \"ftp://hub.example/\"", vec![], "k.toml"),
            ("[websub]\nhub = \"hub.example\"", vec![], "websub.hub"),
            (
                "",
                vec![("KHABAR_WEBSUB_HUB", "javascript:alert(1)")],
                "KHABAR_WEBSUB_HUB",
            ),
        ] {
            let err = check(text, &vars).unwrap_err().to_string();
            assert!(
                err.contains(origin) && err.contains("http(s) URL of a WebSub hub"),
                "{text} {vars:?}: {err}"
            );
        }
    }

    #[test]
    fn an_invalid_value_fails_the_check_naming_its_origin() {
        let err = check("", &[("KHABAR_FETCH_CONCURRENCY", "0")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("KHABAR_FETCH_CONCURRENCY") && err.contains("expected at least 1"),
            "{err}"
        );
        let err = check("[fetch]\nconcurrency = 0", &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("k.toml") && err.contains("fetch.concurrency"),
            "{err}"
        );
    }
}
