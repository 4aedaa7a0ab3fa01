//! Matched items → stories, best first: BM25 relevance discounted by age,
//! one entry per story (its best-matching report), so that fifty outlets
//! carrying one wire story take one place in the results, not fifty.

use chrono::{DateTime, Utc};

use crate::store::MatchRow;

/// Age at which a match counts half as much as the same match today: a
/// beat's news is mostly about this month.
pub const RECENCY_DAYS: f64 = 30.0;

/// One story in the results.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedStory {
    /// The story's best-matching item.
    pub best: MatchRow,
    /// How many of its items matched.
    pub matched: usize,
    /// Its matched items other than the best, most relevant first.
    pub others: Vec<i64>,
    /// Its relevance: the best item's (higher is better).
    pub relevance: f64,
}

/// How well one item matches: BM25 (FTS5 gives it negated) over
/// `1 + age / RECENCY_DAYS`. Items dated in the future count as new.
pub fn relevance(row: &MatchRow, now: DateTime<Utc>) -> f64 {
    let age_days = (now - row.published).num_seconds().max(0) as f64 / 86_400.0;
    (-row.bm25).max(0.0) / (1.0 + age_days / RECENCY_DAYS)
}

/// Groups `rows` by story and orders the stories: most relevant first,
/// then newest, then by item id (so the order is the same every time).
pub fn rank(rows: &[MatchRow], now: DateTime<Utc>) -> Vec<RankedStory> {
    let mut order: Vec<(f64, &MatchRow)> = rows.iter().map(|r| (relevance(r, now), r)).collect();
    order.sort_by(|(ra, a), (rb, b)| {
        if better(*ra, a, *rb, b) {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Greater
        }
    });
    let mut stories: Vec<RankedStory> = Vec::new();
    let mut at: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for (r, row) in order {
        match at.get(&row.representative_id) {
            Some(&i) => {
                let story = &mut stories[i];
                story.matched += 1;
                story.others.push(row.item_id);
            }
            None => {
                at.insert(row.representative_id, stories.len());
                stories.push(RankedStory {
                    best: row.clone(),
                    matched: 1,
                    others: Vec::new(),
                    relevance: r,
                });
            }
        }
    }
    stories.sort_by(|a, b| {
        b.relevance
            .total_cmp(&a.relevance)
            .then(b.best.published.cmp(&a.best.published))
            .then(b.best.item_id.cmp(&a.best.item_id))
    });
    stories
}

fn better(r: f64, row: &MatchRow, best_r: f64, best: &MatchRow) -> bool {
    r.total_cmp(&best_r)
        .then(row.published.cmp(&best.published))
        .then(row.item_id.cmp(&best.item_id))
        .is_gt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(item: i64, rep: i64, bm25: f64, days_old: i64) -> MatchRow {
        MatchRow {
            item_id: item,
            story_id: Some(rep),
            representative_id: rep,
            bm25,
            published: now() - chrono::Duration::days(days_old),
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_752_400_000, 0).unwrap()
    }

    #[test]
    fn one_entry_per_story_shown_by_its_best_match() {
        let rows = [row(1, 1, -2.0, 0), row(2, 1, -5.0, 0), row(3, 3, -3.0, 0)];
        let ranked = rank(&rows, now());
        let shown: Vec<(i64, usize)> = ranked.iter().map(|s| (s.best.item_id, s.matched)).collect();
        assert_eq!(shown, [(2, 2), (3, 1)]);
        assert_eq!(ranked[0].others, [1]);
    }

    #[test]
    fn recency_discounts_relevance() {
        let rows = [row(1, 1, -4.0, 60), row(2, 2, -3.0, 0)];
        let order: Vec<i64> = rank(&rows, now()).iter().map(|s| s.best.item_id).collect();
        assert_eq!(order, [2, 1], "a third better but two months old");
        assert_eq!(relevance(&row(1, 1, -4.0, 30), now()), 2.0);
    }

    #[test]
    fn filters_only_results_are_newest_first() {
        let rows = [row(1, 1, 0.0, 3), row(2, 2, 0.0, 1), row(3, 3, 0.0, 2)];
        let order: Vec<i64> = rank(&rows, now()).iter().map(|s| s.best.item_id).collect();
        assert_eq!(order, [2, 3, 1]);
    }
}
