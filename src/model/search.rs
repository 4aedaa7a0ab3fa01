//! What one item puts in the full-text index: the search stage computes it
//! (`crate::search::fold`), the store writes it.

/// Space-separated tokens per column of the FTS5 index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexText {
    /// The title's folded words.
    pub title: String,
    /// The summary's and content's folded words.
    pub body: String,
    /// Skeletons of the Devanagari words (title, then body).
    pub deva: String,
    /// Skeletons of the capitalised Latin words (title, then body).
    pub latn: String,
}
