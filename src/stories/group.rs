//! The online assigner: each new item is compared with the items of the last
//! window that share an LSH band, an entity or a rare word with it, and joins
//! the story of the best match that passes, or starts a new story.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::evidence::{EntityFinder, Lang};
use super::score::{rank, Evidence};
use super::shingles::{is_number, word_hash, MinHash};
use super::{Assignment, ItemSignature, StoryInput};
use crate::topics::Tagger;

/// MinHash values per LSH band (64 values → 16 bands: a pair with J = 0.8
/// is a candidate with probability ≈ 1, J = 0.6 ≈ 0.9, J = 0.1 ≈ 0.002);
/// lighter rewrites are found through their shared names and words.
const BAND_ROWS: usize = 4;
/// At most this many of the newest items per band, entity or word are
/// looked at: bounds the work per item when an entity (Putin) is everywhere.
const MAX_SCAN: usize = 64;
/// Of those, at most this many — the ones sharing the most keys — are compared.
const MAX_COMPARE: usize = 64;
/// A word is rare when at most `3 + window items / RARE_DIVISOR` items of the
/// window have it.
const RARE_DIVISOR: usize = 200;
/// An entity named by the first item of at least this share of recent
/// stories is common (Putin, Kim Jong Un on this beat): weak evidence.
/// Stories, not items, so that an event's own coverage (thirty outlets on
/// Lavrov's visit) does not make its names common.
const COMMON_SHARE: f32 = 0.2;
/// Stories (with entities) over which that share is measured (exponential decay).
const SHARE_HORIZON: f32 = 300.0;
/// Prior of the share: an entity counts as seen once in `SHARE_PRIOR` items
/// before any item arrives, so a cold grouper takes every name for common
/// (0.2) until items show it rare — Putin is not evidence on day one either.
const SHARE_PRIOR: f32 = 5.0;

/// One item still inside the window.
#[derive(Debug)]
pub(super) struct Slot {
    pub(super) story: u64,
    pub(super) key: String,
    pub(super) at: DateTime<Utc>,
    pub(super) lang: Lang,
    pub(super) minhash: MinHash,
    /// Interned entity indices, sorted.
    pub(super) entities: Vec<u16>,
    /// Content word hashes, sorted.
    pub(super) words: Vec<u64>,
    /// Posting keys it was indexed under (to unindex it on eviction).
    pub(super) keys: Vec<u64>,
}

/// Groups items into stories online; state is bounded by the window.
pub struct StoryGrouper {
    pub(super) finder: Arc<EntityFinder>,
    pub(super) window: chrono::Duration,
    pub(super) slots: VecDeque<Slot>,
    /// Sequence number of `slots[0]`.
    pub(super) first_seq: u64,
    /// Posting key → sequence numbers of window items, oldest first.
    postings: HashMap<u64, VecDeque<u64>, BuildHasherDefault<KeyHasher>>,
    pub(super) entity_ix: HashMap<String, u16>,
    pub(super) entity_names: Vec<String>,
    /// Per entity: decayed count of recent stories whose first item names it.
    pub(super) seen: Vec<f32>,
    pub(super) seen_total: f32,
    pub(super) newest: Option<DateTime<Utc>>,
    pub(super) next_story: u64,
}

impl std::fmt::Debug for StoryGrouper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoryGrouper")
            .field("window_items", &self.slots.len())
            .field("next_story", &self.next_story)
            .finish_non_exhaustive()
    }
}

impl StoryGrouper {
    /// A grouper with no history, comparing items at most `window` apart.
    pub fn new(tagger: Arc<Tagger>, window: std::time::Duration) -> Self {
        Self::with_finder(Arc::new(EntityFinder::new(&tagger)), window)
    }

    /// [`Self::new`] with an entity finder shared with the threads that
    /// compute signatures ahead of [`Self::assign_signature`].
    pub fn with_finder(finder: Arc<EntityFinder>, window: std::time::Duration) -> Self {
        StoryGrouper {
            finder,
            window: chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX),
            slots: VecDeque::new(),
            first_seq: 0,
            postings: HashMap::default(),
            entity_ix: HashMap::new(),
            entity_names: Vec::new(),
            seen: Vec::new(),
            seen_total: 0.0,
            newest: None,
            next_story: 0,
        }
    }

    /// What to persist for `item` (then pass it to [`Self::assign_signature`]).
    pub fn signature(&self, item: &StoryInput<'_>) -> ItemSignature {
        self.finder.signature(item)
    }

    /// The entity finder its signatures are computed with: a signature made
    /// elsewhere with it matches as one made by [`Self::signature`].
    pub fn finder(&self) -> &Arc<EntityFinder> {
        &self.finder
    }

    /// Assigns an item to a story (see the module docs for the evidence).
    pub fn assign(&mut self, item: &StoryInput<'_>) -> Assignment {
        let sig = self.signature(item);
        self.assign_signature(&sig)
    }

    /// Assigns an item given its signature (computed by [`Self::signature`]).
    pub fn assign_signature(&mut self, sig: &ItemSignature) -> Assignment {
        self.advance(sig.at);
        let entities = self.intern(&sig.entities);
        let best = self.best_match(sig, &entities);
        let (story, new_story, reason) = match best {
            Some((slot, ev)) => (
                self.slots[slot].story,
                false,
                self.explain(&entities, slot, &ev),
            ),
            None => {
                let story = self.next_story;
                self.next_story += 1;
                (
                    story,
                    true,
                    "new story: no earlier item of the window matches".into(),
                )
            }
        };
        self.insert(sig, entities, story, new_story);
        Assignment {
            story,
            new_story,
            reason,
        }
    }

    /// Rebuilds state from persisted items, oldest first; items older than
    /// the window before the newest fall out again. Pass at least the last
    /// window's items (more restores the rarity of entities better), then
    /// [`Self::resume_story_ids_from`] the next unused story id.
    pub fn restore(&mut self, items: impl Iterator<Item = (u64, ItemSignature)>) {
        let mut seen = std::collections::HashSet::new();
        for (story, sig) in items {
            self.advance(sig.at);
            let entities = self.intern(&sig.entities);
            // The first restored item of a story counts it for entity rarity.
            let first = seen.insert(story);
            self.insert(&sig, entities, story, first);
            self.next_story = self.next_story.max(story + 1);
        }
    }

    /// New stories get ids from `next` on (at least): after [`Self::restore`],
    /// when stories older than the window had higher ids than those restored.
    pub fn resume_story_ids_from(&mut self, next: u64) {
        self.next_story = self.next_story.max(next);
    }

    /// How far apart two items of one story may be.
    pub fn window(&self) -> chrono::Duration {
        self.window
    }

    /// Items currently inside the window (the candidate index's size).
    pub fn window_len(&self) -> usize {
        self.slots.len()
    }

    /// Moves the clock to `at` (if later) and drops items that left the window.
    fn advance(&mut self, at: DateTime<Utc>) {
        let newest = self.newest.map_or(at, |n| n.max(at));
        self.newest = Some(newest);
        let limit = newest - self.window;
        while self.slots.front().is_some_and(|s| s.at < limit) {
            if let Some(old) = self.slots.pop_front() {
                for k in &old.keys {
                    if let Some(list) = self.postings.get_mut(k) {
                        // Sequence numbers are pushed in order: the oldest is in front.
                        if list.front() == Some(&self.first_seq) {
                            list.pop_front();
                        }
                        if list.is_empty() {
                            self.postings.remove(k);
                        }
                    }
                }
                self.first_seq += 1;
            }
        }
    }

    fn intern(&mut self, ids: &[String]) -> Vec<u16> {
        let mut out: Vec<u16> = ids
            .iter()
            .map(|id| match self.entity_ix.get(id) {
                Some(&i) => i,
                None => {
                    // Entities come from the lexicon: far fewer than 65,536.
                    let i = self.entity_names.len() as u16;
                    self.entity_ix.insert(id.clone(), i);
                    self.entity_names.push(id.clone());
                    self.seen.push(0.0);
                    i
                }
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub(super) fn is_distinctive(&self, e: u16) -> bool {
        (self.seen[e as usize] + 1.0) / (self.seen_total + SHARE_PRIOR) < COMMON_SHARE
    }

    /// The best passing candidate. A weak match is vetoed when its story has
    /// an item in the newcomer's language that shares no rare word with it:
    /// a cross-language pair on common names alone ("Kim", "KCNA") must not
    /// pull in an item its own-language peers say is about something else.
    fn best_match(&self, sig: &ItemSignature, entities: &[u16]) -> Option<(usize, Evidence)> {
        let rare = self.rare_words(sig);
        let compared: Vec<(usize, Evidence)> = self
            .candidates(sig, entities, &rare)
            .into_iter()
            .map(|seq| (seq - self.first_seq) as usize)
            .map(|slot| (slot, self.compare(sig, entities, &rare, &self.slots[slot])))
            .collect();
        let vetoed: Vec<u64> = compared
            .iter()
            .filter(|(_, ev)| ev.same_lang && ev.words == 0 && ev.passed != Some("near-duplicate"))
            .map(|(slot, _)| self.slots[*slot].story)
            .collect();
        compared
            .into_iter()
            .filter(|(slot, ev)| match ev.passed {
                Some("weak") => !vetoed.contains(&self.slots[*slot].story),
                other => other.is_some(),
            })
            .max_by(|(_, a), (_, b)| rank(a).total_cmp_tuple(&rank(b)))
    }

    /// The item's words rare enough in the window to be evidence, sorted.
    fn rare_words(&self, sig: &ItemSignature) -> Vec<u64> {
        let max_df = 3 + self.slots.len() / RARE_DIVISOR;
        sig.words
            .iter()
            .copied()
            .filter(|&w| {
                let df = self
                    .postings
                    .get(&word_key(sig.lang, w))
                    .map_or(0, VecDeque::len);
                df <= max_df
            })
            .collect()
    }

    fn candidates(&self, sig: &ItemSignature, entities: &[u16], rare: &[u64]) -> Vec<u64> {
        let mut keys: Vec<u64> = sig.minhash.bands(BAND_ROWS).map(band_key).collect();
        keys.extend(entities.iter().map(|&e| entity_key(e)));
        keys.extend(rare.iter().map(|&w| word_key(sig.lang, w)));
        let mut seqs: Vec<u64> = keys
            .iter()
            .filter_map(|k| self.postings.get(k))
            .flat_map(|list| list.iter().rev().take(MAX_SCAN).copied())
            .collect();
        seqs.sort_unstable();
        // (keys shared, seq) per candidate; the most shared, then the newest.
        let mut counted: Vec<(usize, u64)> = Vec::new();
        for seq in seqs {
            match counted.last_mut() {
                Some((n, last)) if *last == seq => *n += 1,
                _ => counted.push((1, seq)),
            }
        }
        if counted.len() > MAX_COMPARE {
            counted.select_nth_unstable_by(MAX_COMPARE, |a, b| b.cmp(a));
            counted.truncate(MAX_COMPARE);
        }
        counted.into_iter().map(|(_, seq)| seq).collect()
    }

    fn insert(&mut self, sig: &ItemSignature, entities: Vec<u16>, story: u64, new_story: bool) {
        let seq = self.first_seq + self.slots.len() as u64;
        let mut keys: Vec<u64> = sig.minhash.bands(BAND_ROWS).map(band_key).collect();
        keys.extend(entities.iter().map(|&e| entity_key(e)));
        keys.extend(sig.words.iter().map(|&w| word_key(sig.lang, w)));
        keys.sort_unstable();
        keys.dedup();
        for &k in &keys {
            self.postings.entry(k).or_default().push_back(seq);
        }
        if new_story && !entities.is_empty() {
            let keep = 1.0 - 1.0 / SHARE_HORIZON;
            self.seen.iter_mut().for_each(|c| *c *= keep);
            self.seen_total = self.seen_total * keep + 1.0;
            for &e in &entities {
                self.seen[e as usize] += 1.0;
            }
        }
        self.slots.push_back(Slot {
            story,
            key: sig.key.clone(),
            at: sig.at,
            lang: sig.lang,
            minhash: sig.minhash.clone(),
            entities,
            words: sig.words.clone(),
            keys,
        });
    }
}

// Posting keys of the three kinds live in one map; salts keep them apart.
fn band_key(band: u64) -> u64 {
    band ^ 0x6261_6e64
}
fn entity_key(e: u16) -> u64 {
    word_hash(&format!("entity:{e}"))
}
/// Numbers are one key in every language; other words one per language.
fn word_key(lang: Lang, w: u64) -> u64 {
    if is_number(w) {
        return w;
    }
    w ^ word_hash(match lang {
        Lang::Hi => "lang:hi",
        Lang::En => "lang:en",
        Lang::Other => "lang:other",
    })
}

/// Posting keys are already well-mixed 64-bit hashes: hashing them again
/// (SipHash) would only cost time. Text chosen to collide would only slow
/// its own buckets, whose scans are capped by [`MAX_SCAN`].
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}
