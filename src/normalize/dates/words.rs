//! The words a date may carry: month names and time-zone abbreviations.
//! Weekday names need no table: any other word is skipped.

use crate::normalize::nfc;

/// Month names and abbreviations, lower case, in the languages outlets
/// write dates in: English, Hindi, German, French, Spanish, Portuguese,
/// Italian, Dutch, Indonesian. A word matches an entry exactly, or
/// starts with an entry of three letters or more (`Sept`, `März`,
/// `Setembro`); a trailing dot is ignored.
const MONTHS: &[(&str, u32)] = &[
    ("jan", 1),
    ("ene", 1),
    ("gen", 1),
    ("janv", 1),
    ("jän", 1),
    ("जनवरी", 1),
    ("feb", 2),
    ("fev", 2),
    ("fév", 2),
    ("févr", 2),
    ("फ़रवरी", 2),
    ("फरवरी", 2),
    ("mar", 3),
    ("mär", 3),
    ("mrt", 3),
    ("मार्च", 3),
    ("apr", 4),
    ("abr", 4),
    ("avr", 4),
    ("अप्रैल", 4),
    ("अप्रेल", 4),
    ("may", 5),
    ("mai", 5),
    ("mag", 5),
    ("mei", 5),
    ("मई", 5),
    ("jun", 6),
    ("juin", 6),
    ("giu", 6),
    ("जून", 6),
    ("jul", 7),
    ("juil", 7),
    ("lug", 7),
    ("जुलाई", 7),
    ("aug", 8),
    ("ago", 8),
    ("aoû", 8),
    ("août", 8),
    ("agu", 8),
    ("agt", 8),
    ("अगस्त", 8),
    ("sep", 9),
    ("set", 9),
    ("सितंबर", 9),
    ("सितम्बर", 9),
    ("oct", 10),
    ("okt", 10),
    ("out", 10),
    ("ott", 10),
    ("अक्टूबर", 10),
    ("अक्तूबर", 10),
    ("nov", 11),
    ("नवंबर", 11),
    ("नवम्बर", 11),
    ("dec", 12),
    ("dez", 12),
    ("dic", 12),
    ("déc", 12),
    ("des", 12),
    ("दिसंबर", 12),
    ("दिसम्बर", 12),
];

/// The month a word names, if any.
pub fn month(word: &str) -> Option<u32> {
    // NFC on both sides: फ़ may come precomposed or with a combining nukta.
    let word = nfc(&word.trim_end_matches('.').to_lowercase());
    let exact = MONTHS.iter().find(|(name, _)| nfc(name) == word);
    let prefix = || {
        // Month names are short; a long word is not one written out.
        (word.chars().count() <= 10)
            .then(|| {
                MONTHS
                    .iter()
                    .filter(|(name, _)| name.chars().count() >= 3 && word.starts_with(&nfc(name)))
                    .max_by_key(|(name, _)| name.len())
            })
            .flatten()
    };
    exact.or_else(prefix).map(|(_, m)| *m)
}

/// Zone abbreviations outlets write after the time, as seconds east of UTC.
/// Where an abbreviation is ambiguous, the reading news feeds mean wins:
/// `IST` is India (every Indian outlet), `BST` British Summer Time; `AST`
/// (Atlantic or Arabia) is left out.
const ZONES: &[(&str, i32)] = &[
    ("z", 0),
    ("ut", 0),
    ("utc", 0),
    ("gmt", 0),
    ("wet", 0),
    ("bst", 3600),
    ("west", 3600),
    ("cet", 3600),
    ("met", 3600),
    ("mez", 3600),
    ("wat", 3600),
    ("cest", 7200),
    ("mest", 7200),
    ("mesz", 7200),
    ("eet", 7200),
    ("sast", 7200),
    ("cat", 7200),
    ("eest", 10_800),
    ("msk", 10_800),
    ("eat", 10_800),
    ("gst", 14_400),
    ("pkt", 18_000),
    ("ist", 19_800),
    ("slst", 19_800),
    ("npt", 20_700),
    ("bdt", 21_600),
    ("ict", 25_200),
    ("wib", 25_200),
    ("hkt", 28_800),
    ("sgt", 28_800),
    ("pht", 28_800),
    ("awst", 28_800),
    ("jst", 32_400),
    ("kst", 32_400),
    ("acst", 34_200),
    ("aest", 36_000),
    ("acdt", 37_800),
    ("aedt", 39_600),
    ("nzst", 43_200),
    ("nzdt", 46_800),
    ("edt", -14_400),
    ("est", -18_000),
    ("cdt", -18_000),
    ("cst", -21_600),
    ("mdt", -21_600),
    ("mst", -25_200),
    ("pdt", -25_200),
    ("pst", -28_800),
    ("akdt", -28_800),
    ("akst", -32_400),
    ("hst", -36_000),
    ("adt", -10_800),
    ("brt", -10_800),
    ("art", -10_800),
];

/// The offset a zone abbreviation stands for, if it is one.
pub fn zone(word: &str) -> Option<i32> {
    let word = word.to_ascii_lowercase();
    ZONES
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, offset)| *offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_named_in_many_languages() {
        let cases = [
            ("Mar", Some(3)),
            ("March", Some(3)),
            ("Sept.", Some(9)),
            ("setembro", Some(9)),
            ("März", Some(3)),
            ("Okt", Some(10)),
            ("déc.", Some(12)),
            ("मार्च", Some(3)),
            ("फ़रवरी", Some(2)),
            ("Mon", None),
            ("Monday", None),
            ("Marathi-language", None),
            ("IST", None),
        ];
        for (word, want) in cases {
            assert_eq!(month(word), want, "{word}");
        }
    }

    #[test]
    fn zones_are_read_case_blind() {
        assert_eq!(zone("IST"), Some(19_800));
        assert_eq!(zone("est"), Some(-18_000));
        assert_eq!(zone("Mon"), None);
    }
}
