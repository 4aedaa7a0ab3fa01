//! Numbers as values, whatever the script and the way they are written:
//! digits ("12,000,000", "१.२"), number words in Hindi and English ("बारह",
//! "twelve"), scales including the Indian ones ("1.2 करोड़" = "12 million"
//! = 12,000,000; "1 करोड़ 20 लाख" is the same), and multiples ("दोगुना" =
//! "doubled" = "2x"). Two reports of one event give its figures in either
//! form, so a figure is evidence across languages (issue #13).
//!
//! Hand-written: no maintained crate reads Hindi number words and Indian
//! scales; the tables are Hindi's and English's number words, nothing of
//! any beat.

use std::collections::HashMap;
use std::sync::OnceLock;

/// One number found in text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Figure {
    /// A quantity: 12000000, 8.8, 2025.
    Value(f64),
    /// A multiple: "doubled", "दोगुना", "3x".
    Times(f64),
}

impl Figure {
    /// The canonical text: "12000000", "8.8", "x2".
    pub(crate) fn canonical(self) -> String {
        match self {
            Figure::Value(v) => format_value(v),
            Figure::Times(v) => format!("x{}", format_value(v)),
        }
    }
}

fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        // Three decimals are more than any report gives; trailing zeros go.
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// What a word means for numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Word {
    /// A number word: "twelve", "बारह".
    Number(f64),
    /// A scale: "thousand", "लाख", "करोड़", "million".
    Scale(f64),
    /// A multiple on its own: "doubled", "दोगुना".
    Times(f64),
    /// "गुना" / "fold" after a number: "तीन गुना", "3-fold".
    TimesSuffix,
}

/// Hindi number words 1–100 (folded as the tagger folds: no nukta, ँ → ं).
const HINDI: &str = "एक दो तीन चार पांच छह सात आठ नौ दस ग्यारह बारह तेरह चौदह पंद्रह सोलह सत्रह \
    अठारह उन्नीस बीस इक्कीस बाईस तेईस चौबीस पच्चीस छब्बीस सत्ताईस अट्ठाईस उनतीस तीस इकतीस \
    बत्तीस तैंतीस चौंतीस पैंतीस छत्तीस सैंतीस अडतीस उनतालीस चालीस इकतालीस बयालीस तैंतालीस \
    चवालीस पैंतालीस छियालीस सैंतालीस अडतालीस उनचास पचास इक्यावन बावन तिरेपन चौवन पचपन छप्पन \
    सत्तावन अट्ठावन उनसठ साठ इकसठ बासठ तिरसठ चौंसठ पैंसठ छियासठ सडसठ अडसठ उनहत्तर सत्तर \
    इकहत्तर बहत्तर तिहत्तर चौहत्तर पचहत्तर छिहत्तर सतहत्तर अठहत्तर उन्यासी अस्सी इक्यासी बयासी \
    तिरासी चौरासी पचासी छियासी सत्तासी अट्ठासी नवासी नब्बे इक्यानबे बानबे तिरानबे चौरानबे \
    पचानबे छियानबे सत्तानबे अट्ठानबे निन्यानबे";

/// Other spellings of Hindi number words, and English's.
const OTHER_NUMBERS: &[(&str, f64)] = &[
    ("छः", 6.0),
    ("छै", 6.0),
    ("पन्द्रह", 15.0),
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("thirteen", 13.0),
    ("fourteen", 14.0),
    ("fifteen", 15.0),
    ("sixteen", 16.0),
    ("seventeen", 17.0),
    ("eighteen", 18.0),
    ("nineteen", 19.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("sixty", 60.0),
    ("seventy", 70.0),
    ("eighty", 80.0),
    ("ninety", 90.0),
    ("dozen", 12.0),
];

const SCALES: &[(&str, f64)] = &[
    ("hundred", 1e2),
    ("सौ", 1e2),
    ("thousand", 1e3),
    ("हजार", 1e3),
    ("हज़ार", 1e3),
    ("lakh", 1e5),
    ("lakhs", 1e5),
    ("लाख", 1e5),
    ("million", 1e6),
    ("millions", 1e6),
    ("mn", 1e6),
    ("मिलियन", 1e6),
    ("crore", 1e7),
    ("crores", 1e7),
    ("करोड", 1e7),
    ("billion", 1e9),
    ("billions", 1e9),
    ("bn", 1e9),
    ("बिलियन", 1e9),
    ("अरब", 1e9),
    ("trillion", 1e12),
    ("खरब", 1e11),
];

const MULTIPLES: &[(&str, f64)] = &[
    ("दोगुना", 2.0),
    ("दोगुनी", 2.0),
    ("दोगुने", 2.0),
    ("दुगना", 2.0),
    ("दुगनी", 2.0),
    ("दुगने", 2.0),
    ("दुगुना", 2.0),
    ("दुगुनी", 2.0),
    ("दुगुने", 2.0),
    ("double", 2.0),
    ("doubled", 2.0),
    ("doubles", 2.0),
    ("doubling", 2.0),
    ("twofold", 2.0),
    ("तिगुना", 3.0),
    ("तिगुनी", 3.0),
    ("तिगुने", 3.0),
    ("triple", 3.0),
    ("tripled", 3.0),
    ("triples", 3.0),
    ("tripling", 3.0),
    ("threefold", 3.0),
    ("चौगुना", 4.0),
    ("चौगुनी", 4.0),
    ("quadrupled", 4.0),
    ("fourfold", 4.0),
    ("tenfold", 10.0),
];

fn table() -> &'static HashMap<String, Word> {
    static TABLE: OnceLock<HashMap<String, Word>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let fold = crate::topics::normalize_text;
        let mut t = HashMap::new();
        for (i, w) in HINDI.split_whitespace().enumerate() {
            t.insert(fold(w), Word::Number(i as f64 + 1.0));
        }
        for &(w, v) in OTHER_NUMBERS {
            t.insert(fold(w), Word::Number(v));
        }
        for &(w, v) in SCALES {
            t.insert(fold(w), Word::Scale(v));
        }
        for &(w, v) in MULTIPLES {
            t.insert(fold(w), Word::Times(v));
        }
        for w in ["गुना", "गुनी", "गुने", "fold", "times"] {
            t.insert(fold(w), Word::TimesSuffix);
        }
        t
    })
}

/// True when `word` (folded) is read as part of a number: a number word, a
/// scale or a multiple (it is then no content word of its own).
pub(crate) fn is_number_word(word: &str) -> bool {
    table().contains_key(word) || leading_number(word).is_some()
}

/// The value of a word that starts with digits ("12", "1.2", "152mm",
/// "80th", "80वीं", "50k"), and whether it is a multiple ("3x").
fn leading_number(word: &str) -> Option<(f64, bool)> {
    let end = word
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.'))
        .map_or(word.len(), |(i, _)| i);
    let digits = &word[..end];
    if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let value: f64 = digits.parse().ok()?;
    let scale = match &word[end..] {
        "x" => return Some((value, true)),
        "k" => 1e3,
        "m" | "mn" => 1e6,
        "cr" => 1e7,
        "b" | "bn" => 1e9,
        _ => 1.0,
    };
    Some((value * scale, false))
}

/// The value of one word, if it is a number or number word.
fn word_value(word: &str) -> Option<Word> {
    if let Some((v, times)) = leading_number(word) {
        return Some(if times {
            Word::Times(v)
        } else {
            Word::Number(v)
        });
    }
    table().get(word).copied()
}

/// Every figure in a sequence of folded words, in order.
///
/// A number is read with what follows it: a scale multiplies it, a smaller
/// scale after a scale adds ("1 करोड़ 20 लाख" = 12,000,000), "twenty five"
/// adds, and "गुना" / "fold" / "times" makes a multiple.
pub(crate) fn figures<'a>(words: impl IntoIterator<Item = &'a str>) -> Vec<Figure> {
    let mut out = Vec::new();
    let mut reader = Reader::default();
    for w in words {
        match word_value(w) {
            Some(word) => reader.push(word, &mut out),
            None => reader.end(&mut out),
        }
    }
    reader.end(&mut out);
    out
}

/// The number being read: `total` of finished groups, the group being
/// read, and the scale of the last group (later groups must be smaller).
#[derive(Default)]
struct Reader {
    total: f64,
    group: Option<f64>,
    last_scale: Option<f64>,
    any: bool,
}

impl Reader {
    fn push(&mut self, word: Word, out: &mut Vec<Figure>) {
        match word {
            Word::Number(v) => match self.group {
                // "twenty five": the tens take the units.
                Some(g) if (20.0..100.0).contains(&g) && g % 10.0 == 0.0 && v < 10.0 => {
                    self.group = Some(g + v);
                }
                Some(_) => {
                    self.end(out);
                    self.group = Some(v);
                    self.any = true;
                }
                None => {
                    // After "1 करोड़", "20" starts the next, smaller group.
                    self.group = Some(v);
                    self.any = true;
                }
            },
            Word::Scale(s) => match self.group.take() {
                Some(g) if self.last_scale.is_none_or(|l| s < l) => {
                    self.total += g * s;
                    self.last_scale = Some(s);
                }
                Some(g) => {
                    // "2 thousand million": one bigger scale multiplies all.
                    self.total = (self.total + g) * s;
                    self.last_scale = Some(s);
                }
                None if self.any => {
                    self.total *= s;
                    self.last_scale = Some(s);
                }
                None => {}
            },
            Word::TimesSuffix => {
                if let Some(g) = self.group.take() {
                    let v = self.total + g;
                    *self = Reader::default();
                    out.push(Figure::Times(v));
                }
            }
            Word::Times(v) => {
                self.end(out);
                out.push(Figure::Times(v));
            }
        }
    }

    fn end(&mut self, out: &mut Vec<Figure>) {
        if self.any {
            out.push(Figure::Value(self.total + self.group.unwrap_or(0.0)));
        }
        *self = Reader::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stories::text::{word_text, words};

    fn read(text: &str) -> Vec<String> {
        let folded = word_text(&crate::topics::normalize_text(text));
        figures(words(&folded))
            .into_iter()
            .map(Figure::canonical)
            .collect()
    }

    #[test]
    fn figures_meet_whatever_their_script_and_form() {
        let cases = [
            ("1.2 करोड़ गोले", vec!["12000000"]),
            ("12 million shells", vec!["12000000"]),
            ("12,000,000 shells", vec!["12000000"]),
            ("1 करोड़ 20 लाख तोप के गोले", vec!["12000000"]),
            ("बारह लाख", vec!["1200000"]),
            ("twelve million", vec!["12000000"]),
            ("28 हज़ार कंटेनर", vec!["28000"]),
            ("28,000 containers", vec!["28000"]),
            ("१०,००० किमी", vec!["10000"]),
            ("दोगुना", vec!["x2"]),
            ("exports doubled", vec!["x2"]),
            ("a 2x rise", vec!["x2"]),
            ("तीन गुना", vec!["x3"]),
            ("twenty five soldiers", vec!["25"]),
            ("8.8 तीव्रता", vec!["8.8"]),
            ("152mm shells, 80th anniversary", vec!["152", "80"]),
            ("80वीं वर्षगांठ", vec!["80"]),
            ("₹1.74 लाख", vec!["174000"]),
            ("$50k and 2bn", vec!["50000", "2000000000"]),
            ("तीन दिन के दौरे पर, 15 अगस्त", vec!["3", "15"]),
            ("no figure here", vec![]),
        ];
        for (text, want) in cases {
            assert_eq!(read(text), want, "{text}");
        }
    }

    #[test]
    fn number_words_are_not_content_words() {
        for w in ["करोड", "million", "बारह", "twelve", "दोगुना", "2025", "80वीं"]
        {
            assert!(is_number_word(&crate::topics::normalize_text(w)), "{w}");
        }
        assert!(!is_number_word("lavrov"));
    }
}
