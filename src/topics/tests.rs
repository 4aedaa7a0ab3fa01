//! Behaviour of the tag stage as a whole: rules, matching, errors, corpora.

use std::collections::BTreeMap;

use super::*;

const SLUG: &str = "russia-north-korea";

/// A tagger from a TOML snippet of groups and topics.
fn tagger(toml_text: &str) -> Result<Tagger, RuleError> {
    let cfg: TopicsConfig = toml::from_str(toml_text).expect("test config is valid TOML");
    Tagger::compile(&cfg.term_groups, &cfg.topics)
}

fn title(t: &str) -> TagInput<'_> {
    TagInput {
        title: t,
        ..TagInput::default()
    }
}

fn tags(tagger: &Tagger, doc: &TagInput) -> Vec<String> {
    tagger
        .tag(doc)
        .into_iter()
        .map(|h| h.slug.to_string())
        .collect()
}

const GROUPS: &str = r#"
[term_groups.russia]
suffixes = ["ी", "ियों", "-n", "-'s"]
terms = ["रूस | Russia", "Moscow | मॉस्को"]
[term_groups.nk]
suffixes = ["ई"]
terms = ["उत्तर कोरिया | North Korea", "किम जोंग उन"]
[term_groups.up]
terms = ["उत्तर प्रदेश"]
"#;

fn with_rule(rule: &str) -> Tagger {
    tagger(&format!(
        "{GROUPS}\n[[topics]]\nslug = \"t\"\nname = \"T\"\nrule = {rule}\n"
    ))
    .expect("rule compiles")
}

#[test]
fn table_of_rules_and_texts() {
    let cases = [
        ("suffix ी declared", r#""russia""#, "रूसी सेना", true),
        (
            "no match inside a longer word",
            r#""russia""#,
            "रूसो का दर्शन",
            false,
        ),
        ("latin suffix -n", r#""russia""#, "Russian troops", true),
        (
            "latin suffix -'s and apostrophe boundary",
            r#""russia""#,
            "Russia's army",
            true,
        ),
        (
            "no match inside a latin word",
            r#""russia""#,
            "Prussia",
            false,
        ),
        (
            "nukta-less text matches nukta term",
            r#""russia""#,
            "मास्को",
            true,
        ),
        (
            "two-word term, suffix on last word",
            r#""nk""#,
            "उत्तर कोरियाई नेता",
            true,
        ),
        (
            "उत्तर alone is not the phrase",
            r#""nk""#,
            "प्रश्न का उत्तर दो",
            false,
        ),
        ("hyphen reads as a space", r#""nk""#, "किम जोंग-उन", true),
        (
            "nbsp and zwj inside a term",
            r#""nk""#,
            "उत्तर\u{00A0}को\u{200D}रिया",
            true,
        ),
        (
            "same sentence",
            r#"{ all = ["russia", "nk"], within = "sentence" }"#,
            "रूस और उत्तर कोरिया",
            true,
        ),
        (
            "| splits sentences",
            r#"{ all = ["russia", "nk"], within = "sentence" }"#,
            "रूस | उत्तर कोरिया",
            false,
        ),
        (
            "। splits sentences",
            r#"{ all = ["russia", "nk"], within = "sentence" }"#,
            "रूस। उत्तर कोरिया",
            false,
        ),
        (
            "abbreviation dot does not split",
            r#"{ all = ["russia", "nk"], within = "sentence" }"#,
            "U.S. says Russia and North Korea",
            true,
        ),
        (
            "within 2 words holds",
            r#"{ all = ["russia", "nk"], within = 2 }"#,
            "Russia and North Korea",
            true,
        ),
        (
            "within 2 words fails when far",
            r#"{ all = ["russia", "nk"], within = 2 }"#,
            "Russia is far away from North Korea",
            false,
        ),
        (
            "not excludes",
            r#"{ all = ["russia", { not = "up" }] }"#,
            "उत्तर प्रदेश में रूसी पर्यटक",
            false,
        ),
        (
            "not passes when absent",
            r#"{ all = ["russia", { not = "up" }] }"#,
            "रूसी पर्यटक",
            true,
        ),
        (
            "min 2 fails on one mention",
            r#"{ group = "russia", min = 2 }"#,
            "Russia",
            false,
        ),
        (
            "min 2 holds on two mentions",
            r#"{ group = "russia", min = 2 }"#,
            "Russia and Moscow",
            true,
        ),
        (
            "in title only",
            r#"{ group = "russia", in = ["summary"] }"#,
            "Russia",
            false,
        ),
    ];
    for (what, rule, text, expected) in cases {
        let got = !tags(&with_rule(rule), &title(text)).is_empty();
        assert_eq!(got, expected, "{what}: rule {rule} on {text:?}");
    }
}

#[test]
fn title_weight_counts_towards_min() {
    let t = tagger(&format!(
        "{GROUPS}\n[[topics]]\nslug = \"t\"\nname = \"T\"\nrule = {{ group = \"russia\", min = 2 }}\nweights = {{ title = 2 }}\n"
    ))
    .expect("compiles");
    assert_eq!(
        tags(&t, &title("Russia")),
        ["t"],
        "one title mention counts twice"
    );
    let body = TagInput {
        summary: "Russia",
        ..TagInput::default()
    };
    assert!(
        tags(&t, &body).is_empty(),
        "one summary mention counts once"
    );
}

#[test]
fn categories_count_each_as_a_sentence() {
    let t = with_rule(r#"{ all = ["russia", "nk"], within = "sentence" }"#);
    let one = ["Russia North Korea Military Ties".to_string()];
    assert_eq!(
        tags(
            &t,
            &TagInput {
                categories: &one,
                ..TagInput::default()
            }
        ),
        ["t"]
    );
    let two = ["Russia".to_string(), "North Korea".to_string()];
    assert!(tags(
        &t,
        &TagInput {
            categories: &two,
            ..TagInput::default()
        }
    )
    .is_empty());
}

#[test]
fn invalid_rules_name_the_topic_and_the_problem() {
    let topic = |slug: &str, rule: &str| {
        format!("[[topics]]\nslug = \"{slug}\"\nname = \"T\"\nrule = {rule}\n")
    };
    let cases = [
        (
            topic("t", r#""nope""#),
            "topic `t`: rule: unknown term group `nope`",
        ),
        (
            topic("t", r#"{ all = ["russia", "nk"], within = 0 }"#),
            "topic `t`: rule: bad proximity 0",
        ),
        (
            topic("t", r#"{ all = ["russia"], within = "paragraph" }"#),
            "bad proximity \"paragraph\"",
        ),
        (
            topic("t", r#"{ any = [] }"#),
            "topic `t`: rule.any: is an empty list",
        ),
        (
            topic("t", r#"{ any = ["russia"], withn = 3 }"#),
            "unknown key `withn`",
        ),
        (
            topic("t", r#"{ all = ["russia"], any = ["nk"] }"#),
            "has all and any",
        ),
        (topic("t", r#"{ group = "russia", min = 0 }"#), "at least 1"),
        (
            topic("t", r#"{ any = ["russia", "empty"] }"#),
            "topic `t`: rule.any[1]: term group `empty` is empty",
        ),
        (
            topic("Bad_Slug", r#""russia""#),
            "topic `Bad_Slug`: invalid slug",
        ),
        (
            topic("t", r#""russia""#) + &topic("t", r#""nk""#),
            "topic `t`: duplicate slug",
        ),
        (
            "[term_groups.bad]\nterms = [\"|x\"]\n".to_string(),
            "term group `bad`: term \"|x\"",
        ),
        (
            "[term_groups.Bad]\nterms = [\"x\"]\n".to_string(),
            "term group `Bad`: invalid name",
        ),
        (
            "[term_groups.a]\ninclude = [\"b\"]\n[term_groups.b]\ninclude = [\"a\"]\n".to_string(),
            "includes itself",
        ),
        (
            "[term_groups.a]\ninclude = [\"zz\"]\n".to_string(),
            "unknown term group `zz`",
        ),
        (
            "[term_groups.a]\nterms = [\"!!\"]\n".to_string(),
            "no letters or digits",
        ),
    ];
    for (snippet, expected) in cases {
        let text = format!("{GROUPS}\n[term_groups.empty]\n{snippet}");
        let err = tagger(&text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(expected), "expected {expected:?}, got {err:?}");
    }
}

#[test]
fn bad_input_does_not_panic() {
    let t = Tagger::builtin();
    let big = "रूस और उत्तर कोरिया। ".repeat(40_000) + &"x".repeat(200_000);
    let odd = [
        "",
        " ",
        "।।।|||;;;...???",
        "\u{093C}\u{0901}\u{200D}",
        "🙂 Ünïcödé İ ß 北朝鮮 Северная Корея",
        &big,
    ];
    for text in odd {
        let doc = TagInput {
            title: text,
            summary: text,
            content: text,
            categories: &[],
        };
        let _ = t.tag(&doc);
        let _ = t.explain(&doc).to_string();
    }
    assert_eq!(
        tags(
            &t,
            &TagInput {
                content: &big,
                ..TagInput::default()
            }
        ),
        [SLUG]
    );
}

#[test]
fn why_shows_terms_as_written_in_order() {
    let t = Tagger::builtin();
    let hits = t.tag(&title("पुतिन ने नॉर्थ कोरिया के किम जोंग-उन से की बात"));
    assert_eq!(hits[0].why, ["पुतिन", "नॉर्थ कोरिया", "किम जोंग-उन"]);
    let m = &hits[0].matches[2];
    assert_eq!(
        (m.field, m.entity.as_deref()),
        (Field::Title, Some("kim jong un"))
    );
}

#[test]
fn explanation_shows_the_rule_tree() {
    let text = Tagger::builtin()
        .explain(&title("उत्तर प्रदेश में रूसी पर्यटक"))
        .to_string();
    assert!(
        text.contains("russia-north-korea (Russia–North Korea ties): not matched"),
        "{text}"
    );
    assert!(
        text.contains("✓ group russia_side: title \"रूसी\""),
        "{text}"
    );
    assert!(text.contains("✗ group nk_side"), "{text}");
}

#[test]
fn fingerprint_changes_iff_rules_change() {
    let a = with_rule(r#""russia""#).fingerprint();
    assert_eq!(a, with_rule(r#""russia""#).fingerprint());
    assert_ne!(a, with_rule(r#""nk""#).fingerprint());
    assert_ne!(
        a,
        with_rule(r#"{ group = "russia", min = 2 }"#).fingerprint()
    );
    let renamed = tagger(&format!(
        "{GROUPS}\n[[topics]]\nslug = \"t\"\nname = \"Other\"\nrule = \"russia\"\n"
    ));
    assert_eq!(
        a,
        renamed.expect("compiles").fingerprint(),
        "display name is not a rule"
    );
    let more = tagger(&format!("{GROUPS}\n[term_groups.extra]\nterms = [\"x\"]\n[[topics]]\nslug = \"t\"\nname = \"T\"\nrule = \"russia\"\n"));
    assert_eq!(
        a,
        more.expect("compiles").fingerprint(),
        "an unused group changes nothing"
    );
}

#[test]
fn spellings_of_an_entity_share_one_id() {
    let t = Tagger::builtin();
    let lavrov: Vec<_> = t
        .entity_terms()
        .filter(|e| e.forms.iter().any(|f| f == "लावरोव"))
        .collect();
    assert_eq!(lavrov.len(), 1);
    assert_eq!(lavrov[0].id, "lavrov");
    assert!(
        lavrov[0].forms.iter().any(|f| f == "लावरोफ"),
        "nukta folded: {:?}",
        lavrov[0].forms
    );
}

#[test]
fn no_topics_compile_to_an_empty_tagger() {
    let t = Tagger::compile(&BTreeMap::new(), &[]).expect("empty config compiles");
    assert!(t.topics().is_empty());
    assert_eq!(
        Tagger::builtin().topics()[0].name,
        "Russia–North Korea ties"
    );
}

#[test]
fn tagger_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<Tagger>();
}
