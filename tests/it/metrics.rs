//! `/metrics` of `khabar run` as Prometheus reads it (issue #12): parsed by
//! Python's `prometheus_client` text parser, counters that never go down
//! (across `khabar prune`, which deletes the fetch log, and more polls), no
//! per-feed label values, and every family listed in the README.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{docs, wait_until, Daemon, FeedServer, Khabar, Reply};

/// One scrape: each sample's `name{labels}` → (family type, value).
type Scrape = BTreeMap<String, (String, f64)>;

/// Parses Prometheus text with `prometheus_client.parser` (tests/requirements.txt).
fn parse(text: &str) -> Scrape {
    let script = "import json, sys\n\
        from prometheus_client.parser import text_string_to_metric_families\n\
        out = {}\n\
        for f in text_string_to_metric_families(sys.stdin.read()):\n\
        \x20   for s in f.samples:\n\
        \x20       key = s.name + json.dumps(s.labels, sort_keys=True)\n\
        \x20       assert key not in out, 'sample twice: ' + key\n\
        \x20       out[key] = [f.type, s.value]\n\
        print(json.dumps(out))\n";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with prometheus_client (pip install -r tests/requirements.txt)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client could not parse /metrics: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: BTreeMap<String, (String, f64)> =
        serde_json::from_slice(&out.stdout).expect("the parser's JSON");
    parsed
}

fn scrape(daemon: &Daemon) -> (String, Scrape) {
    let (status, text) = daemon.get("/metrics");
    assert_eq!(status, 200, "{text}");
    let parsed = parse(&text);
    (text, parsed)
}

/// The value of `name` with `labels` (JSON, sorted keys) in a scrape.
fn value(s: &Scrape, name: &str, labels: &str) -> f64 {
    s.get(&format!("{name}{labels}"))
        .unwrap_or_else(|| panic!("no {name}{labels} in {s:?}"))
        .1
}

/// Every counter sample of `before` is in `after`, no lower.
fn no_counter_went_down(before: &Scrape, after: &Scrape, when: &str) {
    let mut counters = 0;
    for (key, (kind, old)) in before {
        // Histogram buckets, sums and counts only grow too.
        if kind == "counter" || kind == "histogram" {
            counters += 1;
            let new = after
                .get(key)
                .unwrap_or_else(|| panic!("{key} vanished {when}"))
                .1;
            assert!(new >= *old, "{key} went down {when}: {old} → {new}");
        }
    }
    assert!(counters > 50, "only {counters} counter samples");
}

#[test]
fn counters_survive_prune_and_more_polls_and_parse_as_prometheus_text() {
    let server = FeedServer::with([
        ("/good.xml", Reply::rss(docs::good_rss("m", 3))),
        ("/broken.xml", Reply::status(500)),
    ]);
    let (good, broken) = (server.url("/good.xml"), server.url("/broken.xml"));
    let k = Khabar::with_config(&format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\n\
         [schedule]\ntick = \"200ms\"\n\n\
         [[feeds]]\nurl = {good:?}\n\n[[feeds]]\nurl = {broken:?}\n"
    ));
    let daemon = Daemon::start(&k);
    let polls = |s: &Scrape, outcome: &str| {
        value(
            s,
            "khabar_polls_total",
            &format!("{{\"outcome\": \"{outcome}\"}}"),
        )
    };
    wait_until("both feeds polled", || {
        let (_, s) = scrape(&daemon);
        polls(&s, "ok") >= 1.0 && polls(&s, "failed") >= 1.0
    });
    let (text, first) = scrape(&daemon);
    assert_eq!(value(&first, "khabar_items_stored_total", "{}"), 3.0);
    assert_eq!(
        first["khabar_polls_total{\"outcome\": \"ok\"}"].0, "counter",
        "typed as a counter"
    );
    assert!(value(&first, "khabar_fetch_duration_seconds_count", "{}") >= 2.0);
    assert!(value(&first, "khabar_pass_duration_seconds_count", "{}") >= 1.0);
    assert!(value(&first, "khabar_last_pass_timestamp_seconds", "{}") > 1.7e9);
    assert!(value(&first, "process_resident_memory_bytes", "{}") > 0.0);
    assert!(value(&first, "process_open_fds", "{}") > 0.0);
    let version = format!("{{\"version\": \"{}\"}}", env!("CARGO_PKG_VERSION"));
    assert_eq!(value(&first, "khabar_build_info", &version), 1.0);
    // Per-feed detail stays out of the labels.
    assert!(
        !text.contains("broken.xml") && !text.contains("127.0.0.1"),
        "{text}"
    );
    // The README lists every family.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for family in text.lines().filter_map(|l| l.strip_prefix("# TYPE ")) {
        let name = family.split(' ').next().unwrap();
        assert!(
            readme.contains(&format!("`{name}`")),
            "README does not list `{name}`"
        );
    }

    // Retention deletes every fetch-log row and item (another process, as
    // an operator's cron job would run it).
    let later = chrono::Utc::now() + chrono::Duration::days(400);
    let pruned = k.ok_at(later, &["prune"]);
    assert!(pruned.contains("pruned 3 items"), "{pruned}");
    let (_, after_prune) = scrape(&daemon);
    no_counter_went_down(&first, &after_prune, "after khabar prune");

    // More polls: the counters go on from where they were.
    // SQL: no command makes a feed due on a running daemon's clock.
    k.db().execute("UPDATE feeds SET next_due = 0", []).unwrap();
    let before = polls(&after_prune, "failed");
    wait_until("another poll of the broken feed", || {
        polls(&scrape(&daemon).1, "failed") > before
    });
    let (_, later) = scrape(&daemon);
    no_counter_went_down(&after_prune, &later, "after more polls");
}
