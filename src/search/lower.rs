//! A parsed [`Expr`] → the FTS5 `MATCH` expression, written by khabar
//! alone: every term is a double-quoted string of folded words (which hold
//! only letters, digits, signs and `_`, never a quote), every operator and
//! parenthesis is ours. No user text reaches SQLite as FTS5 syntax.
//!
//! A term matches its folded words in the `title` and `body` columns, or
//! its words' skeletons in the `deva` and `latn` columns, so that a name
//! typed in either script finds it written in the other (see
//! [`super::fold`]). FTS5's `NOT` is binary (`a NOT b`), so every `NOT`
//! must stand beside something the results contain.

use super::fold::{query_skeleton, words, Script};
use super::query::{Expr, Term};
use super::QueryError;

/// The FTS5 expression of `expr`.
pub fn fts_expression(expr: &Expr) -> Result<String, QueryError> {
    match expr {
        Expr::Term(t) => Ok(term(t)),
        Expr::And(parts) => {
            let (excluded, included): (Vec<&Expr>, Vec<&Expr>) =
                parts.iter().partition(|p| matches!(p, Expr::Not(_)));
            if included.is_empty() {
                return Err(QueryError::OnlyExcluded);
            }
            let mut out = included
                .iter()
                .map(|p| fts_expression(p).map(|s| format!("({s})")))
                .collect::<Result<Vec<_>, _>>()?
                .join(" AND ");
            for p in excluded {
                if let Expr::Not(inner) = p {
                    out = format!("({out}) NOT ({})", fts_expression(inner)?);
                }
            }
            Ok(out)
        }
        Expr::Or(parts) => Ok(parts
            .iter()
            .map(|p| fts_expression(p).map(|s| format!("({s})")))
            .collect::<Result<Vec<_>, _>>()?
            .join(" OR ")),
        Expr::Not(_) => Err(QueryError::OnlyExcluded),
    }
}

/// One term: its words, or their skeletons.
fn term(t: &Term) -> String {
    let mut own = format!("{{title body}} : {}", quote(&t.words));
    if t.prefix {
        own.push('*');
        return own;
    }
    match skeletons(&t.words) {
        Some(skel) => format!("{own} OR {{deva latn}} : {}", quote(&skel)),
        None => own,
    }
}

/// The skeletons a term is also matched by: every word's, when each word is
/// Devanagari or Latin and (alone) long enough to be specific.
fn skeletons(folded: &[String]) -> Option<Vec<String>> {
    let in_phrase = folded.len() > 1;
    folded
        .iter()
        .map(|w| {
            let script = words(w).first().map(|x| x.script);
            match script {
                Some(Script::Devanagari | Script::Latin { .. }) => query_skeleton(w, in_phrase),
                _ => None,
            }
        })
        .collect()
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

    fn lower(text: &str) -> Result<String, QueryError> {
        let q = Query::parse(
            text,
            Context {
                topics: &[],
                now: Utc::now(),
            },
        )?;
        fts_expression(&q.expr.expect("text"))
    }

    #[test]
    fn terms_match_words_or_skeletons() {
        assert_eq!(
            lower("लावरोव").unwrap(),
            "{title body} : \"लावरोव\" OR {deva latn} : \"lvruv\""
        );
        assert_eq!(
            lower("Kim Un").unwrap(),
            "({title body} : \"kim\" OR {deva latn} : \"kim\") AND ({title body} : \"un\")"
        );
        assert_eq!(
            lower("\"kim jong un\"").unwrap(),
            "{title body} : \"kim jong un\" OR {deva latn} : \"kim jung un\""
        );
        assert_eq!(lower("2025").unwrap(), "{title body} : \"2025\"");
        assert_eq!(lower("lavr*").unwrap(), "{title body} : \"lavr\"*");
    }

    #[test]
    fn not_needs_something_to_stand_beside() {
        assert_eq!(
            lower("kim -lavrov").unwrap(),
            "(({title body} : \"kim\" OR {deva latn} : \"kim\")) NOT \
             ({title body} : \"lavrov\" OR {deva latn} : \"lvruv\")"
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
