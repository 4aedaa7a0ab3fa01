//! Judging one pair: does the newcomer report the same event as an item of
//! the window? Near-duplicate text, a same-event score (shared entities
//! weighted by rarity, rare shared words), or weak evidence close in time.

use super::evidence::Lang;
use super::group::{Slot, StoryGrouper};
use super::shingles::is_number;
use super::ItemSignature;

/// Estimated Jaccard of shingles from which two items are the same text.
const NEAR_DUPLICATE: f32 = 0.5;
/// Weights of the same-event score.
const W_DISTINCTIVE: f32 = 1.0;
const W_COMMON: f32 = 0.35;
const W_WORD: f32 = 0.25;
const MAX_WORD_SCORE: f32 = 2.0;
/// Score needed at no time apart; it grows by `THRESHOLD_SLOPE` over the window.
const THRESHOLD: f32 = 1.25;
const THRESHOLD_SLOPE: f32 = 0.75;
/// Weak evidence — two common entities, or one distinctive — joins items
/// this close when neither names a distinctive entity the other lacks, they
/// share a rare word if in one language, and no item of the story in the
/// newcomer's language shares none (see [`StoryGrouper::best_match`]).
const WEAK_SPAN_HOURS: i64 = 24;

/// What two items share, as judged for the newer one.
pub(super) struct Evidence {
    pub(super) jaccard: f32,
    /// Shared entities, distinctive and common.
    pub(super) distinctive: usize,
    pub(super) common: usize,
    pub(super) words: usize,
    pub(super) same_lang: bool,
    pub(super) score: f32,
    /// Passed as a near-duplicate, on score, or on the weak rule.
    pub(super) passed: Option<&'static str>,
}

impl StoryGrouper {
    pub(super) fn compare(
        &self,
        sig: &ItemSignature,
        entities: &[u16],
        rare: &[u64],
        other: &Slot,
    ) -> Evidence {
        let apart = (sig.at.timestamp() - other.at.timestamp()).abs();
        let mut ev = Evidence {
            jaccard: 0.0,
            distinctive: 0,
            common: 0,
            words: 0,
            same_lang: false,
            score: 0.0,
            passed: None,
        };
        if apart > self.window.num_seconds() {
            return ev;
        }
        ev.jaccard = sig.minhash.jaccard(&other.minhash);
        let (mut mine_extra, mut theirs_extra) = (false, false);
        merge(entities, &other.entities, |side, e| match side {
            Side::Both if self.is_distinctive(e) => ev.distinctive += 1,
            Side::Both => ev.common += 1,
            Side::A => mine_extra |= self.is_distinctive(e),
            Side::B => theirs_extra |= self.is_distinctive(e),
        });
        ev.same_lang = sig.lang == other.lang && sig.lang != Lang::Other;
        merge(rare, &other.words, |side, w| {
            if side == Side::Both && (ev.same_lang || is_number(w)) {
                ev.words += 1;
            }
        });
        let shared = ev.distinctive + ev.common;
        ev.score = ev.distinctive as f32 * W_DISTINCTIVE
            + ev.common as f32 * W_COMMON
            + (ev.words as f32 * W_WORD).min(MAX_WORD_SCORE);
        let frac = apart as f32 / self.window.num_seconds().max(1) as f32;
        // Two common names tolerate a distinctive extra on one side (a
        // report of the same call that also names Kursk); one distinctive
        // name alone tolerates none (Kursk in a memorial and a casualty report).
        let conflict = if shared >= 2 {
            mine_extra && theirs_extra
        } else {
            mine_extra || theirs_extra
        };
        // Templated series ("राशिफल 27 अक्टूबर" / "28 अक्टूबर") share their
        // text but not their numbers; without a shared name that decides.
        let numbers_differ = shared == 0 && differ_in_numbers(&sig.words, &other.words);
        ev.passed = if ev.jaccard >= NEAR_DUPLICATE && !numbers_differ {
            Some("near-duplicate")
        } else if ev.score >= THRESHOLD + THRESHOLD_SLOPE * frac
            && !(conflict && ev.distinctive == 0)
            && !numbers_differ
        {
            Some("score")
        } else if (shared >= 2 || ev.distinctive > 0)
            && apart < WEAK_SPAN_HOURS * 3600
            && !conflict
            && (!ev.same_lang || ev.words > 0)
        {
            Some("weak")
        } else {
            None
        };
        ev
    }

    pub(super) fn explain(&self, entities: &[u16], other: &Slot, ev: &Evidence) -> String {
        if ev.passed == Some("near-duplicate") {
            return format!(
                "near-duplicate of {} (jaccard {:.2})",
                other.key, ev.jaccard
            );
        }
        let mut names: Vec<(bool, &str)> = Vec::new();
        merge(entities, &other.entities, |side, e| {
            if side == Side::Both {
                names.push((!self.is_distinctive(e), &self.entity_names[e as usize]));
            }
        });
        names.sort();
        let mut what = names.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ");
        if ev.words > 0 {
            let sep = if what.is_empty() { "" } else { " and " };
            what = format!("{what}{sep}{} rare words", ev.words);
        }
        let how = if ev.passed == Some("weak") {
            ", weak but close in time"
        } else {
            ""
        };
        format!(
            "shares {what} with {} (score {:.2}{how})",
            other.key, ev.score
        )
    }
}

/// Near-duplicates first, then by score, then by text similarity.
pub(super) fn rank(ev: &Evidence) -> Rank {
    Rank(ev.passed == Some("near-duplicate"), ev.score, ev.jaccard)
}

pub(super) struct Rank(bool, f32, f32);

impl Rank {
    pub(super) fn total_cmp_tuple(&self, o: &Rank) -> std::cmp::Ordering {
        self.0
            .cmp(&o.0)
            .then(self.1.total_cmp(&o.1))
            .then(self.2.total_cmp(&o.2))
    }
}

/// Both texts carry a number the other lacks: templated items ("राशिफल 27
/// अक्टूबर" / "28 अक्टूबर") are not copies of each other, copies keep numbers.
fn differ_in_numbers(a: &[u64], b: &[u64]) -> bool {
    let (mut in_a, mut in_b) = (false, false);
    merge(a, b, |side, w| match side {
        Side::A => in_a |= is_number(w),
        Side::B => in_b |= is_number(w),
        Side::Both => {}
    });
    in_a && in_b
}

/// Which of two sorted lists holds a value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Both,
    A,
    B,
}

/// Walks two sorted lists once, calling `f` for each distinct value.
fn merge<T: Ord + Copy>(a: &[T], b: &[T], mut f: impl FnMut(Side, T)) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if j == b.len() || (i < a.len() && a[i] < b[j]) {
            f(Side::A, a[i]);
            i += 1;
        } else if i == a.len() || b[j] < a[i] {
            f(Side::B, b[j]);
            j += 1;
        } else {
            f(Side::Both, a[i]);
            i += 1;
            j += 1;
        }
    }
}
