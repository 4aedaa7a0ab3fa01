//! The beat's geography (issue #14): gazetteer groups, clauses, named rules,
//! places in explanations, and the built-in topic on places and implied
//! parties.

use super::*;

const SLUG: &str = "russia-north-korea";

fn tagger(toml_text: &str) -> Result<Tagger, RuleError> {
    let cfg: TopicsConfig = toml::from_str(toml_text).expect("test config is valid TOML");
    Tagger::compile(&cfg.term_groups, &cfg.topics)
}

fn on_topic(t: &Tagger, title: &str, summary: &str) -> bool {
    t.tag(&TagInput {
        title,
        summary,
        ..TagInput::default()
    })
    .iter()
    .any(|h| h.slug.as_str() == SLUG)
}

const PLACES: &str = r#"
[term_groups.ru]
entity = true
gazetteer = "RU"
[term_groups.nk]
terms = ["North Korea | उत्तर कोरिया | उत्तर कोरियाई"]
[[topics]]
slug = "t"
name = "T"
"#;

// See: issue #14
#[test]
fn a_gazetteer_group_matches_places_in_both_scripts_and_names_them() {
    let t = tagger(&format!(
        "{PLACES}rule = {{ name = \"place\", all = [\"ru\", \"nk\"], within = \"clause\" }}\n"
    ))
    .expect("compiles");
    for title in [
        "खाबरोवस्क में उत्तर कोरियाई मजदूर",
        "खबारोव्स्क में उत्तर कोरियाई मजदूर",
        "North Korea sends workers to Irkutsk",
        "इर्कुत्स्क पहुंचे उत्तर कोरियाई इंजीनियर",
    ] {
        let hits = t.tag(&TagInput {
            title,
            ..TagInput::default()
        });
        assert_eq!(hits.len(), 1, "{title}");
        let place = hits[0].matches.iter().find_map(|m| m.place.clone());
        assert_eq!(place.map(|p| p.country), Some("Russia".into()), "{title}");
    }
    let shown = t
        .explain(&TagInput {
            title: "खाबरोवस्क में उत्तर कोरियाई मजदूर",
            ..TagInput::default()
        })
        .to_string();
    assert!(shown.contains("rule \"place\""), "{shown}");
    assert!(
        shown.contains("title \"खाबरोवस्क\" @0 = Khabarovsk (city, Russia)"),
        "{shown}"
    );
    assert_eq!(t.gazetteer_groups()[0].0, "ru");
    assert!(t.gazetteer_groups()[0].2 > 300);
}

#[test]
fn a_place_the_config_names_itself_is_left_to_it() {
    let t = tagger(&format!(
        "{PLACES}rule = \"ru\"\n[term_groups.mine]\nentity = true\nterms = [\"Khabarovsk | खाबरोवस्क\"]\n"
    ))
    .expect("compiles");
    let ids: Vec<&str> = t
        .entity_terms()
        .filter(|e| e.forms.iter().any(|f| f == "khabarovsk"))
        .map(|e| e.group)
        .collect();
    assert_eq!(ids, ["mine"]);
}

#[test]
fn unknown_gazetteer_and_bad_names_are_errors() {
    let err = tagger("[term_groups.x]\ngazetteer = \"FR\"\n[[topics]]\nslug = \"t\"\nname = \"T\"\nrule = \"x\"\n")
        .expect_err("FR is not built in");
    assert!(err.to_string().contains("gazetteer \"FR\""), "{err}");
    let err = tagger(&format!("{PLACES}rule = {{ name = 3, group = \"ru\" }}\n"))
        .expect_err("a name is a string");
    assert!(err.to_string().contains("`name` must be"), "{err}");
    let err = tagger(&format!(
        "{PLACES}rule = {{ all = [\"ru\", \"nk\"], within = \"paragraph\" }}\n"
    ))
    .expect_err("no such proximity");
    assert!(err.to_string().contains("\"clause\""), "{err}");
}

#[test]
fn a_title_comma_between_two_reports_splits_clauses_but_not_a_list_or_a_summary() {
    let t = tagger(&format!(
        "{PLACES}rule = {{ all = [\"ru\", \"nk\"], within = \"clause\" }}\n"
    ))
    .expect("compiles");
    let cases = [
        (
            "two reports",
            "खाबरोवस्क में बाढ़ से तबाही, उत्तर कोरिया में सैन्य परेड",
            "",
            false,
        ),
        ("a list", "Irkutsk, North Korea sign timber deal", "", true),
        (
            "a dateline",
            "IRKUTSK, North Korea's delegation arrives",
            "",
            true,
        ),
        (
            "a number",
            "North Korea sends 20,000 workers to Irkutsk",
            "",
            true,
        ),
        (
            "a summary's commas",
            "",
            "North Korea's workers, who arrived last month, now build homes in Irkutsk.",
            true,
        ),
    ];
    for (what, title, summary, want) in cases {
        let got = !t
            .tag(&TagInput {
                title,
                summary,
                ..TagInput::default()
            })
            .is_empty();
        assert_eq!(got, want, "{what}: {title}{summary}");
    }
}

#[test]
fn builtin_topic_on_places_implied_parties_and_their_traps() {
    let t = Tagger::builtin();
    let cases = [
        (
            "Russian place + NK",
            "Yekaterinburg fair hosts North Korean pavilion",
            true,
        ),
        (
            "NK place + Russia",
            "रूसी पर्यटकों से भरा जहाज चोंगजिन पहुंचा",
            true,
        ),
        (
            "NK place + Russian place",
            "Khasan to Rason coal trains double",
            true,
        ),
        (
            "implied: front",
            "उत्तर कोरियाई सैनिकों को मोर्चे पर भेजा गया",
            true,
        ),
        (
            "implied: war place",
            "North Korean missiles hit Zaporizhzhia",
            true,
        ),
        (
            "implied: named weapon",
            "KN-23 wreckage found in Kharkiv",
            true,
        ),
        (
            "DMZ front",
            "North Korea masses artillery on front line near DMZ",
            false,
        ),
        (
            "own test",
            "North Korea tests artillery as Ukraine war drags on",
            false,
        ),
        (
            "South Korea",
            "South Korean shipyard opens in Vladivostok",
            false,
        ),
        (
            "K-drama",
            "Korean drama shot in Kamchatka tops charts",
            false,
        ),
        (
            "Kim Kardashian",
            "Kim Kardashian launches brand in Moscow",
            false,
        ),
        ("UP doctor", "उत्तर प्रदेश में रूसी मूल की डॉक्टर सम्मानित", false),
        ("roundup", "खाबरोवस्क में बाढ़ | हमहुंग में नया कारखाना", false),
        (
            "joined",
            "Floods hit Khabarovsk suburbs, North Korea opens plant in Hamhung",
            false,
        ),
        ("surname", "Kirov Ballet opens Korean tour in Seoul", false),
        (
            "Hindi word",
            "चिता की आग ठंडी नहीं हुई, उत्तर कोरिया ने दागी मिसाइल",
            false,
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter(|(_, title, want)| on_topic(&t, title, "") != *want)
        .map(|(what, title, want)| format!("{what}: {title} (want {want})"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn explain_names_the_implied_parties_rule_and_the_place() {
    let shown = Tagger::builtin()
        .explain(&TagInput {
            title: "North Korean artillery shells pound Pokrovsk",
            ..TagInput::default()
        })
        .to_string();
    assert!(shown.contains("MATCHED"), "{shown}");
    assert!(
        shown.contains("✓ rule \"implied parties: North Korean arms or soldiers at Russia's war\""),
        "{shown}"
    );
    assert!(
        shown.contains("= Pokrovsk (front town, Ukraine)"),
        "{shown}"
    );
}
