//! The next-due rule: pure, given the previous state, what the poll saw,
//! the bounds and the clock.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::ScheduleConfig;
use crate::store::FeedState;

/// Errors back off exponentially up to this (the 24 h cap; a
/// smaller `max_interval` lowers it).
pub const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// How far back a document's item dates are read to measure its cadence.
const CADENCE_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

/// Jitter spreads due times by ± this fraction of the wait, so thousands of
/// feeds added at once do not keep firing in the same second.
const JITTER_FRACTION: f64 = 0.1;

/// Whether a failed poll may succeed when simply tried again, as the stage
/// that failed decided it ([`FetchError::is_transient`](crate::fetch::FetchError::is_transient);
/// a document that does not parse is permanent). Recorded on the feed as
/// the first word of its last error, so `khabar feeds list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Timeouts, refused connections, 429, 5xx: waits double from the
    /// interval.
    Transient,
    /// Needs a fix on the server (404, 401, 403, a page that is not a feed,
    /// a body over the cap): waits quadruple, starting at four intervals,
    /// so the feed reaches `max_interval` in a few polls.
    Permanent,
}

impl Failure {
    /// The word recorded before the error.
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Transient => "transient",
            Failure::Permanent => "permanent",
        }
    }

    /// The error as recorded on the feed: `permanent: fetch …: HTTP 404`.
    pub fn record(self, error: &str) -> String {
        format!("{}: {error}", self.as_str())
    }

    /// The kind of a recorded error; `None` for one recorded before
    /// failures were classified.
    pub fn of_recorded(error: &str) -> Option<Failure> {
        [Failure::Transient, Failure::Permanent]
            .into_iter()
            .find(|f| error.starts_with(f.as_str()) && error[f.as_str().len()..].starts_with(": "))
    }
}

/// What a poll observed that matters for scheduling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    /// A document arrived (200).
    Fetched {
        /// The document's own hint (RSS ttl, sy:updatePeriod).
        feed_hint: Option<Duration>,
        /// Cache-Control max-age.
        max_age: Option<Duration>,
        /// The average gap between its recent items ([`publishing_cadence`]).
        cadence: Option<Duration>,
    },
    /// 304 Not Modified.
    NotModified {
        /// Cache-Control max-age.
        max_age: Option<Duration>,
    },
    /// The fetch or parse failed.
    Failed {
        /// Retry-After from a 429/503.
        retry_after: Option<Duration>,
        /// Whether trying again soon may help.
        kind: Failure,
    },
    /// 410: never again.
    Gone,
}

/// The feed's next state. `interval` is the feed's own interval or the
/// configured one; `jitter` is a number in `[0, 1)` fixed per feed.
///
/// A success waits the interval, shortened to the feed's publishing cadence
/// when it publishes more often (never below `min_interval`), then stretched
/// by the feed's own hints (ttl, max-age), within the configured bounds.
pub fn next_due(
    prev: &FeedState,
    interval: Duration,
    observed: Observed,
    bounds: &ScheduleConfig,
    jitter: f64,
    now: DateTime<Utc>,
) -> FeedState {
    let clamp = |d: Duration| d.clamp(bounds.min_interval, bounds.max_interval);
    let spread = |d: Duration| {
        d.mul_f64(1.0 - JITTER_FRACTION + 2.0 * JITTER_FRACTION * jitter.clamp(0.0, 1.0))
    };
    let success = |hint: Option<Duration>, cadence: Option<Duration>| {
        let base = cadence.map_or(interval, |c| interval.min(c));
        spread(clamp(base.max(hint.unwrap_or_default())))
    };
    let mut cadence = prev.cadence;
    let (wait, error_count, hint) = match observed {
        Observed::Fetched {
            feed_hint,
            max_age,
            cadence: seen,
        } => {
            let hint = feed_hint.max(max_age);
            cadence = seen;
            (success(hint, cadence), 0, hint)
        }
        Observed::NotModified { max_age } => {
            let hint = max_age.or(prev.hint);
            (success(hint, cadence), 0, hint)
        }
        Observed::Failed { retry_after, kind } => {
            let errors = prev.error_count.saturating_add(1);
            let cap = MAX_BACKOFF
                .min(bounds.max_interval)
                .max(bounds.min_interval);
            let factor = match kind {
                Failure::Transient => 2u32.saturating_pow(errors.min(20) - 1),
                Failure::Permanent => 4u32.saturating_pow(errors.min(15)),
            };
            let backoff = interval.saturating_mul(factor).min(cap);
            let wait = backoff.max(retry_after.unwrap_or_default().min(cap));
            (
                spread(wait).max(retry_after.unwrap_or_default().min(cap)),
                errors,
                prev.hint,
            )
        }
        Observed::Gone => (MAX_BACKOFF, prev.error_count, prev.hint),
    };
    let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
    FeedState {
        next_due: now.checked_add_signed(wait).unwrap_or(now),
        error_count,
        hint,
        cadence,
    }
}

/// The next state of a feed a WebSub hub pushes (issue #16): polling is
/// only the safety net, so a successful poll waits `max_interval`.
pub fn pushed_next_due(next: FeedState, bounds: &ScheduleConfig, now: DateTime<Utc>) -> FeedState {
    let wait = chrono::Duration::from_std(bounds.max_interval).unwrap_or(chrono::Duration::MAX);
    FeedState {
        next_due: now
            .checked_add_signed(wait)
            .unwrap_or(now)
            .max(next.next_due),
        ..next
    }
}

/// The average gap between a document's items dated within the last week:
/// the time since the oldest of them divided by their number. `None` with
/// fewer than two such items (nothing to measure).
pub fn publishing_cadence(
    dates: impl IntoIterator<Item = DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Duration> {
    let window = chrono::Duration::from_std(CADENCE_WINDOW).unwrap_or(chrono::Duration::MAX);
    let recent: Vec<_> = dates
        .into_iter()
        .filter(|d| *d <= now && now - *d <= window)
        .collect();
    let oldest = recent.iter().min()?;
    if recent.len() < 2 {
        return None;
    }
    (now - *oldest)
        .to_std()
        .ok()
        .map(|span| span / recent.len() as u32)
}

/// A feed's fixed jitter in `[0, 1)`, derived from its id.
pub fn jitter_for(feed_id: i64) -> f64 {
    // SplitMix64: a well-spread hash of a small integer, cheap and stable.
    let mut z = (feed_id as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60;

    fn bounds() -> ScheduleConfig {
        ScheduleConfig {
            interval: Duration::from_secs(1800),
            min_interval: Duration::from_secs(300),
            max_interval: Duration::from_secs(24 * 3600),
            tick: Duration::from_secs(30),
            batch: 256,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn state(errors: u32) -> FeedState {
        FeedState {
            next_due: now(),
            error_count: errors,
            hint: None,
            cadence: None,
        }
    }

    fn wait_secs(s: &FeedState) -> i64 {
        (s.next_due - now()).num_seconds()
    }

    #[test]
    fn waits_follow_interval_hints_backoff_and_retry_after() {
        let i30 = Duration::from_secs(30 * MIN);
        let cases: &[(&str, FeedState, Observed, i64)] = &[
            (
                "plain success waits the interval",
                state(3),
                Observed::Fetched {
                    feed_hint: None,
                    max_age: None,
                    cadence: None,
                },
                1800,
            ),
            (
                "a longer ttl stretches the wait",
                state(0),
                Observed::Fetched {
                    feed_hint: Some(Duration::from_secs(120 * MIN)),
                    max_age: None,
                    cadence: None,
                },
                7200,
            ),
            (
                "a shorter max-age does not shorten it",
                state(0),
                Observed::Fetched {
                    feed_hint: None,
                    max_age: Some(Duration::from_secs(60)),
                    cadence: None,
                },
                1800,
            ),
            (
                "first failure waits one interval",
                state(0),
                Observed::Failed {
                    retry_after: None,
                    kind: Failure::Transient,
                },
                1800,
            ),
            (
                "third failure waits four",
                state(2),
                Observed::Failed {
                    retry_after: None,
                    kind: Failure::Transient,
                },
                7200,
            ),
            (
                "backoff is capped at 24 h",
                state(30),
                Observed::Failed {
                    retry_after: None,
                    kind: Failure::Transient,
                },
                86400,
            ),
            (
                "retry-after beyond backoff is honoured",
                state(0),
                Observed::Failed {
                    kind: Failure::Transient,
                    retry_after: Some(Duration::from_secs(3 * 3600)),
                },
                10800,
            ),
            (
                "retry-after beyond the cap is capped",
                state(0),
                Observed::Failed {
                    kind: Failure::Transient,
                    retry_after: Some(Duration::from_secs(9 * 86400)),
                },
                86400,
            ),
        ];
        for (name, prev, observed, want) in cases {
            let next = next_due(prev, i30, *observed, &bounds(), 0.5, now());
            assert_eq!(wait_secs(&next), *want, "{name}");
        }
    }

    #[test]
    fn a_feed_that_publishes_often_is_polled_more_often_within_bounds() {
        let i30 = Duration::from_secs(30 * MIN);
        let fetched = |cadence: u64, ttl: Option<u64>| Observed::Fetched {
            feed_hint: ttl.map(|m| Duration::from_secs(m * MIN)),
            max_age: None,
            cadence: Some(Duration::from_secs(cadence * MIN)),
        };
        let cases = [
            ("every 10 min → 10 min", fetched(10, None), 600),
            ("every minute → min_interval", fetched(1, None), 300),
            (
                "daily → the interval, not longer",
                fetched(24 * 60, None),
                1800,
            ),
            (
                "the feed's own ttl still stretches",
                fetched(10, Some(60)),
                3600,
            ),
        ];
        for (name, observed, want) in cases {
            let next = next_due(&state(0), i30, observed, &bounds(), 0.5, now());
            assert_eq!(wait_secs(&next), want, "{name}");
        }
        let fast = next_due(&state(0), i30, fetched(10, None), &bounds(), 0.5, now());
        let after_304 = next_due(
            &fast,
            i30,
            Observed::NotModified { max_age: None },
            &bounds(),
            0.5,
            now(),
        );
        assert_eq!(
            wait_secs(&after_304),
            600,
            "a 304 keeps the measured cadence"
        );
    }

    #[test]
    fn cadence_is_measured_from_the_last_week_of_item_dates() {
        let at = |h: i64| now() - chrono::Duration::hours(h);
        type Case = (&'static str, Vec<DateTime<Utc>>, Option<u64>);
        let cases: &[Case] = &[
            (
                "four items over 8 h → 2 h",
                vec![at(1), at(3), at(5), at(8)],
                Some(7200),
            ),
            ("one item → nothing to measure", vec![at(1)], None),
            (
                "old items are ignored",
                vec![at(2), at(24 * 30), at(24 * 40)],
                None,
            ),
            (
                "future dates are ignored",
                vec![now() + chrono::Duration::hours(5), at(4), at(2)],
                Some(7200),
            ),
        ];
        for (name, dates, want) in cases {
            let got = publishing_cadence(dates.clone(), now()).map(|d| d.as_secs());
            assert_eq!(got, *want, "{name}");
        }
    }

    // See: issue #12 (item 6).
    #[test]
    fn a_permanent_failure_backs_off_faster_than_a_transient_one() {
        let i30 = Duration::from_secs(30 * MIN);
        let wait = |errors: u32, kind: Failure| {
            let observed = Observed::Failed {
                retry_after: None,
                kind,
            };
            wait_secs(&next_due(
                &state(errors),
                i30,
                observed,
                &bounds(),
                0.5,
                now(),
            ))
        };
        let cases = [
            ("a 404 is not retried at the interval", 0, 4 * 1800, 1800),
            (
                "a second 404 waits sixteen intervals",
                1,
                16 * 1800,
                2 * 1800,
            ),
            ("a third reaches max_interval", 2, 86400, 4 * 1800),
            ("and stays there", 9, 86400, 86400),
        ];
        for (name, errors, permanent, transient) in cases {
            assert_eq!(wait(errors, Failure::Permanent), permanent, "{name}");
            assert_eq!(
                wait(errors, Failure::Transient),
                transient,
                "{name}: transient"
            );
        }
    }

    #[test]
    fn the_recorded_error_says_which_kind_it_was() {
        for kind in [Failure::Transient, Failure::Permanent] {
            let recorded = kind.record("fetch https://a.example/rss: HTTP 404");
            assert_eq!(Failure::of_recorded(&recorded), Some(kind), "{recorded}");
        }
        assert_eq!(
            Failure::of_recorded("fetch https://a.example/rss: timed out"),
            None
        );
        assert_eq!(Failure::of_recorded("transientnot: x"), None);
    }

    #[test]
    fn success_resets_errors_and_failure_counts_them() {
        let i = Duration::from_secs(1800);
        let ok = next_due(
            &state(4),
            i,
            Observed::NotModified { max_age: None },
            &bounds(),
            0.5,
            now(),
        );
        assert_eq!(ok.error_count, 0);
        let failed = next_due(
            &state(4),
            i,
            Observed::Failed {
                retry_after: None,
                kind: Failure::Transient,
            },
            &bounds(),
            0.5,
            now(),
        );
        assert_eq!(failed.error_count, 5);
    }

    #[test]
    fn jitter_spreads_within_ten_percent() {
        let i = Duration::from_secs(1800);
        let waits: Vec<i64> = (0..1000)
            .map(|id| {
                wait_secs(&next_due(
                    &state(0),
                    i,
                    Observed::NotModified { max_age: None },
                    &bounds(),
                    jitter_for(id),
                    now(),
                ))
            })
            .collect();
        assert!(
            waits.iter().all(|w| (1620..=1980).contains(w)),
            "out of range"
        );
        let distinct: std::collections::HashSet<_> = waits.iter().collect();
        assert!(
            distinct.len() > 300,
            "jitter should spread due times, got {} distinct",
            distinct.len()
        );
    }

    #[test]
    fn a_pushed_feed_is_polled_at_max_interval_even_when_it_publishes_often() {
        let state = FeedState {
            next_due: now(),
            error_count: 0,
            hint: None,
            cadence: Some(Duration::from_secs(10 * MIN)),
        };
        let observed = Observed::Fetched {
            feed_hint: None,
            max_age: None,
            cadence: Some(Duration::from_secs(10 * MIN)),
        };
        let polled = next_due(&state, bounds().interval, observed, &bounds(), 0.5, now());
        assert!(
            polled.next_due < now() + chrono::Duration::hours(1),
            "{polled:?}"
        );
        let pushed = pushed_next_due(polled.clone(), &bounds(), now());
        assert_eq!(pushed.next_due, now() + chrono::Duration::hours(24));
        assert_eq!(
            pushed.cadence, polled.cadence,
            "the rest of the state is kept"
        );
    }
}
