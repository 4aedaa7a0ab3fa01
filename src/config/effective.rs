//! `khabar config check`: the settings khabar would run with (file,
//! environment and defaults together), validated, with secrets redacted.

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
        Ok(Checked {
            config,
            effective,
            from_env,
            others,
            ignored,
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
        out.push_str(&format!("# topics: {}\n\n", slugs.join(", ")));
        out.push_str(&toml::to_string_pretty(&self.effective).unwrap_or_default());
        out
    }
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
