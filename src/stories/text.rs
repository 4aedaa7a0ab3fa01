//! Words of folded text and their stable hashes.
//!
//! Text is folded with the tagger's [`normalize_text`](crate::topics::normalize_text)
//! (NFC, nukta and candra folding, lowercase), then split into words: runs of
//! letters, digits and Devanagari signs. Devanagari digits read as ASCII ones,
//! digit-group commas join ("2,000" = "2000") and a decimal point between
//! digits stays ("1.2"), so numbers survive as one word.
//! Hashes are FNV-1a + a splitmix64 finaliser: stable across runs and builds,
//! since signatures are persisted.

/// True for characters inside a word: letters, digits and combining signs
/// (matras, virama, anusvara…), as the tagger splits words.
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    if ('\u{0900}'..='\u{097F}').contains(&c) {
        // Devanagari: letters, signs and digits; not the dandas (।, ॥).
        return !matches!(c, '\u{0964}' | '\u{0965}' | '\u{0970}');
    }
    c.is_alphanumeric()
        || matches!(c,
            '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}' | '\u{0951}'..='\u{0957}'
            | '\u{0962}'..='\u{0963}' | '\u{0300}'..='\u{036F}')
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('\u{0966}'..='\u{096F}').contains(&c)
}

/// Folded text with every non-word character as one space, Devanagari
/// digits as ASCII, and one space before and after: words are then
/// `split(' ')`, and spellings (folded with dashes as spaces) match on word
/// boundaries by plain search for `" spelling "`.
pub(crate) fn word_text(folded: &str) -> String {
    let mut out = String::with_capacity(folded.len() + 2);
    out.push(' ');
    let mut chars = folded.chars().peekable();
    while let Some(c) = chars.next() {
        let digit_next = chars.peek().is_some_and(|&d| is_digit(d));
        let after_digit = out.ends_with(|p: char| p.is_ascii_digit());
        // "2,000" is the number 2000; "1.2" keeps its point.
        if c == ',' && digit_next && after_digit {
            continue;
        }
        if c == '.' && digit_next && after_digit {
            out.push('.');
            continue;
        }
        let c = match c {
            '\u{0966}'..='\u{096F}' => char::from(b'0' + (c as u32 - 0x0966) as u8),
            c if is_word_char(c) => c,
            _ => ' ',
        };
        if c == ' ' && out.ends_with(' ') {
            continue;
        }
        out.push(c);
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// The words of [`word_text`] output.
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(' ').filter(|w| !w.is_empty())
}

/// The script a word is written in, as far as comparing goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    /// Devanagari letters.
    Devanagari,
    /// Latin letters (with any accents).
    Latin,
    /// Digits, or another script.
    Other,
}

/// The script of a word, from its first letter.
pub(crate) fn script_of(word: &str) -> Script {
    for c in word.chars() {
        if ('\u{0900}'..='\u{097F}').contains(&c) && !is_digit(c) {
            return Script::Devanagari;
        }
        if c.is_alphabetic() {
            return if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) {
                Script::Latin
            } else {
                Script::Other
            };
        }
    }
    Script::Other
}

pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

pub(crate) const fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
}

/// splitmix64 finaliser: spreads FNV's weak low bits.
pub(crate) const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Stable 64-bit hash of a string.
pub(crate) const fn hash(s: &str) -> u64 {
    mix(fnv(FNV_OFFSET, s.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        words(&word_text(&crate::topics::normalize_text(s)))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn words_split_on_punctuation_and_keep_numbers_whole() {
        let cases = [
            (
                "Kim's  600, ६००-रूस। 2,000",
                vec!["kim", "s", "600", "600", "रूस", "2000"],
            ),
            ("किम जोंग-उन", vec!["किम", "जोंग", "उन"]),
            ("1.2 करोड़ and 8.8.", vec!["1.2", "करोड", "and", "8.8"]),
            ("१,०१,००० रुपये", vec!["101000", "रुपये"]),
            ("end. Next", vec!["end", "next"]),
        ];
        for (text, want) in cases {
            assert_eq!(split(text), want, "{text}");
        }
    }

    #[test]
    fn scripts_are_told_apart() {
        assert_eq!(script_of("लावरोव"), Script::Devanagari);
        assert_eq!(script_of("sergueï"), Script::Latin);
        assert_eq!(script_of("2025"), Script::Other);
        assert_eq!(script_of("80वीं"), Script::Devanagari);
    }

    #[test]
    fn hashes_are_stable_across_builds() {
        // Persisted signatures depend on these values.
        assert_eq!(hash("lavrov"), 6_454_048_907_448_353_365);
    }
}
