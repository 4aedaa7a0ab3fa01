//! Story grouping speed and memory: 100,000 synthetic Hindi items of ~60
//! words, one every 20 s (≈ 13,000 inside the 72 h window), a fifth of them
//! copies of a recent item. Run: `cargo bench --bench stories`.
//! Target (issue #7): ≥ 5,000 items/s, VmHWM < 200 MB.

use std::sync::Arc;
use std::time::Instant;

use khabar::stories::{StoryGrouper, StoryInput, DEFAULT_WINDOW};
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
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let vocab = vocabulary();
    let texts = texts(&mut rng, &vocab);
    let keys: Vec<String> = (0..ITEMS).map(|i| format!("item-{i}")).collect();
    let start = chrono::DateTime::from_timestamp(1_750_000_000, 0).unwrap_or_default();
    let mut grouper = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
    let (mut stories, mut joined) = (0u64, 0usize);
    let t = Instant::now();
    let cpu = cpu_seconds();
    for (i, text) in texts.iter().enumerate() {
        let (title, summary) = text.split_at(text.char_indices().nth(60).map_or(0, |(b, _)| b));
        let item = StoryInput {
            key: &keys[i],
            outlet: "synthetic",
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
            n += grouper.signature(&item).words.len();
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
