//! The assigner: each item is compared with the window items that share an
//! LSH band or one of its weightiest terms, and joins the story of the best
//! match that passes ([`score`](super::score)), or starts a new story.
//!
//! Decisions depend on the window as it stands, so the order in which
//! items are assigned matters: callers assign in [`assignment_order`]
//! (date, outlet, key), never in order of arrival, and the same items give
//! the same stories (issue #13).

use std::sync::Arc;

use super::history::History;
use super::score::{judge, Evidence, Pass, Profile, Query};
use super::signature::ItemSignature;
use super::terms::TermFinder;
use super::window::{band_key, Window, BAND_ROWS};
use super::{Assignment, StoryInput};
use crate::topics::Tagger;

/// Candidates come from this many of the item's weightiest terms…
const KEY_TERMS: usize = 16;
/// …and its LSH bands; of each key, the newest this many window items.
const MAX_SCAN: usize = 48;
/// Of those, at most this many — the ones sharing the most keys — are looked at.
const MAX_COMPARE: usize = 48;
/// Shared terms a reason names, at most.
const REASON_TERMS: usize = 6;

/// The order items are assigned in: by date, then outlet, then key — the
/// same whatever order they were fetched and stored in.
pub fn assignment_order(a: &ItemSignature, b: &ItemSignature) -> std::cmp::Ordering {
    (a.at, &a.outlet, &a.key).cmp(&(b.at, &b.outlet, &b.key))
}

/// Buffers the matching of one item reuses.
#[derive(Default)]
struct Scratch {
    keys: Vec<u64>,
    /// Per window slot: 1 + its index in `counted`, or 0 (all 0 between items).
    hits: Vec<u32>,
    /// (keys shared, sequence number) per candidate.
    counted: Vec<(u32, u64)>,
    /// (story, sequence number) of the candidates, grouped by story.
    stories: Vec<(u64, u64)>,
    profile: Profile,
}

/// Groups items into stories; state is bounded by the window.
pub struct StoryGrouper {
    finder: Arc<TermFinder>,
    window: Window,
    next_story: u64,
    scratch: Scratch,
}

impl std::fmt::Debug for StoryGrouper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoryGrouper")
            .field("window", &self.window)
            .field("next_story", &self.next_story)
            .finish_non_exhaustive()
    }
}

impl StoryGrouper {
    /// A grouper with no history, comparing items at most `window` apart.
    pub fn new(tagger: Arc<Tagger>, window: std::time::Duration) -> Self {
        Self::with_finder(Arc::new(TermFinder::new(&tagger)), window)
    }

    /// [`Self::new`] with a term finder shared with the threads that sign
    /// items ahead of [`Self::assign_signature`].
    pub fn with_finder(finder: Arc<TermFinder>, window: std::time::Duration) -> Self {
        StoryGrouper {
            finder,
            window: Window::new(
                chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX),
            ),
            next_story: 0,
            scratch: Scratch::default(),
        }
    }

    /// The term finder its signatures are computed with.
    pub fn finder(&self) -> &Arc<TermFinder> {
        &self.finder
    }

    /// The signature of `item` (then pass it to [`Self::assign_signature`]).
    pub fn signature(&self, item: &StoryInput<'_>) -> ItemSignature {
        self.finder.signature(item)
    }

    /// Assigns an item to a story (see the module docs).
    pub fn assign(&mut self, item: &StoryInput<'_>) -> Assignment {
        let sig = self.signature(item);
        self.assign_signature(&sig)
    }

    /// Assigns an item given its signature. An item already in the window
    /// (its text changed) is taken out and judged again. An item dated
    /// before the window of the newest item is matched like any other but
    /// not kept: it would leave at once, and keeping it would let a backlog
    /// hold far more than one window.
    pub fn assign_signature(&mut self, sig: &ItemSignature) -> Assignment {
        self.window.forget(&sig.key);
        self.window.advance(sig.at);
        let query = Query::new(sig, &self.window);
        let best = self.best_match(&query);
        let assignment = match best {
            Some((story, ev)) => Assignment {
                story,
                new_story: false,
                reason: self.explain(sig, &query, &ev),
            },
            None => {
                let story = self.next_story;
                self.next_story += 1;
                Assignment {
                    story,
                    new_story: true,
                    reason: "new story: no earlier item of the window reports the same event"
                        .into(),
                }
            }
        };
        if self.window.contains_date(sig.at) {
            self.window.insert(sig, assignment.story, true);
        }
        assignment
    }

    /// Rebuilds state from persisted items and their stories, given in
    /// [`assignment_order`]; items older than the window before the newest
    /// fall out again. `history` is what [`Self::history`] saved with them;
    /// without it (or unreadable), it is learned again from these items.
    /// Then [`Self::resume_story_ids_from`] the next unused story id.
    pub fn restore(
        &mut self,
        items: impl Iterator<Item = (u64, ItemSignature)>,
        history: Option<&[u8]>,
    ) {
        let saved = history.and_then(History::decode);
        for (story, sig) in items {
            self.window.advance(sig.at);
            if self.window.contains_date(sig.at) {
                self.window.insert(&sig, story, saved.is_none());
            }
            self.next_story = self.next_story.max(story + 1);
        }
        if let Some(history) = saved {
            self.window.set_history(history);
        }
    }

    /// What the grouper has learned beyond the window, as bytes to save
    /// with the store and give back to [`Self::restore`].
    pub fn history(&self) -> Vec<u8> {
        self.window.history().encode()
    }

    /// New stories get ids from `next` on (at least).
    pub fn resume_story_ids_from(&mut self, next: u64) {
        self.next_story = self.next_story.max(next);
    }

    /// How far apart two items of one story may be: the window and its
    /// soft edge (an eighth more, on rising evidence).
    pub fn window(&self) -> chrono::Duration {
        self.window.reach()
    }

    /// Items currently inside the window.
    pub fn window_len(&self) -> usize {
        self.window.len()
    }

    /// Where the window of the newest item seen begins (`None` before any).
    pub fn window_start(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.window.start()
    }

    /// The best passing story of the candidates: near-duplicates first,
    /// then by overlap; ties go to the newest story.
    fn best_match(&mut self, q: &Query) -> Option<(u64, Evidence)> {
        let mut best: Option<(u64, Evidence)> = None;
        for (story, ev) in self.judge_candidates(q) {
            if ev.passed.is_none() {
                continue;
            }
            let better = best.as_ref().is_none_or(|(s, b)| {
                let (a, b) = (ev.rank(), b.rank());
                a.0.cmp(&b.0)
                    .then(a.1.total_cmp(&b.1))
                    .then(a.2.total_cmp(&b.2))
                    .then(a.3.total_cmp(&b.3))
                    .then(story.cmp(s))
                    .is_gt()
            });
            if better {
                best = Some((story, ev));
            }
        }
        best
    }

    /// Every candidate story with what the item shares with it.
    fn judge_candidates(&mut self, q: &Query) -> Vec<(u64, Evidence)> {
        let mut scratch = std::mem::take(&mut self.scratch);
        self.candidates(q, &mut scratch);
        let window = &self.window;
        let Scratch {
            counted,
            stories,
            profile,
            ..
        } = &mut scratch;
        stories.clear();
        stories.extend(
            counted
                .iter()
                .map(|&(_, seq)| (window.slot(seq).story, seq)),
        );
        stories.sort_unstable();
        let mut found = Vec::new();
        let judged = stories
            .chunk_by(|a, b| a.0 == b.0)
            .map(|group| {
                found.clear();
                found.extend(group.iter().map(|&(_, seq)| seq));
                (group[0].0, judge(q, group[0].0, &found, window, profile))
            })
            .collect();
        self.scratch = scratch;
        judged
    }

    /// Fills `scratch.counted` with at most [`MAX_COMPARE`] candidates: of
    /// the newest [`MAX_SCAN`] items of each key (LSH bands and the
    /// [`KEY_TERMS`] weightiest terms), those sharing the most keys (then
    /// the newest), in order of arrival.
    fn candidates(&self, q: &Query, scratch: &mut Scratch) {
        let Scratch {
            keys,
            hits,
            counted,
            ..
        } = scratch;
        keys.clear();
        keys.extend(q.minhash.bands(BAND_ROWS).map(band_key));
        // Only terms some window item carries can find a candidate.
        let mut terms: Vec<(f32, u64)> = q
            .terms
            .iter()
            .filter(|t| !t.template && self.window.posting(t.key).is_some())
            .map(|t| (t.weight, t.key))
            .collect();
        terms.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        keys.extend(terms.iter().take(KEY_TERMS).map(|&(_, k)| k));
        counted.clear();
        let (first, span) = self.window.slot_span();
        hits.resize(span, 0);
        for list in keys.iter().filter_map(|k| self.window.posting(*k)) {
            for &seq in list.iter().rev().take(MAX_SCAN) {
                let hit = &mut hits[(seq - first) as usize];
                if *hit == 0 {
                    counted.push((1, seq));
                    *hit = counted.len() as u32;
                } else {
                    counted[*hit as usize - 1].0 += 1;
                }
            }
        }
        for &(_, seq) in counted.iter() {
            hits[(seq - first) as usize] = 0;
        }
        if counted.len() > MAX_COMPARE {
            counted.select_nth_unstable_by(MAX_COMPARE, |a, b| b.cmp(a));
            counted.truncate(MAX_COMPARE);
        }
        counted.sort_unstable_by_key(|&(_, seq)| seq);
    }

    /// Why the item joined: the copy, or the weightiest shared terms as the
    /// new item wrote them.
    fn explain(&self, sig: &ItemSignature, q: &Query, ev: &Evidence) -> String {
        let other = self.window.slot(ev.seq);
        if ev.passed == Some(Pass::NearDuplicate) {
            return format!(
                "near-duplicate of {} (jaccard {:.2})",
                other.key, ev.jaccard
            );
        }
        let story: Vec<&[u64]> = self
            .window
            .members(other.story)
            .take(super::score::PROFILE_ITEMS)
            .map(|seq| self.window.slot(seq).terms.as_slice())
            .collect();
        let mut shared: Vec<(f32, &str)> = sig
            .terms
            .iter()
            .zip(&q.terms)
            .filter(|(_, qt)| {
                !qt.template && story.iter().any(|t| t.binary_search(&qt.key).is_ok())
            })
            .map(|(t, qt)| (qt.weight, t.label.as_str()))
            .collect();
        shared.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let names: Vec<&str> = shared.iter().take(REASON_TERMS).map(|&(_, l)| l).collect();
        let more = shared.len().saturating_sub(REASON_TERMS);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!(
            "shares {}{more} with {} (evidence {:.2}, overlap {:.2})",
            names.join(", "),
            other.key,
            ev.shared,
            ev.overlap
        )
    }
}
