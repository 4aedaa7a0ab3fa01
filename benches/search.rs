//! Search latency over 100,000 items (issue #17): `cargo bench --bench search`.
//!
//! Writes 100,000 synthetic items (60 words each from a Zipf-distributed
//! Devanagari vocabulary, three names in each; a quarter of them English
//! with Latin-script names; one in ten tagged with the built-in topic)
//! through `Store::write_polls`, which indexes them as a poll does, groups
//! them into stories of five outlets' reports (half of the stories with one
//! tagged member, so that `topic:` must look at story mates), then
//! runs a mix of queries — names in either script, phrases, OR, NOT,
//! prefixes, `topic:`, `outlet:`, `since:`, a very common word — each many
//! times, timing `Search::results` (page 1: match, rank, group, snippets)
//! and printing p50/p99/max of wall time and of the thread's CPU time per
//! query and over all, with the load average before and after.
//!
//! `KHABAR_SEARCH_BENCH_DB=PATH` keeps the database at PATH and reuses it
//! when it is already there (delete it to write it again), so that two
//! builds can be timed in turns on the same data.
//!
//! Target (issue #17): p99 < 50 ms.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use khabar::model::{FeedUrl, ItemKey, NewItem, NormalizedFeed, TopicHit, TopicSlug};
use khabar::search::{Context, PageRequest, Search};
use khabar::store::{AddFeed, FeedOrigin, FeedState, PollRecord, PollResult, Store, StoryJoin};

const ITEMS: usize = 100_000;
const WORDS: usize = 60;
const VOCABULARY: usize = 30_000;
const OUTLETS: usize = 20;
const ITEMS_PER_POLL: usize = 50;
const POLLS_PER_BATCH: usize = 64;
const RUNS: usize = 40;
/// One item in this many is tagged with [`TOPIC`].
const TAGGED_EVERY: usize = 10;
/// Reports per story, from as many consecutive polls (outlets).
const STORY_SIZE: usize = 5;
const TOPIC: &str = "russia-north-korea";

const HINDI_NAMES: [&str; 8] = [
    "पुतिन",
    "लावरोव",
    "शोइगू",
    "वोनसान",
    "कुर्स्क",
    "बेलौसोव",
    "प्योंगयांग",
    "पेस्कोव",
];
const LATIN_NAMES: [&str; 8] = [
    "Putin",
    "Lavrov",
    "Shoigu",
    "Wonsan",
    "Kursk",
    "Belousov",
    "Pyongyang",
    "Peskov",
];
const ENGLISH: [&str; 16] = [
    "the", "minister", "said", "talks", "military", "support", "war", "visit", "army", "leader",
    "meeting", "border", "troops", "deal", "summit", "report",
];

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

/// A pronounceable Devanagari word per index.
fn vocabulary() -> Vec<String> {
    let cons = [
        "क", "ख", "ग", "च", "ज", "ट", "ड", "त", "द", "न", "प", "ब", "म", "य", "र", "ल", "व", "स",
        "ह",
    ];
    let vowels = ["", "ा", "ि", "ी", "ु", "ू", "े", "ो", "ं"];
    (0..VOCABULARY)
        .map(|mut i| {
            let mut w = String::new();
            for _ in 0..3 {
                w.push_str(cons[i % cons.len()]);
                i /= cons.len();
                w.push_str(vowels[i % vowels.len()]);
                i /= vowels.len();
            }
            w
        })
        .collect()
}

fn text(rng: &mut Rng, vocab: &[String], english: bool) -> String {
    let mut words: Vec<&str> = (0..WORDS)
        .map(|_| {
            if english {
                ENGLISH[rng.zipf(ENGLISH.len())]
            } else {
                vocab[rng.zipf(vocab.len())].as_str()
            }
        })
        .collect();
    let names = if english { &LATIN_NAMES } else { &HINDI_NAMES };
    for _ in 0..3 {
        words[rng.below(WORDS)] = names[rng.below(names.len())];
    }
    words.join(" ")
}

fn item(i: usize, text: &str, start: DateTime<Utc>) -> NewItem {
    let (title, summary) = text.split_at(text.char_indices().nth(60).map_or(0, |(b, _)| b));
    NewItem {
        key: ItemKey::Guid(format!("item-{i}")),
        guid: Some(format!("item-{i}")),
        link: Some(format!("https://o.example/{i}")),
        title: title.to_string(),
        summary: Some(summary.to_string()),
        content: None,
        authors: vec![],
        categories: vec![],
        published: Some(start + chrono::Duration::seconds(i as i64 * 20)),
        updated: None,
        content_hash: format!("h{i}"),
        media: Default::default(),
    }
}

fn poll(
    feed_id: i64,
    at: DateTime<Utc>,
    items: Vec<NewItem>,
    tags: Vec<Vec<TopicHit>>,
) -> PollRecord {
    PollRecord {
        feed_id,
        at,
        duration: Duration::ZERO,
        result: PollResult::Fetched {
            http_status: 200,
            bytes: 0,
            feed: NormalizedFeed {
                items,
                ..Default::default()
            },
            tags,
            signatures: vec![],
            index: vec![],
            etag: None,
            last_modified: None,
            moved_to: None,
            outlet_pages: Default::default(),
        },
        next: FeedState {
            next_due: at,
            error_count: 0,
            hint: None,
            cadence: None,
        },
    }
}

#[path = "common/cpu.rs"]
mod cpu;
use cpu::thread_cpu;

/// The 1, 5 and 15 minute load averages, as `/proc/loadavg` has them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn main() {
    let mut rng = Rng(0x5EA2_C4F0_0000_0017);
    let vocab = vocabulary();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = std::env::var_os("KHABAR_SEARCH_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("search-bench.db"));
    let reuse = path.exists();
    let mut store = Store::open(&path).expect("open the bench database");
    let start = DateTime::from_timestamp(1_750_000_000, 0).unwrap_or_default();
    if reuse {
        println!("reusing {}", path.display());
    } else {
        write_items(&mut store, &mut rng, &vocab, start);
    }
    let db_mb = std::fs::metadata(&path).map_or(0, |m| m.len()) as f64 / 1e6;
    println!("database {db_mb:.0} MB; load average {}", load_average());
    run_queries(&store, &vocab, start);
    println!("load average after: {}", load_average());
}

/// Writes [`ITEMS`] items through the writer, as polls do.
fn write_items(store: &mut Store, rng: &mut Rng, vocab: &[String], start: DateTime<Utc>) {
    let feeds: Vec<i64> = (0..OUTLETS)
        .map(|i| {
            match store
                .add_feed(
                    &FeedUrl::parse(&format!("https://o{i}.example/rss")).unwrap(),
                    FeedOrigin::Cli,
                )
                .expect("add feed")
            {
                AddFeed::Added(id) | AddFeed::Exists(id) => id,
            }
        })
        .collect();
    let topic = TopicHit {
        slug: TopicSlug::parse(TOPIC).expect("a valid slug"),
        why: vec![],
        matches: vec![],
    };
    let t = Instant::now();
    let mut written = 0;
    while written < ITEMS {
        let mut batch = Vec::with_capacity(POLLS_PER_BATCH);
        while batch.len() < POLLS_PER_BATCH && written < ITEMS {
            let n = ITEMS_PER_POLL.min(ITEMS - written);
            let items = (written..written + n)
                .map(|i| item(i, &text(rng, vocab, i % 4 == 0), start))
                .collect();
            let tags = (written..written + n)
                .map(|i| match i % TAGGED_EVERY {
                    0 => vec![topic.clone()],
                    _ => vec![],
                })
                .collect();
            let at = start + chrono::Duration::seconds((written + n) as i64 * 20);
            batch.push(poll(feeds[batch.len() % OUTLETS], at, items, tags));
            written += n;
        }
        store.write_polls(&batch).expect("write a batch");
    }
    println!(
        "wrote and indexed {ITEMS} items in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    group_items(store);
}

/// Groups the items into stories of [`STORY_SIZE`] reports: one from each
/// of that many consecutive polls, each poll's item shifted by one, so that
/// a story holds one tagged item or none. Item ids follow the order written
/// (a fresh database numbers them from 1).
fn group_items(store: &mut Store) {
    let block = STORY_SIZE * ITEMS_PER_POLL;
    let joins: Vec<StoryJoin> = (0..ITEMS / block)
        .flat_map(|b| {
            (0..ITEMS_PER_POLL).flat_map(move |j| {
                (0..STORY_SIZE).map(move |m| StoryJoin {
                    item_id: (b * block + m * ITEMS_PER_POLL + (j + m) % ITEMS_PER_POLL + 1) as i64,
                    story: (b * ITEMS_PER_POLL + j) as i64,
                    reason: "bench".into(),
                    signature: None,
                })
            })
        })
        .collect();
    store.record_story_joins(&joins).expect("group the items");
    println!(
        "grouped into {} stories of {STORY_SIZE}",
        store.count_stories().expect("count stories")
    );
}

/// Runs each query [`RUNS`] times and prints its latency.
fn run_queries(store: &Store, vocab: &[String], start: DateTime<Utc>) {
    let common = vocab[0].clone();
    let queries = [
        "लावरोव".to_string(),
        "Lavrov".to_string(),
        "प्योंगयांग".to_string(),
        "\"Putin said\"".to_string(),
        "शोइगू OR Belousov".to_string(),
        "वोनसान -कुर्स्क".to_string(),
        "लाव*".to_string(),
        "Kursk since:2025-06-20".to_string(),
        "पेस्कोव outlet:o3.example".to_string(),
        "outlet:o7.example".to_string(),
        "Lavrov topic:russia-north-korea".to_string(),
        "topic:russia-north-korea since:2025-06-20".to_string(),
        common,
    ];
    let now = start + chrono::Duration::seconds(ITEMS as i64 * 20);
    let mut all = Vec::new();
    let mut all_cpu = Vec::new();
    println!(
        "{:<40} {:>7}  {:>23}  {:>23}",
        "query", "stories", "wall p50 / p99 / max ms", "cpu p50 / p99 / max ms"
    );
    for q in &queries {
        let cx = Context {
            topics: &[TOPIC],
            now,
        };
        let search = Search::parse(q, cx).expect("query parses");
        let mut times = Vec::with_capacity(RUNS);
        let mut cpu = Vec::with_capacity(RUNS);
        let mut total = 0;
        for _ in 0..RUNS {
            let (t, c) = (Instant::now(), thread_cpu());
            let results = search
                .results(store, PageRequest::default(), now)
                .expect("search runs");
            times.push(t.elapsed());
            cpu.push(thread_cpu().saturating_sub(c));
            total = results.total;
        }
        times.sort();
        cpu.sort();
        println!(
            "{:<40} {total:>7}  {:>7.2} {:>7.2} {:>7.2}  {:>7.2} {:>7.2} {:>7.2}",
            q,
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(times.last().copied().unwrap_or_default()),
            ms(percentile(&cpu, 0.5)),
            ms(percentile(&cpu, 0.99)),
            ms(cpu.last().copied().unwrap_or_default()),
        );
        all.extend(times);
        all_cpu.extend(cpu);
    }
    all.sort();
    all_cpu.sort();
    println!(
        "all {} searches over {ITEMS} items: wall p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
         cpu p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        all.len(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        ms(all.last().copied().unwrap_or_default()),
        ms(percentile(&all_cpu, 0.5)),
        ms(percentile(&all_cpu, 0.99)),
        ms(all_cpu.last().copied().unwrap_or_default()),
    );
}
