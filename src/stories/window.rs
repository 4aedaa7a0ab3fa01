//! The items of the last window (72 h by default) and what they teach:
//! which stories carry each term (its document frequency, from which its
//! weight comes), in which scripts each term has been written, and which
//! terms each outlet prints on most of its pages (its template, never
//! evidence). State is bounded by the window: an item dated before the
//! newest item's window leaves it, whatever its place in order of arrival.

use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, Utc};

use super::history::History;
use super::shingles::MinHash;
use super::signature::{ItemSignature, TermKind, DEVANAGARI, IN_TITLE, LATIN};
use super::text::hash;

/// MinHash values per LSH band (64 values → 16 bands: a pair with J = 0.8
/// is a candidate with probability ≈ 1, J = 0.6 ≈ 0.9, J = 0.1 ≈ 0.002);
/// lighter rewrites are found through their shared terms.
pub(super) const BAND_ROWS: usize = 4;
/// The soft edge beyond the window is this part of it.
const EDGE_PARTS: i32 = 8;
/// Stories a window's term counts are smoothed with (see [`Window::weight`]).
const PRIOR_STORIES: f32 = 20.0;
/// An outlet's template is learned from its newest this many window items.
const TEMPLATE_ITEMS: usize = 16;
/// A body term on at least this many of those items…
const TEMPLATE_MIN_ITEMS: usize = 3;
/// …and on at least this share of them is the outlet's template.
const TEMPLATE_SHARE: f32 = 0.6;

/// One item inside the window.
#[derive(Debug)]
pub(super) struct Slot {
    pub(super) story: u64,
    pub(super) key: String,
    pub(super) outlet: u64,
    pub(super) at: DateTime<Utc>,
    pub(super) scripts: u8,
    pub(super) minhash: MinHash,
    pub(super) lead: MinHash,
    /// Term keys, sorted.
    pub(super) terms: Vec<u64>,
    /// Per term: its [`Term::flags`](super::signature::Term::flags).
    pub(super) flags: Vec<u8>,
}

/// What the window knows of one term.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct TermStats {
    /// Stories with a window item carrying it.
    pub(super) stories: u32,
    /// Window items carrying it written in Latin letters, in Devanagari.
    pub(super) latin: u32,
    pub(super) devanagari: u32,
}

/// One outlet's window items, and how many of its newest
/// [`TEMPLATE_ITEMS`] carry each body term (kept as items come and go).
#[derive(Debug, Default)]
struct Outlet {
    seqs: VecDeque<u64>,
    counts: FastMap<u64, u16>,
}

impl Outlet {
    /// Counts (`add`) or uncounts an item's body terms: not the title's
    /// (a title is the item's own), not figures (dates change daily).
    fn count(&mut self, terms: &[u64], flags: &[u8], add: bool) {
        for (&t, &f) in terms.iter().zip(flags) {
            if f & IN_TITLE != 0 || TermKind::of(t) == TermKind::Number {
                continue;
            }
            if add {
                *self.counts.entry(t).or_insert(0) += 1;
            } else if let Entry::Occupied(mut n) = self.counts.entry(t) {
                *n.get_mut() -= 1;
                if *n.get() == 0 {
                    n.remove();
                }
            }
        }
    }

    /// True when `term` is on enough of the newest items to be template.
    fn is_template(&self, term: u64) -> bool {
        let n = self.seqs.len().min(TEMPLATE_ITEMS);
        let need = TEMPLATE_MIN_ITEMS.max((n as f32 * TEMPLATE_SHARE).ceil() as usize);
        n >= TEMPLATE_MIN_ITEMS
            && self
                .counts
                .get(&term)
                .is_some_and(|&c| usize::from(c) >= need)
    }
}

/// The window's items, indexed for lookup by term, band, story and outlet.
pub(super) struct Window {
    span: chrono::Duration,
    /// Window items by sequence number (order of arrival) from `first_seq`;
    /// `None` where an item left before older arrivals did.
    slots: VecDeque<Option<Slot>>,
    first_seq: u64,
    live: usize,
    /// (date, sequence number) of every window item, oldest date on top.
    by_date: BinaryHeap<Reverse<(DateTime<Utc>, u64)>>,
    /// Term or band key → sequence numbers of window items, in order of arrival.
    postings: FastMap<u64, VecDeque<u64>>,
    by_key: HashMap<String, u64>,
    /// Story → its window items, in order of arrival.
    stories: FastMap<u64, VecDeque<u64>>,
    /// (story, outlet) → the story's window items from that outlet.
    story_outlets: FastMap<(u64, u64), u32>,
    /// (term, story) → the story's window items carrying the term.
    story_terms: FastMap<(u64, u64), u32>,
    terms: FastMap<u64, TermStats>,
    outlets: FastMap<u64, Outlet>,
    newest: Option<DateTime<Utc>>,
    /// Terms' story counts before and beyond the window.
    history: History,
}

impl std::fmt::Debug for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Window")
            .field("items", &self.live)
            .field("stories", &self.stories.len())
            .finish_non_exhaustive()
    }
}

impl Window {
    pub(super) fn new(span: chrono::Duration) -> Window {
        Window {
            span,
            slots: VecDeque::new(),
            first_seq: 0,
            live: 0,
            by_date: BinaryHeap::new(),
            postings: FastMap::default(),
            by_key: HashMap::new(),
            stories: FastMap::default(),
            story_outlets: FastMap::default(),
            story_terms: FastMap::default(),
            terms: FastMap::default(),
            outlets: FastMap::default(),
            newest: None,
            history: History::default(),
        }
    }

    pub(super) fn span(&self) -> chrono::Duration {
        self.span
    }

    /// How long an item is kept: the window and its soft edge (an eighth
    /// more), where a story of the window can still be joined on evidence
    /// that keeps rising with the time apart (see [`super::score`]). A
    /// report 72 h 10 min after the one before it is not cut off by ten
    /// minutes; memory grows by the same eighth, still bounded.
    pub(super) fn reach(&self) -> chrono::Duration {
        self.span + self.span / EDGE_PARTS
    }

    /// Items inside the window.
    pub(super) fn len(&self) -> usize {
        self.live
    }

    /// How much a term counts, in [0, 1]: high for a term few other
    /// stories carry, low for one most carry — a smoothed inverse document
    /// frequency over the window's stories, scaled by its largest value.
    /// With `in_story`, one story carrying it (the one it is shared with)
    /// is not counted. A small window's counts are smoothed towards the
    /// term's share of recent stories before it ([`History`]), as if the
    /// window held [`PRIOR_STORIES`] more stories.
    pub(super) fn weight(&self, term: u64, stats: TermStats, in_story: bool) -> f32 {
        let own = u32::from(in_story);
        let others = stats.stories.saturating_sub(own) as f32;
        let n = self.stories.len().saturating_sub(own as usize) as f32 + PRIOR_STORIES + 1.0;
        let df = others + PRIOR_STORIES * self.history.share_besides(term, own);
        ((n / (df + 0.5)).ln() / (n / 0.5).ln()).clamp(0.0, 1.0)
    }

    /// The history, to be saved.
    pub(super) fn history(&self) -> &History {
        &self.history
    }

    /// Replaces the history with a saved one.
    pub(super) fn set_history(&mut self, history: History) {
        self.history = history;
    }

    /// What the window knows of `term`.
    pub(super) fn term(&self, term: u64) -> TermStats {
        self.terms.get(&term).copied().unwrap_or_default()
    }

    /// True when `term` is part of `outlet`'s template.
    pub(super) fn is_template(&self, outlet: u64, term: u64) -> bool {
        self.outlets
            .get(&outlet)
            .is_some_and(|o| o.is_template(term))
    }

    /// The window items of `story`, newest first.
    pub(super) fn members(&self, story: u64) -> impl Iterator<Item = u64> + '_ {
        self.stories
            .get(&story)
            .into_iter()
            .flat_map(|seqs| seqs.iter().rev().copied())
    }

    /// True when `story` has a window item from `outlet`.
    pub(super) fn story_has_outlet(&self, story: u64, outlet: u64) -> bool {
        self.story_outlets.contains_key(&(story, outlet))
    }

    /// Window items under a posting key, newest last.
    pub(super) fn posting(&self, key: u64) -> Option<&VecDeque<u64>> {
        self.postings.get(&key)
    }

    /// The window item with sequence number `seq`.
    pub(super) fn slot(&self, seq: u64) -> &Slot {
        match &self.slots[(seq - self.first_seq) as usize] {
            Some(slot) => slot,
            // Postings and candidates only name items still in the window.
            None => unreachable!("sequence number {seq} left the window"),
        }
    }

    /// Sequence numbers span `first_seq .. first_seq + slot_span()`.
    pub(super) fn slot_span(&self) -> (u64, usize) {
        (self.first_seq, self.slots.len())
    }

    /// Where the window of the newest item begins.
    pub(super) fn start(&self) -> Option<DateTime<Utc>> {
        self.newest.map(|n| n - self.reach())
    }

    /// True when an item dated `at` is inside the window of the newest item.
    pub(super) fn contains_date(&self, at: DateTime<Utc>) -> bool {
        self.newest.is_none_or(|n| at >= n - self.reach())
    }

    /// Moves the clock to `at` (if later) and drops every item dated before
    /// the window of the newest.
    pub(super) fn advance(&mut self, at: DateTime<Utc>) {
        let newest = self.newest.map_or(at, |n| n.max(at));
        self.newest = Some(newest);
        let limit = newest - self.reach();
        while let Some(&Reverse((date, seq))) = self.by_date.peek() {
            if date >= limit {
                break;
            }
            self.by_date.pop();
            self.evict(seq);
        }
    }

    /// Takes the item with `key` out of the window (it is being grouped
    /// again); true if it was there.
    pub(super) fn forget(&mut self, key: &str) -> bool {
        match self.by_key.get(key) {
            Some(&seq) => {
                self.evict(seq);
                true
            }
            None => false,
        }
    }

    /// Adds an item of `story` (the caller checked it is inside the window);
    /// with `learn`, its story and terms count in the history too (not when
    /// rebuilding a window whose history was saved with it).
    pub(super) fn insert(&mut self, sig: &ItemSignature, story: u64, learn: bool) {
        if self.by_key.contains_key(&sig.key) {
            self.forget(&sig.key);
        }
        let seq = self.first_seq + self.slots.len() as u64;
        let outlet = outlet_key(&sig.outlet);
        let terms: Vec<u64> = sig.terms.iter().map(|t| t.key).collect();
        let flags: Vec<u8> = sig.terms.iter().map(|t| t.flags).collect();
        let members = self.stories.entry(story).or_default();
        if members.is_empty() && learn {
            self.history.new_story();
        }
        members.push_back(seq);
        for band in sig.minhash.bands(BAND_ROWS).map(band_key) {
            self.postings.entry(band).or_default().push_back(seq);
        }
        for (&term, &flag) in terms.iter().zip(&flags) {
            self.postings.entry(term).or_default().push_back(seq);
            let stats = self.terms.entry(term).or_default();
            let members = self.story_terms.entry((term, story)).or_insert(0);
            if *members == 0 {
                stats.stories += 1;
                if learn {
                    self.history.add(term);
                }
            }
            *members += 1;
            stats.latin += u32::from(flag & LATIN != 0);
            stats.devanagari += u32::from(flag & DEVANAGARI != 0);
        }
        *self.story_outlets.entry((story, outlet)).or_insert(0) += 1;
        self.by_date.push(Reverse((sig.at, seq)));
        self.by_key.insert(sig.key.clone(), seq);
        self.live += 1;
        self.outlets
            .entry(outlet)
            .or_default()
            .count(&terms, &flags, true);
        self.slots.push_back(Some(Slot {
            story,
            key: sig.key.clone(),
            outlet,
            at: sig.at,
            scripts: sig.scripts,
            minhash: sig.minhash.clone(),
            lead: sig.lead.clone(),
            terms,
            flags,
        }));
        let o = self.outlets.entry(outlet).or_default();
        o.seqs.push_back(seq);
        if o.seqs.len() > TEMPLATE_ITEMS {
            // The item that is no longer among the newest leaves the count.
            let out = o.seqs[o.seqs.len() - 1 - TEMPLATE_ITEMS];
            if let Some(Some(slot)) = self.slots.get((out - self.first_seq) as usize) {
                o.count(&slot.terms, &slot.flags, false);
            }
        }
    }

    /// Unindexes item `seq` and frees its slot.
    fn evict(&mut self, seq: u64) {
        let Some(old) = self.slots[(seq - self.first_seq) as usize].take() else {
            return;
        };
        self.live -= 1;
        let bands: Vec<u64> = old.minhash.bands(BAND_ROWS).map(band_key).collect();
        for &k in bands.iter().chain(&old.terms) {
            unpost(&mut self.postings, k, seq);
        }
        for (&term, &flag) in old.terms.iter().zip(&old.flags) {
            if let Entry::Occupied(mut members) = self.story_terms.entry((term, old.story)) {
                *members.get_mut() -= 1;
                let gone = *members.get() == 0;
                if gone {
                    members.remove();
                }
                if let Entry::Occupied(mut stats) = self.terms.entry(term) {
                    let s = stats.get_mut();
                    s.stories -= u32::from(gone);
                    s.latin -= u32::from(flag & LATIN != 0);
                    s.devanagari -= u32::from(flag & DEVANAGARI != 0);
                    if s.stories == 0 {
                        stats.remove();
                    }
                }
            }
        }
        if let Entry::Occupied(mut seqs) = self.stories.entry(old.story) {
            let list = seqs.get_mut();
            if list.front() == Some(&seq) {
                list.pop_front();
            } else if let Ok(at) = list.binary_search(&seq) {
                list.remove(at);
            }
            if list.is_empty() {
                seqs.remove();
            }
        }
        if let Entry::Occupied(mut n) = self.story_outlets.entry((old.story, old.outlet)) {
            *n.get_mut() -= 1;
            if *n.get() == 0 {
                n.remove();
            }
        }
        if self.by_key.get(&old.key) == Some(&seq) {
            self.by_key.remove(&old.key);
        }
        if let Some(o) = self.outlets.get_mut(&old.outlet) {
            // In order of arrival: the evicted item is usually the oldest.
            let at = if o.seqs.front() == Some(&seq) {
                Some(0)
            } else {
                o.seqs.binary_search(&seq).ok()
            };
            if let Some(at) = at {
                let recent = at + TEMPLATE_ITEMS >= o.seqs.len();
                o.seqs.remove(at);
                if recent {
                    o.count(&old.terms, &old.flags, false);
                    // An older item is now among the newest.
                    if o.seqs.len() >= TEMPLATE_ITEMS {
                        let back = o.seqs[o.seqs.len() - TEMPLATE_ITEMS];
                        if let Some(Some(slot)) = self.slots.get((back - self.first_seq) as usize) {
                            o.count(&slot.terms, &slot.flags, true);
                        }
                    }
                }
            }
            if o.seqs.is_empty() {
                self.outlets.remove(&old.outlet);
            }
        }
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.first_seq += 1;
        }
    }
}

fn unpost(postings: &mut FastMap<u64, VecDeque<u64>>, key: u64, seq: u64) {
    if let Entry::Occupied(mut list) = postings.entry(key) {
        let l = list.get_mut();
        // Lists are in order of arrival: in time order, the evicted item is
        // the oldest, in front; otherwise search for it.
        if l.front() == Some(&seq) {
            l.pop_front();
        } else if let Ok(at) = l.binary_search(&seq) {
            l.remove(at);
        }
        if l.is_empty() {
            list.remove();
        }
    }
}

/// An outlet's key in the window.
pub(super) fn outlet_key(outlet: &str) -> u64 {
    hash(outlet)
}

/// The posting key of an LSH band: top bits 11, which no term key has.
pub(super) fn band_key(band: u64) -> u64 {
    band | (3 << 62)
}

/// Keys are already well-mixed 64-bit hashes: hashing them again (SipHash)
/// would only cost time. Text chosen to collide would only slow its own
/// buckets, whose scans are capped.
#[derive(Default)]
pub(super) struct KeyHasher(u64);

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
        // A pair (term, story) hashes both halves.
        self.0 = (self.0.rotate_left(29) ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub(super) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;
