//! What the parse threads derive from one item's text for the single
//! writer: its topics, its story signature and its search index tokens,
//! all from one plain text of the content.

use crate::model::{IndexText, NewItem, TopicHit};
use crate::normalize::html_to_text;
use crate::stories::TermFinder;
use crate::topics::{tag_item_text, Tagger};

/// One item's topics, story signature and (when asked for) index tokens.
#[derive(Debug)]
pub struct Derived {
    /// The item's topics.
    pub tags: Vec<TopicHit>,
    /// Its story signature, encoded for the store.
    pub signature: Vec<u8>,
    /// Its full-text index tokens; `None` when left to the writer.
    pub index: Option<IndexText>,
}

/// Tags, signs and (when `with_index`) tokenises `item`, converting its
/// content to plain text once for all three.
pub fn derive_item(
    tagger: &Tagger,
    finder: &TermFinder,
    item: &NewItem,
    with_index: bool,
) -> Derived {
    let content = item
        .content
        .as_ref()
        .map(|c| html_to_text(c.as_str()))
        .unwrap_or_default();
    let summary = item.summary.as_deref();
    Derived {
        tags: tag_item_text(tagger, &item.title, summary, &content, &item.categories),
        signature: finder
            .text_signature(&item.title, summary, &content)
            .encode(),
        index: with_index.then(|| IndexText::of(&item.title, summary, &content)),
    }
}
