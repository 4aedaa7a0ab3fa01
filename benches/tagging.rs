//! Tagging throughput on one core: 100 topics of 50 terms each, with the
//! built-in term groups and gazetteer (about 7,000 place spellings) compiled
//! in beside them, and with the built-in topic evaluated too, over the seed
//! articles (`tests/fixtures/topics/seeds`). The "before" cases match every
//! pattern through one Aho-Corasick automaton, as khabar did before the word
//! index, in the same binary and under the same load.
//! Run: `cargo bench --bench tagging`. Prints MB/s of folded text by wall
//! time and by the thread's CPU time (steadier on a shared machine); the
//! target is at least 50 MB/s. Also: the built-in topic alone, with and
//! without the gazetteer, and the translit skeleton's speed.
//! `KHABAR_BENCH_CASE=gazetteer` runs only the cases whose name contains it.

use std::collections::BTreeMap;
use std::time::Instant;

use khabar::topics::{normalize_text, TagInput, Tagger, TermGroupDef, TopicDef, TopicsConfig};
use khabar::translit::skeleton;

const TOPICS: usize = 100;
const TERMS_PER_TOPIC: usize = 50;
const ROUNDS: usize = 200;

/// The built-in topics' source, to rebuild them with extra topics.
const DEFAULT_TOML: &str = include_str!("../src/topics/default.toml");

#[path = "common/cpu.rs"]
mod cpu;
use cpu::thread_cpu;

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

fn builtin_config() -> TopicsConfig {
    toml::from_str(DEFAULT_TOML).expect("default.toml parses")
}

/// What goes into the automaton besides the 100 synthetic topics.
#[derive(Clone, Copy, PartialEq)]
enum Extra {
    Nothing,
    /// The built-in term groups, gazetteer included (compiled, not a topic).
    Groups,
    /// The built-in groups and topic.
    Topic,
}

/// 100 synthetic topics, and the built-in groups or topic in the same
/// automaton.
fn synthetic(extra: Extra) -> Tagger {
    let builtin = builtin_config();
    let mut term_groups = BTreeMap::new();
    let mut topics = Vec::new();
    if extra != Extra::Nothing {
        term_groups = builtin.term_groups;
    }
    if extra == Extra::Topic {
        topics = builtin.topics;
    }
    for t in 0..TOPICS {
        let terms = (0..TERMS_PER_TOPIC)
            .map(|i| word(t * TERMS_PER_TOPIC + i + 7))
            .collect();
        let suffixes = vec!["ी".to_string(), "-s".to_string()];
        term_groups.insert(
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
    Tagger::compile(&term_groups, &topics).expect("bench topics compile")
}

/// The built-in topic with its gazetteer groups emptied of places.
fn without_gazetteer() -> Tagger {
    let mut cfg = builtin_config();
    let mut groups: BTreeMap<String, TermGroupDef> = cfg.term_groups;
    for def in groups.values_mut() {
        if def.gazetteer.take().is_some() {
            def.terms = vec!["zzzz-no-place".to_string()];
        }
    }
    cfg.term_groups = groups;
    Tagger::compile(&cfg.term_groups, &cfg.topics).expect("built-in topics compile")
}

fn seeds() -> Vec<String> {
    let dir = std::env::var("KHABAR_SEEDS")
        .unwrap_or_else(|_| format!("{}/tests/fixtures/topics/seeds", env!("CARGO_MANIFEST_DIR")));
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    paths.sort();
    let texts: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    assert!(!texts.is_empty(), "no seed articles in {dir}");
    texts
}

fn run(name: &str, tagger: &Tagger, texts: &[String]) {
    if !selected(name) {
        return;
    }
    let bytes: usize = texts.iter().map(|t| normalize_text(t).len()).sum();
    let (start, cpu) = (Instant::now(), thread_cpu());
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
    let (wall, cpu) = (
        start.elapsed().as_secs_f64(),
        (thread_cpu() - cpu).as_secs_f64(),
    );
    let mb = (bytes * ROUNDS) as f64 / 1e6;
    println!(
        "{name}: {mb:.1} MB folded text; wall {wall:.3}s = {:.1} MB/s; CPU {cpu:.3}s = {:.1} MB/s ({hits} topic hits)",
        mb / wall,
        mb / cpu
    );
}

/// `KHABAR_BENCH_CASE=text` runs only the cases whose name contains it (to
/// count one case's cycles with `perf stat`).
fn selected(name: &str) -> bool {
    std::env::var("KHABAR_BENCH_CASE").map_or(true, |c| name.contains(&c))
}

fn skeletons(texts: &[String]) {
    if !selected("translit::skeleton") {
        return;
    }
    let words: Vec<&str> = texts.iter().flat_map(|t| t.split_whitespace()).collect();
    let cpu = thread_cpu();
    let mut total = 0;
    for _ in 0..ROUNDS {
        total += words.iter().map(|w| skeleton(w).len()).sum::<usize>();
    }
    let secs = (thread_cpu() - cpu).as_secs_f64();
    let n = words.len() * ROUNDS;
    println!(
        "translit::skeleton: {n} words in {secs:.3}s CPU = {:.1} M words/s ({total} letters)",
        n as f64 / secs / 1e6
    );
}

/// The same tagger matching every pattern through one Aho-Corasick
/// automaton, as before the word index (the "before" of BENCHMARKS.md).
fn automaton_only(tagger: Tagger) -> Tagger {
    tagger
        .with_automaton_only()
        .expect("bench patterns compile")
}

fn main() {
    let texts = seeds();
    run("synthetic 100x50", &synthetic(Extra::Nothing), &texts);
    run(
        "synthetic 100x50 + gazetteer compiled in",
        &synthetic(Extra::Groups),
        &texts,
    );
    run(
        "before (automaton only): synthetic 100x50 + gazetteer compiled in",
        &automaton_only(synthetic(Extra::Groups)),
        &texts,
    );
    let cpu = thread_cpu();
    let tagger = synthetic(Extra::Topic);
    println!(
        "compiled {TOPICS} topics x {TERMS_PER_TOPIC} terms + the built-in topic and gazetteer in {:.3}s CPU",
        (thread_cpu() - cpu).as_secs_f64()
    );
    run("synthetic 100x50 + built-in + gazetteer", &tagger, &texts);
    let cpu = thread_cpu();
    let builtin = Tagger::builtin();
    println!(
        "compiled the built-in topic in {:.3}s CPU",
        (thread_cpu() - cpu).as_secs_f64()
    );
    run("built-in topic with the gazetteer", &builtin, &texts);
    run(
        "before (automaton only): built-in topic with the gazetteer",
        &automaton_only(Tagger::builtin()),
        &texts,
    );
    run(
        "built-in topic, gazetteer emptied",
        &without_gazetteer(),
        &texts,
    );
    skeletons(&texts);
}
