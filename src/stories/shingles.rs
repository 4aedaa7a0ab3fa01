//! Words of folded text, their stable hashes, and MinHash over word shingles.
//!
//! Text is folded with the tagger's [`normalize_text`](crate::topics::normalize_text)
//! (NFC, nukta and candra folding, lowercase), then split into words: runs of
//! letters, digits and Devanagari signs; Devanagari digits read as ASCII ones.
//! Hashes are FNV-1a + a splitmix64 finaliser: stable across runs and builds,
//! since signatures are persisted.

use serde::{Deserialize, Serialize};

/// Number of MinHash values per item (also the LSH band layout's total).
pub const MINHASH_LEN: usize = 64;
/// Words per shingle: pairs tolerate light rewrites of short texts.
const SHINGLE_WORDS: usize = 2;

/// A MinHash signature: for each of [`MINHASH_LEN`] hash functions, the
/// smallest hash over the item's shingles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinHash(pub Vec<u32>);

impl MinHash {
    /// The MinHash of a word sequence (shingles of [`SHINGLE_WORDS`] words;
    /// a text shorter than that is one shingle).
    pub fn of_words(words: &[&str]) -> MinHash {
        let mut mins = vec![u32::MAX; MINHASH_LEN];
        let n = words.len().saturating_sub(SHINGLE_WORDS - 1).max(1);
        if words.is_empty() {
            return MinHash(mins);
        }
        for start in 0..n {
            let end = (start + SHINGLE_WORDS).min(words.len());
            let mut h = FNV_OFFSET;
            for w in &words[start..end] {
                h = fnv(h, w.as_bytes());
                h = fnv(h, b" ");
            }
            let h = mix(h);
            for (i, m) in mins.iter_mut().enumerate() {
                // `h` is already mixed: one multiply per function suffices.
                let v = ((h ^ SEEDS[i]).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32;
                if v < *m {
                    *m = v;
                }
            }
        }
        MinHash(mins)
    }

    /// Estimated Jaccard similarity of the two shingle sets.
    pub fn jaccard(&self, other: &MinHash) -> f32 {
        let n = self.0.len().min(other.0.len());
        if n == 0 || self.is_empty() || other.is_empty() {
            return 0.0;
        }
        let same = self.0.iter().zip(&other.0).filter(|(a, b)| a == b).count();
        same as f32 / n as f32
    }

    /// True for the signature of an empty text.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&v| v == u32::MAX)
    }

    /// Keys of the LSH bands (`rows` values each), for candidate lookup.
    pub(crate) fn bands(&self, rows: usize) -> impl Iterator<Item = u64> + '_ {
        self.0.chunks(rows).enumerate().map(|(b, chunk)| {
            let mut h = fnv(FNV_OFFSET, &(b as u64).to_le_bytes());
            for v in chunk {
                h = fnv(h, &v.to_le_bytes());
            }
            mix(h)
        })
    }
}

/// Seeds of the MinHash functions: fixed, since signatures are persisted.
const SEEDS: [u64; MINHASH_LEN] = seeds();

const fn seeds() -> [u64; MINHASH_LEN] {
    let mut out = [0u64; MINHASH_LEN];
    let mut i = 0;
    while i < MINHASH_LEN {
        out[i] = mix(0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1));
        i += 1;
    }
    out
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

const fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
}

/// splitmix64 finaliser: spreads FNV's weak low bits.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Stable 64-bit hash of a word.
pub(crate) const fn word_hash(w: &str) -> u64 {
    mix(fnv(FNV_OFFSET, w.as_bytes()))
}

/// Stable hash of a content word; numbers are tagged (lowest bit set) since
/// they are the only words shared across scripts ("2,000" = "2000").
pub(crate) fn content_hash(w: &str) -> u64 {
    let h = word_hash(w) & !1;
    if w.bytes().all(|b| b.is_ascii_digit()) {
        h | 1
    } else {
        h
    }
}

/// True for a [`content_hash`] of a number.
pub(crate) fn is_number(h: u64) -> bool {
    h & 1 == 1
}

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

fn is_deva_digit(c: char) -> bool {
    ('\u{0966}'..='\u{096F}').contains(&c)
}

/// Folded text with every non-word character as one space and Devanagari
/// digits as ASCII: words are then `split(' ')`, and entity spellings (folded
/// with dashes as spaces) match on word boundaries by plain search.
pub(crate) fn word_text(folded: &str) -> String {
    let mut out = String::with_capacity(folded.len() + 2);
    out.push(' ');
    let mut chars = folded.chars().peekable();
    while let Some(c) = chars.next() {
        // Digit-group commas ("2,000") join: the same number as "2000".
        let digit_next = chars
            .peek()
            .is_some_and(|d| d.is_ascii_digit() || is_deva_digit(*d));
        if c == ',' && digit_next && out.ends_with(|p: char| p.is_ascii_digit()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        word_text(&crate::topics::normalize_text(s))
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn minhash(s: &str) -> MinHash {
        let w = words(s);
        MinHash::of_words(&w.iter().map(String::as_str).collect::<Vec<_>>())
    }

    #[test]
    fn words_split_on_punctuation_and_read_devanagari_digits() {
        assert_eq!(
            words("Kim's  600, ६००-रूस। 2,000"),
            ["kim", "s", "600", "600", "रूस", "2000"]
        );
        assert_eq!(words("किम जोंग-उन"), ["किम", "जोंग", "उन"]);
    }

    #[test]
    fn a_copy_with_a_tagline_is_a_near_duplicate() {
        let a =
            "लावरोव ने वोनसान में किम जोंग उन से मुलाकात की और सैन्य आपूर्ति पर चर्चा की, तीन दिवसीय दौरे पर";
        let b = format!("{a} Source link");
        assert!(minhash(a).jaccard(&minhash(&b)) > 0.7);
        let c = "कीव में रूस का बड़ा ड्रोन हमला, पांच लोगों की मौत, यूक्रेनी वायुसेना ने कहा";
        assert!(minhash(a).jaccard(&minhash(c)) < 0.2);
    }

    #[test]
    fn empty_text_matches_nothing() {
        assert!(minhash("").is_empty());
        assert_eq!(minhash("").jaccard(&minhash("")), 0.0);
    }

    #[test]
    fn hashes_are_stable_across_builds() {
        // Persisted signatures depend on these values.
        assert_eq!(word_hash("lavrov"), word_hash("lavrov"));
        assert_ne!(word_hash("lavrov"), word_hash("wonsan"));
        assert_eq!(minhash("a b c").0.len(), MINHASH_LEN);
    }
}
