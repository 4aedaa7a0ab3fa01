//! `khabar tag` and `khabar topics` through the real binary: the DESIGN.md
//! contract, the labelled dev set, bad input, and retagging on rule change.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

fn khabar(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = crate::support::khabar::binary()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("khabar starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    input.write_all(stdin).expect("writing stdin");
    drop(input);
    child.wait_with_output().expect("khabar finishes")
}

fn dev_set() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/topics/dev.jsonl")
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

#[test]
fn tag_gets_every_dev_set_item_right_with_reasons() {
    let text = std::fs::read_to_string(dev_set()).expect("the labelled dev set");
    let dir = tempfile::tempdir().unwrap();
    let out = khabar(dir.path(), &["tag"], text.as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gold: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got = lines(&out);
    assert_eq!(got.len(), gold.len(), "one output line per input line");
    let mut wrong = Vec::new();
    for (g, o) in gold.iter().zip(&got) {
        assert_eq!(g["id"], o["id"], "output keeps input order");
        if g["topics"] != o["topics"] {
            wrong.push(format!(
                "{}: want {} got {} ({})",
                g["id"], g["topics"], o["topics"], g["title"]
            ));
        }
        for slug in o["topics"].as_array().unwrap() {
            let why = &o["why"][slug.as_str().unwrap()];
            assert!(
                why.as_array().is_some_and(|w| !w.is_empty()),
                "{}: every tag says why",
                o["id"]
            );
        }
    }
    assert!(
        wrong.is_empty(),
        "precision and recall must be 1.0 on the dev set:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn bad_lines_are_reported_and_the_rest_still_tagged() {
    let dir = tempfile::tempdir().unwrap();
    let big = "रूस ".repeat(250_000);
    let input = format!(
        "{}\nnot json\n{}\n{}\n{}\n",
        serde_json::json!({"id": "a", "title": "पुतिन ने किम जोंग उन से उत्तर कोरिया में मुलाकात की"}),
        serde_json::json!({"id": "b", "title": ""}),
        serde_json::json!({"id": "c", "title": "?!…|;—", "summary": "।।", "content": "<p>&amp;</p>"}),
        serde_json::json!({"id": "d", "title": "Россия и КНДР", "content": big}),
    );
    let out = khabar(dir.path(), &["tag"], input.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(1),
        "a bad line makes the exit status non-zero"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 2"), "the bad line is named: {stderr}");
    let got = lines(&out);
    let ids: Vec<_> = got.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    assert_eq!(got[0]["topics"], serde_json::json!(["russia-north-korea"]));
    for o in &got[1..] {
        assert_eq!(o["topics"], serde_json::json!([]), "{o}");
    }
}

#[test]
fn an_unknown_topic_or_an_invalid_rule_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = khabar(dir.path(), &["tag", "--topic", "nope"], b"");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown topic \"nope\""));

    let config = dir.path().join("k.toml");
    std::fs::write(
        &config,
        "[[topics]]\nslug = \"x\"\nname = \"X\"\nrule = \"no_such_group\"\n",
    )
    .unwrap();
    let out = khabar(
        dir.path(),
        &["--config", config.to_str().unwrap(), "tag"],
        b"",
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no_such_group") && stderr.contains('x'),
        "{stderr}"
    );
}

#[test]
fn changing_the_rules_retags_stored_items() {
    let dir = tempfile::tempdir().unwrap();
    let demo = khabar(dir.path(), &["demo", "--once", "--dir", "d"], b"");
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let db = dir.path().join("d/khabar.db");
    let builtin = dir.path().join("builtin.toml");
    std::fs::write(
        &builtin,
        format!("[database]\npath = {:?}\n", db.display().to_string()),
    )
    .unwrap();
    let list = khabar(
        dir.path(),
        &["--config", builtin.to_str().unwrap(), "topics", "list"],
        b"",
    );
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("russia-north-korea") && text.contains("32 items"),
        "{text}"
    );

    let custom = dir.path().join("custom.toml");
    std::fs::write(
        &custom,
        format!(
            "[database]\npath = {:?}\n[term_groups.cricket]\nterms = [\"क्रिकेट | cricket | टेस्ट | Test\"]\n\
             [[topics]]\nslug = \"cricket\"\nname = \"Cricket\"\nrule = \"cricket\"\n",
            db.display().to_string()
        ),
    )
    .unwrap();
    let list = khabar(
        dir.path(),
        &["--config", custom.to_str().unwrap(), "topics", "list"],
        b"",
    );
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.starts_with("cricket"), "{text}");
    assert!(!text.contains("russia-north-korea"), "{text}");
    // SQL: the old topic is in no config now, so no command names it, and
    // listing with the old config would retag.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let old: i64 = conn
        .query_row(
            "SELECT count(*) FROM item_topics WHERE topic = 'russia-north-korea'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        old, 0,
        "tags of the old rules are gone after the rules changed"
    );
}

#[test]
fn stories_eval_groups_the_dev_set_exactly() {
    if !dev_set().exists() {
        eprintln!("skipped: {} not beside this checkout", dev_set().display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dev_set().display().to_string();
    let out = khabar(dir.path(), &["stories", "eval", &file], b"");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("precision 1.000, recall 1.000"), "{text}");

    let out = khabar(dir.path(), &["stories", "eval", &file, "--json"], b"");
    let got = lines(&out);
    let story = |id: &str| {
        got.iter()
            .find(|o| o["id"] == id)
            .map(|o| o["story"].clone())
            .unwrap()
    };
    let items = std::fs::read_to_string(dev_set())
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert_eq!(got.len(), items, "one line per item");
    assert_eq!(
        story("d04"),
        story("d06"),
        "Lavrov in Wonsan, Hindi and English"
    );
    assert_eq!(story("d04"), story("d08"));
    assert_ne!(story("d04"), story("d01"), "different events stay apart");
}
