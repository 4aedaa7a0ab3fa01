//! One Aho-Corasick automaton over every pattern of every group: an item's
//! fields are folded once into one buffer and scanned once, whatever the number
//! of topics. Matches are kept only on word boundaries.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::config::RuleError;
use super::normalize::{char_at, char_before, fold_into, is_word_char, Dashes, Folded};
use super::{Field, TagInput};
use crate::model::FieldKind;

/// The compiled automaton and, per pattern, the terms it spells.
pub(crate) struct Matcher {
    ac: AhoCorasick,
    pattern_terms: Vec<Vec<u32>>,
}

/// One field of one item inside the scan buffer.
pub(crate) struct Slot<'a> {
    pub field: Field,
    pub kind: FieldKind,
    /// Where the field's folded text ends in the buffer.
    pub end: usize,
    /// The field as given, for showing matches as written.
    pub source: &'a str,
}

/// A term found on word boundaries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub term: u32,
    pub slot: u32,
    /// Byte range in the folded buffer.
    pub start: u32,
    pub end: u32,
    /// Sentence (segment) number, counted over the whole buffer.
    pub segment: u32,
    /// Word number, counted over the whole buffer.
    pub word: u32,
}

/// An item folded, scanned and located.
pub(crate) struct Scan<'a> {
    pub folded: Folded,
    pub slots: Vec<Slot<'a>>,
    pub hits: Vec<Hit>,
}

impl Scan<'_> {
    /// The matched text as written in the item.
    pub fn surface(&self, hit: &Hit) -> &str {
        let slot = &self.slots[hit.slot as usize];
        let (a, b) = self.source_range(hit);
        slot.source
            .get(a..b)
            .unwrap_or("")
            .trim_end_matches(|c: char| !is_word_char(c) && c != '.')
    }

    /// The match's byte range in its field as given.
    pub fn source_range(&self, hit: &Hit) -> (usize, usize) {
        let slot = &self.slots[hit.slot as usize];
        let map = &self.folded.map;
        let a = map[hit.start as usize] as usize;
        let b = if (hit.end as usize) < slot.end {
            map[hit.end as usize] as usize
        } else {
            slot.source.len()
        };
        (a, b.max(a))
    }
}

impl Matcher {
    /// Builds the automaton over the lexicon's patterns.
    pub fn new(patterns: &[(String, Vec<u32>)]) -> Result<Matcher, RuleError> {
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA).filter(|_| patterns.len() <= 2000))
            .build(patterns.iter().map(|(p, _)| p.as_bytes()))
            .map_err(|e| RuleError::Automaton(e.to_string()))?;
        Ok(Matcher {
            ac,
            pattern_terms: patterns.iter().map(|(_, t)| t.clone()).collect(),
        })
    }

    /// Folds the item's fields into one buffer (a line break between fields,
    /// and between categories) and finds every term on word boundaries.
    pub fn scan<'a>(&self, doc: &TagInput<'a>) -> Scan<'a> {
        let mut scan = Scan {
            folded: Folded::default(),
            slots: Vec::new(),
            hits: Vec::new(),
        };
        let fields = [
            (Field::Title, doc.title),
            (Field::Summary, doc.summary),
            (Field::Content, doc.content),
        ];
        let cats = doc
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| (Field::Category(i), c.as_str()));
        for (field, source) in fields.into_iter().chain(cats) {
            if source.trim().is_empty() {
                continue;
            }
            fold_into(source, Dashes::Space, &mut scan.folded);
            let end = scan.folded.text.len();
            scan.folded.push_separator(source.len());
            scan.slots.push(Slot {
                field,
                kind: field.kind(),
                end,
                source,
            });
        }
        self.find(&mut scan);
        locate(&scan.folded.text, &mut scan.hits);
        scan
    }

    fn find(&self, scan: &mut Scan) {
        let text = scan.folded.text.as_str();
        let mut slot = 0;
        for m in self.ac.find_overlapping_iter(text) {
            let (s, e) = (m.start(), m.end());
            if char_before(text, s).is_some_and(is_word_char)
                || char_at(text, e).is_some_and(is_word_char)
            {
                continue;
            }
            while scan.slots[slot].end < s {
                slot += 1;
            }
            for &term in &self.pattern_terms[m.pattern().as_usize()] {
                scan.hits.push(Hit {
                    term,
                    slot: slot as u32,
                    start: s as u32,
                    end: e as u32,
                    segment: 0,
                    word: 0,
                });
            }
        }
        scan.hits.sort_by_key(|h| (h.start, h.end, h.term));
    }
}

/// Fills in segment and word numbers, counting breaks up to each hit.
/// Breaks: line breaks (so fields and categories), `|`, `;`, `।`, `॥`, `?`,
/// `!`, and `.` before a space unless it ends a one-letter abbreviation
/// ("उ. कोरिया", "U.S.").
fn locate(text: &str, hits: &mut [Hit]) {
    let bytes = text.as_bytes();
    let (mut pos, mut segment, mut word) = (0usize, 0u32, 0u32);
    for hit in hits.iter_mut() {
        let target = hit.start as usize;
        while pos < target {
            match bytes[pos] {
                b' ' => word += 1,
                b'\n' => {
                    word += 1;
                    segment += 1;
                }
                b'|' | b';' | b'?' | b'!' => segment += 1,
                b'.' if is_sentence_dot(text, pos) => segment += 1,
                0xE0 if bytes.get(pos + 1) == Some(&0xA5)
                    && matches!(bytes.get(pos + 2), Some(0xA4 | 0xA5)) =>
                {
                    segment += 1
                }
                _ => {}
            }
            pos += 1;
        }
        hit.segment = segment;
        hit.word = word;
    }
}

fn is_sentence_dot(text: &str, pos: usize) -> bool {
    if !matches!(text.as_bytes().get(pos + 1), None | Some(b' ' | b'\n')) {
        return false; // 1.5, example.org
    }
    let mut before = text[..pos].chars().rev();
    match (before.next(), before.next()) {
        (Some(a), None) => !is_word_char(a),
        (Some(a), Some(b)) => !(is_word_char(a) && matches!(b, ' ' | '.' | '\n')),
        _ => true,
    }
}
