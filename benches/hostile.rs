//! Linear time on hostile input (issue #11): every stage from feed bytes to
//! stored text, run on inputs an attacker would write, at 1, 4 and 10 MiB.
//! Run: `cargo bench --bench hostile`. Prints one row per (stage, input) with
//! the time at each size and the 10 MiB / 1 MiB ratio: about 10 is linear,
//! about 100 quadratic. A stage that takes more than [`GIVE_UP_SECS`] at one
//! size is not run at the larger ones (marked `—`), so a quadratic stage
//! shows itself without stalling the bench.
//!
//! The last rows run a 10 MiB pathological description through the whole
//! ingest path short of the database (parse, normalise, HTML → text, tag,
//! sign).
//!
//! `cargo bench --bench hostile -- pass` instead measures memory: one real
//! polling pass (fetch, parse, normalise, tag, store, default config: 32 feeds
//! in flight, 10 MiB bodies) over 32 hostile feeds of about 10 MiB each,
//! served from a child process, and prints khabar's peak RSS next to
//! `concurrency × max_body_bytes`.

use std::time::{Duration, Instant};

use khabar::fulltext::extract;
use khabar::normalize::{html_to_text, nfc, sanitize_html};
use khabar::parse::{decode_text, parse_feed};
use khabar::stories::TermFinder;
use khabar::topics::{normalize_text, tag_item_text, Tagger};

const MIB: usize = 1 << 20;
const SIZES: [usize; 3] = [MIB, 4 * MIB, 10 * MIB];
/// A size that takes longer than this stops its row.
const GIVE_UP_SECS: f64 = 20.0;

/// `unit` repeated to `size` bytes (whole units only).
fn fill(unit: &str, size: usize) -> String {
    unit.repeat(size / unit.len())
}

/// `prefix` + `unit`s + `suffix`, about `size` bytes in all.
fn wrap(prefix: &str, unit: &str, suffix: &str, size: usize) -> String {
    let mut s = String::with_capacity(size + prefix.len() + suffix.len());
    s.push_str(prefix);
    s.push_str(&fill(
        unit,
        size.saturating_sub(prefix.len() + suffix.len()),
    ));
    s.push_str(suffix);
    s
}

/// An RSS document whose one item's description is `description` (raw, so
/// it may hold markup the XML reader sees).
fn rss_with_description(description: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
         <item><guid>g</guid><title>रूस और उत्तर कोरिया</title><description>{description}</description></item>\
         </channel></rss>"
    )
}

/// Devanagari letters each followed by a run of combining marks of
/// alternating class (nukta 7, virama 9, …), which NFC must reorder.
fn combining_runs(size: usize) -> String {
    fill(
        "क\u{93C}\u{94D}\u{93C}\u{94D}\u{901}\u{93C}\u{94D}\u{301}\u{316}\u{301}\u{316}",
        size,
    )
}

/// Bytes with no BOM, no declaration and not UTF-8: every byte above 0x7F,
/// varied, so that charset detection weighs every candidate.
fn undecidable_bytes(size: usize) -> Vec<u8> {
    let mut state = 0x2545_F491_u32;
    let mut body = b"<rss><channel><item><title>".to_vec();
    while body.len() < size {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        body.push(0x80 | (state as u8));
        if state.is_multiple_of(7) {
            body.push(b' ');
        }
    }
    body
}

/// Runs one stage over an input.
type Stage = Box<dyn Fn(&[u8])>;

struct Row {
    stage: &'static str,
    input: &'static str,
    make: Box<dyn Fn(usize) -> Vec<u8>>,
    run: Stage,
}

fn text(run: impl Fn(&str) + 'static) -> Stage {
    Box::new(move |b: &[u8]| run(std::str::from_utf8(b).expect("bench inputs are UTF-8")))
}

fn string(make: impl Fn(usize) -> String + 'static) -> Box<dyn Fn(usize) -> Vec<u8>> {
    Box::new(move |n| make(n).into_bytes())
}

fn rows() -> Vec<Row> {
    let tagger: &'static Tagger = Box::leak(Box::new(Tagger::builtin()));
    let finder: &'static TermFinder = Box::leak(Box::new(TermFinder::new(tagger)));
    let base: &'static url::Url =
        Box::leak(Box::new(url::Url::parse("https://o.example/feed").unwrap()));
    let row = |stage, input, make, run| Row {
        stage,
        input,
        make,
        run,
    };
    let parse = || Box::new(|b: &[u8]| drop(parse_feed(b, None))) as Box<dyn Fn(&[u8])>;
    vec![
        row(
            "charset",
            "undecidable high bytes",
            Box::new(undecidable_bytes),
            Box::new(|b| drop(decode_text(b, None))),
        ),
        row(
            "charset",
            "endless XML declaration",
            string(|n| wrap("<?xml version='1.0' encoding='", " ", "'?>", n)),
            Box::new(|b| drop(decode_text(b, Some("text/xml")))),
        ),
        row(
            "entities+xml",
            "stray & everywhere",
            string(|n| {
                wrap(
                    "<rss><channel><item><title>",
                    "&&&&",
                    "</title></item></channel></rss>",
                    n,
                )
            }),
            parse(),
        ),
        row(
            "entities+xml",
            "HTML entities",
            string(|n| {
                wrap(
                    "<rss><channel><item><title>",
                    "&nGt;&nbsp;",
                    "</title></item></channel></rss>",
                    n,
                )
            }),
            parse(),
        ),
        row(
            "entities+xml",
            "DTD entity 200k refs",
            string(|n| {
                let head = format!(
                    "<!DOCTYPE rss [<!ENTITY e \"{}\">]><rss><channel><item><title>",
                    "x".repeat(1000)
                );
                wrap(&head, "&e;", "</title></item></channel></rss>", n)
            }),
            parse(),
        ),
        row(
            "entities+xml",
            "unclosed comments",
            string(|n| wrap("<rss><channel>", "<!-", "", n)),
            parse(),
        ),
        row(
            "entities+xml",
            "CDATA flood",
            string(|n| {
                wrap(
                    "<rss><channel><item><description>",
                    "<![CDATA[<b>]]>",
                    "</description></item></channel></rss>",
                    n,
                )
            }),
            parse(),
        ),
        row(
            "entities+xml",
            "deep nesting",
            string(|n| {
                wrap(
                    "<rss><channel><item><title>",
                    "<b>",
                    "</title></item></channel></rss>",
                    n,
                )
            }),
            parse(),
        ),
        row(
            "entities+xml",
            "tiny elements",
            string(|n| wrap("<rss><channel>", "<item/>", "</channel></rss>", n)),
            parse(),
        ),
        row(
            "entities+xml",
            "huge attribute",
            string(|n| {
                wrap(
                    "<rss><channel><item><link href=\"",
                    "a",
                    "\"/></item></channel></rss>",
                    n,
                )
            }),
            parse(),
        ),
        row(
            "entities+xml",
            "many attributes",
            string(|n| wrap("<rss><channel><item ", "a=\"\" ", "/></channel></rss>", n)),
            parse(),
        ),
        row(
            "entities+xml",
            "many namespaces",
            string(|n| {
                let decls = (0..n / 64)
                    .map(|i| format!(" xmlns:p{i}=\"u{i}\""))
                    .collect::<String>();
                let body = fill("<q:x/>", n / 2);
                format!("<rss{decls}><channel>{body}</channel></rss>")
            }),
            parse(),
        ),
        row(
            "html→text",
            "<1 pairs, one >",
            string(|n| wrap("", "<1", ">", n)),
            text(|t| drop(html_to_text(t))),
        ),
        row(
            "html→text",
            "unclosed tags",
            string(|n| fill("<a", n)),
            text(|t| drop(html_to_text(t))),
        ),
        row(
            "html→text",
            "unclosed scripts",
            string(|n| fill("<script>x", n)),
            text(|t| drop(html_to_text(t))),
        ),
        row(
            "html→text",
            "unclosed comments",
            string(|n| fill("<!--", n)),
            text(|t| drop(html_to_text(t))),
        ),
        row(
            "html→text",
            "entity flood",
            string(|n| fill("&amp;&#x41;&bogus", n)),
            text(|t| drop(html_to_text(t))),
        ),
        row(
            "nfc",
            "combining-mark runs",
            string(combining_runs),
            text(|t| drop(nfc(t))),
        ),
        row(
            "sanitise",
            "deep <div> nesting",
            string(|n| fill("<div>", n)),
            text(move |t| drop(sanitize_html(t, Some(base)))),
        ),
        row(
            "sanitise",
            "formatting elements",
            string(|n| {
                (0..)
                    .map(|i| format!("<b id={i}>"))
                    .scan(0, |len, s| {
                        *len += s.len();
                        (*len < n).then_some(s)
                    })
                    .collect()
            }),
            text(move |t| drop(sanitize_html(t, Some(base)))),
        ),
        row(
            "sanitise",
            "misnested <a><p>",
            string(|n| fill("<a href=x><p>", n)),
            text(move |t| drop(sanitize_html(t, Some(base)))),
        ),
        row(
            "sanitise",
            "nested tables",
            string(|n| fill("<table><tr><td>", n)),
            text(move |t| drop(sanitize_html(t, Some(base)))),
        ),
        row(
            "sanitise",
            "tiny paragraphs",
            string(|n| fill("<p>क</p>", n)),
            text(move |t| drop(sanitize_html(t, Some(base)))),
        ),
        row(
            "full text",
            "deep <div> nesting",
            string(|n| wrap("<html><body>", "<div>", "</body></html>", n)),
            text(move |t| drop(extract(t, Some(base)))),
        ),
        row(
            "full text",
            "tiny paragraphs",
            string(|n| {
                wrap(
                    "<html><body><article>",
                    "<p>क ख</p>",
                    "</article></body></html>",
                    n,
                )
            }),
            text(move |t| drop(extract(t, Some(base)))),
        ),
        row(
            "fold",
            "combining-mark runs",
            string(combining_runs),
            text(|t| drop(normalize_text(t))),
        ),
        row(
            "fold",
            "one giant word",
            string(|n| fill("ख", n)),
            text(|t| drop(normalize_text(t))),
        ),
        row(
            "tag",
            "one giant word",
            string(|n| fill("ख", n)),
            text(move |t| drop(tag_item_text(tagger, "t", None, t, &[]))),
        ),
        row(
            "tag",
            "terms everywhere",
            string(|n| fill("रूस उत्तर कोरिया Russia DPRK. ", n)),
            text(move |t| drop(tag_item_text(tagger, "t", None, t, &[]))),
        ),
        row(
            "sign",
            "terms everywhere",
            string(|n| fill("रूस उत्तर कोरिया पुतिन किम ", n)),
            text(move |t| drop(finder.text_signature("t", None, t))),
        ),
        row(
            "sign",
            "one giant word",
            string(|n| fill("ख", n)),
            text(move |t| drop(finder.text_signature("t", None, t))),
        ),
        row(
            "ingest",
            "description: <1 pairs",
            string(|n| rss_with_description(&wrap("", "&lt;1", "&gt;", n))),
            Box::new(khabar::fuzzing::ingest_body),
        ),
        row(
            "ingest",
            "description: entities",
            string(|n| rss_with_description(&fill("&lt;b&gt;&amp;nbsp;रूस&nGt;", n))),
            Box::new(khabar::fuzzing::ingest_body),
        ),
        row(
            "ingest",
            "description: nesting",
            string(|n| rss_with_description(&fill("&lt;div&gt;&lt;b id=1&gt;", n))),
            Box::new(khabar::fuzzing::ingest_body),
        ),
        row(
            "ingest",
            "250,000 tiny items",
            string(|n| {
                let items: String = (0..)
                    .map(|i| format!("<item><guid>{i}</guid></item>"))
                    .scan(0, |len, s| {
                        *len += s.len();
                        (*len < n).then_some(s)
                    })
                    .collect();
                format!("<rss><channel>{items}</channel></rss>")
            }),
            Box::new(khabar::fuzzing::ingest_body),
        ),
    ]
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Peak resident memory of this process so far, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// Set in the child process that serves the hostile feeds.
const SERVER_ENV: &str = "KHABAR_HOSTILE_FEED_SERVER";
/// Feeds in the memory pass: the default `fetch.concurrency`.
const PASS_FEEDS: usize = 32;

/// The memory pass's documents, about 10 MiB each (under the body cap).
fn pass_document(n: usize) -> String {
    let size = 19 * MIB / 2;
    match n % 4 {
        0 => rss_with_description(&wrap("", "&lt;1", "&gt;", size)),
        1 => rss_with_description(&fill("&lt;b&gt;&amp;nbsp;रूस&nGt;", size)),
        2 => rss_with_description(&fill("&lt;div&gt;&lt;b id=1&gt;", size)),
        _ => {
            let items: String = (0..)
                .map(|i| format!("<item><guid>{n}-{i}</guid></item>"))
                .scan(0, |len, s| {
                    *len += s.len();
                    (*len < size).then_some(s)
                })
                .collect();
            format!("<rss><channel>{items}</channel></rss>")
        }
    }
}

/// The child: serves the pass's feeds at /N on a free port, prints the port.
fn run_feed_server() {
    use axum::extract::{Path, State};
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let bodies: std::sync::Arc<Vec<bytes::Bytes>> = std::sync::Arc::new(
        (0..PASS_FEEDS)
            .map(|n| bytes::Bytes::from(pass_document(n)))
            .collect(),
    );
    let app =
        axum::Router::new()
            .route(
                "/{n}",
                axum::routing::get(
                    |State(bodies): State<std::sync::Arc<Vec<bytes::Bytes>>>,
                     Path(n): Path<usize>| async move {
                        (
                            [(axum::http::header::CONTENT_TYPE, "application/rss+xml")],
                            bodies[n % PASS_FEEDS].clone(),
                        )
                    },
                ),
            )
            .with_state(bodies);
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    println!("{}", listener.local_addr().expect("addr"));
    runtime
        .block_on(async move { axum::serve(listener, app).await })
        .expect("serve");
}

/// One polling pass over [`PASS_FEEDS`] hostile feeds; prints peak memory.
fn memory_pass() {
    use std::io::BufRead;
    use std::sync::Arc;
    let mut server = std::process::Command::new(std::env::current_exe().expect("own path"))
        .env(SERVER_ENV, "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("feed server starts");
    let mut addr = String::new();
    std::io::BufReader::new(server.stdout.take().expect("piped"))
        .read_line(&mut addr)
        .expect("address");
    let addr = addr.trim();
    let runtime = khabar::startup::runtime().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("hostile.db");
    // Defaults, but every feed is on one host: per_host as high as concurrency.
    let config = khabar::config::Config::from_toml(
        &format!(
            "[database]\npath = {:?}\n[fetch]\nper_host = 32\ntimeout = \"120s\"\n\
             allow_private = [\"127.0.0.1/32\"]\n",
            db.display().to_string()
        ),
        None,
    )
    .expect("config");
    let store = khabar::store::Store::open(&db).expect("store");
    for n in 0..PASS_FEEDS {
        store
            .add_feed(
                &khabar::model::FeedUrl::parse(&format!("http://{addr}/{n}")).expect("url"),
                khabar::store::FeedOrigin::Cli,
            )
            .expect("add feed");
    }
    let poller = Arc::new(
        khabar::scheduler::Poller::new(
            &config.fetch,
            config.schedule,
            db.clone(),
            config.tagger.clone(),
        )
        .expect("poller"),
    );
    let before = peak_rss_mib().unwrap_or(0);
    let started = Instant::now();
    let feeds = store.due_feeds(chrono::Utc::now(), true).expect("feeds");
    let summary = runtime
        .block_on(khabar::scheduler::poll_pass(poller, feeds, None))
        .expect("pass");
    let took = started.elapsed().as_secs_f64();
    let _ = server.kill();
    let _ = server.wait();
    let peak = peak_rss_mib().unwrap_or(0);
    let budget = (config.fetch.concurrency as u64 * config.fetch.max_body_bytes) >> 20;
    println!("pass over {PASS_FEEDS} hostile feeds of ~9.5 MiB: {took:.1} s, {summary}");
    // A pass whose fetches were all refused (the fetch guard, without the
    // allowance above) would measure nothing.
    assert!(summary.ok > 0, "no hostile feed was fetched: {summary}");
    println!(
        "peak RSS {peak} MiB (before the pass {before} MiB); concurrency × max_body_bytes = {budget} MiB; ratio {:.2}",
        peak as f64 / budget as f64
    );
}

fn main() {
    if std::env::var_os(SERVER_ENV).is_some() {
        return run_feed_server();
    }
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.as_deref() == Some("pass") {
        return memory_pass();
    }
    println!("| stage | hostile input | 1 MiB | 4 MiB | 10 MiB | 10 MiB ÷ 1 MiB |");
    println!("|---|---|---:|---:|---:|---:|");
    for row in rows() {
        let name = format!("{} {}", row.stage, row.input);
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let mut times = Vec::new();
        for size in SIZES {
            let input = (row.make)(size);
            let started = Instant::now();
            (row.run)(&input);
            let took = seconds(started.elapsed());
            times.push(took);
            if took > GIVE_UP_SECS {
                break;
            }
        }
        let cell = |i: usize| times.get(i).map_or("—".to_owned(), |t| format!("{t:.3} s"));
        let ratio = match (times.first(), times.get(2)) {
            (Some(one), Some(ten)) => format!("{:.1}", ten / one.max(1e-6)),
            _ => "gave up".to_owned(),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            row.stage,
            row.input,
            cell(0),
            cell(1),
            cell(2),
            ratio
        );
    }
    if let Some(peak) = peak_rss_mib() {
        println!("\npeak RSS of the bench process: {peak} MiB");
    }
}
