//! What each Devanagari code point is, for transliteration: its letter class,
//! its display romanization and its skeleton letters.

/// A Devanagari code point as transliteration sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Deva {
    /// A consonant letter (nukta forms included).
    Consonant {
        /// Display romanization ("kh", "z").
        roman: &'static str,
        /// Skeleton letter (aspiration, retroflexion and nukta folded away).
        skel: u8,
    },
    /// An independent vowel letter (इ, ओ…).
    Vowel {
        /// Display romanization.
        roman: &'static str,
        /// Skeleton class: `a` or `e` (dropped after the start), `i`, `u`,
        /// or "ri".
        skel: &'static str,
    },
    /// A dependent vowel sign (ि, ो…).
    Matra {
        /// Display romanization.
        roman: &'static str,
        /// Skeleton class, as for [`Deva::Vowel`].
        skel: &'static str,
    },
    /// ् : the consonant before it has no vowel.
    Virama,
    /// ़ : changes the consonant before it (ज → ज़).
    Nukta,
    /// ं or ँ.
    Nasal,
    /// ः.
    Visarga,
    /// ० … ९, as an ASCII digit.
    Digit(u8),
    /// । or ॥.
    Danda,
    /// Anything else in the block (ऽ, ॐ, ॰…): written as `roman`.
    Other {
        /// Display romanization (may be empty).
        roman: &'static str,
    },
}

/// Classifies a character of the Devanagari block (U+0900–U+097F).
pub(crate) fn classify(c: char) -> Option<Deva> {
    if !('\u{0900}'..='\u{097F}').contains(&c) {
        return None;
    }
    if let Some(d) = consonant(c) {
        return Some(d);
    }
    Some(match c {
        '\u{0901}' | '\u{0902}' => Deva::Nasal,
        '\u{0903}' => Deva::Visarga,
        '\u{093C}' => Deva::Nukta,
        '\u{094D}' => Deva::Virama,
        '\u{0964}' | '\u{0965}' => Deva::Danda,
        '\u{0966}'..='\u{096F}' => Deva::Digit(b'0' + (c as u32 - 0x0966) as u8),
        '\u{0950}' => Deva::Other { roman: "om" },
        '\u{0970}' => Deva::Other { roman: "." },
        _ => return vowel(c),
    })
}

fn vowel(c: char) -> Option<Deva> {
    let (roman, skel, matra) = match c {
        'अ' => ("a", "a", false),
        'आ' => ("a", "a", false),
        'इ' | 'ई' => ("i", "i", false),
        'उ' | 'ऊ' => ("u", "u", false),
        'ऋ' | 'ॠ' => ("ri", "ri", false),
        'ऍ' | 'ऎ' | 'ए' => ("e", "e", false),
        'ऐ' => ("ai", "e", false),
        // ऑ is the English "o" of "doctor" and the "a" of "call"; the tagger
        // folds it to आ, and so does the skeleton.
        'ऑ' => ("o", "a", false),
        'ऒ' | 'ओ' => ("o", "u", false),
        'औ' => ("au", "u", false),
        'ा' => ("a", "a", true),
        'ि' | 'ी' => ("i", "i", true),
        'ु' | 'ू' => ("u", "u", true),
        'ृ' | 'ॄ' => ("ri", "ri", true),
        'ॅ' | 'ॆ' | 'े' => ("e", "e", true),
        'ै' => ("ai", "e", true),
        'ॉ' => ("o", "a", true),
        'ॊ' | 'ो' => ("o", "u", true),
        'ौ' => ("au", "u", true),
        _ => return Some(Deva::Other { roman: "" }),
    };
    Some(if matra {
        Deva::Matra { roman, skel }
    } else {
        Deva::Vowel { roman, skel }
    })
}

fn consonant(c: char) -> Option<Deva> {
    let (roman, skel) = match c {
        'क' => ("k", b'k'),
        'ख' => ("kh", b'k'),
        'ग' => ("g", b'g'),
        'घ' => ("gh", b'g'),
        'ङ' => ("n", b'n'),
        'च' => ("ch", b'c'),
        'छ' => ("chh", b'c'),
        'ज' => ("j", b'j'),
        'झ' => ("jh", b'j'),
        'ञ' => ("n", b'n'),
        'ट' => ("t", b't'),
        'ठ' => ("th", b't'),
        'ड' => ("d", b'd'),
        'ढ' => ("dh", b'd'),
        'ण' => ("n", b'n'),
        'त' => ("t", b't'),
        'थ' => ("th", b't'),
        'द' => ("d", b'd'),
        'ध' => ("dh", b'd'),
        'न' | 'ऩ' => ("n", b'n'),
        'प' => ("p", b'p'),
        'फ' => ("ph", b'f'),
        'ब' => ("b", b'b'),
        'भ' => ("bh", b'b'),
        'म' => ("m", b'm'),
        'य' | '\u{095F}' => ("y", b'y'),
        'र' | 'ऱ' => ("r", b'r'),
        'ल' | 'ळ' | 'ऴ' => ("l", b'l'),
        'व' => ("v", b'v'),
        'श' | 'ष' => ("sh", b's'),
        'स' => ("s", b's'),
        'ह' => ("h", b'h'),
        '\u{0958}' => ("q", b'k'),
        '\u{0959}' => ("kh", b'k'),
        '\u{095A}' => ("gh", b'g'),
        '\u{095B}' => ("z", b'j'),
        '\u{095C}' => ("d", b'd'),
        '\u{095D}' => ("dh", b'd'),
        '\u{095E}' => ("f", b'f'),
        _ => return None,
    };
    Some(Deva::Consonant { roman, skel })
}

/// The romanization of a consonant followed by a combining nukta.
pub(crate) fn with_nukta(roman: &'static str) -> &'static str {
    match roman {
        "j" => "z",
        "ph" => "f",
        "k" => "q",
        other => other,
    }
}
