//! Search latency over 100,000 items (issue #17): `cargo bench --bench search`.
//!
//! Writes 100,000 synthetic items (60 words each from a Zipf-distributed
//! Devanagari vocabulary, three names in each; a quarter of them English
//! with Latin-script names) through `Store::write_polls`, which indexes them
//! as a poll does, then runs a mix of queries — names in either script,
//! phrases, OR, NOT, prefixes, filters, a very common word — each many
//! times, timing `Search::results` (page 1: match, rank, group, snippets)
//! and printing p50/p99/max per query and over all.
//!
//! Target (issue #17): p99 < 50 ms.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use khabar::model::{FeedUrl, ItemKey, NewItem, NormalizedFeed};
use khabar::search::{Context, PageRequest, Search};
use khabar::store::{AddFeed, FeedOrigin, FeedState, PollRecord, PollResult, Store};

const ITEMS: usize = 100_000;
const WORDS: usize = 60;
const VOCABULARY: usize = 30_000;
const OUTLETS: usize = 20;
const ITEMS_PER_POLL: usize = 50;
const POLLS_PER_BATCH: usize = 64;
const RUNS: usize = 40;

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

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Roughly Zipf: small indices far more often.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

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

fn poll(feed_id: i64, at: DateTime<Utc>, items: Vec<NewItem>) -> PollRecord {
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
            tags: vec![],
            signatures: vec![],
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn main() {
    let mut rng = Rng(0x5EA2_C4F0_0000_0017);
    let vocab = vocabulary();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("search-bench.db");
    let mut store = Store::open(&path).expect("open the bench database");
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
    let start = DateTime::from_timestamp(1_750_000_000, 0).unwrap_or_default();
    let t = Instant::now();
    let mut written = 0;
    while written < ITEMS {
        let mut batch = Vec::with_capacity(POLLS_PER_BATCH);
        while batch.len() < POLLS_PER_BATCH && written < ITEMS {
            let n = ITEMS_PER_POLL.min(ITEMS - written);
            let items = (written..written + n)
                .map(|i| item(i, &text(&mut rng, &vocab, i % 4 == 0), start))
                .collect();
            let at = start + chrono::Duration::seconds((written + n) as i64 * 20);
            batch.push(poll(feeds[batch.len() % OUTLETS], at, items));
            written += n;
        }
        store.write_polls(&batch).expect("write a batch");
    }
    let db_mb = std::fs::metadata(&path).map_or(0, |m| m.len()) as f64 / 1e6;
    println!(
        "wrote and indexed {ITEMS} items in {:.1} s; database {db_mb:.0} MB",
        t.elapsed().as_secs_f64()
    );
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
        common,
    ];
    let now = start + chrono::Duration::seconds(ITEMS as i64 * 20);
    let mut all = Vec::new();
    for q in &queries {
        let search = Search::parse(q, Context { topics: &[], now }).expect("query parses");
        let mut times = Vec::with_capacity(RUNS);
        let mut total = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let results = search
                .results(&store, PageRequest::default(), now)
                .expect("search runs");
            times.push(t.elapsed());
            total = results.total;
        }
        times.sort();
        println!(
            "{q:<28} {total:>6} stories  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
            times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        );
        all.extend(times);
    }
    all.sort();
    println!(
        "all {} searches over {ITEMS} items: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        all.len(),
        percentile(&all, 0.5).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}
