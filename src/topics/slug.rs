//! `TopicSlug`: the checked identifier of a topic.

use std::fmt;

use serde::Serialize;

use super::config::check_slug;

/// A topic's identifier: 1–64 lowercase ASCII letters, digits and `-`, not
/// starting or ending with `-` (e.g. `russia-north-korea`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TopicSlug(String);

impl TopicSlug {
    /// Checks `s` and wraps it; the error says what is wrong.
    pub fn parse(s: &str) -> Result<TopicSlug, String> {
        check_slug(s).map(|()| TopicSlug(s.to_string()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TopicSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for TopicSlug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked() {
        for ok in ["russia-north-korea", "a", "g7-summit"] {
            assert!(TopicSlug::parse(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("", "1 to 64"),
            ("Russia", "'R'"),
            ("a_b", "'_'"),
            ("-a", "start"),
            ("रूस", "'र'"),
        ] {
            let e = TopicSlug::parse(bad).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
