//! The word index against the automaton it replaced: on every text the
//! tests have (the dev and adversarial sets, the seed articles, and text
//! made to sit on word boundaries), both find the same hits, so tags,
//! evidence and explanations are unchanged.

use std::path::PathBuf;

use super::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (title, summary) of every item of a JSON Lines corpus.
fn items(name: &str) -> Vec<(String, String)> {
    let path = root().join("tests/fixtures/topics").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("corpus line is JSON");
            let field = |k: &str| v[k].as_str().unwrap_or("").to_string();
            (field("title"), field("summary"))
        })
        .collect()
}

fn seeds() -> Vec<String> {
    let dir = root().join("tests/fixtures/topics/seeds");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("seed articles present")
        .map(|e| e.expect("readable directory").path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("seed article reads"))
        .collect()
}

/// Text made of the gazetteer's and the built-in groups' own spellings,
/// glued by what sits between words in feeds (punctuation, suffixes,
/// apostrophes, line breaks), so most of it lands on a word boundary or
/// just misses one.
fn spliced() -> Vec<String> {
    let spellings: Vec<&str> = places()
        .iter()
        .flat_map(|p| p.terms.iter().copied())
        .step_by(7)
        .chain([
            "U.S.",
            "D.P.R.K.",
            "उ. कोरिया",
            "उ.कोरिया",
            "N. Korea",
            "Kim-Putin",
            "रूसी",
            "Russian",
            "Kim Jong-un's",
            "Democratic People's Republic of Korea",
        ])
        .collect();
    let glue = [
        " ", ", ", "-", "'s ", "ी ", "। ", "\n", ".", "", " | ", "n ", "; ",
    ];
    (0..40)
        .map(|k| {
            spellings
                .iter()
                .enumerate()
                .skip(k)
                .step_by(40)
                .map(|(i, s)| format!("{s}{}", glue[(i + k) % glue.len()]))
                .collect()
        })
        .collect()
}

/// The automaton matches every group's patterns, as khabar did before; the
/// tagger only those of groups some rule reads: their hits must be the same
/// as the automaton's hits of those terms, and tags and explanations the same.
fn check(word_index: &Tagger, automaton: &Tagger, doc: &TagInput<'_>) {
    let reads = word_index.read_terms();
    let read: Vec<[u32; 7]> = automaton
        .raw_hits(doc)
        .into_iter()
        .filter(|h| reads[h[0] as usize])
        .collect();
    assert_eq!(
        word_index.raw_hits(doc),
        read,
        "hits differ on {:?}",
        doc.title
    );
    assert_eq!(word_index.tag(doc), automaton.tag(doc), "{:?}", doc.title);
    assert_eq!(
        word_index.explain(doc).to_string(),
        automaton.explain(doc).to_string()
    );
}

#[test]
fn the_word_index_finds_what_the_automaton_found() {
    let word_index = Tagger::builtin();
    let automaton = Tagger::builtin().with_automaton_only().expect("compiles");
    let mut docs = 0;
    let mut hits = 0;
    for set in ["dev.jsonl", "adversarial.jsonl"] {
        for (title, summary) in items(set) {
            let doc = TagInput {
                title: &title,
                summary: &summary,
                ..TagInput::default()
            };
            check(&word_index, &automaton, &doc);
            hits += word_index.raw_hits(&doc).len();
            docs += 1;
        }
    }
    let texts: Vec<String> = seeds().into_iter().chain(spliced()).collect();
    for text in &texts {
        let categories = vec!["उत्तर कोरिया".to_string(), "Khabarovsk".to_string()];
        let doc = TagInput {
            title: text.lines().next().unwrap_or(""),
            content: text,
            categories: &categories,
            ..TagInput::default()
        };
        check(&word_index, &automaton, &doc);
        hits += word_index.raw_hits(&doc).len();
        docs += 1;
    }
    // Hits of the terms some rule reads (1,901 when written; the `events`
    // group, read by no rule, is no longer matched).
    assert!(docs > 200 && hits > 1500, "{docs} items, {hits} hits");
}

#[test]
fn a_config_with_odd_spellings_matches_the_same_both_ways() {
    let cfg: TopicsConfig = toml::from_str(
        r#"
[term_groups.a]
suffixes = ["ी", "-n", "'s", "."]
terms = ["U.S. | u.s | Kim | किम | 'quoted' | St. Petersburg | x-ray | रूस | ू | (Kim) | .net | डी.पी.आर.के."]
[term_groups.b]
gazetteer = "KP"
[[topics]]
slug = "t"
name = "T"
rule = { all = ["a", "b"], within = 4 }
"#,
    )
    .expect("test config parses");
    let word_index = Tagger::compile(&cfg.term_groups, &cfg.topics).expect("compiles");
    let automaton = Tagger::compile(&cfg.term_groups, &cfg.topics)
        .expect("compiles")
        .with_automaton_only()
        .expect("compiles");
    for title in [
        "U.S. envoy in Chongjin; the u.s. and 'quoted' St. Petersburg. Kim's Nampo",
        "रूसी रूसू किमी Kimn x ray x-ray's U.S.n 'quoted''s u.s. Kaesong.",
        "st.  petersburg st. petersburg. st. petersburgs Sinuiju's",
        "(Kim) and (Kim)s, x(Kim) ... Hamhung.... .net a.net .nets डी.पी.आर.के. डी.पी.आर.के.ी",
        "Kim) (Kim .net. ..net (((Kim))) डी.पी.आर.के U.S.S.R. Wonsan",
    ] {
        let doc = TagInput {
            title,
            ..TagInput::default()
        };
        check(&word_index, &automaton, &doc);
    }
}
