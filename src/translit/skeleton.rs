//! The skeleton: one word in Devanagari or Latin → a short Latin key on
//! which spelling variants of a name meet, across scripts.
//!
//! What it keeps and what it folds away, and why:
//!
//! - **Consonants**, with aspiration (kh = k, ठ = ट), retroflexion (ट = त,
//!   ण = न, ष = श = स), nukta (ज़ = ज) and the usual Latin digraphs folded:
//!   sh/sch = s, zh = z = j, ch = च = छ, ph = f = फ, w = v, q = k, x = ks,
//!   c before e/i/y = s, other c = k. Hindi writers render foreign sounds
//!   with either member of each pair.
//! - **Vowels in two classes**: `i` (i, ī, y, य) and `u` (u, ū, o, au,
//!   ŏ, ŭ). Vowel length is not written consistently (शोइगू/शोइगु), and
//!   o/u trade places (बेलौसोव/बेलूसोव/Belousov).
//! - **a and e are dropped** (except as the first letter, where they are
//!   `a` and `i`): they are what Hindi spelling leaves implicit (the inherent
//!   schwa: खाबरोवस्क/Khabarovsk, सर्गेई/Sergei) or writes with ा, ॉ, ै or
//!   े for the same Latin letter (लावरोव/लॉवरोव/लैवरोव/Lavrov,
//!   Kaesong/केसोंग/कैसोंग).
//! - **Anusvara and candrabindu** are the nasal of the consonant that
//!   follows: `m` before प फ ब भ म (नांपो/Nampo), `n` elsewhere
//!   (प्योंगयांग/Pyongyang, मंत्री/mantri).
//! - **Doubled letters** collapse (Ussuriysk/उसुरीस्क), and so does anything
//!   that folds to the same letter twice in a row.
//!
//! Other letters (Cyrillic, Han…) are kept lowercased, so unrelated words in
//! other scripts stay apart; punctuation and marks are dropped.

use unicode_normalization::char::decompose_canonical;

use super::devanagari::{classify, Deva};

/// The skeleton of one word (see the module docs). Linear in the input, one
/// allocation (the result).
pub fn skeleton(word: &str) -> String {
    let mut out = Builder {
        s: String::with_capacity(word.len().min(64)),
    };
    let mut chars = Letters::new(word).peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        if let Some(d) = classify(c) {
            out.devanagari(d, c, next);
            continue;
        }
        let h_next = next == Some('h');
        if h_next && matches!(c, 'p' | 's' | 'k' | 'g' | 't' | 'd' | 'b' | 'j' | 'z') {
            // A digraph: ph = f; aspiration and sh/zh fold to the plain letter.
            chars.next();
        }
        match c {
            'a' => out.vowel(b'a'),
            'e' if next == Some('e') => {
                chars.next(); // "ee" is ī in Hinglish and English (Seeraj, Korea's "Hee")
                out.vowel(b'i');
            }
            // "ea" is ī in English (peace, real) and i+y in Hindi (Korea कोरिया).
            'e' if next == Some('a') => out.vowel(b'i'),
            'e' => out.vowel(b'e'),
            'i' | 'y' => out.vowel(b'i'),
            'u' if is_burg_ending(&chars) => {} // -burg is बर्ग in Hindi
            'o' | 'u' => out.vowel(b'u'),
            'c' => match next {
                Some('h') => {
                    chars.next();
                    if chars.peek() == Some(&'h') {
                        chars.next(); // "chh"
                    }
                    out.consonant(b'c');
                }
                Some('k') => {
                    chars.next();
                    out.consonant(b'k');
                }
                Some('e' | 'i' | 'y') => out.consonant(b's'),
                _ => out.consonant(b'k'),
            },
            'p' => out.consonant(if h_next { b'f' } else { b'p' }),
            's' | 'k' | 'g' | 't' | 'd' | 'b' | 'j' => out.consonant(c as u8),
            'z' => out.consonant(b'j'),
            'w' | 'v' => out.consonant(b'v'),
            'q' => out.consonant(b'k'),
            'x' => {
                out.consonant(b'k');
                out.consonant(b's');
            }
            'f' | 'h' | 'l' | 'm' | 'n' | 'r' => out.consonant(c as u8),
            c => out.other(c),
        }
    }
    out.s
}

/// True when the letters after a `u` are "rg" or "rgh" and the word ends:
/// Hindi writes -burg (Yekaterinburg, Petersburg) as बर्ग.
fn is_burg_ending(rest: &std::iter::Peekable<Letters>) -> bool {
    let mut rest = rest.clone();
    rest.next() == Some('r')
        && rest.next() == Some('g')
        && matches!(rest.next(), None | Some('h'))
        && rest.next().is_none()
}

/// The skeleton being written.
struct Builder {
    s: String,
}

impl Builder {
    fn last(&self) -> Option<u8> {
        self.s.as_bytes().last().copied()
    }

    /// A vowel of class `a`, `e`, `i` or `u`.
    fn vowel(&mut self, class: u8) {
        let v = match class {
            b'a' | b'e' if !self.s.is_empty() => return,
            b'e' => b'i',
            v => v,
        };
        if self.last() != Some(v) {
            self.s.push(v as char);
        }
    }

    fn consonant(&mut self, c: u8) {
        if c == b'y' {
            return self.vowel(b'i');
        }
        if self.last() != Some(c) {
            self.s.push(c as char);
        }
    }

    fn other(&mut self, c: char) {
        if c.is_alphanumeric() && !self.s.ends_with(c) {
            self.s.push(c);
        }
    }

    fn devanagari(&mut self, d: Deva, c: char, next: Option<char>) {
        match d {
            Deva::Consonant { skel, .. } => {
                if c == 'ञ' && self.last() == Some(b'j') {
                    // ज्ञ is said "gy".
                    self.s.pop();
                    self.consonant(b'g');
                    self.vowel(b'i');
                } else {
                    self.consonant(skel);
                }
            }
            Deva::Vowel { skel, .. } | Deva::Matra { skel, .. } => {
                for &b in skel.as_bytes() {
                    if b == b'r' {
                        self.consonant(b);
                    } else {
                        self.vowel(b);
                    }
                }
            }
            // Anusvara is the nasal of the consonant after it: m before
            // प फ ब भ म (नांपो = Nampo), n elsewhere (प्योंगयांग = Pyongyang).
            Deva::Nasal if matches!(next, Some('प' | 'फ' | 'ब' | 'भ' | 'म')) => {
                self.consonant(b'm')
            }
            Deva::Nasal => self.consonant(b'n'),
            Deva::Visarga => self.consonant(b'h'),
            Deva::Digit(d) => self.other(d as char),
            Deva::Virama | Deva::Nukta | Deva::Danda | Deva::Other { .. } => {}
        }
    }
}

/// The letters of a word: Latin lowercased and stripped of diacritics
/// (ŏ → o, é → e), Devanagari as is, other letters lowercased, digits kept,
/// everything else (apostrophes, hyphens, joiners) skipped.
#[derive(Clone)]
struct Letters<'a> {
    chars: std::str::Chars<'a>,
}

impl<'a> Letters<'a> {
    fn new(word: &'a str) -> Self {
        Letters {
            chars: word.chars(),
        }
    }
}

impl Iterator for Letters<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        loop {
            let c = self.chars.next()?;
            if let Some(l) = letter(c) {
                return Some(l);
            }
        }
    }
}

fn letter(c: char) -> Option<char> {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase());
    }
    if ('\u{0900}'..='\u{097F}').contains(&c) {
        return Some(c);
    }
    if !c.is_alphanumeric() {
        return None;
    }
    let lower = c.to_lowercase().next().unwrap_or(c);
    if lower < '\u{0250}' {
        // Latin with diacritics: its base letter.
        let mut base = None;
        decompose_canonical(lower, |d| {
            base.get_or_insert(d);
        });
        if let Some(b) = base.filter(char::is_ascii_alphabetic) {
            return Some(b.to_ascii_lowercase());
        }
        return Some(match lower {
            'æ' => 'e',
            'ø' | 'œ' => 'o',
            'ß' => 's',
            'đ' | 'ð' => 'd',
            'ł' => 'l',
            'ı' => 'i',
            'þ' => 't',
            other => other,
        });
    }
    Some(lower)
}

#[cfg(test)]
mod tests {
    use super::skeleton;

    /// Spellings of one name that must meet, in either script.
    const MEET: &[(&str, &[&str])] = &[
        ("Lavrov", &["लावरोव", "लॉवरोव", "लैवरोव", "Lavrov", "LAVROV"]),
        ("Wonsan", &["वोनसान", "वोंसान", "Wŏnsan", "Wonsan", "Vonsan"]),
        ("Kamchatka", &["कामचटका", "कमचटका", "Kamchatka"]),
        ("Siraj", &["सिराज", "Siraj", "Seeraj"]),
        (
            "Pyongyang",
            &[
                "प्योंगयांग",
                "प्यौंगयांग",
                "Pyongyang",
                "Pyeongyang",
                "P'yŏngyang",
            ],
        ),
        ("Shoigu", &["शोइगू", "शोइगु", "शोयगू", "Shoigu", "Shoygu"]),
        (
            "Khabarovsk",
            &[
                "खाबरोवस्क",
                "खाबरोव्स्क",
                "खबारोवस्क",
                "ख़ाबारोव्स्क",
                "Khabarovsk",
            ],
        ),
        (
            "Vladivostok",
            &["व्लादिवोस्तोक", "व्लादीवोस्तोक", "Vladivostok", "Wladiwostok"],
        ),
        ("Zakharova", &["ज़खारोवा", "जखारोवा", "Zakharova"]),
        (
            "Belousov",
            &["बेलौसोव", "बेलोउसोव", "बेलोसोव", "बेलूसोव", "Belousov"],
        ),
        ("Kyiv", &["कीव", "Kyiv", "Kiev"]),
        ("Sergei", &["सर्गेई", "सेर्गेई", "Sergei", "Sergey"]),
        ("Medvedev", &["मेदवेदेव", "मेदवेदव", "Medvedev"]),
        ("Nampo", &["नांपो", "नाम्पो", "नम्पो", "Namp'o", "Nampo"]),
        (
            "Kaesong",
            &["केसोंग", "कैसोंग", "काएसोंग", "Kaesŏng", "Kaeseong", "Kaesong"],
        ),
        ("Hamhung", &["हमहुंग", "हामहुंग", "Hamhŭng", "Hamheung"]),
        (
            "Chongjin",
            &["चोंगजिन", "चोंग्जिन", "छोंगजिन", "Ch'ŏngjin", "Chongjin"],
        ),
        (
            "Zelensky",
            &["ज़ेलेंस्की", "जेलेंसकी", "Zelensky", "Zelenskyy", "Zelenskiy"],
        ),
        ("Ussuriysk", &["उस्सुरीस्क", "उसुरीस्क", "Ussuriysk"]),
        (
            "Yekaterinburg",
            &["येकातेरिनबर्ग", "Yekaterinburg", "Ekaterinburg"],
        ),
        ("Orenburg", &["ओरेनबर्ग", "Orenburg"]),
        ("Ufa", &["ऊफ़ा", "उफा", "Ufa"]),
        ("Philippines", &["फिलीपींस", "Philippines", "Filipins"]),
        ("Kim", &["किम", "Kim"]),
        ("Korea", &["कोरिया", "Korea", "Koriya"]),
        ("Crimea", &["क्रीमिया", "Crimea"]),
        ("Choe", &["चोए", "चो", "Choe"]),
        ("Omsk", &["ओम्स्क", "ओमस्क", "Omsk"]),
        ("sambandh", &["संबंध", "सम्बन्ध", "sambandh"]),
        ("Khasan", &["खासन", "खासान", "Khasan"]),
        ("Tumen", &["तुमेन", "तूमेन", "Tumen"]),
    ];

    /// Words that must stay apart.
    const APART: &[(&str, &str)] = &[
        ("Kim", "कम"),
        ("Putin", "पटना"),
        ("Russia", "रसिया"),
        ("Lavrov", "Lviv"),
        ("Kursk", "कुर्सी"),
        ("Amur", "अमर"),
        ("Omsk", "Tomsk"),
        ("Wonsan", "Wuhan"),
        ("Seoul", "सुअर"),
        ("Kiev", "Kirov"),
        ("Pyongyang", "Pyeongchang"),
        ("Kaesong", "Kaesang"),
        ("Sochi", "Sachi"),
        ("उत्तर", "अंतर"),
        ("Rason", "Rosen"),
        ("Sinuiju", "Sinpo"),
        ("Moscow", "Mexico"),
        ("Ukraine", "Iran"),
        ("मंत्री", "मैत्री"),
        ("नहीं", "महीना"),
    ];

    #[test]
    fn spelling_variants_meet() {
        let mut wrong = Vec::new();
        for (name, forms) in MEET {
            let want = skeleton(forms[0]);
            for f in *forms {
                if skeleton(f) != want {
                    wrong.push(format!(
                        "{name}: {f} = {} but {} = {want}",
                        skeleton(f),
                        forms[0]
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn unrelated_words_stay_apart() {
        let wrong: Vec<String> = APART
            .iter()
            .filter(|(a, b)| skeleton(a) == skeleton(b))
            .map(|(a, b)| format!("{a} = {b} = {}", skeleton(a)))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn exact_skeletons() {
        let cases = [
            ("Lavrov", "lvruv"),
            ("कामचटका", "kmctk"),
            ("Pyongyang", "piunging"),
            ("Amur", "amur"),
            ("एकातेरिनबर्ग", "iktrinbrg"),
            ("ज्ञान", "gin"),
            ("2025", "2025"),
            ("Москва", "москва"),
            ("", ""),
            ("—'’", ""),
        ];
        for (word, want) in cases {
            assert_eq!(skeleton(word), want, "{word}");
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "\u{093C}\u{094D}",
            "ँँँ",
            "ﬀ",
            "İ",
            "🙂",
            "a\u{0301}\u{0301}",
            "़क",
        ] {
            let _ = skeleton(s);
        }
    }
}
