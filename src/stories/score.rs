//! Judging a new item against a story of the window: does it report the
//! same event?
//!
//! - **Near-duplicate text** (MinHash Jaccard of the lead or the whole text
//!   ≥ [`NEAR_DUPLICATE`]) of one of the story's items: a copy or an
//!   updated version. An item joins a story that already has an item of its
//!   own outlet only this way, and only on their leads (title and summary),
//!   where no page template is.
//! - **Event evidence** against the story's newest items: the terms the
//!   item shares with them, each weighted by how few stories of the window
//!   carry it ([`weight`]), by how many of those items carry it (a term one
//!   report mentions in passing is not what the story is about), and more
//!   in a title. At least one shared distinctive term must be in a title.
//!   The shared weight must be a large enough part of what each side's
//!   lead could have shared ([`Evidence::overlap`]): distinctive terms that
//!   one side has and the other lacks — another person, place, figure or
//!   action — speak against one event. A term written only in a script the
//!   other side does not use, and never seen in the window in that script,
//!   could not have been shared, so it counts for neither. Template terms
//!   of an outlet never count.
//!
//! The bar rises with the time between the item and the story's newest item.

use super::signature::{TermKind, DEVANAGARI, IN_LEAD, IN_TITLE, LATIN};
use super::window::{Slot, TermStats, Window};

/// Estimated Jaccard from which two texts are one (a copy, an update).
pub(super) const NEAR_DUPLICATE: f32 = 0.5;
/// A term in a title counts this much more.
const TITLE_BONUS: f32 = 0.5;
/// Title evidence needed at no time apart (see [`enough_shared`]); it grows by
/// the slope over the window.
const MIN_TITLES: f32 = 0.8;
const MIN_TITLES_SLOPE: f32 = 0.5;
/// A shared term in one side's title only counts this much as title evidence.
const ONE_TITLE: f32 = 0.25;
/// Weight shared in all needed at no time apart, and its slope.
const MIN_SHARED: f32 = 1.5;
const MIN_SHARED_SLOPE: f32 = 0.5;
/// Overlap needed at no time apart, and its slope.
const MIN_OVERLAP: f32 = 0.45;
const MIN_OVERLAP_SLOPE: f32 = 0.2;
/// Items of one outlet whose leads are near-duplicates but whose figures
/// differ are a series ("राशिफल 27 अक्टूबर" / "28 अक्टूबर") when at least
/// this far apart; closer, an update of the figures.
const SERIES_HOURS: i64 = 12;
/// A story's newest this many items are searched for a copy from the new
/// item's own outlet.
const SAME_OUTLET_SCAN: usize = 64;
/// A story is judged on its newest this many window items.
pub(super) const PROFILE_ITEMS: usize = 8;
fn multiplier(flags: u8) -> f32 {
    if flags & IN_TITLE != 0 {
        1.0 + TITLE_BONUS
    } else {
        1.0
    }
}

/// The scripts a term is known in: its own, and those the window saw it in
/// (every script, for names and figures of no script).
fn known(key: u64, flags: u8, stats: TermStats) -> u8 {
    if TermKind::of(key) != TermKind::Word {
        return LATIN | DEVANAGARI;
    }
    let mut k = flags & (LATIN | DEVANAGARI);
    if stats.latin > 0 {
        k |= LATIN;
    }
    if stats.devanagari > 0 {
        k |= DEVANAGARI;
    }
    k
}

/// One term of the new item, weighed once.
#[derive(Debug, Clone, Copy)]
pub(super) struct QueryTerm {
    pub(super) key: u64,
    pub(super) flags: u8,
    /// Its weight when shared with a story (that story left out of the count).
    pub(super) weight: f32,
    /// Its weight when not shared.
    pub(super) alone: f32,
    pub(super) known: u8,
    /// Stories of the window carrying it.
    pub(super) stories: u32,
    /// Part of its outlet's template: no evidence.
    pub(super) template: bool,
}

/// The new item as it is compared: its fingerprints and its terms,
/// weighed against the window.
pub(super) struct Query<'a> {
    pub(super) outlet: u64,
    pub(super) at: i64,
    pub(super) scripts: u8,
    pub(super) minhash: &'a super::MinHash,
    pub(super) lead: &'a super::MinHash,
    pub(super) terms: Vec<QueryTerm>,
}

impl<'a> Query<'a> {
    pub(super) fn new(sig: &'a super::ItemSignature, window: &Window) -> Query<'a> {
        let outlet = super::window::outlet_key(&sig.outlet);
        Query {
            outlet,
            at: sig.at.timestamp(),
            scripts: sig.scripts,
            minhash: &sig.minhash,
            lead: &sig.lead,
            terms: sig
                .terms
                .iter()
                .map(|t| {
                    let stats = window.term(t.key);
                    QueryTerm {
                        key: t.key,
                        flags: t.flags,
                        weight: window.weight(t.key, stats, stats.stories > 0),
                        alone: window.weight(t.key, stats, false),
                        known: known(t.key, t.flags, stats),
                        stories: stats.stories,
                        template: t.flags & IN_TITLE == 0 && window.is_template(outlet, t.key),
                    }
                })
                .collect(),
        }
    }
}

/// How a pair passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pass {
    NearDuplicate,
    Event,
}

/// What the new item shares with a story.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Evidence {
    /// The window item it matched best (its copy, or the story's newest).
    pub(super) seq: u64,
    pub(super) jaccard: f32,
    /// Weight of the shared terms.
    pub(super) shared: f32,
    /// The shared weight of the leads over the geometric mean of what each
    /// lead could have shared.
    pub(super) overlap: f32,
    /// What the new item's lead, and the story's, could have shared.
    pub(super) mine: f32,
    pub(super) theirs: f32,
    /// The weight of shared terms in both the item's title and the story's
    /// titles (each by the share of the story's items with it in the title).
    pub(super) titles: f32,
    /// The weight of shared terms in the item's title or a story title.
    pub(super) either: f32,
    /// Hours between the item and the story's newest item.
    pub(super) hours: f32,
    pub(super) passed: Option<Pass>,
}

impl Evidence {
    /// Near-duplicates first (by Jaccard), then by overlap, then by shared weight.
    pub(super) fn rank(&self) -> (bool, f32, f32, f32) {
        let dup = self.passed == Some(Pass::NearDuplicate);
        (
            dup,
            if dup { self.jaccard } else { 0.0 },
            self.overlap,
            self.shared,
        )
    }
}

/// Scratch space for judging one story.
#[derive(Default)]
pub(super) struct Profile {
    /// The story's newest items.
    items: Vec<u64>,
    /// Per query term: how many of them carry it, and whether one has it in a title.
    support: Vec<(u8, bool)>,
    /// The story's lead terms: (key, flags, items carrying it).
    lead: Vec<(u64, u8, u8)>,
}

/// Judges the new item `q` against `story`; `found` are the story's window
/// items that candidate lookup found (the near-duplicates are among them).
pub(super) fn judge(
    q: &Query,
    story: u64,
    found: &[u64],
    window: &Window,
    profile: &mut Profile,
) -> Evidence {
    let mut ev = Evidence::default();
    if window.story_has_outlet(story, q.outlet) {
        // One outlet's items join only as copies or updates of each other
        // (looked for among the story's newest items: bounded work however
        // large the story or the outlet).
        for seq in window.members(story).take(SAME_OUTLET_SCAN) {
            let y = window.slot(seq);
            if y.outlet == q.outlet {
                let j = q.lead.jaccard(&y.lead);
                if j >= NEAR_DUPLICATE && j > ev.jaccard && !is_series(q, y) {
                    ev = near_duplicate(seq, j);
                }
            }
        }
        return ev;
    }
    for &seq in found {
        let y = window.slot(seq);
        let j = q.lead.jaccard(&y.lead).max(q.minhash.jaccard(&y.minhash));
        if j >= NEAR_DUPLICATE && j > ev.jaccard && !is_series(q, y) {
            ev = near_duplicate(seq, j);
        }
    }
    if ev.passed.is_some() {
        return ev;
    }
    profile.items.clear();
    profile
        .items
        .extend(window.members(story).take(PROFILE_ITEMS));
    let Some(&newest) = profile.items.first() else {
        return ev;
    };
    ev.seq = newest;
    let span = window.span().num_seconds().max(1);
    let apart = (q.at - window.slot(newest).at.timestamp()).abs();
    if apart > window.reach().num_seconds() {
        return ev;
    }
    let frac = apart as f32 / span as f32;
    ev.hours = apart as f32 / 3600.0;
    count_support(q, window, profile);
    let sample = profile.items.len() as f32;
    let scripts = profile
        .items
        .iter()
        .fold(0, |m, &s| m | window.slot(s).scripts);
    let (mut shared, mut lead_shared, mut mine) = (0.0, 0.0, 0.0);
    for (t, &(n, title)) in q.terms.iter().zip(&profile.support) {
        if t.template {
            continue;
        }
        let lead = t.flags & IN_LEAD != 0;
        if n > 0 {
            let flags = t.flags | if title { IN_TITLE } else { 0 };
            let w = t.weight * multiplier(flags) * f32::from(n) / sample;
            shared += w;
            if title && t.flags & IN_TITLE != 0 {
                ev.titles += t.weight * f32::from(n) / sample;
            }
            if flags & IN_TITLE != 0 {
                ev.either += t.weight * f32::from(n) / sample;
            }
            if lead {
                lead_shared += w;
                mine += t.weight * multiplier(t.flags);
            }
        } else if lead && counts_against(t.key, t.stories, t.known & scripts != 0) {
            mine += t.alone * multiplier(t.flags);
        }
    }
    ev.shared = shared;
    ev.mine = mine;
    if !enough_shared(&ev, frac) {
        // The overlap could not make it pass: the story's lead is not
        // weighed (most candidates end here, at a fraction of the work).
        return ev;
    }
    ev.theirs = story_lead_weight(q, window, profile);
    ev.overlap = lead_shared / (mine * ev.theirs).sqrt().max(f32::EPSILON);
    if ev.overlap >= MIN_OVERLAP + MIN_OVERLAP_SLOPE * frac {
        ev.passed = Some(Pass::Event);
    }
    ev
}

/// Whether an unshared lead term speaks against one event: a name, concept
/// or figure always (another person, place or number is another event);
/// a word only when other stories of the window carry it too (a word no
/// other report used is one writer's wording, not evidence either way) —
/// and only when the other side could have written it.
fn counts_against(key: u64, stories: u32, comparable: bool) -> bool {
    comparable && (TermKind::of(key) != TermKind::Word || stories > 0)
}

/// The decision on event evidence, `frac` of the window apart, is: enough
/// weight shared between the titles (a term in one title and only the other
/// side's summary counts [`ONE_TITLE`] as much: a mention is not the news),
/// enough shared in all — this function — and then a large enough part of
/// both leads shared ([`Evidence::overlap`]); each bar rises with time apart.
fn enough_shared(ev: &Evidence, frac: f32) -> bool {
    let titles = ev.titles + ONE_TITLE * (ev.either - ev.titles);
    titles >= MIN_TITLES + MIN_TITLES_SLOPE * frac
        && ev.shared >= MIN_SHARED + MIN_SHARED_SLOPE * frac
}

fn near_duplicate(seq: u64, jaccard: f32) -> Evidence {
    Evidence {
        seq,
        jaccard,
        passed: Some(Pass::NearDuplicate),
        ..Evidence::default()
    }
}

/// For each query term: how many of the profile's items carry it (not as
/// their outlet's template), and whether one has it in its title.
fn count_support(q: &Query, window: &Window, profile: &mut Profile) {
    profile.support.clear();
    profile.support.resize(q.terms.len(), (0, false));
    for &seq in &profile.items {
        let y = window.slot(seq);
        let mut j = 0;
        for (t, support) in q.terms.iter().zip(profile.support.iter_mut()) {
            while j < y.terms.len() && y.terms[j] < t.key {
                j += 1;
            }
            if j < y.terms.len()
                && y.terms[j] == t.key
                && !(y.flags[j] & IN_TITLE == 0 && window.is_template(y.outlet, t.key))
            {
                support.0 += 1;
                support.1 |= y.flags[j] & IN_TITLE != 0;
            }
        }
    }
}

/// The weight of the story's lead terms that the new item shares or could
/// have shared, each by the share of the profile's items carrying it.
fn story_lead_weight(q: &Query, window: &Window, profile: &mut Profile) -> f32 {
    profile.lead.clear();
    for &seq in &profile.items {
        let y = window.slot(seq);
        for (&t, &f) in y.terms.iter().zip(&y.flags) {
            if f & IN_LEAD != 0 && !(f & IN_TITLE == 0 && window.is_template(y.outlet, t)) {
                profile.lead.push((t, f, 1));
            }
        }
    }
    profile.lead.sort_unstable_by_key(|&(t, _, _)| t);
    profile.lead.dedup_by(|b, a| {
        if a.0 == b.0 {
            a.1 |= b.1;
            a.2 += b.2;
            true
        } else {
            false
        }
    });
    let sample = profile.items.len() as f32;
    profile
        .lead
        .iter()
        .filter_map(|&(t, f, n)| {
            let weight = match q.terms.binary_search_by_key(&t, |qt| qt.key) {
                // Weighed already, with this story counted as carrying it.
                Ok(i) => q.terms[i].weight,
                Err(_) => {
                    let stats = window.term(t);
                    let comparable = known(t, f, stats) & q.scripts != 0;
                    if !counts_against(t, stats.stories.saturating_sub(1), comparable) {
                        return None;
                    }
                    window.weight(t, stats, true)
                }
            };
            Some(weight * multiplier(f) * f32::from(n) / sample)
        })
        .sum()
}

/// Items of one series: near-duplicate leads far enough apart whose
/// figures differ (each carries one the other lacks).
fn is_series(q: &Query, y: &Slot) -> bool {
    if (q.at - y.at.timestamp()).abs() < SERIES_HOURS * 3600 {
        return false;
    }
    let number = |k: &u64| TermKind::of(*k) == TermKind::Number;
    let mine: Vec<u64> = q.terms.iter().map(|t| t.key).filter(number).collect();
    let theirs: Vec<u64> = y.terms.iter().copied().filter(number).collect();
    mine.iter().any(|k| !theirs.contains(k)) && theirs.iter().any(|k| !mine.contains(k))
}
