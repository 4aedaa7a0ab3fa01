//! khabar's wall clock. Unset, it is the system clock. With `KHABAR_NOW`
//! (an RFC 3339 instant; a test and operations aid, see the README) the
//! process's clock starts at that instant and advances with the system's
//! monotonic clock, so that a test states the times it needs (a demo run an
//! hour ago, a second poll a minute after the first) instead of sleeping
//! across a second boundary. One-shot commands act at exactly that instant
//! ([`pinned`]); `khabar run` and `khabar demo` start there and go on.
//!
//! Decisions never read it: the loops and handlers at the top read
//! [`now`] once and pass the instant down.

use std::sync::OnceLock;
use std::time::Instant;

use chrono::{DateTime, Utc};

/// The pinned start and the monotonic instant it was read at; unset: the
/// system clock.
static START: OnceLock<(DateTime<Utc>, Instant)> = OnceLock::new();

/// A `KHABAR_NOW` that is not an RFC 3339 instant, or a second start.
#[derive(Debug, thiserror::Error)]
pub enum ClockError {
    /// Not an RFC 3339 instant.
    #[error("KHABAR_NOW={text:?} is not an RFC 3339 time (e.g. 2026-12-01T07:00:00Z): {reason}")]
    Unparsable {
        /// The value as given.
        text: String,
        /// What the parser said.
        reason: chrono::ParseError,
    },
    /// The clock was started twice in one process.
    #[error("the clock was already started at {0}")]
    AlreadyStarted(DateTime<Utc>),
}

/// Starts the clock at `text` (RFC 3339) when given; once per process,
/// before anything reads [`now`]. `None` keeps the system clock.
pub fn start(text: Option<&str>) -> Result<(), ClockError> {
    let Some(text) = text else {
        return Ok(());
    };
    let at = DateTime::parse_from_rfc3339(text)
        .map_err(|reason| ClockError::Unparsable {
            text: text.to_string(),
            reason,
        })?
        .to_utc();
    START
        .set((at, Instant::now()))
        .map_err(|_| ClockError::AlreadyStarted(pinned().unwrap_or(at)))
}

/// The instant the clock was started at, when `KHABAR_NOW` set it.
pub fn pinned() -> Option<DateTime<Utc>> {
    START.get().map(|(at, _)| *at)
}

/// Now: the system clock, or the started clock plus the time since.
pub fn now() -> DateTime<Utc> {
    match START.get() {
        Some((at, since)) => {
            *at + chrono::Duration::from_std(since.elapsed()).unwrap_or(chrono::Duration::MAX)
        }
        None => Utc::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_start_names_the_value_and_an_example() {
        let e = start(Some("yesterday")).unwrap_err().to_string();
        assert!(
            e.contains("\"yesterday\"") && e.contains("2026-12-01T07:00:00Z"),
            "{e}"
        );
    }

    #[test]
    fn unset_it_is_the_system_clock() {
        // The library's tests never start it: `now` is the system's.
        let (before, now, after) = (Utc::now(), now(), Utc::now());
        assert!(before <= now && now <= after);
    }
}
