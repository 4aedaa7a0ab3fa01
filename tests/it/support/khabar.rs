//! A handle on the real `khabar` binary: a temp dir holding its config and
//! a fresh SQLite file, a method per user action, and reads of what khabar
//! keeps through the commands a user would run (`feeds list --json`,
//! `feeds items URL --json`).

use std::cell::Cell;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// How long one command may run before the test calls it hung. Generous:
/// it only catches hangs, it does not time anything (a poll of 24 hostile
/// 10 MiB feeds took over 120 s in a full-suite run at load 14).
pub const HANG: Duration = Duration::from_secs(300);

/// Fetch limits of the test config: short, so the suite stays fast.
const FETCH: &str = r#"[fetch]
concurrency = 32
per_host = 32
connect_timeout = "2s"
timeout = "3s"
max_body_bytes = 1048576
max_redirects = 5

[schedule]
interval = "30m"
min_interval = "5m"
max_interval = "24h"
"#;

/// The body cap above, for assertions on error messages.
pub const BODY_CAP: u64 = 1_048_576;

/// `fetch.allow_private` of every command (as `KHABAR_FETCH_ALLOW_PRIVATE`,
/// which wins over the file): the test servers listen on 127.0.0.1, which
/// the fetch guard refuses unless allowed (issue #11). Only that address:
/// the rest of 127/8 stands for "internal" in the guard's tests.
pub const ALLOW_PRIVATE: &str = "127.0.0.1/32";

/// khabar with its own temp dir, config file and database.
pub struct Khabar {
    dir: tempfile::TempDir,
    config: PathBuf,
    database: PathBuf,
    /// The largest peak RSS of any command run so far.
    peak_rss: Cell<u64>,
    /// `KHABAR_FETCH_ALLOW_PRIVATE` of every command.
    allow_private: String,
}

/// What one command did.
#[derive(Debug)]
pub struct Run {
    /// Exit status.
    pub status: ExitStatus,
    /// Everything printed on stdout.
    pub stdout: String,
    /// Everything printed on stderr.
    pub stderr: String,
    /// The process's peak resident set size, in bytes.
    pub peak_rss: u64,
}

/// The numbers of `poll`'s summary line, in its order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub feeds: u32,
    pub ok: u32,
    pub not_modified: u32,
    pub failed: u32,
    pub gone: u32,
    pub new_items: u32,
    pub updated_items: u32,
    /// The pass's wall-clock seconds.
    pub seconds: f64,
}

/// A feed as `khabar feeds list --json` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    pub id: i64,
    pub url: String,
    /// As the table shows it: active, failing, broken or gone.
    pub status: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub next_due: i64,
    pub error_count: i64,
    pub last_error: Option<String>,
    pub last_polled: Option<i64>,
    /// How many items khabar keeps from it.
    pub items: u64,
}

/// An item as `khabar feeds items URL --json` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: i64,
    pub key: String,
    pub url: Option<String>,
    pub title: String,
    pub summary: Option<String>,
    pub content_html: Option<String>,
    pub first_seen: i64,
    /// Its picture's URL.
    pub image: Option<String>,
    /// Its files' URLs.
    pub attachments: Vec<String>,
    /// Its topic slugs, sorted.
    pub topics: Vec<String>,
}

impl Khabar {
    /// khabar subscribed (in its config file) to `feeds`.
    pub fn new(feeds: &[String]) -> Khabar {
        let listed: String = feeds
            .iter()
            .map(|url| format!("\n[[feeds]]\nurl = {url:?}\n"))
            .collect();
        Khabar::with_config(&format!("{FETCH}{listed}"))
    }

    /// khabar with `toml` as its config (the `[database]` section is added).
    pub fn with_config(toml: &str) -> Khabar {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = dir.path().join("khabar.db");
        let config = dir.path().join("khabar.toml");
        let text = format!("[database]\npath = {:?}\n\n{toml}", database.display());
        std::fs::write(&config, text).expect("write test config");
        Khabar {
            dir,
            config,
            database,
            peak_rss: Cell::new(0),
            allow_private: ALLOW_PRIVATE.to_string(),
        }
    }

    /// The temp dir khabar runs in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The database file.
    pub fn database(&self) -> &Path {
        &self.database
    }

    /// `khabar --config FILE args…` in the temp dir, with khabar's
    /// environment overrides removed, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = binary();
        command
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .current_dir(self.dir.path())
            .env("KHABAR_FETCH_ALLOW_PRIVATE", &self.allow_private)
            .stdin(Stdio::null());
        command
    }

    /// Allows `networks` (comma-separated CIDRs) instead of [`ALLOW_PRIVATE`].
    pub fn allowing(mut self, networks: &str) -> Khabar {
        self.allow_private = networks.to_string();
        self
    }

    /// `PRAGMA integrity_check` of the database: "ok" when intact (SQL: no
    /// command checks the file).
    pub fn integrity(&self) -> String {
        self.db()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity check")
    }

    /// Runs `khabar --config FILE args…` to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_at(None, args)
    }

    /// [`Khabar::run`] with the clock pinned to `now` when given.
    fn run_at(&self, now: Option<DateTime<Utc>>, args: &[&str]) -> Run {
        let mut command = self.command(args);
        if let Some(now) = now {
            command.env("KHABAR_NOW", now.to_rfc3339());
        }
        self.run_command(command, args)
    }

    /// Runs `command` (made by [`Khabar::command`], perhaps wrapped) to
    /// completion; `args` name it in messages.
    pub fn run_command(&self, command: Command, args: &[&str]) -> Run {
        let run = run_to_end(command, args);
        self.peak_rss.set(self.peak_rss.get().max(run.peak_rss));
        run
    }

    /// Runs a one-shot command that must succeed as if at `now`
    /// (`KHABAR_NOW`), returning its stdout: digest periods end at whole
    /// seconds, so a test pins the clock rather than sleeping past one.
    pub fn ok_at(&self, now: DateTime<Utc>, args: &[&str]) -> String {
        let run = self.run_at(Some(now), args);
        assert!(
            run.status.success(),
            "khabar {args:?} at {now} failed with {}:\n{}",
            run.status,
            run.stderr
        );
        run.stdout
    }

    /// The largest peak resident set of the commands run so far, in bytes.
    pub fn peak_rss(&self) -> u64 {
        self.peak_rss.get()
    }

    /// Runs a command that must succeed, returning its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert!(
            run.status.success(),
            "khabar {args:?} failed with {}:\n{}",
            run.status,
            run.stderr
        );
        run.stdout
    }

    /// `khabar poll --all`, which must exit 0; its summary line.
    pub fn poll_all(&self) -> Summary {
        let stdout = self.ok(&["poll", "--all"]);
        Summary::parse(&stdout)
    }

    /// [`Khabar::poll_all`] with khabar's clock started at `now`
    /// (`KHABAR_NOW`): what it stores is first seen from then on.
    pub fn poll_all_at(&self, now: DateTime<Utc>) -> Summary {
        Summary::parse(&self.ok_at(now, &["poll", "--all"]))
    }

    /// Every feed, by id (`khabar feeds list --json`).
    pub fn feeds(&self) -> Vec<Feed> {
        let listed = self.ok(&["feeds", "list", "--json"]);
        let feeds: Vec<serde_json::Value> =
            serde_json::from_str(&listed).unwrap_or_else(|e| panic!("{e}: {listed}"));
        feeds
            .iter()
            .map(|f| Feed {
                id: f["id"].as_i64().expect("an id"),
                url: text(&f["url"]).expect("a url"),
                status: text(&f["status"]).expect("a status"),
                etag: text(&f["etag"]),
                last_modified: text(&f["last_modified"]),
                next_due: unix(&f["next_due"]).expect("next_due"),
                error_count: f["error_count"].as_i64().expect("error_count"),
                last_error: text(&f["last_error"]),
                last_polled: unix(&f["last_polled"]),
                items: f["items"].as_u64().expect("an item count"),
            })
            .collect()
    }

    /// The feed row with this URL; panics listing the feeds when absent.
    pub fn feed(&self, url: &str) -> Feed {
        let feeds = self.feeds();
        feeds
            .iter()
            .find(|f| f.url == url)
            .cloned()
            .unwrap_or_else(|| panic!("no feed {url} among {feeds:#?}"))
    }

    /// The items of the feed with this URL, in insertion order
    /// (`khabar feeds items URL --json`).
    pub fn items_of(&self, url: &str) -> Vec<Item> {
        let run = self.run(&["feeds", "items", url, "--json"]);
        if !run.status.success() {
            panic!("no feed {url} among {:#?}: {}", self.feeds(), run.stderr);
        }
        let items: Vec<serde_json::Value> =
            serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
        items
            .iter()
            .map(|i| Item {
                id: i["id"].as_i64().expect("an id"),
                key: text(&i["key"]).expect("a key"),
                url: text(&i["url"]),
                title: text(&i["title"]).expect("a title"),
                summary: text(&i["summary"]),
                content_html: text(&i["content_html"]),
                first_seen: unix(&i["first_seen"]).expect("first_seen"),
                image: text(&i["image"]),
                attachments: i["attachments"]
                    .as_array()
                    .expect("attachments")
                    .iter()
                    .map(|a| text(&a["url"]).expect("a file URL"))
                    .collect(),
                topics: i["topics"]
                    .as_array()
                    .expect("topics")
                    .iter()
                    .map(|t| text(t).expect("a slug"))
                    .collect(),
            })
            .collect()
    }

    /// Every item of every feed, by id.
    pub fn all_items(&self) -> Vec<Item> {
        self.feeds()
            .iter()
            .flat_map(|f| self.items_of(&f.url))
            .collect()
    }

    /// How many items khabar keeps, over every feed (`feeds list --json`).
    pub fn count_items(&self) -> i64 {
        self.feeds().iter().map(|f| f.items as i64).sum()
    }

    /// A connection to the database, for what no command shows (a test
    /// says why where it uses one) and for writing what no command can.
    pub fn db(&self) -> Connection {
        Connection::open(&self.database).expect("open the test database")
    }
}

impl Summary {
    /// Reads `N feeds: N ok, N not modified, N failed, N gone; N new items, N updated; S.Ss`.
    pub fn parse(stdout: &str) -> Summary {
        let line = stdout
            .lines()
            .find(|l| l.contains(" feeds: "))
            .unwrap_or_else(|| panic!("no summary line in {stdout:?}"));
        let n: Vec<u32> = line
            .split(|c: char| !c.is_ascii_digit() && c != '.')
            .filter(|w| !w.is_empty() && !w.contains('.'))
            .map(|w| w.parse().expect("a count"))
            .collect();
        assert!(n.len() >= 7, "summary {line:?}");
        Summary {
            feeds: n[0],
            ok: n[1],
            not_modified: n[2],
            failed: n[3],
            gone: n[4],
            new_items: n[5],
            updated_items: n[6],
            seconds: line
                .rsplit(' ')
                .next()
                .and_then(|w| w.trim_end_matches('s').parse().ok())
                .unwrap_or_else(|| panic!("seconds in {line:?}")),
        }
    }
}

/// The binary under test, with no `KHABAR_*` variable of the test
/// runner's environment: a developer's own `KHABAR_SMTP_URL` or
/// `KHABAR_FETCH_CONCURRENCY` would otherwise set the tests' config.
/// Every test starts khabar through this; a test sets what it needs.
pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_khabar"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("KHABAR_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs the binary with `args` in `dir`, outside any [`Khabar`]'s config,
/// with khabar's environment overrides removed, killing it if it hangs.
pub fn run_binary(dir: &Path, args: &[&str]) -> Run {
    let mut command = binary();
    command
        .args(args)
        .current_dir(dir)
        .env("KHABAR_FETCH_ALLOW_PRIVATE", ALLOW_PRIVATE)
        .stdin(Stdio::null());
    run_to_end(command, args)
}

/// Runs `command` to completion, killing it if it hangs.
fn run_to_end(mut command: Command, args: &[&str]) -> Run {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start khabar");
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                p.read_to_string(&mut text).expect("read khabar output");
            }
            text
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let (status, peak_rss) = wait_sampling_peak_rss(&mut child, args);
    let run = Run {
        status,
        peak_rss,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    };
    if std::env::var_os("TEST_LOG").is_some() {
        eprintln!(
            "$ khabar {args:?} → {} (peak RSS {} MiB)\n{}{}",
            run.status,
            run.peak_rss >> 20,
            run.stdout,
            run.stderr
        );
    }
    run
}

/// Waits for `child`, sampling its peak resident set (VmHWM) every few
/// milliseconds; kills it if it runs longer than [`HANG`]. (getrusage's
/// ru_maxrss is no use here: at exec the kernel carries over the parent's
/// peak, and the parent is this many-threaded test binary.)
fn wait_sampling_peak_rss(child: &mut std::process::Child, args: &[&str]) -> (ExitStatus, u64) {
    let status_file = format!("/proc/{}/status", child.id());
    let started = Instant::now();
    let mut peak_kib = 0;
    loop {
        // VmHWM only grows, so the last sample is the peak up to a few ms
        // before exit.
        if let Some(kib) = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|s| vm_hwm_kib(&s))
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait for khabar") {
            return (status, peak_kib * 1024);
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("khabar {args:?} still running after {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn vm_hwm_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A JSON string, or `None` for null.
fn text(v: &serde_json::Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// An RFC 3339 time as Unix seconds, or `None` for null.
fn unix(v: &serde_json::Value) -> Option<i64> {
    let t = v.as_str()?;
    Some(
        DateTime::parse_from_rfc3339(t)
            .unwrap_or_else(|e| panic!("{t}: {e}"))
            .timestamp(),
    )
}
