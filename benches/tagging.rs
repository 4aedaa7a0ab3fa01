//! Tagging throughput: 100 topics of 50 terms each (plus the built-in topic),
//! over the seed articles, on one core. Run: `cargo bench --bench tagging`.
//! Prints MB/s of folded text; the target is at least 50 MB/s.

use std::collections::BTreeMap;
use std::time::Instant;

use khabar::topics::{normalize_text, TagInput, Tagger, TermGroupDef, TopicDef};

const TOPICS: usize = 100;
const TERMS_PER_TOPIC: usize = 50;
const ROUNDS: usize = 50;

/// A made-up word from a seed: Devanagari for even seeds, Latin for odd.
fn word(seed: usize) -> String {
    const HI: [&str; 12] = [
        "क", "रा", "मो", "ति", "सं", "ली", "पु", "गे", "दो", "नू", "वि", "शा",
    ];
    const EN: [&str; 12] = [
        "ka", "ro", "mi", "tan", "vel", "os", "dri", "um", "pe", "sar", "lo", "ga",
    ];
    let parts = if seed.is_multiple_of(2) { HI } else { EN };
    (0..3)
        .map(|i| parts[(seed / 12usize.pow(i)) % 12])
        .collect()
}

fn synthetic() -> Tagger {
    let mut groups = BTreeMap::new();
    let mut topics = Vec::new();
    for t in 0..TOPICS {
        let terms = (0..TERMS_PER_TOPIC)
            .map(|i| word(t * TERMS_PER_TOPIC + i + 7))
            .collect();
        let suffixes = vec!["ी".to_string(), "-s".to_string()];
        groups.insert(
            format!("g{t}"),
            TermGroupDef {
                terms,
                suffixes,
                ..TermGroupDef::default()
            },
        );
        let rule = format!(
            "rule = {{ all = [\"g{t}\", \"g{}\"], within = \"sentence\" }}",
            (t + 1) % TOPICS
        );
        let def: TopicDef = toml::from_str(&format!("slug = \"t{t}\"\nname = \"T{t}\"\n{rule}"))
            .expect("bench topic parses");
        topics.push(def);
    }
    Tagger::compile(&groups, &topics).expect("bench topics compile")
}

fn seeds() -> Vec<String> {
    let dir = std::env::var("KHABAR_SEEDS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/topics/seeds").to_owned()
    });
    let texts: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    assert!(!texts.is_empty(), "no seed texts in {dir}");
    texts
}

fn run(name: &str, tagger: &Tagger, texts: &[String]) {
    let bytes: usize = texts.iter().map(|t| normalize_text(t).len()).sum();
    let start = Instant::now();
    let mut hits = 0;
    for _ in 0..ROUNDS {
        for text in texts {
            hits += tagger
                .tag(&TagInput {
                    content: text,
                    ..TagInput::default()
                })
                .len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let mb = (bytes * ROUNDS) as f64 / 1e6;
    println!(
        "{name}: {mb:.1} MB folded text in {secs:.3}s = {:.1} MB/s ({hits} topic hits)",
        mb / secs
    );
}

fn main() {
    let texts = seeds();
    let built = Instant::now();
    let tagger = synthetic();
    println!(
        "compiled {TOPICS} topics x {TERMS_PER_TOPIC} terms in {:.3}s",
        built.elapsed().as_secs_f64()
    );
    run("synthetic 100x50 + seeds", &tagger, &texts);
    run("built-in topic + seeds", &Tagger::builtin(), &texts);
}
