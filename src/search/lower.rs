//! A parsed [`Expr`] → the FTS5 `MATCH` expression, written by khabar
//! alone: every term is a double-quoted string of folded words (which hold
//! only letters, digits, signs and `_`, never a quote), every operator and
//! parenthesis is ours. No user text reaches SQLite as FTS5 syntax.
//!
//! A term matches its folded words in the `title` and `body` columns, or
//! the same with any word replaced by one the index's vocabulary holds
//! under that word's skeleton ([`Names`], looked up for the query's
//! [`skeletons`]), so that a name typed in either script finds it written
//! in the other (see [`super::fold`]). FTS5's `NOT` is binary (`a NOT b`),
//! so every `NOT` must stand beside something the results contain.

use std::collections::HashMap;

use super::fold::{query_skeleton, words, Script};
use super::query::{Expr, Term};
use super::QueryError;

/// The words spelt with each skeleton, as the store's vocabulary holds them
/// (`Store::names_by_skeleton`).
pub type Names = HashMap<String, Vec<String>>;

/// Most spellings of one phrase a term is matched by: every combination of
/// its words' alternatives up to here, the phrase as typed first.
pub const MAX_PHRASES: usize = 16;

/// The FTS5 expression of `expr`, its words also matched by their `names`.
pub fn fts_expression(expr: &Expr, names: &Names) -> Result<String, QueryError> {
    match expr {
        Expr::Term(t) => Ok(term(t, names)),
        Expr::And(parts) => {
            let (excluded, included): (Vec<&Expr>, Vec<&Expr>) =
                parts.iter().partition(|p| matches!(p, Expr::Not(_)));
            if included.is_empty() {
                return Err(QueryError::OnlyExcluded);
            }
            let mut out = included
                .iter()
                .map(|p| fts_expression(p, names).map(|s| format!("({s})")))
                .collect::<Result<Vec<_>, _>>()?
                .join(" AND ");
            for p in excluded {
                if let Expr::Not(inner) = p {
                    out = format!("({out}) NOT ({})", fts_expression(inner, names)?);
                }
            }
            Ok(out)
        }
        Expr::Or(parts) => Ok(parts
            .iter()
            .map(|p| fts_expression(p, names).map(|s| format!("({s})")))
            .collect::<Result<Vec<_>, _>>()?
            .join(" OR ")),
        Expr::Not(_) => Err(QueryError::OnlyExcluded),
    }
}

/// The skeletons whose words `expr` is also matched by, each once.
pub fn skeletons(expr: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    collect_skeletons(expr, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect_skeletons(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::Term(t) if !t.prefix => {
            let in_phrase = t.words.len() > 1;
            out.extend(t.words.iter().filter_map(|w| word_skeleton(w, in_phrase)));
        }
        Expr::Term(_) => {}
        Expr::And(parts) | Expr::Or(parts) => {
            parts.iter().for_each(|p| collect_skeletons(p, out));
        }
        Expr::Not(inner) => collect_skeletons(inner, out),
    }
}

/// The skeleton a query word is also matched by: a Devanagari or Latin
/// word's, when long enough to be specific alone or in a phrase.
fn word_skeleton(word: &str, in_phrase: bool) -> Option<String> {
    match words(word).first().map(|x| x.script) {
        Some(Script::Devanagari | Script::Latin { .. }) => query_skeleton(word, in_phrase),
        _ => None,
    }
}

/// One term: its words, or their other spellings.
fn term(t: &Term, names: &Names) -> String {
    if t.prefix {
        return format!("{{title body}} : {}*", quote(&t.words));
    }
    let in_phrase = t.words.len() > 1;
    let choices: Vec<Vec<&str>> = t
        .words
        .iter()
        .map(|w| {
            let mut these = vec![w.as_str()];
            if let Some(others) = word_skeleton(w, in_phrase).and_then(|s| names.get(&s)) {
                these.extend(others.iter().map(String::as_str).filter(|o| o != w));
            }
            these
        })
        .collect();
    let phrases = spellings(&choices);
    if phrases.len() == 1 {
        return format!("{{title body}} : {}", phrases[0]);
    }
    format!("{{title body}} : ({})", phrases.join(" OR "))
}

/// The phrases made of one choice per word, at most [`MAX_PHRASES`], in
/// order (the first choices first), each quoted.
fn spellings(choices: &[Vec<&str>]) -> Vec<String> {
    let mut at = vec![0usize; choices.len()];
    let mut out = Vec::new();
    loop {
        let phrase: Vec<String> = at
            .iter()
            .zip(choices)
            .map(|(&i, c)| c[i].to_string())
            .collect();
        out.push(quote(&phrase));
        if out.len() == MAX_PHRASES {
            return out;
        }
        // The next combination, the last word's choice turning fastest.
        let mut k = choices.len();
        loop {
            if k == 0 {
                return out;
            }
            k -= 1;
            at[k] += 1;
            if at[k] < choices[k].len() {
                break;
            }
            at[k] = 0;
        }
    }
}

/// An FTS5 string of `words` (a phrase when several). Quotes are doubled,
/// as FTS5 escapes them, though folded words never hold one.
fn quote(words: &[String]) -> String {
    format!("\"{}\"", words.join(" ").replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::search::query::{Context, Query};

    fn parse(text: &str) -> Result<Expr, QueryError> {
        let q = Query::parse(
            text,
            Context {
                topics: &[],
                now: Utc::now(),
            },
        )?;
        Ok(q.expr.expect("text"))
    }

    /// A vocabulary as the demo's outlets would fill it.
    fn names() -> Names {
        let mut n = Names::new();
        for (skeleton, words) in [
            ("lvruv", &["lavrov", "लावरोव", "लैवरोव"][..]),
            ("kim", &["kim", "किम"]),
            ("jung", &["jong", "जोंग"]),
            ("un", &["un", "उन"]),
        ] {
            n.insert(
                skeleton.into(),
                words.iter().map(|w| w.to_string()).collect(),
            );
        }
        n
    }

    fn lower(text: &str) -> Result<String, QueryError> {
        fts_expression(&parse(text)?, &names())
    }

    #[test]
    fn words_are_also_matched_by_their_other_spellings() {
        assert_eq!(
            lower("लावरोव").unwrap(),
            "{title body} : (\"लावरोव\" OR \"lavrov\" OR \"लैवरोव\")"
        );
        // "un" alone is too short a skeleton to stand for a word.
        assert_eq!(
            lower("Kim Un").unwrap(),
            "({title body} : (\"kim\" OR \"किम\")) AND ({title body} : \"un\")"
        );
        assert_eq!(lower("2025").unwrap(), "{title body} : \"2025\"");
        assert_eq!(lower("lavr*").unwrap(), "{title body} : \"lavr\"*");
        assert_eq!(
            fts_expression(&parse("लावरोव").unwrap(), &Names::new()).unwrap(),
            "{title body} : \"लावरोव\""
        );
    }

    #[test]
    fn a_phrase_is_matched_in_every_spelling_up_to_a_bound() {
        let fts = lower("\"kim jong un\"").unwrap();
        assert!(fts.starts_with("{title body} : (\"kim jong un\" OR \"kim jong उन\" OR "));
        assert!(fts.contains("\"किम जोंग उन\""), "{fts}");
        assert_eq!(fts.matches(" OR ").count() + 1, 8, "{fts}");
        let mut many = Names::new();
        many.insert("kim".into(), (0..10).map(|i| format!("k{i}")).collect());
        let fts = fts_expression(&parse("\"kim kim kim\"").unwrap(), &many).unwrap();
        assert_eq!(fts.matches(" OR ").count() + 1, MAX_PHRASES, "{fts}");
        assert!(fts.starts_with("{title body} : (\"kim kim kim\" OR \"kim kim k0\""));
    }

    #[test]
    fn the_skeletons_a_query_looks_up() {
        assert_eq!(
            skeletons(&parse("लावरोव -Seoul").unwrap()),
            ["lvruv", "sul"]
        );
        assert_eq!(
            skeletons(&parse("\"kim jong un\" lavr*").unwrap()),
            ["jung", "kim", "un"]
        );
        assert!(skeletons(&parse("un 2025").unwrap()).is_empty());
    }

    #[test]
    fn not_needs_something_to_stand_beside() {
        assert_eq!(
            lower("kim -lavrov").unwrap(),
            "(({title body} : (\"kim\" OR \"किम\"))) NOT \
             ({title body} : (\"lavrov\" OR \"लावरोव\" OR \"लैवरोव\"))"
        );
        for text in ["-kim", "NOT kim", "a OR -b", "(-a) OR b"] {
            assert_eq!(lower(text), Err(QueryError::OnlyExcluded), "{text}");
        }
    }

    #[test]
    fn user_syntax_never_reaches_fts5() {
        for text in [
            "\"a\" * NEAR(b c, 2) {title}: d ^e",
            "a\"b",
            "col:x",
            "'; DROP TABLE items; --",
            "x \u{0}\"\u{0}",
        ] {
            let fts = lower(text).unwrap();
            for bad in ["NEAR", "^", "{title}", "DROP", "'", ";", "\0"] {
                assert!(!fts.contains(bad), "{text:?} → {fts}");
            }
        }
    }
}
