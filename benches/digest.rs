//! Digest speed (issue #5): rendering one 50-story digest, and 10,000
//! subscribers × 50 items composed, rendered and delivered to a local SMTP
//! server (aiosmtpd, `tests/it/support/smtp_sink.py`). Targets: under 2 ms per
//! render, under 60 s for the whole run. Run: `cargo bench --bench digest`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use khabar::config::Config;
use khabar::digest::compose::compose;
use khabar::digest::render::{render, Links};
use khabar::digest::{send_due, Mailer, PassOptions, Sender};
use khabar::model::{DeliverySchedule, DigestPeriod, SubscriberEmail};
use khabar::store::{DigestItemRow, NewSubscriber, Store};

/// Subscribers in the delivery run (`KHABAR_BENCH_SUBSCRIBERS` to change).
const SUBSCRIBERS: usize = 10_000;
const ITEMS: usize = 50;
const RENDERS: usize = 2_000;
const TOPIC: &str = "russia-north-korea";

fn title(i: usize) -> String {
    format!("पुतिन और किम जोंग उन की मुलाकात: रूस-उत्तर कोरिया सहयोग पर नई रिपोर्ट {i}")
}

fn summary() -> String {
    "रूस और उत्तर कोरिया के बीच सैन्य सहयोग पर नई जानकारी सामने आई है। ".repeat(3)
}

fn bench_render(now: DateTime<Utc>) {
    let items: Vec<DigestItemRow> = (0..ITEMS)
        .map(|i| DigestItemRow {
            topic: TOPIC.into(),
            item_id: i as i64,
            title: title(i),
            url: Some(format!("https://outlet{}.example/news/{i}", i % 7)),
            summary: Some(summary()),
            outlet: format!("Outlet {}", i % 7),
            first_seen: now - Duration::minutes(i as i64),
            story_id: Some(i as i64),
            representative: true,
            image: Some(format!("https://outlet{}.example/img/{i}.jpg", i % 7)),
        })
        .collect();
    let period = DigestPeriod::new(now - Duration::days(1), now).expect("a day is not empty");
    let topics = [(TOPIC.to_string(), "Russia–North Korea ties".to_string())];
    let links = Links {
        unsubscribe: "https://k.example/unsubscribe?token=1.ab".into(),
        preferences: "https://k.example/preferences?token=1.cd".into(),
    };
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..RENDERS {
        let plan = compose(period, chrono_tz::Asia::Kolkata, &topics, &items);
        let r = render(&plan, "a@example.org", &links).expect("templates render");
        bytes += r.html.len();
    }
    let per = start.elapsed().as_secs_f64() * 1000.0 / RENDERS as f64;
    println!(
        "compose+render one digest of {ITEMS} stories: {per:.3} ms (html {} bytes)",
        bytes / RENDERS
    );
}

/// 50 tagged items in a fresh database. Fixture setup writes SQL directly
/// because the store's only item writer is the polling pass.
fn seed(path: &std::path::Path, now: DateTime<Utc>) {
    drop(Store::open(path).expect("open store"));
    let conn = rusqlite::Connection::open(path).expect("open sqlite");
    conn.execute(
        "INSERT INTO feeds (id, url, title, created_at) VALUES (1, 'https://o.example/rss', 'Outlet', 0)",
        [],
    )
    .expect("feed");
    for i in 0..ITEMS {
        let seen = (now - Duration::minutes(i as i64 + 1)).timestamp();
        conn.execute(
            "INSERT INTO items (id, feed_id, key, url, title, summary, published, first_seen,
                 last_changed, content_hash) VALUES (?1, 1, ?1, ?2, ?3, ?4, ?5, ?5, ?5, '')",
            rusqlite::params![
                i as i64,
                format!("https://o.example/{i}"),
                title(i),
                summary(),
                seen
            ],
        )
        .expect("item");
        conn.execute(
            "INSERT INTO item_topics (item_id, topic, why) VALUES (?1, ?2, '[]')",
            rusqlite::params![i as i64, TOPIC],
        )
        .expect("tag");
    }
}

fn main() {
    let now = Utc::now();
    bench_render(now);

    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/it/support/smtp_sink.py"
        ))
        .arg(dir.path().join("sink"))
        .args(["--workers", "2"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with aiosmtpd");
    let mut port = String::new();
    BufReader::new(sink.stdout.take().expect("piped"))
        .read_line(&mut port)
        .expect("port line");
    let db = dir.path().join("bench.db");
    seed(&db, now);
    let subscribers = std::env::var("KHABAR_BENCH_SUBSCRIBERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(SUBSCRIBERS);
    let mut store = Store::open(&db).expect("store");
    let delivery = DeliverySchedule::parse("Asia/Kolkata", "0 0 7 * * *").expect("valid");
    for i in 0..subscribers {
        let email = SubscriberEmail::parse(&format!("reader{i}@example.org")).expect("valid");
        let new = NewSubscriber {
            email: &email,
            topics: None,
            delivery: &delivery,
        };
        store
            .add_subscriber(&new, now - Duration::days(2))
            .expect("add");
    }
    let toml = format!("[smtp]\nurl = \"smtp://127.0.0.1:{}\"\n", port.trim());
    let config = Config::from_toml(&toml, None).expect("config");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let _inside = rt.enter();
    let mailer = Mailer::from_config(&config.smtp, &config.digest.outbox).expect("mailer");
    let sender = Sender {
        config: &config,
        mailer: &mailer,
        secret: "bench",
    };
    // Compose and render only: the part of the run that is khabar's alone.
    let start = Instant::now();
    let options = PassOptions {
        all: true,
        dry_run: true,
    };
    rt.block_on(send_due(&mut store, &sender, now, options))
        .expect("dry run");
    let secs = start.elapsed().as_secs_f64();
    println!("{subscribers} digests composed and rendered (dry run): {secs:.1} s");

    let start = Instant::now();
    let options = PassOptions {
        all: true,
        dry_run: false,
    };
    let summary = rt
        .block_on(send_due(&mut store, &sender, now, options))
        .expect("pass");
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{subscribers} subscribers × {ITEMS} items to aiosmtpd: {secs:.1} s ({:.0}/s); {summary}",
        subscribers as f64 / secs
    );
    let _ = sink.kill();
    let _ = sink.wait();
}
