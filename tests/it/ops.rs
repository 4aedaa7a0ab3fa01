//! What an operator relies on (issue #12 items 4–6): every key from the
//! environment with no config file at all, `completions`, `man`,
//! `config check`, and failures classified on the feed.

use std::process::{Command, Stdio};

use crate::support::khabar::{self, run_binary, ALLOW_PRIVATE};
use crate::support::{docs, wait_until, Daemon, FeedServer, Khabar, Reply};

/// A secret long enough for `digest.secret`.
const SECRET: &str = "s3cr3t-0123456789abcdef";

/// `khabar args…` in `dir` with no config file and exactly `vars` as
/// khabar's environment (the test runner's own `KHABAR_*` removed).
fn khabar_with_env(dir: &std::path::Path, args: &[&str], vars: &[(&str, &str)]) -> Command {
    let mut command = khabar::binary();
    command.args(args).current_dir(dir).stdin(Stdio::null());
    command.envs(vars.iter().copied());
    command
}

/// Runs `khabar args…` as [`khabar_with_env`] does, to completion:
/// (success, stdout, stderr).
fn run_with_env(
    dir: &std::path::Path,
    args: &[&str],
    vars: &[(&str, &str)],
) -> (bool, String, String) {
    let out = khabar_with_env(dir, args, vars)
        .output()
        .expect("run khabar");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// See: issue #12 (item 4).
#[test]
fn khabar_run_is_configured_by_environment_variables_alone() {
    let server = FeedServer::with([("/desk.xml", Reply::rss(docs::good_rss("desk", 3)))]);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("state").join("khabar.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let feeds = format!("[{{url = {:?}}}]", server.url("/desk.xml"));
    let vars = [
        ("KHABAR_DATABASE_PATH", db.to_str().unwrap()),
        ("KHABAR_SERVER_LISTEN", "127.0.0.1:0"),
        ("KHABAR_SERVER_PUBLIC_URL", "https://news.example/desk/"),
        ("KHABAR_SCHEDULE_TICK", "200ms"),
        ("KHABAR_FETCH_TIMEOUT", "5s"),
        ("KHABAR_FEEDS", feeds.as_str()),
        ("KHABAR_DIGEST_SECRET", SECRET),
        ("KHABAR_LOG_JSON", "true"),
        // The feed server is on loopback, which the fetch guard refuses
        // unless allowed (issue #11).
        ("KHABAR_FETCH_ALLOW_PRIVATE", ALLOW_PRIVATE),
    ];
    assert!(!dir.path().join("khabar.toml").exists());
    let daemon = Daemon::spawn(khabar_with_env(dir.path(), &["run"], &vars));
    let mut atom = String::new();
    wait_until("the feed's items in /feed.atom", || {
        let (status, body) = daemon.get("/feed.atom");
        atom = body;
        status == 200 && atom.contains("desk शीर्षक")
    });
    assert!(
        atom.contains("https://news.example/desk/feed.atom"),
        "links use KHABAR_SERVER_PUBLIC_URL:\n{atom}"
    );
    // SQL on the file itself: where the database is, is the point.
    let stored: i64 = rusqlite::Connection::open(&db)
        .and_then(|c| c.query_row("SELECT count(*) FROM items", [], |r| r.get(0)))
        .expect("the database is where KHABAR_DATABASE_PATH says");
    assert_eq!(stored, 3);
    let agent = server.requests("/desk.xml")[0].headers["user-agent"].clone();
    assert_eq!(
        agent.to_str().unwrap(),
        concat!(
            "khabar/",
            env!("CARGO_PKG_VERSION"),
            " (+https://news.example/desk/)"
        ),
        "the default User-Agent names the public URL"
    );
    assert!(
        daemon.stderr().lines().any(|l| l.starts_with('{')),
        "KHABAR_LOG_JSON logs JSON lines:\n{}",
        daemon.stderr()
    );
}

// See: issue #12 (item 4).
#[test]
fn a_bad_environment_value_is_refused_naming_the_variable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        ("KHABAR_FETCH_CONCURRENCY", "0", "expected at least 1"),
        ("KHABAR_FETCH_CONCURRENCY", "lots", "invalid type"),
        (
            "KHABAR_SERVER_PUBLIC_URL",
            "not a url",
            "expected an absolute URL",
        ),
        (
            "KHABAR_SMTP_URL",
            "http://mail.example",
            "expected smtp:// or smtps://",
        ),
        ("KHABAR_SMTP_PASWORD", "x", "unknown field `pasword`"),
        ("KHABAR_DIGEST_SECRET", "short", "at least 16 characters"),
        (
            "KHABAR_FETCH_ALLOW_PRIVATE",
            "127.0.0.1/32,intranet",
            "expected a network such as",
        ),
        ("KHABAR_NOW", "yesterday", "is not an RFC 3339 time"),
    ];
    for (var, value, says) in cases {
        let (ok, _, stderr) = run_with_env(dir.path(), &["feeds", "list"], &[(var, value)]);
        assert!(!ok, "{var}={value} accepted");
        assert!(
            stderr.contains(var) && stderr.contains(says),
            "{var}={value}: {stderr}"
        );
    }
}

// See: issue #12 (item 5).
#[test]
fn completions_and_the_man_page_come_from_the_command_line_definition() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "bash",
            &[
                "_khabar()",
                "complete -F _khabar",
                "subscribers",
                "--log-json",
            ][..],
        ),
        ("zsh", &["#compdef khabar", "subscribers", "--log-json"][..]),
        (
            "fish",
            &["complete -c khabar", "subscribers", "log-json"][..],
        ),
    ];
    for (shell, wants) in cases {
        let run = run_binary(dir.path(), &["completions", shell]);
        assert!(run.status.success(), "{shell}: {}", run.stderr);
        for want in wants {
            assert!(run.stdout.contains(want), "{shell} lacks {want:?}");
        }
    }
    let bad = run_binary(dir.path(), &["completions", "cmd.exe"]);
    assert!(
        !bad.status.success() && bad.stderr.contains("possible values"),
        "{}",
        bad.stderr
    );

    let man = run_binary(dir.path(), &["man"]);
    assert!(man.status.success(), "{}", man.stderr);
    for want in [
        ".TH khabar 1",
        "completions",
        "KHABAR_SERVER_PUBLIC_URL",
        "\\-\\-config",
    ] {
        assert!(man.stdout.contains(want), "man page lacks {want:?}");
    }
}

// See: issue #12 (item 5).
#[test]
fn config_check_prints_the_effective_settings_with_secrets_redacted() {
    let k = Khabar::with_config(
        "[smtp]\nurl = \"smtps://digest:relay-pass-123@mail.example:465\"\n\
         [fetch]\nconcurrency = 7\n",
    );
    let mut check = k.command(&["config", "check"]);
    let out = check
        .env("KHABAR_DIGEST_SECRET", SECRET)
        .env("KHABAR_SMTP_PASSWORD", "smtp-pass-456")
        .env("KHABAR_SERVER_PUBLIC_URL", "https://news.example/")
        .env("KHABAR_NOW", "2026-12-01T07:00:00Z")
        .env("KHABAR_SOMETHING_ELSE", "x")
        .output()
        .expect("run config check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for secret in [SECRET, "smtp-pass-456", "relay-pass-123"] {
        assert!(!stdout.contains(secret), "{secret} printed:\n{stdout}");
    }
    for want in [
        "the configuration is valid",
        "concurrency = 7",
        "public_url = \"https://news.example/\"",
        "# environment: KHABAR_SMTP_PASSWORD sets smtp.password",
        "# environment: KHABAR_FETCH_ALLOW_PRIVATE sets fetch.allow_private",
        "allow_private = [\"127.0.0.1/32\"]",
        "# environment: KHABAR_NOW starts khabar's clock at an RFC 3339 instant",
        "# environment: KHABAR_SOMETHING_ELSE is not a config key (ignored)",
        "password = \"<redacted>\"",
        "secret = \"<redacted>\"",
        "smtps://digest:%3Credacted%3E@mail.example:465",
        "max_interval = \"1day\"",
        "user_agent = \"khabar/",
    ] {
        assert!(stdout.contains(want), "{want:?} missing:\n{stdout}");
    }
    assert!(
        !stdout.contains("KHABAR_NOW is not a config key (ignored)"),
        "KHABAR_NOW is khabar's own clock, not an unknown variable:\n{stdout}"
    );

    let bad = Khabar::with_config("[schedule]\nmin_interval = \"2d\"\n");
    let run = bad.run(&["config", "check"]);
    assert_eq!(run.status.code(), Some(1), "{}", run.stdout);
    assert!(
        run.stderr.contains("invalid configuration")
            && run.stderr.contains("schedule.min_interval"),
        "{}",
        run.stderr
    );
}

// See: issue #12 (item 6).
#[test]
fn a_failure_that_needs_a_fix_backs_off_faster_and_feeds_list_says_so() {
    let server = FeedServer::with([
        ("/missing.xml", Reply::status(404)),
        ("/forbidden.xml", Reply::status(403)),
        (
            "/page.xml",
            Reply::ok("text/html", "<html><body><p>not a feed</p></body></html>"),
        ),
        ("/broken.xml", Reply::status(500)),
    ]);
    let urls: Vec<String> = ["/missing.xml", "/forbidden.xml", "/page.xml", "/broken.xml"]
        .iter()
        .map(|p| server.url(p))
        .collect();
    let k = Khabar::new(&urls);
    let summary = k.poll_all();
    assert_eq!(summary.failed, 4, "{summary:?}");
    let wait = |url: &str| {
        let f = k.feed(url);
        f.next_due - f.last_polled.expect("polled")
    };
    let transient = wait(&urls[3]);
    for url in &urls[..3] {
        let feed = k.feed(url);
        let error = feed.last_error.clone().unwrap_or_default();
        assert!(error.starts_with("permanent: "), "{url}: {error}");
        // 4 intervals (± jitter) against 1: well apart.
        assert!(
            wait(url) > 3 * transient,
            "{url} waits {}s, a 500 {transient}s",
            wait(url)
        );
    }
    let broken = k.feed(&urls[3]).last_error.unwrap_or_default();
    assert!(
        broken.starts_with("transient: ") && broken.contains("500"),
        "{broken}"
    );

    let list = k.ok(&["feeds", "list"]);
    for (url, status) in urls.iter().zip(["broken", "broken", "broken", "failing"]) {
        let line = list
            .lines()
            .find(|l| l.contains(url.as_str()))
            .unwrap_or_else(|| panic!("{url} not in\n{list}"));
        assert!(
            line.contains(&format!("  {status} ")),
            "{url} should be {status}: {line}"
        );
    }

    // Fixed on the server: the next poll clears the error and the status.
    server.serve("/missing.xml", Reply::rss(docs::good_rss("back", 1)));
    // Two days later every feed is due again, backed off or not.
    k.ok_at(chrono::Utc::now() + chrono::Duration::days(2), &["poll"]);
    let healed = k.feed(&urls[0]);
    assert_eq!((healed.error_count, healed.last_error), (0, None));
    let list = k.ok(&["feeds", "list"]);
    let line = list.lines().find(|l| l.contains(urls[0].as_str())).unwrap();
    assert!(line.contains("  active "), "{line}");
}
