//! Pairwise scoring of a grouping against gold event labels: every pair of
//! items is "together" in gold when both carry the same event label (`null`
//! is a story of its own), and in the grouping when they share a story.

use serde::Serialize;

use super::group::assignment_order;
use super::{Assignment, StoryGrouper, StoryInput};

/// Groups `items` as the store would: in [`assignment_order`], whatever
/// their order here. Returns each item's assignment, in the given order.
pub fn group_in_order(grouper: &mut StoryGrouper, items: &[StoryInput<'_>]) -> Vec<Assignment> {
    let mut signed: Vec<(usize, super::ItemSignature)> = items
        .iter()
        .map(|item| grouper.signature(item))
        .enumerate()
        .collect();
    signed.sort_by(|(_, a), (_, b)| assignment_order(a, b));
    let mut out: Vec<Option<Assignment>> = vec![None; items.len()];
    for (i, sig) in &signed {
        out[*i] = Some(grouper.assign_signature(sig));
    }
    out.into_iter().flatten().collect()
}

/// Pairwise precision, recall and F1 of a grouping.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairwiseScore {
    /// Together in both gold and the grouping.
    pub true_pairs: u64,
    /// Together in the grouping only.
    pub false_pairs: u64,
    /// Together in gold only.
    pub missed_pairs: u64,
    /// true / (true + false); 1.0 when the grouping puts nothing together.
    pub precision: f64,
    /// true / (true + missed); 1.0 when gold puts nothing together.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

/// Scores `stories[i]` (the story of item i) against `gold_events[i]`.
/// Both slices are in the same item order; extra entries of the longer one
/// are ignored.
pub fn evaluate(gold_events: &[Option<String>], stories: &[u64]) -> PairwiseScore {
    let n = gold_events.len().min(stories.len());
    let (mut tp, mut fp, mut missed) = (0u64, 0u64, 0u64);
    for i in 0..n {
        for j in i + 1..n {
            let gold = matches!((&gold_events[i], &gold_events[j]), (Some(a), Some(b)) if a == b);
            match (gold, stories[i] == stories[j]) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => missed += 1,
                (false, false) => {}
            }
        }
    }
    let ratio = |a: u64, b: u64| {
        if a + b == 0 {
            1.0
        } else {
            a as f64 / (a + b) as f64
        }
    };
    let (precision, recall) = (ratio(tp, fp), ratio(tp, missed));
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    PairwiseScore {
        true_pairs: tp,
        false_pairs: fp,
        missed_pairs: missed,
        precision,
        recall,
        f1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_counted_against_gold() {
        let gold = [
            Some("a".to_string()),
            Some("a".into()),
            None,
            None,
            Some("b".into()),
        ];
        let perfect = evaluate(&gold, &[0, 0, 1, 2, 3]);
        assert_eq!(
            (perfect.precision, perfect.recall, perfect.f1),
            (1.0, 1.0, 1.0)
        );
        let merged = evaluate(&gold, &[0, 0, 0, 1, 2]);
        assert_eq!(
            (merged.true_pairs, merged.false_pairs, merged.missed_pairs),
            (1, 2, 0)
        );
        let split = evaluate(&gold, &[0, 1, 2, 3, 4]);
        assert_eq!((split.recall, split.missed_pairs), (0.0, 1));
        assert_eq!(split.f1, 0.0);
    }

    #[test]
    fn nulls_are_never_together_in_gold() {
        let gold = [None, None];
        assert_eq!(evaluate(&gold, &[7, 7]).false_pairs, 1);
    }
}
