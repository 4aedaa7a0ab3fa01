//! [`DeliverySchedule`]: when a subscriber's digest is due — a cron
//! expression (with seconds) in the subscriber's time zone — parsed once
//! where it enters, with no fallback: a schedule that does not parse is an
//! error the caller reports, never silently the default.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Why a stored or given schedule is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Not an IANA time zone name.
    #[error("unknown time zone {0:?} (e.g. Asia/Kolkata)")]
    TimeZone(String),
    /// Not a cron expression with seconds.
    #[error("invalid cron schedule {schedule:?}: {reason}")]
    Cron {
        /// The expression as given.
        schedule: String,
        /// What the cron parser said.
        reason: String,
    },
}

/// A subscriber's delivery times: `cron` fires in `tz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySchedule {
    /// The subscriber's time zone.
    pub tz: Tz,
    /// When digests go out, in `tz`.
    pub cron: cron::Schedule,
}

impl DeliverySchedule {
    /// Parses a time zone name and a cron expression (with seconds).
    pub fn parse(timezone: &str, cron: &str) -> Result<DeliverySchedule, ScheduleError> {
        let tz = timezone
            .parse()
            .map_err(|_| ScheduleError::TimeZone(timezone.to_string()))?;
        let cron = cron::Schedule::from_str(cron).map_err(|e| ScheduleError::Cron {
            schedule: cron.to_string(),
            reason: e.to_string(),
        })?;
        Ok(DeliverySchedule { tz, cron })
    }

    /// The time zone's IANA name, as stored.
    pub fn timezone(&self) -> &str {
        self.tz.name()
    }

    /// The cron expression as given, as stored.
    pub fn cron_source(&self) -> &str {
        self.cron.source()
    }

    /// Whether the schedule fired in `(anchor, now]`.
    pub fn fired_between(&self, anchor: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        // A local time that occurs twice (clocks going back) fires at both
        // instants, starting from the earlier one even when the anchor lies
        // between them: the first firing after the anchor is the one that
        // counts.
        self.cron
            .after(&anchor.with_timezone(&self.tz))
            .map(|fire| fire.with_timezone(&Utc))
            .find(|fire| *fire > anchor)
            .is_some_and(|fire| fire <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_zone_or_cron_is_an_error_naming_it() {
        let cases = [
            ("Asia/Kolkata", "0 0 7 * * *", None),
            ("Mars/Olympus", "0 0 7 * * *", Some("Mars/Olympus")),
            ("Asia/Kolkata", "every morning", Some("every morning")),
        ];
        for (tz, cron, bad) in cases {
            match (DeliverySchedule::parse(tz, cron), bad) {
                (Ok(_), None) => {}
                (Err(e), Some(word)) => assert!(e.to_string().contains(word), "{tz} {cron}: {e}"),
                (other, _) => panic!("{tz} {cron}: {other:?}"),
            }
        }
    }
}
