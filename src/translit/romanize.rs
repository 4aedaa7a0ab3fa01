//! Devanagari text → lowercase Latin, the way Hindi is usually typed in
//! Latin letters ("लावरोव का उत्तर कोरिया दौरा" → "lavrov ka uttar koriya
//! daura"): no diacritics, vowel length not marked, and the inherent vowel
//! dropped where Hindi does not say it (schwa deletion).

use super::devanagari::{classify, with_nukta, Deva};

/// One sound of a Devanagari word, before schwa deletion.
#[derive(Debug, Clone, Copy)]
enum Tok {
    Consonant(&'static str),
    Vowel {
        roman: &'static str,
        /// The vowel a consonant carries when no sign follows it.
        inherent: bool,
        deleted: bool,
    },
    Nasal,
    Visarga,
}

/// Devanagari → lowercase Latin; Latin is lowercased, everything else
/// (spaces, punctuation, digits) kept, so word boundaries stay where they
/// were. Devanagari digits become ASCII digits and `।`/`॥` become `.`.
pub fn romanize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = Word::default();
    for c in text.chars() {
        match classify(c) {
            Some(Deva::Digit(d)) => word.flush_then(&mut out, d as char),
            Some(Deva::Danda) => word.flush_then(&mut out, '.'),
            Some(Deva::Other { roman }) => {
                word.flush(&mut out);
                out.push_str(roman);
            }
            Some(d) => word.push(d),
            None if matches!(c, '\u{200C}' | '\u{200D}') => {}
            None => {
                word.flush(&mut out);
                out.extend(c.to_lowercase());
            }
        }
    }
    word.flush(&mut out);
    out
}

/// The Devanagari word being read.
#[derive(Default)]
struct Word {
    toks: Vec<Tok>,
    /// The last token is a consonant whose vowel is not known yet.
    pending: bool,
}

impl Word {
    fn push(&mut self, d: Deva) {
        match d {
            Deva::Matra { roman, .. } => {
                self.pending = false;
                self.toks.push(Tok::Vowel {
                    roman,
                    inherent: false,
                    deleted: false,
                });
            }
            Deva::Virama => self.pending = false,
            Deva::Nukta => {
                if let Some(Tok::Consonant(r)) = self.toks.last_mut() {
                    *r = with_nukta(r);
                }
            }
            Deva::Consonant { roman, .. } => {
                self.settle();
                self.toks.push(Tok::Consonant(roman));
                self.pending = true;
            }
            Deva::Vowel { roman, .. } => {
                self.settle();
                self.toks.push(Tok::Vowel {
                    roman,
                    inherent: false,
                    deleted: false,
                });
            }
            Deva::Nasal => {
                self.settle();
                self.toks.push(Tok::Nasal);
            }
            Deva::Visarga => {
                self.settle();
                self.toks.push(Tok::Visarga);
            }
            Deva::Digit(_) | Deva::Danda | Deva::Other { .. } => {}
        }
    }

    /// A consonant followed by neither a vowel sign nor a virama carries
    /// the inherent vowel.
    fn settle(&mut self) {
        if std::mem::take(&mut self.pending) {
            self.toks.push(Tok::Vowel {
                roman: "a",
                inherent: true,
                deleted: false,
            });
        }
    }

    fn flush_then(&mut self, out: &mut String, c: char) {
        self.flush(out);
        out.push(c);
    }

    fn flush(&mut self, out: &mut String) {
        if self.toks.is_empty() {
            return;
        }
        self.settle();
        delete_schwas(&mut self.toks);
        for (i, t) in self.toks.iter().enumerate() {
            match *t {
                Tok::Consonant(r) => out.push_str(r),
                Tok::Vowel { roman, deleted, .. } if !deleted => out.push_str(roman),
                Tok::Vowel { .. } => {}
                Tok::Nasal => {
                    let labial = matches!(
                        self.toks.get(i + 1),
                        Some(Tok::Consonant("p" | "ph" | "f" | "b" | "bh" | "m"))
                    );
                    out.push(if labial { 'm' } else { 'n' });
                }
                Tok::Visarga => out.push('h'),
            }
        }
        self.toks.clear();
    }
}

fn is_live_vowel(t: Option<&Tok>) -> bool {
    matches!(t, Some(Tok::Vowel { deleted: false, .. }))
}

/// Hindi schwa deletion, right to left (after Narasimhan et al., "Schwa
/// deletion in Hindi text-to-speech", 2004, simplified): the inherent vowel
/// goes at the end of a word of more than one syllable (unless it follows
/// a cluster ending in र, य or व: "mitra", "rajya"), and inside a word
/// between a vowel + consonant and a consonant + vowel ("कमला" → "kamla").
fn delete_schwas(toks: &mut [Tok]) {
    let vowels = toks
        .iter()
        .filter(|t| matches!(t, Tok::Vowel { .. }))
        .count();
    if vowels < 2 {
        return;
    }
    let last_vowel = toks.iter().rposition(|t| matches!(t, Tok::Vowel { .. }));
    for i in (1..toks.len()).rev() {
        let Tok::Vowel { inherent: true, .. } = toks[i] else {
            continue;
        };
        let delete = if Some(i) == last_vowel {
            !ends_in_semivowel_cluster(&toks[..i])
        } else {
            // Before: one consonant after a vowel (or a nasalised vowel).
            let before = i >= 2
                && (is_live_vowel(toks.get(i - 2))
                    || matches!(toks[i - 2], Tok::Nasal | Tok::Visarga));
            // After: one consonant, then a vowel that is said.
            let after = matches!(toks.get(i + 1), Some(Tok::Consonant(_)))
                && is_live_vowel(toks.get(i + 2));
            before && after
        };
        if delete {
            if let Tok::Vowel { deleted, .. } = &mut toks[i] {
                *deleted = true;
            }
        }
    }
}

fn ends_in_semivowel_cluster(before: &[Tok]) -> bool {
    let n = before.len();
    n >= 2
        && matches!(before[n - 1], Tok::Consonant("r" | "y" | "v"))
        && matches!(before[n - 2], Tok::Consonant(_))
}

#[cfg(test)]
mod tests {
    use super::romanize;

    #[test]
    fn hindi_as_typed_in_latin() {
        let cases = [
            ("लावरोव का उत्तर कोरिया दौरा", "lavrov ka uttar koriya daura"),
            ("किम जोंग उन", "kim jong un"),
            ("प्योंगयांग", "pyongyang"),
            ("कामचटका", "kamchatka"),
            ("सिराज", "siraj"),
            ("समझौता", "samjhauta"),
            ("हथियार", "hathiyar"),
            ("उत्तर प्रदेश", "uttar pradesh"),
            ("मित्र राष्ट्र", "mitra rashtra"),
            ("संबंध", "sambandh"),
            ("ज़खारोवा", "zakharova"),
            ("फ़ौज", "fauj"),
            ("सैनिकों", "sainikon"),
            ("कुर्स्क", "kursk"),
            ("व्लादिवोस्तोक", "vladivostok"),
            ("न", "na"),
            ("Putin और Kim", "putin aur kim"),
            ("२०२५ में।", "2025 men."),
            ("ॐ", "om"),
        ];
        for (hi, want) in cases {
            assert_eq!(romanize(hi), want, "{hi}");
        }
    }

    #[test]
    fn word_boundaries_and_other_text_are_kept() {
        let s = "रूस, North Korea — 12 जुलाई";
        assert_eq!(romanize(s), "rus, north korea — 12 julai");
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in ["", "\u{094D}", "\u{093C}क", "ािीु", "क\u{200D}्ष", "ँ"] {
            let _ = romanize(s);
        }
    }
}
