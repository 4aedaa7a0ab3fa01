//! The online assigner: each new item is compared with the items of the last
//! window that share an LSH band, an entity or a rare word with it, and joins
//! the story of the best match that passes, or starts a new story.

use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::collections::{BinaryHeap, HashMap, VecDeque};
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
}

impl Slot {
    /// The posting keys it is indexed under, recomputed from its evidence
    /// (cheaper than keeping ~80 keys per window item), maybe repeated.
    fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        index_keys(&self.minhash, &self.entities, self.lang, &self.words)
    }
}

/// Buffers the matching of one item reuses, so the hot loop allocates
/// nothing once they have grown.
#[derive(Default)]
struct Scratch {
    keys: Vec<u64>,
    rare: Vec<u64>,
    /// Per window slot: 1 + its index in `counted`, or 0 (all 0 between items).
    hits: Vec<u32>,
    /// (keys shared, sequence number) per candidate.
    counted: Vec<(u32, u64)>,
    compared: Vec<(u64, Evidence)>,
    vetoed: Vec<u64>,
}

/// Groups items into stories online; state is bounded by the window.
pub struct StoryGrouper {
    pub(super) finder: Arc<EntityFinder>,
    pub(super) window: chrono::Duration,
    /// Window items by sequence number (order of arrival) from `first_seq`;
    /// `None` where an item left the window before older arrivals did.
    slots: VecDeque<Option<Slot>>,
    /// Sequence number of `slots[0]`.
    first_seq: u64,
    /// How many of `slots` hold an item.
    live: usize,
    /// (date, sequence number) of every window item, oldest date on top:
    /// what leaves the window next, whatever the order of arrival.
    by_date: BinaryHeap<Reverse<(DateTime<Utc>, u64)>>,
    /// Posting key → sequence numbers of window items, in order of arrival.
    postings: HashMap<u64, VecDeque<u64>, BuildHasherDefault<KeyHasher>>,
    pub(super) entity_ix: HashMap<String, u16>,
    pub(super) entity_names: Vec<String>,
    /// Per entity: decayed count of recent stories whose first item names it.
    pub(super) seen: Vec<f32>,
    pub(super) seen_total: f32,
    pub(super) newest: Option<DateTime<Utc>>,
    pub(super) next_story: u64,
    scratch: Scratch,
}

impl std::fmt::Debug for StoryGrouper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoryGrouper")
            .field("window_items", &self.live)
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
            live: 0,
            by_date: BinaryHeap::new(),
            postings: HashMap::default(),
            entity_ix: HashMap::new(),
            entity_names: Vec::new(),
            seen: Vec::new(),
            seen_total: 0.0,
            newest: None,
            next_story: 0,
            scratch: Scratch::default(),
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
    ///
    /// An item dated before the window of the newest item seen (a backlog
    /// arriving out of order) is matched against the window as any other,
    /// but not indexed: it would leave the window at once, and indexing it
    /// would let a backlog keep far more than one window in memory.
    pub fn assign_signature(&mut self, sig: &ItemSignature) -> Assignment {
        self.advance(sig.at);
        let entities = self.intern(&sig.entities);
        let best = self.best_match(sig, &entities);
        let (story, new_story, reason) = match best {
            Some((seq, ev)) => {
                let other = self.slot(seq);
                (other.story, false, self.explain(&entities, other, &ev))
            }
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
        if self.in_window(sig.at) {
            self.insert(sig, entities, story, new_story);
        }
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
            // The first restored item of a story counts it for entity rarity.
            let first = seen.insert(story);
            if self.in_window(sig.at) {
                let entities = self.intern(&sig.entities);
                self.insert(&sig, entities, story, first);
            }
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
        self.live
    }

    /// The window item with sequence number `seq`.
    fn slot(&self, seq: u64) -> &Slot {
        match &self.slots[(seq - self.first_seq) as usize] {
            Some(slot) => slot,
            // Postings and candidates only name items still in the window.
            None => unreachable!("sequence number {seq} left the window"),
        }
    }

    /// True when an item dated `at` is inside the window of the newest item.
    fn in_window(&self, at: DateTime<Utc>) -> bool {
        self.newest.is_none_or(|n| at >= n - self.window)
    }

    /// Moves the clock to `at` (if later) and drops every item dated before
    /// the window of the newest, whatever its place in order of arrival.
    fn advance(&mut self, at: DateTime<Utc>) {
        let newest = self.newest.map_or(at, |n| n.max(at));
        self.newest = Some(newest);
        let limit = newest - self.window;
        while let Some(&Reverse((date, seq))) = self.by_date.peek() {
            if date >= limit {
                break;
            }
            self.by_date.pop();
            self.evict(seq);
        }
    }

    /// Unindexes item `seq` and frees its slot.
    fn evict(&mut self, seq: u64) {
        let Some(old) = self.slots[(seq - self.first_seq) as usize].take() else {
            return;
        };
        self.live -= 1;
        for k in old.keys() {
            if let Entry::Occupied(mut list) = self.postings.entry(k) {
                let list_ref = list.get_mut();
                // Lists are in order of arrival: in time order, the evicted
                // item is the oldest, in front; otherwise search for it.
                if list_ref.front() == Some(&seq) {
                    list_ref.pop_front();
                } else if let Ok(at) = list_ref.binary_search(&seq) {
                    list_ref.remove(at);
                }
                if list_ref.is_empty() {
                    list.remove();
                }
            }
        }
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.first_seq += 1;
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

    /// The best passing candidate (its sequence number). A weak match is
    /// vetoed when its story has an item in the newcomer's language that
    /// shares no rare word with it: a cross-language pair on common names
    /// alone ("Kim", "KCNA") must not pull in an item its own-language peers
    /// say is about something else. Ties go to the newest candidate.
    fn best_match(&mut self, sig: &ItemSignature, entities: &[u16]) -> Option<(u64, Evidence)> {
        let mut scratch = std::mem::take(&mut self.scratch);
        self.rare_words(sig, &mut scratch.rare);
        self.candidates(sig, entities, &mut scratch);
        let Scratch {
            rare,
            counted,
            compared,
            vetoed,
            ..
        } = &mut scratch;
        compared.clear();
        compared.extend(
            counted
                .iter()
                .map(|&(_, seq)| (seq, self.compare(sig, entities, rare, self.slot(seq)))),
        );
        vetoed.clear();
        vetoed.extend(
            compared
                .iter()
                .filter(|(_, ev)| {
                    ev.same_lang && ev.words == 0 && ev.passed != Some("near-duplicate")
                })
                .map(|(seq, _)| self.slot(*seq).story),
        );
        let best = compared
            .drain(..)
            .filter(|(seq, ev)| match ev.passed {
                Some("weak") => !vetoed.contains(&self.slot(*seq).story),
                other => other.is_some(),
            })
            .max_by(|(_, a), (_, b)| rank(a).total_cmp_tuple(&rank(b)));
        self.scratch = scratch;
        best
    }

    /// The item's words rare enough in the window to be evidence, sorted.
    fn rare_words(&self, sig: &ItemSignature, out: &mut Vec<u64>) {
        let max_df = 3 + self.live / RARE_DIVISOR;
        out.clear();
        out.extend(sig.words.iter().copied().filter(|&w| {
            let df = self
                .postings
                .get(&word_key(sig.lang, w))
                .map_or(0, VecDeque::len);
            df <= max_df
        }));
    }

    /// Fills `scratch.counted` with at most [`MAX_COMPARE`] candidates: of
    /// the newest [`MAX_SCAN`] items of each of the item's keys, those that
    /// share the most keys with it (then the newest), in order of arrival.
    /// Counting is by slot in one pass; only the top is selected, not sorted.
    fn candidates(&self, sig: &ItemSignature, entities: &[u16], scratch: &mut Scratch) {
        let Scratch {
            keys,
            rare,
            hits,
            counted,
            ..
        } = scratch;
        keys.clear();
        keys.extend(index_keys(&sig.minhash, entities, sig.lang, rare));
        counted.clear();
        hits.resize(self.slots.len(), 0);
        for list in keys.iter().filter_map(|k| self.postings.get(k)) {
            for &seq in list.iter().rev().take(MAX_SCAN) {
                let hit = &mut hits[(seq - self.first_seq) as usize];
                if *hit == 0 {
                    counted.push((1, seq));
                    *hit = counted.len() as u32;
                } else {
                    counted[*hit as usize - 1].0 += 1;
                }
            }
        }
        for &(_, seq) in counted.iter() {
            hits[(seq - self.first_seq) as usize] = 0;
        }
        if counted.len() > MAX_COMPARE {
            counted.select_nth_unstable_by(MAX_COMPARE, |a, b| b.cmp(a));
            counted.truncate(MAX_COMPARE);
        }
        counted.sort_unstable_by_key(|&(_, seq)| seq);
    }

    fn insert(&mut self, sig: &ItemSignature, entities: Vec<u16>, story: u64, new_story: bool) {
        let seq = self.first_seq + self.slots.len() as u64;
        let keys = &mut self.scratch.keys;
        keys.clear();
        keys.extend(index_keys(&sig.minhash, &entities, sig.lang, &sig.words));
        keys.sort_unstable();
        keys.dedup();
        for &k in keys.iter() {
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
        self.by_date.push(Reverse((sig.at, seq)));
        self.live += 1;
        self.slots.push_back(Some(Slot {
            story,
            key: sig.key.clone(),
            at: sig.at,
            lang: sig.lang,
            minhash: sig.minhash.clone(),
            entities,
            words: sig.words.clone(),
        }));
    }
}

/// The posting keys of an item: its LSH bands, entities and `words`.
fn index_keys<'a>(
    minhash: &'a MinHash,
    entities: &'a [u16],
    lang: Lang,
    words: &'a [u64],
) -> impl Iterator<Item = u64> + 'a {
    minhash
        .bands(BAND_ROWS)
        .map(band_key)
        .chain(entities.iter().map(|&e| entity_key(e)))
        .chain(words.iter().map(move |&w| word_key(lang, w)))
}

// Posting keys of the three kinds live in one map; salts keep them apart.
fn band_key(band: u64) -> u64 {
    band ^ 0x6261_6e64
}
/// The hash of "entity:{e}", written on the stack: no allocation per key.
fn entity_key(e: u16) -> u64 {
    use std::io::Write;
    let mut buf = [0u8; 16];
    let mut rest = &mut buf[..];
    // "entity:" and at most five digits always fit.
    let _ = write!(rest, "entity:{e}");
    let len = 16 - rest.len();
    word_hash(std::str::from_utf8(&buf[..len]).unwrap_or_default())
}
const LANG_HI: u64 = word_hash("lang:hi");
const LANG_EN: u64 = word_hash("lang:en");
const LANG_OTHER: u64 = word_hash("lang:other");
/// Numbers are one key in every language; other words one per language.
fn word_key(lang: Lang, w: u64) -> u64 {
    if is_number(w) {
        return w;
    }
    w ^ match lang {
        Lang::Hi => LANG_HI,
        Lang::En => LANG_EN,
        Lang::Other => LANG_OTHER,
    }
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
