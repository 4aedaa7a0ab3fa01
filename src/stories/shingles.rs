//! MinHash over word shingles: near-duplicate text (copies, light rewrites,
//! updated versions) without comparing the texts themselves.

use super::text::{fnv, mix, FNV_OFFSET};

/// MinHash values of an item's whole text (also the LSH band layout's total).
pub const MINHASH_LEN: usize = 64;
/// MinHash values of its lead (title and summary).
pub(crate) const LEAD_LEN: usize = 32;
/// Words per shingle: pairs tolerate light rewrites of short texts.
const SHINGLE_WORDS: usize = 2;

/// A MinHash signature: for each hash function, the smallest hash over the
/// item's shingles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinHash(pub Vec<u32>);

impl MinHash {
    /// The MinHash (`len` ≤ [`MINHASH_LEN`] values) of a word sequence:
    /// shingles of [`SHINGLE_WORDS`] words; a shorter text is one shingle.
    pub fn of_words(words: &[&str], len: usize) -> MinHash {
        let len = len.min(MINHASH_LEN);
        let mut mins = vec![u32::MAX; len];
        if words.is_empty() {
            return MinHash(mins);
        }
        let n = words.len().saturating_sub(SHINGLE_WORDS - 1).max(1);
        for start in 0..n {
            let end = (start + SHINGLE_WORDS).min(words.len());
            let mut h = FNV_OFFSET;
            for w in &words[start..end] {
                h = fnv(h, w.as_bytes());
                h = fnv(h, b" ");
            }
            let h = mix(h);
            for (m, seed) in mins.iter_mut().zip(SEEDS) {
                // `h` is already mixed: one multiply per function suffices.
                let v = ((h ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32;
                if v < *m {
                    *m = v;
                }
            }
        }
        MinHash(mins)
    }

    /// Estimated Jaccard similarity of the two shingle sets.
    /// An empty text matches nothing (its values are all `u32::MAX`, which
    /// are not counted).
    pub fn jaccard(&self, other: &MinHash) -> f32 {
        let n = self.0.len().min(other.0.len());
        if n == 0 {
            return 0.0;
        }
        let mut same = 0u32;
        for (a, b) in self.0.iter().zip(&other.0) {
            same += u32::from(a == b && *a != u32::MAX);
        }
        same as f32 / n as f32
    }

    /// True for the signature of an empty text.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&v| v == u32::MAX)
    }

    /// Keys of the LSH bands (`rows` values each), for candidate lookup.
    /// An empty text has none: it is nobody's near-duplicate.
    pub(crate) fn bands(&self, rows: usize) -> impl Iterator<Item = u64> + '_ {
        let chunks = if self.is_empty() { 0 } else { self.0.len() };
        self.0[..chunks].chunks(rows).enumerate().map(|(b, chunk)| {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stories::text::{word_text, words};

    fn minhash(s: &str) -> MinHash {
        let text = word_text(&crate::topics::normalize_text(s));
        MinHash::of_words(&words(&text).collect::<Vec<_>>(), MINHASH_LEN)
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
    fn empty_text_matches_nothing_and_has_no_bands() {
        assert!(minhash("").is_empty());
        assert_eq!(minhash("").jaccard(&minhash("")), 0.0);
        assert_eq!(minhash("").bands(4).count(), 0);
        assert_eq!(minhash("a b c").bands(4).count(), MINHASH_LEN / 4);
    }
}
