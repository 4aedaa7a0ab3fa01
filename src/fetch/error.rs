//! Errors of the fetch stage.

use std::time::Duration;

/// Why a feed could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Connecting or reading timed out.
    #[error("fetch {url}: timed out")]
    Timeout {
        /// The URL requested.
        url: String,
    },
    /// The connection failed (DNS, refused, TLS).
    #[error("fetch {url}: connection failed: {reason}")]
    Connect {
        /// The URL requested.
        url: String,
        /// The cause.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("fetch {url}: HTTP {status}")]
    Status {
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
        /// The server's Retry-After, if any.
        retry_after: Option<Duration>,
    },
    /// The body exceeded the cap (after decompression).
    #[error("fetch {url}: body exceeds {limit} bytes after decompression")]
    BodyTooLarge {
        /// The URL requested.
        url: String,
        /// The cap.
        limit: u64,
    },
    /// Redirects went on too long or came back to a URL already visited.
    #[error("fetch {url}: {reason}")]
    Redirect {
        /// The URL requested.
        url: String,
        /// "redirect loop" or "more than N redirects" or a bad Location.
        reason: String,
    },
    /// The guard refused the request: the URL, a redirect hop or the only
    /// addresses its host resolves to are loopback, private, link-local or
    /// otherwise not fetched (issue #11), or the URL is not http(s).
    #[error("fetch {url}: {reason}")]
    Refused {
        /// The URL requested.
        url: String,
        /// "refused: 10.0.0.5 is a private address", with the redirect
        /// hop it was met on, if any.
        reason: String,
    },
    /// The body broke off or could not be decoded (bad gzip).
    #[error("fetch {url}: reading body: {reason}")]
    Body {
        /// The URL requested.
        url: String,
        /// The cause.
        reason: String,
    },
}

impl FetchError {
    /// Whether trying again later may succeed (timeouts, 5xx, 429, 408,
    /// connection errors) rather than needing a fix on the server (404,
    /// 401, 403, a body over the cap, a redirect loop, an address the fetch
    /// guard refuses). The scheduler backs
    /// off from a permanent failure faster (`scheduler::Failure`).
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Connect { .. } | FetchError::Body { .. } => {
                true
            }
            FetchError::Status { status, .. } => matches!(status, 408 | 429 | 500..),
            FetchError::BodyTooLarge { .. }
            | FetchError::Redirect { .. }
            | FetchError::Refused { .. } => false,
        }
    }

    /// The server's Retry-After, when it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status, when a response came.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_that_may_pass_by_themselves_are_transient() {
        let status = |status| FetchError::Status {
            url: "https://a.example/rss".into(),
            status,
            retry_after: None,
        };
        for (code, transient) in [
            (404, false),
            (401, false),
            (403, false),
            (400, false),
            (408, true),
            (429, true),
            (500, true),
            (503, true),
        ] {
            assert_eq!(status(code).is_transient(), transient, "HTTP {code}");
        }
        let url = String::from("https://a.example/rss");
        assert!(FetchError::Timeout { url: url.clone() }.is_transient());
        assert!(!FetchError::BodyTooLarge {
            url: url.clone(),
            limit: 1
        }
        .is_transient());
        assert!(!FetchError::Refused {
            url,
            reason: "refused: 10.0.0.5 is a private address".into()
        }
        .is_transient());
    }
}
