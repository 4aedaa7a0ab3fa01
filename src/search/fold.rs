//! Text → the tokens the full-text index holds, and the same for a query's
//! words, so that both sides meet.
//!
//! Words are folded exactly as topics fold text ([`crate::topics`]: NFC,
//! nukta, candra vowels, ZWJ/ZWNJ, case) and end where Devanagari words
//! end (vowel signs, virama and nukta belong to the word). Beside the
//! folded words each item gives its names to the index's vocabulary: every
//! distinct Devanagari word and capitalised Latin word, with its
//! [`skeleton`], the key on which spellings in both scripts meet (लावरोव =
//! Lavrov). A query word is then also matched by every word the vocabulary
//! holds under its skeleton ([`super::lower`]). Lower-case Latin words are
//! not names, so that an English "were" never meets "war".

pub use crate::model::IndexText;
use crate::topics::{fold_into, is_word_char, Dashes, Folded};
use crate::translit::skeleton;

/// Longest word indexed or searched, in bytes. A longer "word" is a URL,
/// a hash or junk that nobody types, and would only bloat the index.
pub const MAX_WORD_BYTES: usize = 64;

/// The most text indexed per item, in bytes of its title, summary and
/// content together; an article longer than this is indexed up to here.
pub const MAX_INDEXED_BYTES: usize = 32 * 1024;

/// Shortest skeleton a lone query word is matched by: shorter ones ("un",
/// "k") are shared by too many unrelated words across the scripts. Within
/// a phrase every word's skeleton counts, because the phrase as a whole is
/// specific.
pub const MIN_SKELETON_CHARS: usize = 3;

impl IndexText {
    /// The index text of an item: its plain-text title, summary and content.
    /// The summary is left out when the content already contains it (feeds
    /// often send the article's first paragraph as both).
    pub fn of(title: &str, summary: Option<&str>, content: &str) -> IndexText {
        let mut out = IndexText::default();
        let mut names = Vec::new();
        let mut budget = MAX_INDEXED_BYTES;
        add(&mut out.title, &mut names, cut(title, &mut budget));
        let summary = summary.map(str::trim).unwrap_or_default();
        if !summary.is_empty() && !content.contains(summary) {
            add(&mut out.body, &mut names, cut(summary, &mut budget));
        }
        add(&mut out.body, &mut names, cut(content, &mut budget));
        names.sort_unstable();
        names.dedup();
        for word in names {
            let s = skeleton(&word);
            if !s.is_empty() {
                push_token(&mut out.names, &s);
                push_token(&mut out.names, &word);
            }
        }
        out
    }

    /// The index text of an item as a poll normalised it.
    pub fn of_new_item(item: &crate::model::NewItem) -> IndexText {
        let content = item
            .content
            .as_ref()
            .map(|c| crate::normalize::html_to_text(c.as_str()))
            .unwrap_or_default();
        IndexText::of(&item.title, item.summary.as_deref(), &content)
    }
}

/// Appends the folded words of `text` to `column`, and its names (its
/// Devanagari and capitalised Latin words) to `names`.
fn add(column: &mut String, names: &mut Vec<String>, text: &str) {
    for word in words(text) {
        push_token(column, &word.folded);
        if word.script.is_name() {
            names.push(word.folded);
        }
    }
}

/// Appends `token` to a space-separated column.
fn push_token(column: &mut String, token: &str) {
    if !column.is_empty() {
        column.push(' ');
    }
    column.push_str(token);
}

/// At most `budget` bytes of `text` (cut at a character boundary), taken
/// from the budget.
fn cut<'a>(text: &'a str, budget: &mut usize) -> &'a str {
    let mut end = text.len().min(*budget);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    *budget -= end;
    &text[..end]
}

/// The script of a word, as the index sorts skeletons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Devanagari letters.
    Devanagari,
    /// Latin letters.
    Latin {
        /// Whether the word was written with a capital first letter.
        capital: bool,
    },
    /// Digits, other scripts.
    Other,
}

impl Script {
    /// Whether a word of this script is a name for the vocabulary of
    /// skeletons: Devanagari words and capitalised Latin ones.
    pub fn is_name(self) -> bool {
        matches!(self, Script::Devanagari | Script::Latin { capital: true })
    }
}

/// One word of a text: folded, with where it stands in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The folded word (as indexed).
    pub folded: String,
    /// Byte offset of its first character in the source text.
    pub start: usize,
    /// Byte offset just past its last character in the source text.
    pub end: usize,
    /// Its script.
    pub script: Script,
}

/// The words of `text`, folded, in order; runs longer than
/// [`MAX_WORD_BYTES`] are skipped. Linear in the text.
pub fn words(text: &str) -> Vec<Word> {
    let mut folded = Folded::default();
    fold_into(text, Dashes::Space, &mut folded);
    let mut out = Vec::new();
    let mut start = None;
    let len = folded.text.len();
    for (i, c) in folded.text.char_indices().chain([(len, ' ')]) {
        match (i < len && is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                start = None;
                if i - s <= MAX_WORD_BYTES {
                    out.push(word(text, &folded, s, i));
                }
            }
            _ => {}
        }
    }
    out
}

/// The word at folded bytes `from..to`, with its source offsets.
fn word(source: &str, folded: &Folded, from: usize, to: usize) -> Word {
    let text = &folded.text[from..to];
    let start = folded.map[from] as usize;
    let last = folded.map[to - 1] as usize;
    let end = last + source[last..].chars().next().map_or(0, char::len_utf8);
    let first = source[start..].chars().next().unwrap_or(' ');
    Word {
        folded: text.to_string(),
        start,
        end: end.max(start),
        script: script_of(text, first),
    }
}

/// The script of a folded word whose source began with `first`.
fn script_of(folded: &str, first: char) -> Script {
    match folded.chars().next() {
        Some(c) if ('\u{0900}'..='\u{097F}').contains(&c) => Script::Devanagari,
        Some(c) if c.is_alphabetic() && c < '\u{0250}' => Script::Latin {
            capital: first.is_uppercase(),
        },
        _ => Script::Other,
    }
}

/// The skeleton a query word is also matched by: when it is long enough to
/// be specific on its own (see [`MIN_SKELETON_CHARS`]), or in a phrase.
pub fn query_skeleton(folded: &str, in_phrase: bool) -> Option<String> {
    let s = skeleton(folded);
    let long_enough = s.chars().count() >= MIN_SKELETON_CHARS;
    (!s.is_empty() && (in_phrase || long_enough)).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.folded).collect()
    }

    #[test]
    fn words_are_folded_the_way_topics_fold() {
        let cases = [
            ("nukta", "ज़खारोवा", "जखारोवा"),
            ("candrabindu", "पहुँचे", "पहुंचे"),
            ("candra o", "नॉर्थ", "नार्थ"),
            ("zwj", "क्\u{200D}ष", "क्ष"),
            ("case", "LAVROV", "lavrov"),
            ("nfc", "cafe\u{0301}", "café"),
        ];
        for (what, a, b) in cases {
            assert_eq!(folded(a), folded(b), "{what}");
        }
    }

    #[test]
    fn devanagari_words_keep_their_signs() {
        assert_eq!(
            folded("रूस-उत्तर कोरिया: पुतिन ने किम से की बात।"),
            ["रूस", "उत्तर", "कोरिया", "पुतिन", "ने", "किम", "से", "की", "बात"]
        );
    }

    #[test]
    fn offsets_point_at_the_words_as_written() {
        let text = "लावरोव ने Wonsan में ज़ोर दिया";
        for w in words(text) {
            let shown = &text[w.start..w.end];
            assert_eq!(folded(shown), std::slice::from_ref(&w.folded), "{shown:?}");
        }
        let z = words(text).into_iter().find(|w| w.folded == "जोर").unwrap();
        assert_eq!(&text[z.start..z.end], "ज़ोर");
    }

    #[test]
    fn names_are_the_devanagari_and_capitalised_words_once() {
        let t = IndexText::of("Lavrov meets Kim in Wonsan", Some("लावरोव और किम"), "Kim");
        assert_eq!(t.title, "lavrov meets kim in wonsan");
        assert_eq!(t.body, "लावरोव और किम kim");
        let names: Vec<_> = t.names().collect();
        let and = skeleton("और");
        let mut want = vec![
            ("kim", "kim"),
            ("lvruv", "lavrov"),
            ("vunsn", "wonsan"),
            ("lvruv", "लावरोव"),
            (and.as_str(), "और"),
            ("kim", "किम"),
        ];
        want.sort_by_key(|(_, w)| *w);
        assert_eq!(names, want);
    }

    #[test]
    fn a_summary_inside_the_content_is_indexed_once() {
        let t = IndexText::of("t", Some("पहला वाक्य।"), "पहला वाक्य। दूसरा वाक्य।");
        assert_eq!(t.body, "पहला वाक्य दूसरा वाक्य");
        let t = IndexText::of("t", Some("सार"), "लेख");
        assert_eq!(t.body, "सार लेख");
    }

    #[test]
    fn indexed_text_is_bounded() {
        let long = "शब्द ".repeat(40_000);
        let t = IndexText::of("t", None, &long);
        assert!(t.body.len() <= MAX_INDEXED_BYTES);
        let junk = "x".repeat(10_000);
        assert_eq!(folded(&format!("a {junk} b")), ["a", "b"]);
    }

    #[test]
    fn lone_short_skeletons_are_not_used() {
        assert_eq!(query_skeleton("un", false), None);
        assert_eq!(query_skeleton("un", true).as_deref(), Some("un"));
        assert_eq!(query_skeleton("लावरोव", false).as_deref(), Some("lvruv"));
        assert_eq!(query_skeleton("।", true), None);
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "",
            "\u{093C}",
            "a\u{0301}\u{0301}",
            "🙂 🙂",
            "\0\0",
            "İ ß ﬀ",
            "'''",
        ] {
            let _ = IndexText::of(s, Some(s), s);
            let _ = words(s);
        }
    }
}
