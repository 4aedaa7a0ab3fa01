//! Which words of a shown text a query matched, as the index matched them
//! (folded word, prefix, or skeleton across scripts), and a snippet around
//! the first of them. The result is plain text cut in segments; templates
//! escape every segment and wrap the hits in `<mark>`.

use std::collections::HashSet;

use serde::Serialize;

use super::fold::{query_skeleton, words, Word, MAX_INDEXED_BYTES};
use super::query::Term;
use crate::translit::skeleton;

/// A piece of shown text, a hit or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// Plain text (escaped when rendered).
    pub text: String,
    /// Whether the query matched it.
    pub hit: bool,
}

/// What the query's terms match in a text.
#[derive(Debug, Clone, Default)]
pub struct Marker {
    words: HashSet<String>,
    prefixes: Vec<String>,
    skeletons: HashSet<String>,
}

impl Marker {
    /// The marker of a query's positive terms.
    pub fn new(terms: &[&Term]) -> Marker {
        let mut m = Marker::default();
        for t in terms {
            let in_phrase = t.words.len() > 1;
            for (i, w) in t.words.iter().enumerate() {
                if t.prefix && i + 1 == t.words.len() {
                    m.prefixes.push(w.clone());
                    continue;
                }
                m.words.insert(w.clone());
                if let Some(s) = query_skeleton(w, in_phrase) {
                    m.skeletons.insert(s);
                }
            }
        }
        m
    }

    fn hits(&self, w: &Word) -> bool {
        if self.words.contains(&w.folded) || self.prefixes.iter().any(|p| w.folded.starts_with(p)) {
            return true;
        }
        // Only names are met through their skeleton (the vocabulary's words).
        w.script.is_name()
            && !self.skeletons.is_empty()
            && self.skeletons.contains(&skeleton(&w.folded))
    }

    /// All of `text`, its hits marked.
    pub fn mark(&self, text: &str) -> Vec<Segment> {
        let text = head(text, MAX_INDEXED_BYTES);
        segments(text, 0, text.len(), &self.matched(text))
    }

    /// At most about `max_chars` characters of `text` around its first hit
    /// (its start when nothing matched), cut at word boundaries, with `…`
    /// where text was left out.
    pub fn snippet(&self, text: &str, max_chars: usize) -> Vec<Segment> {
        let text = head(text, MAX_INDEXED_BYTES);
        let hits = self.matched(text);
        let anchor = hits.first().map_or(0, |w| w.start);
        let start = back_chars(text, anchor, max_chars / 4);
        let start = word_start(text, start);
        let end = forward_chars(text, start, max_chars);
        let end = word_end(text, end);
        let mut out = Vec::new();
        if start > 0 {
            out.push(plain("…"));
        }
        out.extend(segments(text, start, end, &hits));
        if end < text.len() {
            out.push(plain("…"));
        }
        out
    }

    fn matched(&self, text: &str) -> Vec<Word> {
        words(text).into_iter().filter(|w| self.hits(w)).collect()
    }
}

fn plain(text: &str) -> Segment {
    Segment {
        text: text.to_string(),
        hit: false,
    }
}

/// `text[from..to]` cut into plain and hit segments.
fn segments(text: &str, from: usize, to: usize, hits: &[Word]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = from;
    for w in hits.iter().filter(|w| w.start >= from && w.end <= to) {
        if w.start < at {
            continue;
        }
        if w.start > at {
            out.push(plain(&text[at..w.start]));
        }
        out.push(Segment {
            text: text[w.start..w.end].to_string(),
            hit: true,
        });
        at = w.end;
    }
    if at < to {
        out.push(plain(&text[at..to]));
    }
    out
}

/// The first `max` bytes of `text`, cut at a character boundary.
fn head(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The byte offset `n` characters before `at`.
fn back_chars(text: &str, at: usize, n: usize) -> usize {
    text[..at]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

/// The byte offset `n` characters after `at`.
fn forward_chars(text: &str, at: usize, n: usize) -> usize {
    text[at..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| at + i)
}

/// Moves `at` forward to the start of a word (past a partial word).
fn word_start(text: &str, at: usize) -> usize {
    if at == 0 {
        return 0;
    }
    match text[at..].find(char::is_whitespace) {
        Some(i) => (at + i + 1).min(text.len()),
        None => at,
    }
}

/// Moves `at` back to the end of a word (before a partial word).
fn word_end(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    text[..at].rfind(char::is_whitespace).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::search::query::{Context, Query};

    fn marker(q: &str) -> Marker {
        let q = Query::parse(
            q,
            Context {
                topics: &[],
                now: Utc::now(),
            },
        )
        .unwrap();
        Marker::new(&q.positive_terms())
    }

    fn hits(segs: &[Segment]) -> Vec<&str> {
        segs.iter()
            .filter(|s| s.hit)
            .map(|s| s.text.as_str())
            .collect()
    }

    #[test]
    fn names_are_marked_in_either_script() {
        let m = marker("लावरोव");
        let segs = m.mark("Lavrov met Kim; लॉवरोव ने कहा");
        assert_eq!(hits(&segs), ["Lavrov", "लॉवरोव"]);
        let all: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(all, "Lavrov met Kim; लॉवरोव ने कहा", "nothing lost or added");
    }

    #[test]
    fn excluded_words_and_lowercase_lookalikes_are_not_marked() {
        let m = marker("war -were");
        assert_eq!(hits(&m.mark("They were at war")), ["war"]);
    }

    #[test]
    fn prefixes_and_folded_spellings_are_marked() {
        assert_eq!(hits(&marker("ज़ख*").mark("जखारोवा बोलीं")), ["जखारोवा"]);
    }

    #[test]
    fn snippets_centre_on_the_first_hit() {
        let text = format!("{} Wonsan {}", "शुरू ".repeat(100), "अंत ".repeat(100));
        let segs = marker("wonsan").snippet(&text, 80);
        assert_eq!(segs.first().unwrap().text, "…");
        assert_eq!(segs.last().unwrap().text, "…");
        assert_eq!(hits(&segs), ["Wonsan"]);
        let shown: usize = segs.iter().map(|s| s.text.chars().count()).sum();
        assert!(shown <= 84, "{shown}");
        let short = marker("x").snippet("छोटा पाठ", 80);
        assert_eq!(short, [plain("छोटा पाठ")]);
    }
}
