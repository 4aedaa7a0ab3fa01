//! Subscriber types (issue #5): an address that can only be valid, and a
//! digest period that can only be non-empty.

use chrono::{DateTime, Utc};

/// A subscriber's address: only a syntactically valid one can be built.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubscriberEmail(lettre::Address);

impl SubscriberEmail {
    /// Checks `text` (trimmed) as an email address.
    pub fn parse(text: &str) -> Result<SubscriberEmail, String> {
        text.trim()
            .parse::<lettre::Address>()
            .map(SubscriberEmail)
            .map_err(|e| format!("{text:?} is not a valid email address: {e}"))
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

impl std::fmt::Display for SubscriberEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
