//! Lines an outlet repeats on many of its pages (taglines, appeals,
//! disclaimers, promos) are its template, not article text. Each line is
//! known by a fingerprint, and each outlet (feed) keeps how many of its
//! pages carried each fingerprint; the counts live in SQLite
//! (`store::fulltext`), this module only decides.

use std::collections::{BTreeSet, HashMap};

use sha2::{Digest, Sha256};

use super::extract::Extracted;
use super::fold::fold;

/// A line on at least this many of one outlet's pages is boilerplate. Three,
/// not two: an outlet may run two versions of one story (an update, a
/// translation), whose shared paragraphs must survive.
pub const MIN_PAGES: u32 = 3;

/// A line's fingerprint: the first 8 bytes of SHA-256 of its folded form,
/// as the signed integer SQLite stores.
pub fn fingerprint(line: &str) -> i64 {
    folded_fingerprint(&fold(line))
}

/// [`fingerprint`] of a line already folded.
fn folded_fingerprint(folded: &str) -> i64 {
    let digest = Sha256::digest(folded.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

impl Extracted {
    /// The distinct fingerprints of this page's lines: what one page adds to
    /// its outlet's counts.
    pub fn fingerprints(&self) -> BTreeSet<i64> {
        self.blocks
            .iter()
            .map(|b| folded_fingerprint(&b.folded))
            .collect()
    }
}

/// How many of one outlet's pages carried each line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutletLines {
    pages: HashMap<i64, u32>,
}

impl OutletLines {
    /// Counts as stored: fingerprint → pages.
    pub fn from_counts(counts: impl IntoIterator<Item = (i64, u32)>) -> OutletLines {
        OutletLines {
            pages: counts.into_iter().collect(),
        }
    }

    /// Counts `page` as one more page of the outlet.
    pub fn learn(&mut self, page: &Extracted) {
        self.count_page(&page.fingerprints());
    }

    /// Counts one more page carrying these line fingerprints.
    pub fn count_page(&mut self, fingerprints: &BTreeSet<i64>) {
        for fp in fingerprints {
            *self.pages.entry(*fp).or_default() += 1;
        }
    }

    /// Whether `line` is on [`MIN_PAGES`] or more of the outlet's pages.
    pub fn is_boilerplate(&self, line: &str) -> bool {
        self.seen_often(fingerprint(line))
    }

    /// `page` without the outlet's boilerplate lines.
    pub fn strip(&self, mut page: Extracted) -> Extracted {
        page.blocks
            .retain(|b| !self.seen_often(folded_fingerprint(&b.folded)));
        page
    }

    fn seen_often(&self, fingerprint: i64) -> bool {
        self.pages
            .get(&fingerprint)
            .is_some_and(|n| *n >= MIN_PAGES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fulltext::extract;

    fn page(paragraphs: &[&str]) -> Extracted {
        let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
        extract(
            &format!("<html><body><article>{body}</article></body></html>"),
            None,
        )
    }

    #[test]
    fn a_line_on_three_pages_is_boilerplate_and_on_two_is_not() {
        let appeal = "हर जान कीमती है, बात करें।";
        let shared = "दोनों देशों ने 2024 में रक्षा समझौता किया था और यह वाक्य दो बार आता है।";
        let mut book = OutletLines::default();
        book.learn(&page(&[
            "पहली ख़बर का पहला लंबा अनुच्छेद यहाँ है, जो पाठ को पढ़ने लायक बनाता है।",
            shared,
            appeal,
        ]));
        book.learn(&page(&[
            "दूसरी ख़बर का पहला लंबा अनुच्छेद यहाँ है, जो पाठ को पढ़ने लायक बनाता है।",
            shared,
            appeal,
        ]));
        assert!(!book.is_boilerplate(appeal), "two pages are not many");
        book.learn(&page(&[
            "तीसरी ख़बर का पहला लंबा अनुच्छेद यहाँ है, जो पाठ को पढ़ने लायक बनाता है।",
            appeal,
        ]));
        assert!(book.is_boilerplate(appeal), "three pages are");
        assert!(
            !book.is_boilerplate(shared),
            "a paragraph two stories share stays"
        );
    }

    #[test]
    fn fingerprints_ignore_spacing_and_nukta() {
        assert_eq!(
            fingerprint("ज़मीन से जुड़ी सोच"),
            fingerprint(" जमीन  से जुडी सोच")
        );
        assert_ne!(fingerprint("सोच"), fingerprint("खबरें"));
    }
}
