//! Whole-word patterns looked up by their words in a hash map, instead of
//! being walked through the Aho-Corasick automaton.
//!
//! A pattern that begins and ends with a word character can only match
//! where a run of word characters begins and where one ends (the matcher
//! keeps matches on word boundaries only). So its matches are exactly the
//! spans "from the start of word run i to the end of word run j" whose text
//! is the pattern. The item's text is cut into word runs once, and each span
//! starting at a run is looked up, one run longer at a time, while it is
//! still the beginning of some pattern: most words are the beginning of
//! none, so most cost one lookup. This gives the same matches as the
//! automaton did (a test compares both) at a cost that does not grow with
//! the gazetteer's thousands of spellings, which made the automaton larger
//! than the caches.
//!
//! Hand-written over a crate: the lookup is one `HashMap` of the patterns'
//! word prefixes; what is specific is only the word-boundary rule it keys on.

use std::collections::HashMap;

use foldhash::fast::FixedState;

use super::normalize::is_word_char;

/// What a span of words is: a whole pattern, the beginning of a longer one,
/// or both.
#[derive(Debug, Clone, Copy)]
struct Prefix {
    /// The pattern spelled by exactly this span, if any.
    pattern: Option<u32>,
    /// Whether some pattern continues past this span.
    longer: bool,
}

/// Patterns that begin and end with a word character, by their word prefixes.
#[derive(Debug, Default)]
pub(crate) struct WordIndex {
    /// Every pattern and every prefix of it that ends at the end of one of
    /// its word runs. The hasher is fixed (no random seed): the keys are the
    /// config's, not the feed's, so the table's shape is not the attacker's.
    prefixes: HashMap<Box<str>, Prefix, FixedState>,
}

/// A maximal run of word characters: byte range in the text.
pub(crate) type Run = (u32, u32);

impl WordIndex {
    /// Whether a pattern can be looked up by its words.
    pub fn takes(pattern: &str) -> bool {
        let mut chars = pattern.chars();
        chars.next().is_some_and(is_word_char) && chars.next_back().is_none_or(is_word_char)
    }

    /// Adds pattern number `id` (it must pass [`WordIndex::takes`]).
    pub fn insert(&mut self, pattern: &str, id: u32) {
        debug_assert!(WordIndex::takes(pattern));
        let mut runs = Vec::new();
        word_runs(pattern, &mut runs);
        let last = runs.len() - 1;
        for (k, &(_, end)) in runs.iter().enumerate() {
            let entry = self
                .prefixes
                .entry(pattern[..end as usize].into())
                .or_insert(Prefix {
                    pattern: None,
                    longer: false,
                });
            if k == last {
                entry.pattern = Some(id);
            } else {
                entry.longer = true;
            }
        }
    }

    /// Whether no pattern was added.
    pub fn is_empty(&self) -> bool {
        self.prefixes.is_empty()
    }

    /// Calls `found(start, end, pattern)` for every match in `text`, whose
    /// word runs are `runs`, in order of start and then end.
    pub fn find(&self, text: &str, runs: &[Run], mut found: impl FnMut(usize, usize, u32)) {
        if self.is_empty() {
            return;
        }
        for (i, &(start, _)) in runs.iter().enumerate() {
            let start = start as usize;
            for &(_, end) in &runs[i..] {
                let end = end as usize;
                let Some(prefix) = self.prefixes.get(&text[start..end]) else {
                    break;
                };
                if let Some(p) = prefix.pattern {
                    found(start, end, p);
                }
                if !prefix.longer {
                    break;
                }
            }
        }
    }
}

/// Appends the maximal runs of word characters of `text` to `out`.
pub(crate) fn word_runs(text: &str, out: &mut Vec<Run>) {
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s as u32, i as u32));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s as u32, text.len() as u32));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(index: &WordIndex, text: &str) -> Vec<(usize, usize, u32)> {
        let mut runs = Vec::new();
        word_runs(text, &mut runs);
        let mut out = Vec::new();
        index.find(text, &runs, |s, e, p| out.push((s, e, p)));
        out
    }

    #[test]
    fn spans_of_whole_words_are_found_with_their_separators() {
        let mut index = WordIndex::default();
        for (id, p) in ["nizhny novgorod", "novgorod", "people's army", "कुर्स्क"]
            .iter()
            .enumerate()
        {
            index.insert(p, id as u32);
        }
        let text = "in nizhny novgorod, the people's army; कुर्स्की कुर्स्क";
        let found: Vec<&str> = matches(&index, text)
            .iter()
            .map(|&(s, e, _)| &text[s..e])
            .collect();
        assert_eq!(
            found,
            ["nizhny novgorod", "novgorod", "people's army", "कुर्स्क"]
        );
        // Another separator between the words is another text.
        assert!(matches(&index, "nizhny  novgorod").len() == 1);
        assert!(matches(&index, "people s army").is_empty());
    }

    #[test]
    fn only_patterns_bounded_by_word_characters_are_taken() {
        assert!(WordIndex::takes("kursk"));
        assert!(WordIndex::takes("उ. कोरिया"));
        assert!(WordIndex::takes("x"));
        assert!(!WordIndex::takes("u.s."));
        assert!(!WordIndex::takes("'s"));
        assert!(!WordIndex::takes(""));
    }
}
