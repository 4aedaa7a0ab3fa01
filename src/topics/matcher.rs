//! Every pattern of every group found in one pass: an item's fields are
//! folded once into one buffer, cut into word runs once, and each run looked
//! up in the [`WordIndex`] of whole-word patterns, whatever the number of
//! topics or gazetteer places. A pattern that begins or ends with non-word
//! characters ("U.S.", "D.P.R.K.", "'quoted'") is looked up by its core of
//! words and its frame checked around the match. Only a pattern without a
//! word character would need the Aho-Corasick automaton (the config refuses
//! such terms); the automaton-only mode, kept as the reference the tests and
//! the bench compare against, puts every pattern there. Matches are kept
//! only on word boundaries.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::config::RuleError;
use super::normalize::{char_at, char_before, fold_into, is_word_char, Dashes, Folded};
use super::words::{word_runs, Run, WordIndex};
use super::{Field, TagInput};
use crate::model::FieldKind;

/// The compiled patterns and, per pattern, the terms it spells.
pub(crate) struct Matcher {
    /// The patterns' cores (bounded by word characters on both sides),
    /// each numbering its entry of `framed`.
    words: WordIndex,
    /// Per core: the patterns it is the core of, with their frames.
    framed: Vec<Vec<Framed>>,
    /// The patterns without a word character, if any, with their numbers.
    ac: Option<(AhoCorasick, Vec<u32>)>,
    pattern_terms: Vec<Vec<u32>>,
}

/// A pattern as its core of words and the non-word characters around it:
/// "d.p.r.k." is the core "d.p.r.k" with "" before and "." after.
struct Framed {
    pattern: u32,
    before: Box<str>,
    after: Box<str>,
}

impl Framed {
    /// The pattern's span if its frame is around the core found at
    /// `start..end`, on word boundaries as an automaton match would be.
    fn around(&self, text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
        if !text[..start].ends_with(&*self.before) || !text[end..].starts_with(&*self.after) {
            return None;
        }
        let (s, e) = (start - self.before.len(), end + self.after.len());
        // An empty frame side is a run's edge already.
        let open = self.before.is_empty() || !char_before(text, s).is_some_and(is_word_char);
        let close = self.after.is_empty() || !char_at(text, e).is_some_and(is_word_char);
        (open && close).then_some((s, e))
    }
}

/// Splits a pattern into (before, core, after) at its first and last word
/// characters; `None` when it has none.
fn frame(pattern: &str) -> Option<(&str, &str, &str)> {
    let first = pattern.find(is_word_char)?;
    let last = pattern.rfind(is_word_char)?;
    let end = last + pattern[last..].chars().next().map_or(0, char::len_utf8);
    Some((&pattern[..first], &pattern[first..end], &pattern[end..]))
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
    /// Clause number: a title's sentences split further at commas that
    /// separate two parts of at least [`MIN_CLAUSE_WORDS`] words each.
    pub clause: u32,
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
    /// Indexes the lexicon's patterns: whole-word ones by their words, the
    /// rest in an automaton.
    pub fn new(patterns: &[(String, Vec<u32>)]) -> Result<Matcher, RuleError> {
        Matcher::build(patterns, true)
    }

    /// Every pattern in the automaton, as the matcher was before the word
    /// index: the reference the word index is checked against.
    pub fn automaton_only(patterns: &[(String, Vec<u32>)]) -> Result<Matcher, RuleError> {
        Matcher::build(patterns, false)
    }

    fn build(patterns: &[(String, Vec<u32>)], by_words: bool) -> Result<Matcher, RuleError> {
        let mut words = WordIndex::default();
        let mut framed: Vec<Vec<Framed>> = Vec::new();
        let mut cores: HashMap<&str, u32> = HashMap::new();
        let mut others: Vec<u32> = Vec::new();
        for (i, (p, _)) in patterns.iter().enumerate() {
            let Some((before, core, after)) = frame(p).filter(|_| by_words) else {
                others.push(i as u32);
                continue;
            };
            let id = *cores.entry(core).or_insert_with(|| {
                framed.push(Vec::new());
                let id = (framed.len() - 1) as u32;
                words.insert(core, id);
                id
            });
            framed[id as usize].push(Framed {
                pattern: i as u32,
                before: before.into(),
                after: after.into(),
            });
        }
        let ac = if others.is_empty() {
            None
        } else {
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA).filter(|_| others.len() <= 2000))
                .build(others.iter().map(|&i| patterns[i as usize].0.as_bytes()))
                .map_err(|e| RuleError::Automaton(e.to_string()))?;
            Some((ac, others))
        };
        Ok(Matcher {
            words,
            framed,
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
        // Folding rarely grows text: reserve once instead of growing by doubling.
        let total = fields.iter().map(|(_, f)| f.len() + 1).sum::<usize>()
            + doc.categories.iter().map(|c| c.len() + 1).sum::<usize>();
        scan.folded.text.reserve(total);
        scan.folded.map.reserve(total);
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
        let title_end = scan
            .slots
            .first()
            .filter(|s| s.field == Field::Title)
            .map_or(0, |s| s.end);
        locate(&scan.folded.text, title_end, &mut scan.hits);
        scan
    }

    fn find(&self, scan: &mut Scan) {
        let text = scan.folded.text.as_str();
        let (slots, hits) = (&scan.slots, &mut scan.hits);
        let mut push = |s: usize, e: usize, pattern: u32| {
            // Fields are in text order, and a match never spans two (their
            // separator is a line break, which no pattern holds).
            let slot = slots.partition_point(|slot| slot.end < s);
            for &term in &self.pattern_terms[pattern as usize] {
                hits.push(Hit {
                    term,
                    slot: slot as u32,
                    start: s as u32,
                    end: e as u32,
                    segment: 0,
                    clause: 0,
                    word: 0,
                });
            }
        };
        if !self.words.is_empty() {
            // About one run per six bytes of text, in either script.
            let mut runs: Vec<Run> = Vec::with_capacity(text.len() / 6 + 1);
            word_runs(text, &mut runs);
            self.words.find(text, &runs, |start, end, core| {
                for f in &self.framed[core as usize] {
                    if let Some((s, e)) = f.around(text, start, end) {
                        push(s, e, f.pattern);
                    }
                }
            });
        }
        if let Some((ac, ids)) = &self.ac {
            for m in ac.find_overlapping_iter(text) {
                let (s, e) = (m.start(), m.end());
                if char_before(text, s).is_some_and(is_word_char)
                    || char_at(text, e).is_some_and(is_word_char)
                {
                    continue;
                }
                push(s, e, ids[m.pattern().as_usize()]);
            }
        }
        scan.hits.sort_by_key(|h| (h.start, h.end, h.term));
    }
}

/// A comma splits a title's sentence into clauses only between two parts
/// of at least this many words: "खाबरोवस्क में बाढ़, प्योंगयांग में परेड" is two
/// reports, while "Russia, North Korea hold talks" and "VLADIVOSTOK, July
/// 12 –" are one.
pub(crate) const MIN_CLAUSE_WORDS: u32 = 3;

/// Fills in segment, clause and word numbers, counting breaks up to each hit.
/// Breaks: line breaks (so fields and categories), `|`, `;`, `।`, `॥`, `?`,
/// `!`, and `.` before a space unless it ends a one-letter abbreviation
/// ("उ. कोरिया", "U.S."). In the title (the first `title_end` bytes),
/// clauses also break at the commas of [`clause_breaks`]: a
/// headline joins two reports with a comma, while a summary's commas set off
/// parts of one report ("troops, deployed to Kursk, …").
fn locate(text: &str, title_end: usize, hits: &mut [Hit]) {
    if hits.is_empty() {
        return;
    }
    let commas = clause_breaks(&text[..title_end]);
    let mut next_comma = commas.iter().copied().peekable();
    let bytes = text.as_bytes();
    let (mut pos, mut segment, mut clause, mut word) = (0usize, 0u32, 0u32, 0u32);
    for hit in hits.iter_mut() {
        let target = hit.start as usize;
        while pos < target {
            match bytes[pos] {
                b' ' => word += 1,
                b'\n' => word += 1,
                _ => {}
            }
            if segment_break(text, pos) {
                segment += 1;
                clause += 1;
            } else if next_comma.peek() == Some(&pos) {
                next_comma.next();
                clause += 1;
            }
            pos += 1;
        }
        hit.segment = segment;
        hit.clause = clause;
        hit.word = word;
    }
}

/// Whether the byte at `pos` ends a sentence (see [`locate`]).
#[inline]
fn segment_break(text: &str, pos: usize) -> bool {
    let bytes = text.as_bytes();
    match bytes[pos] {
        b'\n' | b'|' | b';' | b'?' | b'!' => true,
        b'.' => is_sentence_dot(text, pos),
        0xE0 => {
            bytes.get(pos + 1) == Some(&0xA5) && matches!(bytes.get(pos + 2), Some(0xA4 | 0xA5))
        }
        _ => false,
    }
}

/// Byte positions of the commas that split a sentence into
/// clauses: both sides (up to the previous split and the next comma) have
/// at least [`MIN_CLAUSE_WORDS`] words. One pass.
fn clause_breaks(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    // Words since the last split, the pending comma and words after it.
    let (mut before, mut pending, mut after) = (0u32, None::<usize>, 0u32);
    let mut in_word = false;
    for pos in 0..bytes.len() {
        let b = bytes[pos];
        // Not a colon: in a headline it introduces what the actor before it
        // said ("किम यो जोंग का बयान: रूस के साथ…").
        // "20,000" is a number, not a break.
        let is_comma = b == b',' && matches!(bytes.get(pos + 1), None | Some(b' '));
        let ends_segment = segment_break(text, pos);
        if ends_segment || is_comma {
            in_word = false;
            if let Some(c) = pending.take() {
                if before >= MIN_CLAUSE_WORDS && after >= MIN_CLAUSE_WORDS {
                    out.push(c);
                    before = after;
                } else {
                    before += after;
                }
                after = 0;
            }
            if ends_segment {
                before = 0;
            } else {
                pending = Some(pos);
            }
            continue;
        }
        let word_byte = b.is_ascii_alphanumeric() || b >= 0x80;
        if word_byte && !in_word {
            if pending.is_some() {
                after += 1;
            } else {
                before += 1;
            }
        }
        in_word = word_byte;
    }
    if let Some(c) = pending {
        if before >= MIN_CLAUSE_WORDS && after >= MIN_CLAUSE_WORDS {
            out.push(c);
        }
    }
    out
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
