//! Subscriber types (issue #5): an address that can only be valid, and a
//! digest period that can only be non-empty.

use chrono::{DateTime, Utc};

/// A subscriber's address: only a syntactically valid one can be built.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubscriberEmail(lettre::Address);

impl SubscriberEmail {
    /// Checks `text` (trimmed) as an email address.
    pub fn parse(text: &str) -> Result<SubscriberEmail, EmailError> {
        text.trim()
            .parse::<lettre::Address>()
            .map(SubscriberEmail)
            .map_err(|reason| EmailError {
                text: text.to_string(),
                reason,
            })
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }

    /// The lettre address, for building a message.
    pub fn address(&self) -> &lettre::Address {
        &self.0
    }
}

/// A text that is not an email address.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{text:?} is not a valid email address: {reason}")]
pub struct EmailError {
    /// The text as given.
    pub text: String,
    /// What the address parser said.
    pub reason: lettre::address::AddressError,
}

/// A text that is not a daily time `HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?}: expected a time HH:MM, e.g. 07:00")]
pub struct DailyTimeError(pub String);

impl std::fmt::Display for SubscriberEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A daily delivery time `HH:MM` as the cron expression (with seconds)
/// subscribers' schedules are stored in: `07:00` → `0 0 7 * * *`.
pub fn daily_cron(at: &str) -> Result<String, DailyTimeError> {
    let (h, m) = at
        .trim()
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)))
        .filter(|(h, m)| *h < 24 && *m < 60)
        .ok_or_else(|| DailyTimeError(at.to_string()))?;
    Ok(format!("0 {m} {h} * * *"))
}

/// The `HH:MM` of a schedule made by [`daily_cron`]; `None` for any other
/// cron expression.
pub fn daily_time(cron: &str) -> Option<String> {
    let fields: Vec<&str> = cron.split_whitespace().collect();
    let [s, m, h, "*", "*", "*"] = fields[..] else {
        return None;
    };
    let (s, m, h) = (
        s.parse::<u32>().ok()?,
        m.parse::<u32>().ok()?,
        h.parse::<u32>().ok()?,
    );
    (s == 0 && m < 60 && h < 24).then(|| format!("{h:02}:{m:02}"))
}

/// The half-open span `[start, end)` of first-seen times one digest covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestPeriod {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl DigestPeriod {
    /// A period; `None` unless `start < end`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Option<DigestPeriod> {
        (start < end).then_some(DigestPeriod { start, end })
    }

    /// First instant covered.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// First instant not covered.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_times_round_trip_through_cron() {
        assert_eq!(daily_cron("07:00").unwrap(), "0 0 7 * * *");
        assert_eq!(daily_cron("18:45").unwrap(), "0 45 18 * * *");
        assert_eq!(daily_time("0 45 18 * * *").as_deref(), Some("18:45"));
        assert_eq!(daily_time("0 0 7 * * Mon").as_deref(), None);
        for bad in ["24:00", "7", "07:60", "x:y", ""] {
            assert!(daily_cron(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_valid_addresses_make_a_subscriber_email() {
        let cases = [
            ("a@example.org", true),
            ("  user.name+tag@sub.example.co.in ", true),
            ("", false),
            ("no-at-sign", false),
            ("two@@example.org", false),
            ("@example.org", false),
            ("user@", false),
        ];
        for (text, ok) in cases {
            assert_eq!(SubscriberEmail::parse(text).is_ok(), ok, "{text:?}");
        }
    }

    #[test]
    fn a_period_must_not_be_empty() {
        let t = Utc::now();
        assert!(DigestPeriod::new(t, t).is_none());
        assert!(DigestPeriod::new(t, t + chrono::Duration::seconds(1)).is_some());
    }
}
