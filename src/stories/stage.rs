//! The cluster stage over the store: the store keeps items, signatures and
//! joins; this module decides (issue #15). After each polling pass,
//! [`assign_pending`] gives every waiting item a story, in assignment order
//! (date, outlet, key), so the order in which concurrent polls and article
//! fetches finished changes nothing (issue #13). [`restore`] rebuilds a
//! grouper from the last window's signatures after a restart.

use std::sync::Arc;

use super::{ItemSignature, StoryGrouper, TermFinder};
use crate::store::{Store, StoreError, StoryItem, StoryJoin};

/// Items assigned per transaction.
const BATCH: usize = 512;

/// A grouper rebuilt from the items of the store's last window (their kept
/// signatures; an item without one is signed again from its text, and that
/// signature kept), with story ids resuming after the highest stored.
pub fn restore(
    store: &mut Store,
    finder: Arc<TermFinder>,
    window: std::time::Duration,
) -> Result<StoryGrouper, StoreError> {
    let mut grouper = StoryGrouper::with_finder(finder.clone(), window);
    let mut resigned = Vec::new();
    let mut items = Vec::new();
    for item in store.story_window(grouper.window())? {
        let Some(story) = item.story else { continue };
        let sig = signature_of(store, &finder, &item, &mut resigned)?;
        items.push((story.max(0) as u64, sig));
    }
    let history = store.story_history()?;
    grouper.restore(items.into_iter(), history.as_deref());
    store.save_story_signatures(&resigned)?;
    grouper.resume_story_ids_from(store.next_story_id()?.max(0) as u64);
    Ok(grouper)
}

/// Gives every item waiting for a story one, in assignment order, a
/// transaction per batch, then drops the signatures that left the window.
/// Returns how many items it assigned. On an error the grouper is ahead of
/// the database: drop it and [`restore`] another.
pub fn assign_pending(store: &mut Store, grouper: &mut StoryGrouper) -> Result<u64, StoreError> {
    let finder = grouper.finder().clone();
    let mut total = 0;
    loop {
        let batch = store.pending_story_items(BATCH)?;
        let mut joins = Vec::with_capacity(batch.len());
        for item in &batch {
            let mut resigned = Vec::new();
            let sig = signature_of(store, &finder, item, &mut resigned)?;
            let assignment = grouper.assign_signature(&sig);
            joins.push(StoryJoin {
                item_id: item.id,
                story: assignment.story as i64,
                reason: assignment.reason,
                signature: resigned.pop().map(|(_, data)| data),
            });
        }
        store.record_story_joins(&joins)?;
        total += batch.len() as u64;
        if batch.len() < BATCH {
            break;
        }
    }
    if total > 0 {
        store.save_story_history(&grouper.history())?;
        if let Some(start) = grouper.window_start() {
            store.prune_story_signatures(start)?;
        }
    }
    Ok(total)
}

/// The item's kept signature, or one made from its text (then pushed onto
/// `resigned`, to be kept).
fn signature_of(
    store: &Store,
    finder: &TermFinder,
    item: &StoryItem,
    resigned: &mut Vec<(i64, Vec<u8>)>,
) -> Result<ItemSignature, StoreError> {
    let (key, outlet) = (item.id.to_string(), item.feed_id.to_string());
    if let Some(sig) = item
        .signature
        .as_deref()
        .and_then(|data| ItemSignature::decode(data, key.clone(), outlet.clone(), item.at))
    {
        return Ok(sig);
    }
    let text = match &item.text {
        Some(text) => Some(text.clone()),
        // A signature of another layout: read the text after all.
        None => store.item(item.id)?.map(|row| crate::store::StoredText {
            title: row.title,
            summary: row.summary,
            content_html: row.content.map(|c| c.as_str().to_string()),
        }),
    };
    let mut sig = match text {
        Some(t) => finder.item_signature(&t.title, t.summary.as_deref(), t.content_html.as_deref()),
        None => finder.text_signature("", None, ""),
    };
    sig.key = key;
    sig.outlet = outlet;
    sig.at = item.at;
    resigned.push((item.id, sig.encode()));
    Ok(sig)
}

#[cfg(test)]
mod tests {

    use chrono::{DateTime, Utc};

    use super::*;
    use crate::model::{ItemKey, NewItem};
    use crate::store::{AddFeed, EntryQuery, FeedOrigin, PollRecord, PollResult};
    use crate::stories::DEFAULT_WINDOW;
    use crate::topics::Tagger;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_752_300_000 + secs, 0).unwrap()
    }

    fn item(key: &str, title: &str, published: DateTime<Utc>) -> NewItem {
        NewItem {
            key: ItemKey::Guid(key.into()),
            guid: Some(key.into()),
            link: Some(format!("https://news.example/{key}")),
            title: title.into(),
            summary: None,
            content: None,
            authors: vec![],
            categories: vec![],
            published: Some(published),
            updated: None,
            content_hash: format!("{key}:{title}"),
            media: Default::default(),
        }
    }

    fn poll(feed_id: i64, at: DateTime<Utc>, items: Vec<NewItem>, signed: bool) -> PollRecord {
        let finder = TermFinder::new(&Tagger::builtin());
        let signatures = if signed {
            items
                .iter()
                .map(|i| finder.text_signature(&i.title, None, "").encode())
                .collect()
        } else {
            vec![]
        };
        let mut record = crate::store::testing::fetched(feed_id, at, items, vec![], None);
        if let PollResult::Fetched { signatures: s, .. } = &mut record.result {
            *s = signatures;
        }
        record
    }

    fn feed(store: &Store, url: &str) -> i64 {
        match store
            .add_feed(&crate::model::FeedUrl::parse(url).unwrap(), FeedOrigin::Cli)
            .unwrap()
        {
            AddFeed::Added(id) => id,
            other => panic!("{other:?}"),
        }
    }

    fn grouper(store: &mut Store) -> StoryGrouper {
        let finder = Arc::new(TermFinder::new(&Tagger::builtin()));
        restore(store, finder, DEFAULT_WINDOW).unwrap()
    }

    const HINDI: &str = "लावरोव वोनसान में किम जोंग उन से मिले, बिना शर्त समर्थन का वादा";
    const ENGLISH: &str = "Lavrov meets Kim Jong Un in Wonsan, gets unconditional support";
    const RAIN: &str = "दिल्ली में मानसून की पहली बारिश, कई इलाकों में जलभराव";

    /// Two outlets report one event an hour apart; one also reports rain.
    /// The English report is written first, but dated later.
    fn two_outlets(store: &mut Store, signed: bool) -> (i64, i64) {
        let (a, b) = (
            feed(store, "https://a.example/rss"),
            feed(store, "https://b.example/rss"),
        );
        store
            .write_polls(&[poll(b, t(7200), vec![item("b1", ENGLISH, t(3600))], signed)])
            .unwrap();
        store
            .write_polls(&[poll(
                a,
                t(7200),
                vec![item("a1", HINDI, t(0)), item("a2", RAIN, t(60))],
                signed,
            )])
            .unwrap();
        (a, b)
    }

    #[test]
    fn pending_items_join_stories_in_date_order_whatever_the_write_order() {
        for signed in [true, false] {
            let mut store = Store::open_in_memory().unwrap();
            two_outlets(&mut store, signed);
            assert!(store.has_items_without_story().unwrap());
            let mut g = grouper(&mut store);
            assert_eq!(assign_pending(&mut store, &mut g).unwrap(), 3);
            assert!(!store.has_items_without_story().unwrap());
            let list = store.list_stories(None, 10).unwrap();
            assert_eq!(list.len(), 2, "{list:#?}");
            let event = list.iter().find(|s| s.member_count == 2).unwrap();
            assert_eq!(event.title, HINDI, "the earliest-dated was assigned first");
            let mut outlets = event.outlets.clone();
            outlets.sort();
            assert_eq!(outlets, ["https://a.example/rss", "https://b.example/rss"]);
            let detail = store.story(event.id).unwrap().unwrap();
            let reason = detail.members[1].reason.as_deref().unwrap_or("");
            assert!(reason.contains("lavrov"), "{reason}");
        }
    }

    #[test]
    fn feeds_publish_one_entry_per_story_naming_the_other_outlets() {
        let mut store = Store::open_in_memory().unwrap();
        two_outlets(&mut store, true);
        let mut g = grouper(&mut store);
        assign_pending(&mut store, &mut g).unwrap();
        let query = EntryQuery {
            topic: None,
            before: None,
            limit: 10,
        };
        let entries = store.publish_entries(&query).unwrap();
        assert_eq!(entries.len(), 2);
        let event = entries.iter().find(|e| e.item.title == HINDI).unwrap();
        assert_eq!(event.related.len(), 1);
        assert_eq!(event.related[0].title, ENGLISH);
        assert_eq!(store.count_stories().unwrap(), 2);
    }

    #[test]
    fn a_restored_grouper_decides_as_the_live_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let mut store = Store::open(&path).unwrap();
        let (a, _) = two_outlets(&mut store, true);
        let mut live = grouper(&mut store);
        assign_pending(&mut store, &mut live).unwrap();
        drop(store);

        let mut store = Store::open(&path).unwrap();
        let mut restored = grouper(&mut store);
        assert_eq!(restored.window_len(), 3);
        let copy = format!("{HINDI} Source link");
        let late = item("a3", &copy, t(7200));
        let sig = restored.finder().text_signature(&copy, None, "");
        let mut for_live = sig.clone();
        for_live.key = "99".into();
        for_live.outlet = a.to_string();
        for_live.at = t(7200);
        store
            .write_polls(&[poll(a, t(9000), vec![late], true)])
            .unwrap();
        assign_pending(&mut store, &mut restored).unwrap();
        let list = store.list_stories(None, 10).unwrap();
        assert_eq!(list.len(), 2, "{list:#?}");
        assert!(list.iter().any(|s| s.member_count == 3));
        let joined = live.assign_signature(&for_live);
        let stored = store.story(list.iter().find(|s| s.member_count == 3).unwrap().id);
        assert_eq!(joined.story as i64, stored.unwrap().unwrap().story.id);
    }

    #[test]
    fn an_item_whose_text_changes_is_grouped_again() {
        let mut store = Store::open_in_memory().unwrap();
        let (a, _) = two_outlets(&mut store, true);
        let mut g = grouper(&mut store);
        assign_pending(&mut store, &mut g).unwrap();
        // The rain report is corrected into an update of the outlet's
        // report of the meeting.
        let mut fixed = item("a2", &format!("{HINDI}: अपडेट"), t(60));
        fixed.content_hash = "a2:v2".into();
        store
            .write_polls(&[poll(a, t(9000), vec![fixed], true)])
            .unwrap();
        assert!(store.has_items_without_story().unwrap());
        assign_pending(&mut store, &mut g).unwrap();
        let list = store.list_stories(None, 10).unwrap();
        assert_eq!(
            list.len(),
            1,
            "the rain story went with its only item: {list:#?}"
        );
        assert_eq!(list[0].member_count, 3);
    }

    #[test]
    fn removing_a_feed_leaves_its_stories_consistent() {
        let mut store = Store::open_in_memory().unwrap();
        two_outlets(&mut store, true);
        let mut g = grouper(&mut store);
        assign_pending(&mut store, &mut g).unwrap();
        assert!(store
            .remove_feed(&crate::model::FeedUrl::parse("https://a.example/rss").unwrap())
            .unwrap());
        let list = store.list_stories(None, 10).unwrap();
        assert_eq!(list.len(), 1, "the rain story went with its only item");
        assert_eq!((list[0].title.as_str(), list[0].member_count), (ENGLISH, 1));
    }
}
