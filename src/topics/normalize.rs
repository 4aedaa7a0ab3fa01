//! Text folding used for matching: the same function folds the lexicon's terms
//! and the items' text, so that a term matches whatever way it was typed.
//!
//! Folding, in order: Unicode NFC; Devanagari nukta dropped (ज़ → ज, precomposed
//! or combining); candrabindu → anusvara (ँ → ं); candra vowels → plain
//! (ॉ → ा, ऑ → आ, ॅ → े) so मॉस्को = मास्को; ZWJ, ZWNJ, ZWSP, BOM and soft
//! hyphen dropped; all hyphens and dashes → `-`; curly and other quotes → `'`
//! or `"`; line breaks → `\n`; other white space → one space (runs collapse);
//! letters lowercased (Devanagari has no case, so this folds Latin, Cyrillic…).

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

/// Bump when folding changes: stored tags made under another folding are stale.
pub(crate) const FOLDING_VERSION: u32 = 1;

/// How dashes come out of the folding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dashes {
    /// Every dash becomes `-` (the public [`normalize_text`]).
    Hyphen,
    /// Every dash becomes a space, so "किम जोंग-उन" and "किम जोंग उन" fold alike.
    Space,
}

/// Folds `s` the way the tagger does before matching (dashes kept as `-`).
///
/// ```
/// use khabar::topics::normalize_text;
/// assert_eq!(normalize_text("North–Korea’s  DPRK"), "north-korea's dprk");
/// assert_eq!(normalize_text("ज़मीन"), normalize_text("ज\u{093C}मीन"));
/// ```
pub fn normalize_text(s: &str) -> String {
    let mut out = Folded::default();
    fold_into(s, Dashes::Hyphen, &mut out);
    out.text
}

/// Folded text plus, for each of its bytes, the byte offset in the source of
/// the character it came from (so matches can be shown as written).
#[derive(Default)]
pub(crate) struct Folded {
    pub text: String,
    pub map: Vec<u32>,
}

impl Folded {
    fn push(&mut self, c: char, orig: usize) {
        let last = self.text.as_bytes().last().copied();
        match c {
            ' ' if matches!(last, None | Some(b' ') | Some(b'\n')) => return,
            '\n' if last == Some(b'\n') => return,
            '\n' if last == Some(b' ') => {
                // A space before a line break carries nothing: overwrite it.
                self.text.pop();
                self.map.pop();
            }
            _ => {}
        }
        self.text.push(c);
        // Offsets are u32: fields are capped far below 4 GiB by the fetch stage.
        let o = orig as u32;
        self.map.extend(std::iter::repeat_n(o, c.len_utf8()));
    }

    /// Appends a separator that does not come from any source text.
    pub fn push_separator(&mut self, orig: usize) {
        self.push('\n', orig);
    }
}

/// Folds `s`, appending to `out` with source offsets relative to `s`.
///
/// NFC is computed only where it can change something: ASCII, Latin-1,
/// Devanagari and general punctuation are already composed (a Devanagari
/// nukta, the only mark there that composes, is dropped anyway), so only a
/// cluster with another character (a starter and its combining marks, e.g.
/// "e" + U+0301) goes through the normaliser. Runs of characters that fold
/// to themselves (or only lose their case) are copied whole ([`copy_plain`]).
pub(crate) fn fold_into(s: &str, dashes: Dashes, out: &mut Folded) {
    let mut i = 0;
    while i < s.len() {
        let copied = copy_plain(s, i, out);
        if copied > i {
            i = copied;
            continue;
        }
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        let mut end = i + c.len_utf8();
        let next_is_mark = s[end..].chars().next().is_some_and(|d| !is_simple(d));
        if is_simple(c) && !next_is_mark {
            fold_char(c, dashes, i, out);
            i = end;
            continue;
        }
        while let Some(d) = s[end..].chars().next() {
            if canonical_combining_class(d) == 0 {
                break;
            }
            end += d.len_utf8();
        }
        for n in s[i..end].nfc() {
            fold_char(n, dashes, i, out);
        }
        i = end;
    }
}

/// Copies the run of characters from byte `from` of `s` that fold to
/// themselves: printable ASCII but `-` and `` ` `` (lowercased), a space
/// that does not follow a space or line break, and Devanagari letters and
/// signs that no folding rule changes. Stops before the run's last
/// character when a combining mark follows it (that pair goes through the
/// normaliser). Returns where the run ends (`from` if it is empty).
///
/// The same output as [`fold_char`] one character at a time (the tests fold
/// every text both ways), in bulk: folding is most of the tagger's work.
fn copy_plain(s: &str, from: usize, out: &mut Folded) -> usize {
    let bytes = s.as_bytes();
    let mut last = out.text.as_bytes().last().copied();
    let (mut end, mut last_start) = (from, from);
    let map_len = out.map.len();
    while let Some(&b) = bytes.get(end) {
        let len = match b {
            b' ' if !matches!(last, None | Some(b' ' | b'\n')) => 1,
            b'-' | b'`' => break,
            b'!'..=b'~' => 1,
            0xE0 if plain_devanagari(bytes.get(end + 1..end + 3)) => 3,
            _ => break,
        };
        out.map.extend(std::iter::repeat_n(end as u32, len));
        last_start = end;
        last = Some(b);
        end += len;
    }
    if end > from && s[end..].chars().next().is_some_and(|d| !is_simple(d)) {
        out.map.truncate(out.map.len() - (end - last_start));
        end = last_start;
    }
    debug_assert_eq!(out.map.len() - map_len, end - from);
    let start = out.text.len();
    out.text.push_str(&s[from..end]);
    out.text[start..].make_ascii_lowercase();
    end
}

/// Whether the Devanagari character whose UTF-8 bytes after the leading
/// 0xE0 are `rest` folds to itself.
#[inline]
fn plain_devanagari(rest: Option<&[u8]>) -> bool {
    let Some(&[b1 @ (0xA4 | 0xA5), b2]) = rest else {
        return false;
    };
    let c = 0x900 + (u32::from(b1 & 1) << 6) + u32::from(b2 & 0x3F);
    char::from_u32(c).is_some_and(|c| fold_special(c, Dashes::Space).is_none())
}

/// Characters that are their own NFC whatever surrounds them (for folding).
fn is_simple(c: char) -> bool {
    c < '\u{0300}'
        || ('\u{0900}'..='\u{097F}').contains(&c)
        || ('\u{2000}'..='\u{206F}').contains(&c)
}

fn fold_char(c: char, dashes: Dashes, orig: usize, out: &mut Folded) {
    if c.is_ascii() {
        let f = match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            '-' if dashes == Dashes::Space => ' ',
            '\n' | '\r' | '\u{0B}' | '\u{0C}' => '\n',
            '`' => '\'',
            c if c.is_ascii_control() || c == '\t' => ' ',
            c => c,
        };
        out.push(f, orig);
        return;
    }
    match fold_special(c, dashes) {
        Some(Fold::Drop) => {}
        Some(Fold::To(f)) => out.push(f, orig),
        None if ('\u{0900}'..='\u{097F}').contains(&c) => out.push(c, orig),
        None if c.is_whitespace() => out.push(' ', orig),
        None if c.is_uppercase() => c.to_lowercase().for_each(|l| out.push(l, orig)),
        None => out.push(c, orig),
    }
}

enum Fold {
    Drop,
    To(char),
}

fn fold_special(c: char, dashes: Dashes) -> Option<Fold> {
    let dash = if dashes == Dashes::Space { ' ' } else { '-' };
    Some(match c {
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{093C}' => Fold::Drop,
        '\u{0958}'..='\u{095F}' | '\u{0929}' | '\u{0931}' | '\u{0934}' => {
            Fold::To(strip_nukta_letter(c))
        }
        '\u{0901}' => Fold::To('\u{0902}'),
        '\u{0949}' => Fold::To('\u{093E}'),
        '\u{0911}' => Fold::To('\u{0906}'),
        '\u{0945}' => Fold::To('\u{0947}'),
        '\u{090D}' => Fold::To('\u{090F}'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => {
            Fold::To(dash)
        }
        '\u{2E3A}' | '\u{2E3B}' => Fold::To(dash),
        '\u{2018}'..='\u{201B}' | '\u{2032}' | '\u{00B4}' | '\u{FF07}' => Fold::To('\''),
        '\u{201C}'..='\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' | '\u{FF02}' => {
            Fold::To('"')
        }
        '\u{0085}' | '\u{2028}' | '\u{2029}' => Fold::To('\n'),
        c if c.is_control() => Fold::To(' '),
        _ => return None,
    })
}

/// Maps a precomposed Devanagari nukta letter to its base letter.
fn strip_nukta_letter(c: char) -> char {
    match c {
        '\u{0958}' => 'क',
        '\u{0959}' => 'ख',
        '\u{095A}' => 'ग',
        '\u{095B}' => 'ज',
        '\u{095C}' => 'ड',
        '\u{095D}' => 'ढ',
        '\u{095E}' => 'फ',
        '\u{095F}' => 'य',
        '\u{0929}' => 'न',
        '\u{0931}' => 'र',
        '\u{0934}' => 'ळ',
        c => c,
    }
}

/// True for characters that belong to a word: letters, digits, and combining
/// signs (matras, virama, anusvara, visarga…), so "रूस" ends before a space but
/// not before "ी" or "ो".
///
/// ASCII and the Devanagari block are answered without Unicode's tables
/// (the matcher asks for every character of every item; a test checks the
/// shortcut against the full definition for every character).
#[inline]
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    if ('\u{0900}'..='\u{097F}').contains(&c) {
        // Only the dandas and the abbreviation sign are punctuation.
        return !matches!(c, '\u{0964}' | '\u{0965}' | '\u{0970}');
    }
    is_word_char_by_tables(c)
}

fn is_word_char_by_tables(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c,
            '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}' | '\u{0951}'..='\u{0957}'
            | '\u{0962}'..='\u{0963}' | '\u{0300}'..='\u{036F}' | '_')
}

/// The character ending just before byte `at` of `s`, if any.
pub(crate) fn char_before(s: &str, at: usize) -> Option<char> {
    s[..at].chars().next_back()
}

/// The character starting at byte `at` of `s`, if any.
pub(crate) fn char_at(s: &str, at: usize) -> Option<char> {
    s[at..].chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_cases() {
        let cases = [
            ("nukta precomposed equals combining", "ज़ंग", "ज\u{093C}ंग"),
            ("nukta dropped", "फ़ैसला", "फैसला"),
            ("candrabindu folds to anusvara", "पहुँचे", "पहुंचे"),
            ("candra o folds", "नॉर्थ कोरिया", "नार्थ कोरिया"),
            ("zwj and zwnj dropped", "क्\u{200D}ष\u{200C}त्र", "क्षत्र"),
            ("en dash to hyphen", "Kim–Putin", "kim-putin"),
            ("minus sign to hyphen", "a\u{2212}b", "a-b"),
            ("curly quotes unified", "‘Kim’ “Un”", "'kim' \"un\""),
            ("white space collapses", "a \u{00A0}\t b", "a b"),
            ("latin case folded", "DPRK Moscow", "dprk moscow"),
            ("crlf to newline", "a\r\nb", "a\nb"),
            ("latin nfc", "Pyongyang café", "Pyongyang cafe\u{0301}"),
            ("nukta letter before virama", "ज़्य", "ज\u{093C}्य"),
        ];
        for (what, a, b) in cases {
            assert_eq!(normalize_text(a), normalize_text(b), "{what}");
        }
        assert_eq!(normalize_text("Kim–Putin"), "kim-putin");
    }

    #[test]
    fn matching_mode_turns_dashes_into_spaces() {
        let mut out = Folded::default();
        fold_into("किम जोंग-उन", Dashes::Space, &mut out);
        assert_eq!(out.text, "किम जोंग उन");
        assert_eq!(out.map.len(), out.text.len());
    }

    #[test]
    fn offsets_point_back_into_the_source() {
        let src = "ज़ Kim";
        let mut out = Folded::default();
        fold_into(src, Dashes::Space, &mut out);
        let k = out.text.find('k').expect("k is in the folded text");
        assert_eq!(&src[out.map[k] as usize..], "Kim");
    }

    #[test]
    fn word_chars_include_devanagari_signs() {
        for c in ['ी', 'ो', '्', 'ं', 'ः', 'क', 'a', '7'] {
            assert!(is_word_char(c), "{c:?}");
        }
        for c in [' ', '-', '।', '|', '\'', ','] {
            assert!(!is_word_char(c), "{c:?}");
        }
    }

    #[test]
    fn the_word_char_shortcut_agrees_with_the_tables() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(is_word_char(c), is_word_char_by_tables(c), "{c:?}");
        }
    }

    /// The reference: every character through `fold_char` (or the
    /// normaliser), none copied in bulk.
    fn fold_by_chars(s: &str, dashes: Dashes) -> Folded {
        let mut out = Folded::default();
        let mut chars = s.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let next_is_mark = chars.peek().is_some_and(|&(_, d)| !is_simple(d));
            if is_simple(c) && !next_is_mark {
                fold_char(c, dashes, i, &mut out);
                continue;
            }
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if canonical_combining_class(d) == 0 {
                    break;
                }
                end = j + d.len_utf8();
                chars.next();
            }
            for n in s[i..end].nfc() {
                fold_char(n, dashes, i, &mut out);
            }
        }
        out
    }

    #[test]
    fn bulk_copying_folds_as_one_character_at_a_time() {
        let mut texts: Vec<String> = [
            "North–Korea’s  DPRK: Kim Jong-un, पुतिन और किम   की मुलाक़ात।",
            " \n leading  \r\n spaces \t\u{00A0} and e\u{0301} café a\u{0301}\u{0323}",
            "ज़मीन ज\u{093C}मीन पहुँचे नॉर्थ ऑ ॅ ऍ क\u{0301} क \u{0301}x `q` A-B",
            "ABC DEF ghi 123 !@#$%^&*()_+={}[]|\\:;'\"<>,.?/ ~",
            "",
            " ",
            "\u{0300}a",
            "🙂 Ünïcödé İ ß",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every Devanagari code point, alone and followed by a space, a
        // combining mark and a letter.
        for c in '\u{0900}'..='\u{097F}' {
            texts.push(format!("{c} a{c}\u{0301}b{c}{c}. {c}"));
        }
        for text in &texts {
            for dashes in [Dashes::Space, Dashes::Hyphen] {
                let mut bulk = Folded::default();
                fold_into(text, dashes, &mut bulk);
                let chars = fold_by_chars(text, dashes);
                assert_eq!(bulk.text, chars.text, "{text:?}");
                assert_eq!(bulk.map, chars.map, "{text:?}");
            }
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "",
            "।।।|||;;",
            "\u{093C}\u{0901}",
            "🙂 Ünïcödé İ ß",
            "\u{0300}a",
        ] {
            let _ = normalize_text(s);
        }
    }
}
