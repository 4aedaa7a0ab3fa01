//! Story grouping speed and memory: 100,000 synthetic Hindi items of ~60
//! words, one every 20 s (≈ 13,000 inside the 72 h window), a fifth of them
//! copies of a recent item. Two cases, one per process so that each peak
//! RSS is its own:
//!
//! - `cargo bench --bench stories`: the grouper alone, in memory;
//! - `cargo bench --bench stories -- store`: through the store, as a
//!   polling pass does it — polls of 50 items written with
//!   `Store::write_polls`, 64 polls a transaction (one pass), then
//!   `stories::assign_pending` groups the pass's items in assignment order,
//!   into a fresh SQLite file (stories, membership, signatures and all).
//!   Each poll carries its items' encoded signatures, as the parse threads
//!   compute them; that signing is timed apart (in khabar it runs in
//!   parallel, off the writer).
//!
//! Target (issue #7): ≥ 5,000 items/s, VmHWM < 200 MB.

use std::sync::Arc;
use std::time::Instant;

use khabar::model::{ItemKey, NewItem, NormalizedFeed};
use khabar::store::{AddFeed, FeedOrigin, FeedState, PollRecord, PollResult, Store};
use khabar::stories::{
    assign_pending, restore, StoryGrouper, StoryInput, TermFinder, DEFAULT_WINDOW,
};
use khabar::topics::Tagger;

const ITEMS: usize = 100_000;
const WORDS: usize = 60;
const VOCABULARY: usize = 30_000;
const SECONDS_APART: i64 = 20;

const NAMES: [&str; 12] = [
    "पुतिन",
    "किम जोंग उन",
    "लावरोव",
    "शोइगू",
    "वोनसान",
    "कुर्स्क",
    "बेलौसोव",
    "व्लादिवोस्तोक",
    "केसीएनए",
    "चो सोन हुई",
    "पेस्कोव",
    "रासोन",
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
                if i == 0 {
                    break;
                }
            }
            w
        })
        .collect()
}

fn texts(rng: &mut Rng, vocab: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ITEMS);
    for i in 0..ITEMS {
        if i > 100 && rng.below(5) == 0 {
            let copy = out[i - 1 - rng.below(100)].clone();
            out.push(format!("{copy} Source link"));
            continue;
        }
        let mut words: Vec<&str> = (0..WORDS)
            .map(|_| vocab[rng.zipf(vocab.len())].as_str())
            .collect();
        for _ in 0..3 {
            words[rng.below(WORDS)] = NAMES[rng.below(NAMES.len())];
        }
        out.push(words.join(" "));
    }
    out
}

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "VmHWM: unavailable".into())
}

/// CPU seconds used by this process (user + system), from /proc/self/stat:
/// the machine may be shared, so wall time alone can mislead.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the name; ticks of 1/100 s.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn main() {
    if std::env::args().any(|a| a == "store") {
        through_store();
    } else {
        in_memory();
    }
}

/// Items per synthetic poll (one outlet's document) in the store case.
const ITEMS_PER_POLL: usize = 50;
/// Polls per transaction, as the writer thread batches them.
const POLLS_PER_BATCH: usize = 64;
/// Outlets the polls rotate through.
const OUTLETS: usize = 100;

fn through_store() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let vocab = vocabulary();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("stories-bench.db");
    let mut store = Store::open(&path).expect("open the bench database");
    let feeds: Vec<i64> = (0..OUTLETS)
        .map(|i| {
            match store
                .add_feed(
                    &khabar::model::FeedUrl::parse(&format!("https://o{i}.example/rss")).unwrap(),
                    FeedOrigin::Cli,
                )
                .expect("add feed")
            {
                AddFeed::Added(id) | AddFeed::Exists(id) => id,
            }
        })
        .collect();
    let start = chrono::DateTime::from_timestamp(1_750_000_000, 0).unwrap_or_default();
    let finder = Arc::new(TermFinder::new(&Tagger::builtin()));
    let mut grouper = restore(&mut store, finder.clone(), DEFAULT_WINDOW).expect("restore");
    // Texts are made as they are written (copies come from the last 100),
    // so the peak RSS is the writer's, not the bench's.
    let mut recent: std::collections::VecDeque<String> = std::collections::VecDeque::new();
    let (mut written, mut busy, mut signing) =
        (0usize, std::time::Duration::ZERO, std::time::Duration::ZERO);
    let cpu = cpu_seconds();
    while written < ITEMS {
        let mut batch = Vec::with_capacity(POLLS_PER_BATCH);
        while batch.len() < POLLS_PER_BATCH && written < ITEMS {
            let n = ITEMS_PER_POLL.min(ITEMS - written);
            let items: Vec<NewItem> = (written..written + n)
                .map(|i| {
                    let text = next_text(&mut rng, &vocab, &mut recent, i);
                    synthetic_item(i, &text, start)
                })
                .collect();
            let at = start + chrono::Duration::seconds((written + n) as i64 * SECONDS_APART);
            let t = Instant::now();
            let signatures = items
                .iter()
                .map(|i| {
                    let content = i.content.as_ref().map(|c| c.as_str());
                    finder
                        .item_signature(&i.title, i.summary.as_deref(), content)
                        .encode()
                })
                .collect();
            signing += t.elapsed();
            batch.push(poll(feeds[batch.len() % OUTLETS], at, items, signatures));
            written += n;
        }
        let t = Instant::now();
        store.write_polls(&batch).expect("write a batch");
        assign_pending(&mut store, &mut grouper).expect("group the batch");
        busy += t.elapsed();
    }
    let cpu = cpu_seconds() - cpu;
    let secs = busy.as_secs_f64();
    let stories = store.count_stories().expect("count stories");
    let db_bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "stories through the store: {ITEMS} items in {secs:.2} s of writes = {:.0} items/s \
         (whole process CPU {cpu:.2} s = {:.0} items/CPU-s); signing apart, as the parse \
         threads do: {:.2} s = {:.0} items/s on one thread; {stories} stories; window {} items; \
         database {:.1} MB; {}",
        ITEMS as f64 / secs,
        ITEMS as f64 / cpu.max(1e-9),
        signing.as_secs_f64(),
        ITEMS as f64 / signing.as_secs_f64().max(1e-9),
        grouper.window_len(),
        db_bytes as f64 / 1e6,
        vm_hwm()
    );
}

/// Text `i` of the same stream `texts` makes, keeping only the last 101.
fn next_text(
    rng: &mut Rng,
    vocab: &[String],
    recent: &mut std::collections::VecDeque<String>,
    i: usize,
) -> String {
    let text = if i > 100 && rng.below(5) == 0 {
        let back = 1 + rng.below(100);
        format!("{} Source link", recent[recent.len() - back])
    } else {
        let mut words: Vec<&str> = (0..WORDS)
            .map(|_| vocab[rng.zipf(vocab.len())].as_str())
            .collect();
        for _ in 0..3 {
            words[rng.below(WORDS)] = NAMES[rng.below(NAMES.len())];
        }
        words.join(" ")
    };
    recent.push_back(text.clone());
    if recent.len() > 101 {
        recent.pop_front();
    }
    text
}

fn synthetic_item(i: usize, text: &str, start: chrono::DateTime<chrono::Utc>) -> NewItem {
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
        published: Some(start + chrono::Duration::seconds(i as i64 * SECONDS_APART)),
        updated: None,
        content_hash: format!("h{i}"),
        media: Default::default(),
    }
}

fn poll(
    feed_id: i64,
    at: chrono::DateTime<chrono::Utc>,
    items: Vec<NewItem>,
    signatures: Vec<Vec<u8>>,
) -> PollRecord {
    PollRecord {
        feed_id,
        at,
        duration: std::time::Duration::ZERO,
        result: PollResult::Fetched {
            http_status: 200,
            bytes: 0,
            feed: NormalizedFeed {
                items,
                ..Default::default()
            },
            tags: vec![],
            signatures,
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

fn in_memory() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let vocab = vocabulary();
    let texts = texts(&mut rng, &vocab);
    let keys: Vec<String> = (0..ITEMS).map(|i| format!("item-{i}")).collect();
    let outlets: Vec<String> = (0..OUTLETS).map(|i| format!("o{i}")).collect();
    let start = chrono::DateTime::from_timestamp(1_750_000_000, 0).unwrap_or_default();
    let mut grouper = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
    let (mut stories, mut joined) = (0u64, 0usize);
    let t = Instant::now();
    let cpu = cpu_seconds();
    for (i, text) in texts.iter().enumerate() {
        let (title, summary) = text.split_at(text.char_indices().nth(60).map_or(0, |(b, _)| b));
        let item = StoryInput {
            key: &keys[i],
            outlet: &outlets[i % OUTLETS],
            title,
            summary,
            content: "",
            at: start + chrono::Duration::seconds(i as i64 * SECONDS_APART),
        };
        let a = grouper.assign(&item);
        stories = stories.max(a.story + 1);
        joined += usize::from(!a.new_story);
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    if std::env::var_os("SIG_ONLY").is_some() {
        let t2 = Instant::now();
        let mut n = 0usize;
        for (i, text) in texts.iter().enumerate() {
            let item = StoryInput {
                key: &keys[i],
                outlet: "s",
                title: text,
                summary: "",
                content: "",
                at: start,
            };
            n += grouper.signature(&item).terms.len();
        }
        println!("signatures only: {:.2} s ({n})", t2.elapsed().as_secs_f64());
    }
    println!(
        "stories: {ITEMS} items in {secs:.2} s = {:.0} items/s (CPU {cpu:.2} s = {:.0} items/CPU-s); {stories} stories, {joined} joined; window {} items; {}",
        ITEMS as f64 / secs,
        ITEMS as f64 / cpu.max(1e-9),
        grouper.window_len(),
        vm_hwm()
    );
}
