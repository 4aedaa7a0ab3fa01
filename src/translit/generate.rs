//! Latin name → the Devanagari spellings Hindi news is likely to use, for
//! the gazetteer: "Khabarovsk" → खाबारोव्स्क, खबारोव्स्क, खाबरोव्स्क…
//!
//! Hindi writers spell a foreign name by ear, so one name has several
//! spellings: long or short vowels, a virama or an inherent vowel inside a
//! cluster, त or ट for "t", ो or ॉ for "o". The name is cut into sounds,
//! each with its renderings and a cost (0 for the usual one, more for rarer
//! ones); the spellings come out cheapest first (best-first search over the
//! choices), at most [`MAX_CANDIDATES`]. Every candidate has the skeleton of
//! the Latin name, by construction of the tables. Spellings the tagger's
//! folding makes equal are not generated twice (ॉ is matched as ा, so only
//! ो is written for "o"; nukta is written but folded away).

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

/// Most spellings returned for one name.
pub const MAX_CANDIDATES: usize = 10;

/// Longer words are not names: no candidates (and the search stays small).
const MAX_LETTERS: usize = 40;

/// A spelling costing more than this is not worth matching.
const MAX_COST: u16 = 16;

/// One sound of the name: its renderings and their costs (tenths).
type Choices = Vec<(&'static str, u16)>;

/// Devanagari spellings of a Latin name (one or more words; hyphens and
/// apostrophes as in GeoNames: "Komsomol'sk-na-Amure", "Namp'o"), the most
/// likely first. Empty when the name has letters outside basic Latin after
/// removing diacritics.
pub fn devanagari_candidates(name: &str) -> Vec<String> {
    // Per word its best spellings (a number as written: "Engels-2" is
    // "एंगेल्स 2", never the bare surname); then the best of each word
    // together, and each word's alternatives with the others at their best.
    let per_word: Vec<Vec<String>> = match name
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.bytes().all(|b| b.is_ascii_digit()) {
                Some(vec![w.to_string()])
            } else {
                word_sounds(w).map(|s| best(&s, MAX_CANDIDATES))
            }
        })
        .collect::<Option<Vec<_>>>()
    {
        Some(w) if !w.is_empty() && w.iter().all(|c| c.iter().any(|s| !s.is_empty())) => w,
        _ => return Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    let top: Vec<&str> = per_word
        .iter()
        .map(|c| c.first().map_or("", String::as_str))
        .collect();
    out.push(top.join(" "));
    let rounds = per_word.iter().map(Vec::len).max().unwrap_or(0);
    for k in 1..rounds {
        for (i, cands) in per_word.iter().enumerate() {
            if let Some(alt) = cands.get(k) {
                let mut parts = top.clone();
                parts[i] = alt;
                out.push(parts.join(" "));
            }
        }
    }
    let mut seen = BTreeSet::new();
    out.retain(|s| !s.trim().is_empty() && seen.insert(s.clone()));
    out.truncate(MAX_CANDIDATES);
    out
}

/// The `k` cheapest spellings of one word.
fn best(sounds: &[Choices], k: usize) -> Vec<String> {
    let cost = |idx: &[usize]| -> u16 { sounds.iter().zip(idx).map(|(c, &i)| c[i].1).sum() };
    let mut heap = BinaryHeap::new();
    let start = vec![0usize; sounds.len()];
    heap.push(Reverse((cost(&start), start, 0usize)));
    let mut out: Vec<String> = Vec::new();
    while let Some(Reverse((c, idx, from))) = heap.pop() {
        if c > MAX_COST || out.len() >= k {
            break;
        }
        let s: String = sounds.iter().zip(&idx).map(|(ch, &i)| ch[i].0).collect();
        if !out.contains(&s) {
            out.push(s);
        }
        // Raise one choice at or after the last raised position, so each
        // combination is reached once.
        for p in from..sounds.len() {
            if idx[p] + 1 < sounds[p].len() {
                let mut next = idx.clone();
                next[p] += 1;
                heap.push(Reverse((cost(&next), next, p)));
            }
        }
    }
    out
}

/// The letters of a word as plain lowercase ASCII, or None if it has
/// letters that are not Latin.
fn ascii_letters(word: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(word.len());
    for c in word.chars() {
        if c.is_ascii_alphabetic() {
            out.push(c.to_ascii_lowercase() as u8);
        } else if c.is_alphabetic() {
            let mut base = None;
            unicode_normalization::char::decompose_canonical(c, |d| {
                base.get_or_insert(d);
            });
            match base.filter(char::is_ascii_alphabetic) {
                Some(b) => out.push(b.to_ascii_lowercase() as u8),
                None => return None,
            }
        }
        // Apostrophes (Namp'o, Komsomol'sk) and other marks: skipped.
    }
    Some(out)
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Consonant letters and digraphs, longest first, with their renderings.
const CONSONANTS: &[(&str, &[(&str, u16)])] = &[
    ("shch", &[("श्च", 0), ("शच", 3)]),
    ("tch", &[("च", 0)]),
    ("kh", &[("ख़", 0)]),
    ("zh", &[("ज़", 0), ("झ", 3)]),
    ("sh", &[("श", 0)]),
    ("ch", &[("च", 0), ("छ", 10)]),
    ("ts", &[("त्स", 0), ("ट्स", 9)]),
    ("th", &[("थ", 0), ("त", 5)]),
    ("ph", &[("फ", 0), ("प", 6)]),
    ("gh", &[("घ", 0), ("ग", 5)]),
    ("ck", &[("क", 0)]),
    ("b", &[("ब", 0)]),
    ("c", &[("क", 0)]),
    ("d", &[("द", 0), ("ड", 5)]),
    ("f", &[("फ़", 0)]),
    ("g", &[("ग", 0)]),
    ("h", &[("ह", 0)]),
    ("j", &[("ज", 0)]),
    ("k", &[("क", 0)]),
    ("l", &[("ल", 0)]),
    ("m", &[("म", 0)]),
    ("n", &[("न", 0)]),
    ("p", &[("प", 0)]),
    ("q", &[("क", 0)]),
    ("r", &[("र", 0)]),
    ("s", &[("स", 0)]),
    ("t", &[("त", 0), ("ट", 5)]),
    ("v", &[("व", 0)]),
    ("w", &[("व", 0)]),
    ("x", &[("क्स", 0)]),
    ("z", &[("ज़", 0)]),
];

/// A sound of the word before its renderings are chosen.
#[derive(Debug, Clone, PartialEq)]
enum Sound {
    Consonant(&'static [(&'static str, u16)]),
    /// A doubled consonant letter (Ussuriysk, Tolyatti).
    Double(&'static [(&'static str, u16)]),
    /// n or m before another consonant.
    Nasal {
        labial_next: bool,
        m: bool,
    },
    /// y before a vowel.
    Y,
    /// A vowel or vowel digraph, e.g. "a", "ou", "iy".
    Vowel(&'static str),
    /// "-burg", written बर्ग.
    Burg,
}

/// Cuts a word into sounds and gives each its renderings in context.
fn word_sounds(word: &str) -> Option<Vec<Choices>> {
    let w = ascii_letters(word).filter(|w| w.len() <= MAX_LETTERS)?;
    let sounds = split(&w);
    Some(render(&sounds))
}

fn split(w: &[u8]) -> Vec<Sound> {
    const VOWELS: &[&str] = &[
        "iy", "yy", "ii", "ee", "oo", "ou", "ai", "au", "ay", "ey", "oy", "ae", "eo", "eu", "oe",
        "ui", "a", "e", "i", "o", "u",
    ];
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let rest = &w[i..];
        if rest == b"burg" || rest == b"burgh" {
            out.push(Sound::Burg);
            break;
        }
        if i == 0 && rest.starts_with(b"ye") {
            // Russian Е at the start: Yekaterinburg is also एकातेरिनबर्ग.
            out.push(Sound::Vowel("ye"));
            i += 2;
            continue;
        }
        if rest[0] == b'y' && rest.get(1).is_some_and(|&b| is_vowel(b)) {
            out.push(Sound::Y);
            i += 1;
            continue;
        }
        // "ay"/"ey"/"oy" only before a consonant or at the end: "Ayang" is a-ya-ng.
        let y_glide = |v: &&&str| v.ends_with('y') && rest.get(2).is_some_and(|&b| is_vowel(b));
        if let Some(v) = VOWELS
            .iter()
            .find(|v| rest.starts_with(v.as_bytes()) && !y_glide(v))
        {
            out.push(Sound::Vowel(v));
            i += v.len();
            continue;
        }
        if rest[0] == b'y' {
            out.push(Sound::Vowel("y"));
            i += 1;
            continue;
        }
        let next_cons = |n: usize| rest.get(n).is_some_and(|&b| !is_vowel(b) && b != b'y');
        if matches!(rest[0], b'n' | b'm') && next_cons(1) && rest.get(1) != Some(&rest[0]) {
            let labial_next = matches!(rest.get(1), Some(b'p' | b'b' | b'm' | b'f'));
            out.push(Sound::Nasal {
                labial_next,
                m: rest[0] == b'm',
            });
            i += 1;
            continue;
        }
        if rest[0] == b'c' && rest.get(1).is_some_and(|b| matches!(b, b'e' | b'i' | b'y')) {
            out.push(Sound::Consonant(&[("स", 0)]));
            i += 1;
            continue;
        }
        let Some((pat, choices)) = CONSONANTS
            .iter()
            .find(|(p, _)| rest.starts_with(p.as_bytes()))
        else {
            i += 1;
            continue;
        };
        i += pat.len();
        // A doubled consonant (ss, tt, ll) is one sound, written once or twice.
        if pat.len() == 1 && w.get(i) == Some(&pat.as_bytes()[0]) {
            i += 1;
            out.push(Sound::Double(choices));
        } else {
            out.push(Sound::Consonant(choices));
        }
    }
    out
}

fn is_consonant(s: Option<&Sound>) -> bool {
    matches!(
        s,
        Some(Sound::Consonant(_) | Sound::Double(_) | Sound::Nasal { .. } | Sound::Burg)
    )
}

/// Renderings of each sound in its context (start of word, after a
/// consonant, before a consonant, at the end).
fn render(sounds: &[Sound]) -> Vec<Choices> {
    let mut out: Vec<Choices> = Vec::with_capacity(sounds.len());
    for (i, s) in sounds.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| sounds.get(p));
        let next = sounds.get(i + 1);
        let after_consonant = is_consonant(prev) || prev == Some(&Sound::Y);
        let at_end = next.is_none();
        let choices: Choices = match s {
            Sound::Consonant(base) => render_consonant(base, sounds, i, next),
            Sound::Double(base) => {
                let single = render_consonant(base, sounds, i, next);
                let mut c = single.clone();
                // Written twice: the first half with a virama (उस्सुरीस्क).
                c.extend(
                    single
                        .iter()
                        .filter(|(d, _)| !d.ends_with('्'))
                        .map(|&(d, cost)| (doubled(d), cost + 4)),
                );
                c
            }
            Sound::Nasal { labial_next, m } => {
                // Written without a virama only inside the word (वोनसान),
                // never before its last consonant (-ng is ंग or न्ग).
                let medial = sounds.len() - i > 2 || next == Some(&Sound::Burg);
                let mut c = match (m, labial_next) {
                    (true, true) => vec![("म्", 0), ("ं", 2), ("म", 3)],
                    (true, false) => vec![("म्", 0), ("म", 2)],
                    // n before p/b/m: ं would be read as m.
                    (false, true) => vec![("न", 0), ("न्", 2)],
                    (false, false) => vec![("ं", 0), ("न", 2), ("न्", 4)],
                };
                if !medial {
                    c.retain(|(d, _)| !matches!(*d, "म" | "न"));
                }
                c
            }
            Sound::Burg => vec![("बर्ग", 0)],
            Sound::Y if after_consonant => vec![("्य", 0), ("य", 2), ("िय", 4), ("ाय", 5)],
            Sound::Y => vec![("य", 0)],
            Sound::Vowel(v) => vowel(v, prev, after_consonant, at_end),
        };
        out.push(choices);
    }
    out
}

/// A consonant's renderings: with a virama before another consonant (or
/// without, at a cost: बेलगोरोद), plain before a vowel or at the end.
fn render_consonant(
    base: &'static [(&'static str, u16)],
    sounds: &[Sound],
    i: usize,
    next: Option<&Sound>,
) -> Choices {
    if next == Some(&Sound::Y) || !is_consonant(next) {
        // Before a vowel, at the end, or before y (which carries ्य or िय).
        return base.to_vec();
    }
    let final_cluster = sounds[i + 1..].iter().all(|s| is_consonant(Some(s)));
    let mut c: Choices = base
        .iter()
        .map(|&(d, cost)| (virama_form(d), cost))
        .collect();
    if !(final_cluster && sounds.len() - i == 2) {
        c.extend(base.iter().map(|&(d, cost)| (d, cost + 3)));
    }
    c
}

/// A consonant written twice, the first with a virama: स → स्स.
fn doubled(d: &'static str) -> &'static str {
    match d {
        "स" => "स्स",
        "त" => "त्त",
        "ट" => "ट्ट",
        "ल" => "ल्ल",
        "न" => "न्न",
        "म" => "म्म",
        "र" => "र्र",
        "प" => "प्प",
        "क" => "क्क",
        "ब" => "ब्ब",
        "द" => "द्द",
        "ड" => "ड्ड",
        "ग" => "ग्ग",
        "फ़" => "फ़्फ़",
        "ज़" => "ज़्ज़",
        "व" => "व्व",
        other => other,
    }
}

/// Maps a consonant rendering to its half form (with a virama), for the
/// static renderings of the table.
fn virama_form(d: &'static str) -> &'static str {
    match d {
        "श्च" => "श्च्",
        "च" => "च्",
        "ख़" => "ख़्",
        "ज़" => "ज़्",
        "झ" => "झ्",
        "श" => "श्",
        "छ" => "छ्",
        "त्स" => "त्स्",
        "ट्स" => "ट्स्",
        "थ" => "थ्",
        "त" => "त्",
        "फ" => "फ्",
        "प" => "प्",
        "घ" => "घ्",
        "ग" => "ग्",
        "क" => "क्",
        "ब" => "ब्",
        "द" => "द्",
        "ड" => "ड्",
        "फ़" => "फ़्",
        "ह" => "ह्",
        "ज" => "ज्",
        "ल" => "ल्",
        "म" => "म्",
        "न" => "न्",
        "र" => "र्",
        "स" => "स्",
        "ट" => "ट्",
        "व" => "व्",
        "क्स" => "क्स्",
        other => other,
    }
}

/// The renderings of a vowel: a sign after a consonant, a letter at the
/// start or after another vowel (य-forms after i/e: "ia" = िया).
fn vowel(v: &str, prev: Option<&Sound>, after_consonant: bool, at_end: bool) -> Choices {
    if after_consonant {
        return match v {
            "a" if at_end => vec![("ा", 0)],
            "a" => vec![("ा", 0), ("", 4)],
            "e" if at_end => vec![("े", 0)],
            // Unstressed e is often left to the inherent vowel (मेदवेदव, पर्म).
            "e" => vec![("े", 0), ("", 6), ("ै", 12)],
            "i" | "y" if at_end => vec![("ी", 0), ("ि", 7)],
            "i" | "y" => vec![("ि", 0), ("ी", 4)],
            "o" => vec![("ो", 0)],
            "u" if at_end => vec![("ू", 0), ("ु", 4)],
            "u" => vec![("ु", 0), ("ू", 3)],
            "iy" | "yy" | "ii" | "ee" => vec![("ी", 0)],
            "oo" => vec![("ू", 0)],
            "ou" => vec![("ौ", 3), ("ोउ", 4), ("ू", 5), ("ो", 6)],
            "ai" => vec![("ाइ", 0), ("ै", 5)],
            "au" => vec![("ाउ", 0), ("ौ", 2)],
            "ay" => vec![("ाय", 0), ("ै", 6), ("ाई", 6)],
            "ey" => vec![("ेई", 0), ("े", 6), ("ेय", 6)],
            "oy" => vec![("ोय", 0), ("ोई", 5), ("ॉय", 6)],
            "ae" => vec![("े", 0), ("ै", 2), ("ाए", 5)],
            "eo" => vec![("ो", 0)],
            "eu" => vec![("ु", 0)],
            "oe" => vec![("ोए", 0), ("ो", 6), ("ोई", 5)],
            "ui" => vec![("ुई", 0), ("ूई", 3), ("ुइ", 5)],
            _ => vec![("", 0)],
        };
    }
    let after_front =
        matches!(prev, Some(Sound::Vowel(p)) if matches!(*p, "i" | "e" | "iy" | "ii" | "y" | "ee"));
    if after_front {
        return match v {
            "a" => vec![("या", 0), ("आ", 8)],
            "o" => vec![("यो", 0), ("ओ", 8)],
            "u" => vec![("यू", 0), ("उ", 8)],
            "e" => vec![("ये", 0), ("ए", 5)],
            _ => independent(v),
        };
    }
    let mut c = independent(v);
    if prev.is_none() && v == "e" {
        c.push(("ये", 6)); // Russian Е written E: Ekaterinburg
    }
    c
}

fn independent(v: &str) -> Choices {
    match v {
        "ye" => vec![("ये", 0), ("ए", 3)],
        "a" => vec![("अ", 0), ("आ", 4)],
        "e" => vec![("ए", 0)],
        "i" | "y" => vec![("इ", 0), ("ई", 6)],
        "o" => vec![("ओ", 0)],
        "u" => vec![("उ", 0), ("ऊ", 5)],
        "iy" | "yy" | "ii" | "ee" => vec![("ई", 0)],
        "oo" => vec![("ऊ", 0)],
        "ou" => vec![("औ", 0), ("ओउ", 4)],
        "ai" | "ay" => vec![("ऐ", 0), ("आइ", 3)],
        "au" => vec![("औ", 0), ("आउ", 2)],
        "ey" | "ei" => vec![("एई", 0), ("ए", 4)],
        "oy" => vec![("ओय", 0)],
        "ae" => vec![("ए", 0), ("ऐ", 2)],
        "eo" => vec![("ओ", 0)],
        "eu" => vec![("उ", 0)],
        "oe" => vec![("ओए", 0)],
        "ui" => vec![("उई", 0)],
        _ => vec![("", 0)],
    }
}

#[cfg(test)]
mod tests {
    use super::super::skeleton;
    use super::*;

    /// Spellings Hindi news uses that must be among the candidates.
    const KNOWN: &[(&str, &str)] = &[
        ("Khabarovsk", "खाबारोव्स्क"),
        ("Khabarovsk", "खबारोव्स्क"),
        ("Vladivostok", "व्लादिवोस्तोक"),
        ("Irkutsk", "इर्कुत्स्क"),
        ("Kursk", "कुर्स्क"),
        ("Omsk", "ओम्स्क"),
        ("Belgorod", "बेलगोरोद"),
        ("Samara", "समारा"),
        ("Pyongyang", "प्योंगयांग"),
        ("Wonsan", "वोनसान"),
        ("Hamhung", "हमहुंग"),
        ("Chongjin", "चोंग्जिन"),
        ("Kaesong", "केसोंग"),
        ("Nampo", "नाम्पो"),
        ("Yekaterinburg", "येकातेरिनबर्ग"),
        ("Nizhny Novgorod", "निज़्नी नोवगोरोद"),
        ("Shoigu", "शोइगू"),
        ("Tomsk", "तोम्स्क"),
        ("Sakhalin", "साख़ालिन"),
        ("Yakutsk", "याकुत्स्क"),
        ("Ayang", "अयांग"),
        ("Ussuriysk", "उस्सुरीस्क"),
        ("Yekaterinburg", "एकातेरिनबर्ग"),
        ("Krasnodar", "क्रास्नोडार"),
        ("Barnaul", "बरनौल"),
    ];

    /// The candidates folded as the tagger folds them (nukta, ॉ).
    fn folded(latin: &str) -> Vec<String> {
        devanagari_candidates(latin)
            .iter()
            .map(|c| crate::topics::normalize_text(c))
            .collect()
    }

    #[test]
    fn usual_hindi_spellings_are_generated() {
        let missing: Vec<String> = KNOWN
            .iter()
            .filter(|(latin, hindi)| !folded(latin).contains(&crate::topics::normalize_text(hindi)))
            .map(|(latin, hindi)| {
                format!("{latin}: {hindi} not in {:?}", devanagari_candidates(latin))
            })
            .collect();
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }

    #[test]
    fn candidates_meet_the_latin_name_on_its_skeleton() {
        for (latin, _) in KNOWN {
            let want: Vec<String> = latin.split(' ').map(skeleton).collect();
            for c in devanagari_candidates(latin) {
                let got: Vec<String> = c.split(' ').map(skeleton).collect();
                assert_eq!(got, want, "{latin} → {c}");
            }
        }
    }

    #[test]
    fn bounded_and_deterministic() {
        let a = devanagari_candidates("Petropavlovsk-Kamchatsky");
        assert!(!a.is_empty() && a.len() <= MAX_CANDIDATES, "{a:?}");
        assert_eq!(a, devanagari_candidates("Petropavlovsk-Kamchatsky"));
        assert!(devanagari_candidates("Москва").is_empty());
        assert!(devanagari_candidates("").is_empty());
        assert!(devanagari_candidates(&"ab".repeat(5000)).is_empty());
    }

    #[test]
    fn a_number_in_a_name_is_kept_as_written() {
        let engels = devanagari_candidates("Engels-2");
        assert!(!engels.is_empty());
        for c in &engels {
            assert!(c.ends_with(" 2") && !c.contains("  "), "{c:?}");
        }
        assert!(devanagari_candidates("2").iter().all(|c| c == "2"));
    }
}
