//! Full text in the polling pass (issue #7): for a feed marked `full_text`,
//! fetch the article page of each item not yet stored in this version,
//! extract its main text, drop the outlet's repeated lines, and make that
//! the item's content and the text it is tagged on.
//!
//! Article fetches go through the feed's [`Fetcher`](crate::fetch::Fetcher)
//! (and so its guard) under the same per-host and global permits, body cap
//! and timeouts; at most `fetch.max_articles` per feed per pass, and only
//! until the feed's time budget runs out (issue #11): the pages fetched by
//! then are used, and every other item is recorded with the feed's own
//! text. A failed or panicking article keeps the feed's own text and is
//! logged; it never fails the feed's poll. The pages new to the outlet are
//! counted into its line counts by the writer, in the poll's own
//! transaction.

use std::collections::{BTreeSet, HashSet};

use futures::StreamExt;
use tokio::time::Instant;
use url::Url;

use super::derive::derive_item;
use super::run::Poller;
use crate::fetch::{FetchOutcome, FetchRequest};
use crate::fulltext::{extract, Extracted, OutletLines, MIN_PAGES};
use crate::model::NewItem;
use crate::store::{OutletPages, PollResult, Store, StoreError, StoredVersion};

/// Article pages of one feed fetched at once (the host's permits bound it too).
const ARTICLES_IN_FLIGHT: usize = 2;

/// A line seen on fewer than [`MIN_PAGES`] pages and not for this long is
/// forgotten: it was an article's, not the outlet's.
const FORGET_RARE_LINES_AFTER: chrono::Duration = chrono::Duration::days(90);

/// One fetched and extracted article: the item's index, whether the item
/// is new (so its page counts towards the outlet's lines), the page's URL.
type Article = (usize, bool, Url, Extracted);

/// Replaces the content (and tags, and story signature) of the fetched
/// feed's new and changed items with their article's main text, for the
/// articles fetched before `until`. Anything that goes wrong keeps the
/// feed's text.
pub(super) async fn fill_full_text(
    poller: &Poller,
    feed_id: i64,
    result: &mut PollResult,
    until: Instant,
) {
    let PollResult::Fetched {
        feed,
        tags,
        signatures,
        index,
        outlet_pages,
        ..
    } = result
    else {
        return;
    };
    let wanted = match wanted_articles(poller, feed_id, &feed.items).await {
        Ok(wanted) => wanted,
        Err(e) => {
            tracing::warn!(error = %e, "full text skipped: cannot read stored items");
            return;
        }
    };
    let asked = wanted.len();
    let pages = fetch_articles(poller, wanted, until).await;
    if pages.len() < asked && Instant::now() >= until {
        tracing::warn!(
            fetched = pages.len(),
            wanted = asked,
            "full-text time budget ran out; the other items keep the feed's text"
        );
    }
    let (pages, counted) = strip_outlet_lines(poller, feed_id, pages).await;
    *outlet_pages = counted;
    for (i, _, url, text) in pages {
        let (Some(item), Some(item_tags)) = (feed.items.get_mut(i), tags.get_mut(i)) else {
            continue;
        };
        if text.is_empty() {
            tracing::warn!(article = %url, "no main text found; keeping the feed's text");
            continue;
        }
        item.content = Some(text.html(Some(&url)));
        // Stories are judged on the article too, not on the teaser; the
        // tokens are replaced only where the parse computed them.
        let derived = derive_item(&poller.tagger, &poller.finder, item, !index.is_empty());
        *item_tags = derived.tags;
        if let Some(signature) = signatures.get_mut(i) {
            *signature = derived.signature;
        }
        if let (Some(text), Some(new)) = (index.get_mut(i), derived.index) {
            *text = new;
        }
    }
}

/// Fetches and extracts the `wanted` articles, a few at a time, keeping
/// those done before `until`; in item order.
async fn fetch_articles(
    poller: &Poller,
    wanted: Vec<(usize, bool, Url)>,
    until: Instant,
) -> Vec<Article> {
    let mut pages: Vec<Article> = futures::stream::iter(wanted)
        .map(|(i, new, url)| async move {
            let fetched = fetch_article(poller, url).await;
            crate::metrics::FULLTEXT_FETCHES.inc(&[if fetched.is_some() {
                "ok"
            } else {
                "failed"
            }]);
            let (url, text) = fetched?;
            Some((i, new, url, text))
        })
        .buffer_unordered(ARTICLES_IN_FLIGHT)
        .filter_map(|page| async move { page })
        .take_until(tokio::time::sleep_until(until))
        .collect()
        .await;
    // Finishing order is the network's; what follows is the feed's.
    pages.sort_by_key(|(i, ..)| *i);
    pages
}

/// The items whose article to fetch: not stored in this version, with an
/// http(s) link not already taken, in feed order, at most `max_articles`;
/// each with its index and whether it is new.
async fn wanted_articles(
    poller: &Poller,
    feed_id: i64,
    items: &[NewItem],
) -> Result<Vec<(usize, bool, Url)>, StoreError> {
    let keys: Vec<(String, String)> = items
        .iter()
        .map(|i| (i.key.to_storage(), i.content_hash.clone()))
        .collect();
    let database = poller.database.clone();
    let stored = tokio::task::spawn_blocking(move || {
        Store::open(&database)?.stored_versions(feed_id, &keys)
    })
    .await
    .map_err(|e| StoreError::Panicked(e.to_string()))??;
    let mut links = HashSet::new();
    Ok(items
        .iter()
        .zip(stored)
        .enumerate()
        .filter(|(_, (_, stored))| *stored != StoredVersion::Same)
        .filter_map(|(i, (item, stored))| {
            let url = Url::parse(item.link.as_deref()?).ok()?;
            Some((i, stored == StoredVersion::New, url))
        })
        .filter(|(_, _, url)| matches!(url.scheme(), "http" | "https"))
        .filter(|(_, _, url)| links.insert(url.clone()))
        .take(poller.max_articles)
        .collect())
}

/// Fetches one article page and extracts its main text (on the blocking
/// pool). `None`, logged, when the page cannot be had.
async fn fetch_article(poller: &Poller, url: Url) -> Option<(Url, Extracted)> {
    let host = poller.host_permits(&url);
    let outcome = {
        // Permits are never closed, so acquiring cannot fail.
        let _host = host.acquire_owned().await.ok();
        let _global = poller.global.clone().acquire_owned().await.ok();
        let request = FetchRequest {
            url: url.clone(),
            etag: None,
            last_modified: None,
        };
        poller.fetcher.fetch(&request).await
    };
    let page = match outcome {
        FetchOutcome::Fetched(page) => page,
        FetchOutcome::Failed(e) => {
            tracing::warn!(article = %url, error = %e, "article fetch failed; keeping the feed's text");
            return None;
        }
        FetchOutcome::NotModified { .. } | FetchOutcome::Gone => {
            tracing::warn!(article = %url, "article page not available; keeping the feed's text");
            return None;
        }
    };
    if !page
        .content_type
        .as_deref()
        .is_none_or(|t| t.to_ascii_lowercase().contains("html"))
    {
        tracing::warn!(article = %url, content_type = ?page.content_type, "article is not HTML; keeping the feed's text");
        return None;
    }
    let base = page.final_url.clone();
    let text = tokio::task::spawn_blocking(move || {
        let html = crate::parse::decode_text(&page.body, page.content_type.as_deref());
        extract(&html, Some(&page.final_url))
    })
    .await;
    match text {
        Ok(text) => Some((base, text)),
        // A page that crashes the extractor costs only itself (issue #11).
        Err(e) => {
            tracing::error!(article = %url, error = %e, "extraction panicked; keeping the feed's text");
            None
        }
    }
}

/// Drops from every page the lines on [`MIN_PAGES`] or more of the
/// outlet's pages, counting the stored counts and this poll's new pages;
/// returns the pages and what the new ones add to the counts, for the
/// writer. If the counts cannot be had, the pages go on without this step.
async fn strip_outlet_lines(
    poller: &Poller,
    feed_id: i64,
    pages: Vec<Article>,
) -> (Vec<Article>, OutletPages) {
    if pages.is_empty() {
        return (pages, OutletPages::default());
    }
    let counted = OutletPages {
        pages: pages
            .iter()
            .filter(|(_, new, _, _)| *new)
            .map(|(_, _, _, page)| page.fingerprints())
            .collect(),
        keep_min_pages: MIN_PAGES,
        forget_before: crate::clock::now() - FORGET_RARE_LINES_AFTER,
    };
    let database = poller.database.clone();
    let new_pages = counted.pages.clone();
    let all: BTreeSet<i64> = pages
        .iter()
        .flat_map(|(_, _, _, p)| p.fingerprints())
        .collect();
    let stored = tokio::task::spawn_blocking(move || {
        Store::open(&database)?.outlet_line_pages(feed_id, &all)
    })
    .await;
    let outlet = match stored {
        Ok(Ok(counts)) => {
            let mut outlet = OutletLines::from_counts(counts);
            new_pages.iter().for_each(|page| outlet.count_page(page));
            outlet
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "outlet line counts unavailable; repeated lines kept");
            return (pages, counted);
        }
        Err(e) => {
            tracing::error!(error = %e, "reading outlet line counts panicked; repeated lines kept");
            return (pages, counted);
        }
    };
    let pages = pages
        .into_iter()
        .map(|(i, new, url, page)| (i, new, url, outlet.strip(page)))
        .collect();
    (pages, counted)
}
