//! `spawn_khabar()`: the real `khabar run` on port 0 over a fresh demo
//! database (74 items from 7 outlets, 32 tagged `russia-north-korea`).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::support::daemon::Daemon;

/// The public URL the test config publishes under; links in feeds start here.
pub const PUBLIC_URL: &str = "https://khabar.example/news/";

/// The binary under test, without the runner's `KHABAR_*` variables.
pub fn khabar() -> Command {
    crate::support::khabar::binary()
}

/// A temp dir with a demo database and a config file pointing at it.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub config: PathBuf,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::with_config("")
    }

    /// A fixture whose config has `extra` after the `[server]` table.
    pub fn with_config(extra: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let demo = dir.path().join("demo");
        let out = khabar()
            .args(["demo", "--once", "--dir"])
            .arg(&demo)
            .current_dir(dir.path())
            .env("RUST_LOG", "error")
            .output()
            .unwrap();
        assert!(out.status.success(), "khabar demo failed: {out:?}");
        let config = dir.path().join("khabar.toml");
        std::fs::write(
            &config,
            format!("[server]\npublic_url = \"{PUBLIC_URL}\"\n{extra}"),
        )
        .unwrap();
        Fixture {
            db: demo.join("khabar.db"),
            dir,
            config,
        }
    }

    /// A `khabar` command with this fixture's config and database.
    pub fn command(&self) -> Command {
        let mut cmd = khabar();
        cmd.current_dir(self.dir.path())
            .env("KHABAR_CONFIG", &self.config)
            .env("KHABAR_DATABASE", &self.db)
            .env("KHABAR_LISTEN", "127.0.0.1:0");
        if std::env::var_os("TEST_LOG").is_none() {
            cmd.env("RUST_LOG", "error");
        }
        cmd
    }
}

/// A running `khabar run` over a [`Fixture`], killed when dropped.
pub struct Khabar {
    pub fixture: Fixture,
    daemon: Daemon,
    /// `http://127.0.0.1:PORT`, as the daemon printed it.
    pub base: String,
    pub http: reqwest::Client,
}

/// Starts `khabar run` on port 0 over a fresh demo database.
pub fn spawn_khabar() -> Khabar {
    spawn_khabar_with("")
}

/// Starts `khabar run` over a fresh demo database, `extra` in its config.
pub fn spawn_khabar_with(extra: &str) -> Khabar {
    let fixture = Fixture::with_config(extra);
    let mut command = fixture.command();
    command.arg("run");
    let daemon = Daemon::spawn(command);
    Khabar {
        fixture,
        base: daemon.base(),
        daemon,
        http: reqwest::Client::builder()
            .no_gzip()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
    }
}

impl Khabar {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    /// Sends SIGTERM and waits (at most `limit`) for the exit status.
    pub fn terminate(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        self.daemon.terminate(limit).map(|(status, _)| status)
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.daemon.pid()
    }

    /// The process is still running.
    pub fn is_running(&mut self) -> bool {
        self.daemon.is_running()
    }
}

/// Writes `spec` to `spec_file` and runs `feedcheck.py` (Python feedparser
/// reading khabar's feeds) on it; panics with its report unless it passed,
/// and returns the report.
pub async fn feedcheck(spec_file: &std::path::Path, spec: &serde_json::Value) -> String {
    std::fs::write(spec_file, spec.to_string()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/publish/feedcheck.py");
    let spec_file = spec_file.to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .arg(&spec_file)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "feedcheck.py failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    report
}
