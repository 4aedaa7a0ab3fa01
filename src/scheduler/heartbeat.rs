//! The scheduler's sign of life for `/healthz`: the time of the last
//! completed pass, and how old it may get before the scheduler counts as
//! stuck.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::tick::pass_deadline;
use crate::config::{FetchConfig, ScheduleConfig};

/// Ticks that may go by without a completed pass before the scheduler is
/// reported stuck (on top of the longest a pass may run).
const MISSED_TICKS: u32 = 3;

/// When the scheduler last completed a pass (or started), shared between
/// the scheduler loop and the HTTP server.
#[derive(Debug)]
pub struct Heartbeat {
    /// Unix milliseconds of the last beat.
    last: AtomicI64,
    stale_after: Duration,
}

/// What `/healthz` reports about the scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchedulerHealth {
    /// The last completed pass (or the start, before the first).
    pub last_tick: DateTime<Utc>,
    /// How old `last_tick` may get.
    pub stale_after: Duration,
    /// Whether `last_tick` is recent enough.
    pub alive: bool,
}

impl Heartbeat {
    /// A heartbeat that beat at `started` and goes stale after `stale_after`.
    pub fn new(started: DateTime<Utc>, stale_after: Duration) -> Heartbeat {
        Heartbeat {
            last: AtomicI64::new(started.timestamp_millis()),
            stale_after,
        }
    }

    /// The longest a healthy scheduler goes without a beat: a few ticks plus
    /// the longest a pass may run ([`pass_deadline`]).
    pub fn stale_after_for(schedule: &ScheduleConfig, fetch: &FetchConfig) -> Duration {
        schedule.tick * MISSED_TICKS + pass_deadline(fetch)
    }

    /// Records a completed pass at `now`.
    pub fn beat(&self, now: DateTime<Utc>) {
        self.last
            .fetch_max(now.timestamp_millis(), Ordering::Relaxed);
    }

    /// The scheduler's health as of `now`.
    pub fn status(&self, now: DateTime<Utc>) -> SchedulerHealth {
        let last_tick =
            DateTime::from_timestamp_millis(self.last.load(Ordering::Relaxed)).unwrap_or_default();
        let age = (now - last_tick).to_std().unwrap_or_default();
        SchedulerHealth {
            last_tick,
            stale_after: self.stale_after,
            alive: age <= self.stale_after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_heartbeat_goes_stale_only_after_its_bound() {
        let h = Heartbeat::new(t("2026-11-23T10:00:00Z"), Duration::from_secs(60));
        let cases = [
            ("2026-11-23T10:00:30Z", true, "30 s after the start"),
            ("2026-11-23T10:01:00Z", true, "exactly at the bound"),
            ("2026-11-23T10:01:01Z", false, "past the bound"),
        ];
        for (now, alive, why) in cases {
            assert_eq!(h.status(t(now)).alive, alive, "{why}");
        }
        h.beat(t("2026-11-23T10:02:00Z"));
        assert!(
            h.status(t("2026-11-23T10:02:30Z")).alive,
            "a beat revives it"
        );
        h.beat(t("2026-11-23T10:01:00Z"));
        assert_eq!(
            h.status(t("2026-11-23T10:02:30Z")).last_tick,
            t("2026-11-23T10:02:00Z"),
            "a late beat never moves it back"
        );
    }

    #[test]
    fn the_default_bound_allows_three_ticks_and_a_whole_pass() {
        let config = crate::config::Config::from_toml("", None).unwrap();
        // 3 × 30 s + 2 × (10 s + 30 s)
        assert_eq!(
            Heartbeat::stale_after_for(&config.schedule, &config.fetch),
            Duration::from_secs(90 + 80)
        );
    }
}
