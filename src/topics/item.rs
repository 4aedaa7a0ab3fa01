//! Tagging a whole item: the glue between stored/normalised items and the
//! tagger, so that polling and retagging judge the same text.

use super::{TagInput, Tagger, TopicHit};
use crate::model::SanitizedHtml;
use crate::normalize::html_to_text;
use crate::store::{Store, StoreError};

/// The topics of an item given its title, summary, sanitised content and
/// the outlet's categories. The content is reduced to plain text first.
pub fn tag_item(
    tagger: &Tagger,
    title: &str,
    summary: Option<&str>,
    content: Option<&SanitizedHtml>,
    categories: &[String],
) -> Vec<TopicHit> {
    let content = content
        .map(|c| html_to_text(c.as_str()))
        .unwrap_or_default();
    tag_item_text(tagger, title, summary, &content, categories)
}

/// [`tag_item`] with the content already reduced to plain text, for a
/// caller that also signs the item for stories and converts it once.
pub fn tag_item_text(
    tagger: &Tagger,
    title: &str,
    summary: Option<&str>,
    content_text: &str,
    categories: &[String],
) -> Vec<TopicHit> {
    tagger.tag(&TagInput {
        title,
        summary: summary.unwrap_or_default(),
        content: content_text,
        categories,
    })
}

/// Recomputes the tags of every stored item with `tagger`, and records its
/// rules' fingerprint; returns the number of items retagged.
pub fn retag_stored(store: &mut Store, tagger: &Tagger) -> Result<u64, StoreError> {
    store.retag_all(&tagger.fingerprint(), |item| {
        tag_item(
            tagger,
            &item.title,
            item.summary.as_deref(),
            item.content.as_ref(),
            &item.categories,
        )
    })
}
