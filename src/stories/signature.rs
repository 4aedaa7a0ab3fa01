//! What the grouper knows of one item, and its compact encoding: the store
//! keeps it as an opaque blob per item (issue #15: the store persists, the
//! stage decides), so a restarted grouper never re-reads texts.

use chrono::{DateTime, Utc};

use super::shingles::MinHash;

/// The item's words include Latin ones ([`ItemSignature::scripts`], [`Term::flags`]).
pub const LATIN: u8 = 1;
/// The item's words include Devanagari ones.
pub const DEVANAGARI: u8 = 2;
/// The term is in the title.
pub const IN_TITLE: u8 = 4;
/// The term is in the lead: the title or the summary.
pub const IN_LEAD: u8 = 8;

/// What a term is, in the top two bits of its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// A word, keyed by its transliteration skeleton (any script).
    Word,
    /// An entry of a topic term group: a name or concept in any language.
    Concept,
    /// A figure: a value or a multiple.
    Number,
}

impl TermKind {
    const SHIFT: u32 = 62;

    /// `hash` with this kind in its top bits.
    pub(crate) fn key(self, hash: u64) -> u64 {
        let kind = match self {
            TermKind::Word => 0,
            TermKind::Concept => 1,
            TermKind::Number => 2,
        };
        (hash & ((1 << Self::SHIFT) - 1)) | (kind << Self::SHIFT)
    }

    /// The kind of a term key.
    pub fn of(key: u64) -> TermKind {
        match key >> Self::SHIFT {
            0 => TermKind::Word,
            1 => TermKind::Concept,
            _ => TermKind::Number,
        }
    }
}

/// One piece of evidence an item carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Stable key: the same for every spelling in every script.
    pub key: u64,
    /// [`LATIN`] or [`DEVANAGARI`] (the script it was written in),
    /// [`IN_TITLE`], [`IN_LEAD`].
    pub flags: u8,
    /// How it was written first, for reasons ("वोनसान", "12000000").
    pub label: String,
}

/// An item as the grouper compares it: fingerprints of its text and its
/// evidence, not its text.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemSignature {
    /// The item's id, shown in reasons ("near-duplicate of 12").
    pub key: String,
    /// Who published it: items of one outlet join only as near-duplicates.
    pub outlet: String,
    /// Its date: the outlet's, or when first seen if earlier.
    pub at: DateTime<Utc>,
    /// [`LATIN`] and/or [`DEVANAGARI`]: the scripts its words are in.
    pub scripts: u8,
    /// MinHash of the whole text's word shingles.
    pub minhash: MinHash,
    /// MinHash of the title and summary alone (an outlet's page template
    /// is not in them).
    pub lead: MinHash,
    /// Its evidence, sorted by key, each key once.
    pub terms: Vec<Term>,
}

const VERSION: u8 = 1;

impl ItemSignature {
    /// The signature as bytes for the store (key, outlet and date are the
    /// item row's own columns, so they are left out).
    pub fn encode(&self) -> Vec<u8> {
        let labels: usize = self.terms.iter().map(|t| t.label.len()).sum();
        let mut out = Vec::with_capacity(
            8 + 4 * (self.minhash.0.len() + self.lead.0.len()) + 10 * self.terms.len() + labels,
        );
        out.extend([VERSION, self.scripts]);
        for hash in [&self.minhash, &self.lead] {
            out.push(hash.0.len() as u8);
            hash.0.iter().for_each(|v| out.extend(v.to_le_bytes()));
        }
        out.extend((self.terms.len() as u16).to_le_bytes());
        for t in &self.terms {
            out.extend(t.key.to_le_bytes());
            out.push(t.flags);
            let label = truncate(&t.label, u8::MAX as usize);
            out.push(label.len() as u8);
            out.extend(label.as_bytes());
        }
        out
    }

    /// A signature from [`Self::encode`]'s bytes, with its key, outlet and
    /// date; `None` for bytes of another version or cut short.
    pub fn decode(
        bytes: &[u8],
        key: String,
        outlet: String,
        at: DateTime<Utc>,
    ) -> Option<ItemSignature> {
        let mut r = Reader(bytes);
        if r.u8()? != VERSION {
            return None;
        }
        let scripts = r.u8()?;
        let minhash = r.minhash()?;
        let lead = r.minhash()?;
        let n = u16::from_le_bytes(r.take(2)?.try_into().ok()?) as usize;
        let mut terms = Vec::with_capacity(n);
        for _ in 0..n {
            let key = u64::from_le_bytes(r.take(8)?.try_into().ok()?);
            let flags = r.u8()?;
            let len = r.u8()? as usize;
            let label = String::from_utf8_lossy(r.take(len)?).into_owned();
            terms.push(Term { key, flags, label });
        }
        r.0.is_empty().then_some(ItemSignature {
            key,
            outlet,
            at,
            scripts,
            minhash,
            lead,
            terms,
        })
    }
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn minhash(&mut self) -> Option<MinHash> {
        let n = self.u8()? as usize;
        let bytes = self.take(4 * n)?;
        Some(MinHash(
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_survives_its_encoding_and_bad_bytes_are_refused() {
        let sig = ItemSignature {
            key: "12".into(),
            outlet: "3".into(),
            at: DateTime::UNIX_EPOCH,
            scripts: LATIN | DEVANAGARI,
            minhash: MinHash(vec![1, 2, 3]),
            lead: MinHash(vec![4]),
            terms: vec![
                Term {
                    key: TermKind::Concept.key(7),
                    flags: IN_TITLE,
                    label: "लावरोव".into(),
                },
                Term {
                    key: TermKind::Number.key(9),
                    flags: 0,
                    label: "12000000".into(),
                },
            ],
        };
        let bytes = sig.encode();
        let back = ItemSignature::decode(&bytes, "12".into(), "3".into(), DateTime::UNIX_EPOCH);
        assert_eq!(back.as_ref(), Some(&sig));
        assert_eq!(TermKind::of(sig.terms[0].key), TermKind::Concept);
        assert_eq!(TermKind::of(sig.terms[1].key), TermKind::Number);
        for cut in [0, 1, 5, bytes.len() - 1] {
            let short = ItemSignature::decode(
                &bytes[..cut],
                String::new(),
                String::new(),
                DateTime::UNIX_EPOCH,
            );
            assert_eq!(short, None, "cut at {cut}");
        }
        let mut other = bytes.clone();
        other[0] = 99;
        assert_eq!(
            ItemSignature::decode(&other, String::new(), String::new(), DateTime::UNIX_EPOCH),
            None
        );
    }
}
