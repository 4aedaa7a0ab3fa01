//! The grouper against labelled corpora (`event` field), restart, and bounds.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::*;
use crate::topics::Tagger;

/// One corpus line: id, outlet, title, summary, content, published, gold event.
struct Row {
    id: String,
    outlet: String,
    title: String,
    summary: String,
    content: String,
    at: DateTime<Utc>,
    event: Option<String>,
}

fn corpus(path: &PathBuf) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let s = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    let rows: Vec<Row> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("corpus line is JSON");
            let at =
                DateTime::parse_from_rfc3339(&s(&v, "published")).expect("published is RFC 3339");
            Row {
                id: s(&v, "id"),
                outlet: s(&v, "outlet"),
                title: s(&v, "title"),
                summary: s(&v, "summary"),
                content: crate::normalize::html_to_text(&s(&v, "content")),
                at: at.with_timezone(&Utc),
                event: v["event"].as_str().map(str::to_string),
            }
        })
        .collect();
    rows
}

/// Groups a corpus as the store would; prints every wrong pair and each
/// assignment's reason.
fn run(path: &PathBuf) -> PairwiseScore {
    let rows = corpus(path);
    let mut g = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
    let inputs: Vec<StoryInput<'_>> = rows
        .iter()
        .map(|r| StoryInput {
            key: &r.id,
            outlet: &r.outlet,
            title: &r.title,
            summary: &r.summary,
            content: &r.content,
            at: r.at,
        })
        .collect();
    let assigned = group_in_order(&mut g, &inputs);
    for (r, a) in rows.iter().zip(&assigned) {
        println!("{} → story {} ({})", r.id, a.story, a.reason);
    }
    let stories: Vec<u64> = assigned.iter().map(|a| a.story).collect();
    let gold: Vec<Option<String>> = rows.iter().map(|r| r.event.clone()).collect();
    for i in 0..rows.len() {
        for j in i + 1..rows.len() {
            let same_gold = gold[i].is_some() && gold[i] == gold[j];
            let same = stories[i] == stories[j];
            if same_gold != same {
                let what = if same {
                    "WRONGLY TOGETHER"
                } else {
                    "WRONGLY APART"
                };
                println!(
                    "{what}: {} ({:?}) / {} ({:?})",
                    rows[i].id, gold[i], rows[j].id, gold[j]
                );
            }
        }
    }
    let score = evaluate(&gold, &stories);
    println!("{}: {score:?}", path.display());
    score
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn dev_set_events_are_grouped_exactly() {
    let score = run(&fixture("topics/dev.jsonl"));
    assert_eq!(
        (score.precision, score.recall),
        (1.0, 1.0),
        "wrong pairs are printed above"
    );
}

#[test]
fn adversarial_set_is_reported() {
    // A report for finding weaknesses, with a floor the issue asks for (#7).
    let score = run(&fixture("stories/adversarial.jsonl"));
    assert!(
        score.f1 >= 0.9,
        "pairwise F1 {:.3}; wrong pairs are printed above",
        score.f1
    );
}

#[test]
fn cross_script_set_of_unseen_outlets_is_grouped() {
    // See: issue #13 item 4 — outlets seen nowhere else, figures in words
    // and digits across scripts, translated concepts, and different events
    // of one week that share the beat's names.
    let score = run(&fixture("stories/crossscript.jsonl"));
    assert!(
        score.precision >= 0.9 && score.recall >= 0.9,
        "precision {:.3}, recall {:.3}; wrong pairs are printed above",
        score.precision,
        score.recall
    );
}

#[test]
fn held_out_set_is_grouped() {
    // See: issue #13 — a second held-out set, written before the grouper
    // was changed for it: other outlets, figures in words and digits,
    // translated concepts, different events of one week sharing names.
    let score = run(&fixture("stories/heldout2.jsonl"));
    assert!(
        score.precision >= 0.9 && score.recall >= 0.9,
        "precision {:.3}, recall {:.3}; wrong pairs are printed above",
        score.precision,
        score.recall
    );
}

#[test]
fn demo_outlets_events_are_grouped() {
    // See: issue #13 — the demo's own outlets, labelled by event.
    let score = run(&fixture("stories/demo-events.jsonl"));
    assert!(
        score.f1 >= 0.9,
        "pairwise F1 {:.3}; wrong pairs are printed above",
        score.f1
    );
}

/// The stories of a corpus, as a partition: for each item, the ids of the
/// items in its story.
fn partition(rows: &[Row], order: &[usize]) -> Vec<Vec<String>> {
    let mut g = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
    let inputs: Vec<StoryInput<'_>> = order
        .iter()
        .map(|&i| {
            let r = &rows[i];
            StoryInput {
                key: &r.id,
                outlet: &r.outlet,
                title: &r.title,
                summary: &r.summary,
                content: &r.content,
                at: r.at,
            }
        })
        .collect();
    let stories = group_in_order(&mut g, &inputs);
    let mut by_item: Vec<Vec<String>> = vec![Vec::new(); rows.len()];
    for (a, &i) in stories.iter().zip(order) {
        for (b, &j) in stories.iter().zip(order) {
            if a.story == b.story {
                by_item[i].push(rows[j].id.clone());
            }
        }
        by_item[i].sort();
    }
    by_item
}

#[test]
fn the_same_items_in_any_order_make_the_same_stories() {
    // See: issue #13 — arrival order must not change stories.
    let rows = corpus(&fixture("stories/demo-events.jsonl"));
    let given: Vec<usize> = (0..rows.len()).collect();
    let want = partition(&rows, &given);
    let mut order = given.clone();
    for seed in 1..=4u64 {
        // A deterministic shuffle (xorshift), different for each seed.
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for i in (1..order.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            order.swap(i, (x % (i as u64 + 1)) as usize);
        }
        assert_eq!(partition(&rows, &order), want, "order {seed}");
    }
}

fn at(h: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_752_300_000 + h * 3600, 0).unwrap_or_default()
}

/// An item of its own outlet (named after its key) dated `h` hours in.
fn input<'a>(key: &'a str, title: &'a str, h: i64) -> StoryInput<'a> {
    StoryInput {
        key,
        outlet: key,
        title,
        summary: "",
        content: "",
        at: at(h),
    }
}

#[test]
fn restore_rebuilds_the_same_decisions() {
    let tagger = Arc::new(Tagger::builtin());
    let mut live = StoryGrouper::new(tagger.clone(), DEFAULT_WINDOW);
    let first = [
        input("a", "लावरोव वोनसान पहुंचे, किम जोंग उन से मिले", 0),
        input("b", "शोइगू प्योंगयांग में, रक्षा सहयोग पर बात", 1),
    ];
    let mut saved = Vec::new();
    for item in &first {
        let sig = live.signature(item);
        let a = live.assign_signature(&sig);
        let back =
            ItemSignature::decode(&sig.encode(), sig.key.clone(), sig.outlet.clone(), sig.at)
                .expect("a signature decodes");
        saved.push((a.story, back));
    }
    let mut restarted = StoryGrouper::new(tagger, DEFAULT_WINDOW);
    restarted.restore(saved.into_iter(), Some(&live.history()));
    let next = input("c", "Lavrov meets Kim Jong Un in Wonsan", 2);
    let joined = live.assign(&next);
    assert_eq!(joined, restarted.assign(&next));
    assert_eq!(joined.story, 0, "{joined:?}");
    let fresh = input("d", "Kursk: IAEA warns of drone debris near plant", 3);
    assert_eq!(restarted.assign(&fresh).story, 2);
}

#[test]
fn old_items_leave_the_window_and_the_same_names_start_a_new_story() {
    let mut g = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
    let a = g.assign(&input("a", "लावरोव वोनसान में किम जोंग उन से मिले", 0));
    let b = g.assign(&input(
        "b",
        "Lavrov in Wonsan again, meets Kim Jong Un",
        24 * 10,
    ));
    assert!(a.new_story && b.new_story, "{b:?}");
    assert_eq!(g.window_len(), 1);
}

#[test]
fn common_names_alone_do_not_join() {
    let mut g = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
    // A beat where Putin and Kim are in most items: they are common names.
    let places = ["शोइगू", "लावरोव", "कुर्स्क", "वोनसान", "रासोन", "बेलौसोव"];
    let keys = ["h0", "h1", "h2", "h3", "h4", "h5"];
    for (i, (place, key)) in places.iter().zip(keys).enumerate() {
        let title = format!("पुतिन और किम जोंग उन: {place}");
        g.assign(&input(key, &title, i as i64 * 2));
    }
    let b = g.assign(&input("b", "Putin and Kim Jong Un discuss trade", 13));
    assert!(b.new_story, "{b:?}");
}

#[test]
fn items_of_one_outlet_join_only_as_near_duplicates() {
    let mut g = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
    let item = |key, title, h| StoryInput {
        outlet: "one outlet",
        ..input(key, title, h)
    };
    let a = g.assign(&item("a", "लावरोव वोनसान में किम जोंग उन से मिले", 0));
    let other = g.assign(&item(
        "b",
        "वोनसान में लावरोव और किम जोंग उन की बैठक, रिश्तों पर बात",
        1,
    ));
    assert!(other.new_story, "{other:?}");
    let update = g.assign(&item("c", "लावरोव वोनसान में किम जोंग उन से मिले: अपडेट", 2));
    assert_eq!(update.story, a.story, "{update:?}");
    assert!(update.reason.starts_with("near-duplicate"), "{update:?}");
}

#[test]
fn items_leave_the_window_by_date_whatever_their_order_of_arrival() {
    let mut g = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
    let titles = [
        "लावरोव वोनसान में किम जोंग उन से मिले",
        "कुर्स्क में ड्रोन हमला, आईएईए ने चेताया",
        "शोइगू प्योंगयांग पहुंचे, रक्षा सहयोग पर बात",
        "व्लादिवोस्तोक में रेल पुल का उद्घाटन",
    ];
    for ((title, h), key) in titles.iter().zip([100, 50, 99]).zip(["x", "y", "z"]) {
        g.assign(&input(key, title, h));
    }
    assert_eq!(g.window_len(), 3);
    // Now the window with its soft edge (81 h) starts at hour 54: the item
    // of hour 50 leaves, though two items that arrived before it stay.
    g.assign(&input("w", titles[3], 135));
    assert_eq!(g.window_len(), 3);
}

#[test]
fn an_item_older_than_the_window_is_matched_but_not_indexed() {
    let mut g = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
    let lavrov = "लावरोव वोनसान में किम जोंग उन से मिले, सैन्य आपूर्ति पर चर्चा";
    let a = g.assign(&input("a", lavrov, 10));
    g.assign(&input("b", "कुर्स्क में ड्रोन हमला, आईएईए ने चेताया", 90));
    // Hour 5 is before the window of hour 90 (which, with its soft edge of
    // 81 h, starts at hour 9), but the copy still finds the item of hour 10.
    let late = g.assign(&input("c", &format!("{lavrov} Source link"), 5));
    assert_eq!(late.story, a.story, "{late:?}");
    assert_eq!(g.window_len(), 2);
}

#[test]
fn an_item_assigned_again_replaces_itself() {
    let mut g = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
    let a = g.assign(&input("a", "कुर्स्क में ड्रोन हमला, आईएईए ने चेताया", 0));
    let again = g.assign(&input("a", "कुर्स्क में ड्रोन हमला, आईएईए ने चेताया", 0));
    assert!(again.new_story, "not a copy of itself: {again:?}");
    assert_ne!(again.story, a.story);
    assert_eq!(g.window_len(), 1);
}

#[test]
fn a_report_just_past_the_window_joins_on_strong_evidence_and_none_beyond_its_edge() {
    // See: issue #13 — the window edge: a pair 72 h 10 min apart is one
    // story when the evidence is strong; 82 h apart it never is.
    let mut g = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
    let hindi = "लावरोव वोनसान में किम जोंग उन से मिले, बिना शर्त समर्थन का वादा";
    let english = "Lavrov meets Kim Jong Un in Wonsan, gets unconditional support";
    let a = g.assign(&input("a", hindi, 0));
    let late = StoryInput {
        at: at(72) + chrono::Duration::minutes(10),
        ..input("b", english, 0)
    };
    let b = g.assign(&late);
    assert_eq!(b.story, a.story, "{b:?}");
    let mut g = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
    g.assign(&input("a", hindi, 0));
    let beyond = g.assign(&input("c", english, 82));
    assert!(beyond.new_story, "{beyond:?}");
    assert_eq!(g.window_len(), 1);
}
