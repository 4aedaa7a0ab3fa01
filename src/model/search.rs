//! What one item puts in the full-text index: the search stage computes it
//! (`crate::search::fold`), the store writes it.

/// Space-separated tokens per column of the FTS5 index, and the item's
/// names for the index's vocabulary of skeletons.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexText {
    /// The title's folded words.
    pub title: String,
    /// The summary's and content's folded words.
    pub body: String,
    /// Each distinct Devanagari or capitalised Latin word of the item once,
    /// after its skeleton: `skeleton word skeleton word …`.
    pub names: String,
}

impl IndexText {
    /// The item's `(skeleton, word)` pairs.
    pub fn names(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut tokens = self.names.split(' ').filter(|t| !t.is_empty());
        std::iter::from_fn(move || Some((tokens.next()?, tokens.next()?)))
    }
}
