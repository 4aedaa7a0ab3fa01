//! The states a subscriber and a digest go through, as the store keeps
//! them. A stored word that is none of these is an error naming it, never
//! read as some default state.

use std::fmt;
use std::str::FromStr;

/// A stored status word that names no known state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} status {value:?}")]
pub struct UnknownStatus {
    /// Whose status: `subscriber` or `digest`.
    pub kind: &'static str,
    /// The word as stored.
    pub value: String,
}

/// Declares a status enum with its stored words, `as_str`, `Display` and
/// `FromStr`, so the word list is written once per enum.
macro_rules! status_enum {
    ($(#[$doc:meta])* $name:ident, $kind:literal { $($(#[$vdoc:meta])* $variant:ident => $word:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// The word the store keeps.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownStatus;

            fn from_str(s: &str) -> Result<$name, UnknownStatus> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err(UnknownStatus { kind: $kind, value: s.to_string() }),
                }
            }
        }
    };
}

status_enum! {
    /// Where a subscriber stands.
    SubscriberStatus, "subscriber" {
        /// Asked on the public form; waits for the emailed link.
        Pending => "pending",
        /// Receives digests.
        Active => "active",
        /// Asked to stop; kept so that a return starts afresh.
        Unsubscribed => "unsubscribed",
        /// Mail to the address failed permanently; no more digests.
        Bouncing => "bouncing",
    }
}

status_enum! {
    /// Where one (subscriber, period) digest stands.
    DigestStatus, "digest" {
        /// Claimed, not yet accepted by the mail server.
        Pending => "pending",
        /// The mail server accepted it.
        Sent => "sent",
        /// Nothing new in the period: not sent.
        Empty => "empty",
        /// Given up after permanent failures.
        Failed => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_words_round_trip_and_unknown_ones_are_errors() {
        for s in ["pending", "active", "unsubscribed", "bouncing"] {
            assert_eq!(s.parse::<SubscriberStatus>().unwrap().as_str(), s);
        }
        for s in ["pending", "sent", "empty", "failed"] {
            assert_eq!(s.parse::<DigestStatus>().unwrap().to_string(), s);
        }
        let e = "Active".parse::<SubscriberStatus>().unwrap_err();
        assert_eq!(e.to_string(), r#"unknown subscriber status "Active""#);
        assert!("bouncing".parse::<DigestStatus>().is_err());
    }
}
