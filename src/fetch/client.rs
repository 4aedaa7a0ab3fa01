//! The HTTP client: conditional GET, manual redirects (so a permanent move
//! can update the stored URL, and each hop passes the [guard](super::guard)),
//! and a body cap counted after decompression.

use std::collections::HashSet;

use chrono::Utc;
use reqwest::header::{HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LOCATION};
use reqwest::{Method, StatusCode};

use super::budget::{BodyBudget, BodyPermit};
use super::guard::{blocked, Blocked, GuardedClient};
use super::response::{self, FetchOutcome, FetchedFeed};
use super::{AddressPolicy, FetchError};
use crate::config::FetchConfig;

/// What to fetch.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    /// The feed's URL.
    pub url: url::Url,
    /// ETag from the last successful fetch.
    pub etag: Option<String>,
    /// Last-Modified from the last successful fetch.
    pub last_modified: Option<String>,
}

/// A shared HTTP client configured with khabar's limits.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: GuardedClient,
    max_body_bytes: u64,
    max_redirects: usize,
    /// The whole request's time, body included, less any wait for budget.
    timeout: std::time::Duration,
    budget: BodyBudget,
}

impl Fetcher {
    /// Builds the client (rustls, gzip/brotli/deflate, timeouts, redirects
    /// followed here, the guard with `fetch.allow_private`, a budget of
    /// `fetch.max_inflight_bytes` body bytes shared by every fetch it makes).
    pub fn new(cfg: &FetchConfig) -> Result<Fetcher, FetchError> {
        // The request timeout is kept here rather than by reqwest, so that
        // time spent waiting for body budget does not count against it.
        let builder = reqwest::Client::builder()
            .user_agent(cfg.user_agent.as_str())
            .connect_timeout(cfg.connect_timeout)
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .pool_max_idle_per_host(cfg.per_host);
        let policy = AddressPolicy::new(cfg.allow_private.clone());
        let client = GuardedClient::new(builder, policy, 0).map_err(|e| FetchError::Connect {
            url: String::new(),
            reason: format!("building HTTP client: {e}"),
        })?;
        Ok(Fetcher {
            client,
            max_body_bytes: cfg.max_body_bytes,
            max_redirects: cfg.max_redirects,
            timeout: cfg.timeout,
            budget: BodyBudget::new(cfg.max_inflight_bytes, cfg.max_body_bytes),
        })
    }

    /// Fetches one feed. Every failure is returned as [`FetchOutcome::Failed`].
    pub async fn fetch(&self, req: &FetchRequest) -> FetchOutcome {
        match self.fetch_inner(req).await {
            Ok(outcome) => outcome,
            Err(e) => FetchOutcome::Failed(e),
        }
    }

    async fn fetch_inner(&self, req: &FetchRequest) -> Result<FetchOutcome, FetchError> {
        let mut deadline = tokio::time::Instant::now() + self.timeout;
        let mut url = req.url.clone();
        let mut seen = HashSet::from([url.clone()]);
        let mut all_permanent = true;
        let mut redirects = 0;
        loop {
            let sent = tokio::time::timeout_at(deadline, self.send(&url, req))
                .await
                .map_err(|_| FetchError::Timeout {
                    url: url.to_string(),
                })?;
            let resp = sent.map_err(|e| match e {
                // Say which hop was refused: the operator sees where the
                // feed tried to send khabar.
                FetchError::Refused { reason, .. } if url != req.url => FetchError::Refused {
                    url: req.url.to_string(),
                    reason: format!("redirect to {url}: {reason}"),
                },
                e => e,
            })?;
            let status = resp.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let next = redirect_target(&url, resp.headers())?;
                redirects += 1;
                if redirects > self.max_redirects {
                    return Err(FetchError::Redirect {
                        url: req.url.to_string(),
                        reason: format!("more than {} redirects", self.max_redirects),
                    });
                }
                if !seen.insert(next.clone()) {
                    return Err(FetchError::Redirect {
                        url: req.url.to_string(),
                        reason: format!("redirect loop at {next}"),
                    });
                }
                all_permanent &= matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                );
                url = next;
                continue;
            }
            let moved = (redirects > 0 && all_permanent).then(|| url.clone());
            return self.finish(req, url, moved, resp, &mut deadline).await;
        }
    }

    async fn send(
        &self,
        url: &url::Url,
        req: &FetchRequest,
    ) -> Result<reqwest::Response, FetchError> {
        let mut builder = self
            .client
            .request(Method::GET, url)
            .map_err(|b| refused(url, &b))?;
        if let Some(etag) = &req.etag {
            builder = builder.header(IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &req.last_modified {
            builder = builder.header(IF_MODIFIED_SINCE, lm);
        }
        builder.send().await.map_err(|e| classify(url, &e))
    }

    async fn finish(
        &self,
        req: &FetchRequest,
        final_url: url::Url,
        moved_permanently: Option<url::Url>,
        mut resp: reqwest::Response,
        deadline: &mut tokio::time::Instant,
    ) -> Result<FetchOutcome, FetchError> {
        let status = resp.status();
        // A server's Retry-After date is read against the system clock,
        // which is the server's too, never against a started `KHABAR_NOW`.
        let hints = response::hints(resp.headers(), Utc::now());
        let links = response::websub_links(resp.headers());
        match status {
            StatusCode::NOT_MODIFIED => return Ok(FetchOutcome::NotModified { hints }),
            StatusCode::GONE => return Ok(FetchOutcome::Gone),
            s if !s.is_success() => {
                return Err(FetchError::Status {
                    url: req.url.to_string(),
                    status: s.as_u16(),
                    retry_after: hints.retry_after,
                })
            }
            _ => {}
        }
        let (etag, last_modified, content_type) = response::validators(resp.headers());
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_body_bytes)
        {
            return Err(self.too_large(req));
        }
        let mut body = Vec::new();
        let mut budget = BodyPermit::default();
        loop {
            let chunk = tokio::time::timeout_at(*deadline, resp.chunk())
                .await
                .map_err(|_| FetchError::Timeout {
                    url: final_url.to_string(),
                })?
                .map_err(|e| classify(&final_url, &e))?;
            let Some(chunk) = chunk else { break };
            if (body.len() + chunk.len()) as u64 > self.max_body_bytes {
                return Err(self.too_large(req));
            }
            // A feed waiting for budget is not slow: its deadline moves on.
            *deadline += self.budget.take(&mut budget, chunk.len()).await;
            body.extend_from_slice(&chunk);
        }
        budget.complete();
        Ok(FetchOutcome::Fetched(Box::new(FetchedFeed {
            body,
            budget,
            content_type,
            final_url,
            moved_permanently,
            etag,
            last_modified,
            status: status.as_u16(),
            hints,
            links,
        })))
    }

    fn too_large(&self, req: &FetchRequest) -> FetchError {
        FetchError::BodyTooLarge {
            url: req.url.to_string(),
            limit: self.max_body_bytes,
        }
    }
}

/// The absolute URL a redirect points to.
fn redirect_target(from: &url::Url, headers: &HeaderMap) -> Result<url::Url, FetchError> {
    let bad = |reason: String| FetchError::Redirect {
        url: from.to_string(),
        reason,
    };
    let location = response::header(headers, LOCATION)
        .ok_or_else(|| bad("redirect without Location".into()))?;
    let next = from
        .join(&location)
        .map_err(|e| bad(format!("bad redirect Location {location:?}: {e}")))?;
    match next.scheme() {
        "http" | "https" => Ok(next),
        other => Err(bad(format!("redirect to unsupported scheme {other}"))),
    }
}

fn refused(url: &url::Url, blocked: &Blocked) -> FetchError {
    FetchError::Refused {
        url: url.to_string(),
        reason: blocked.to_string(),
    }
}

/// Sorts a reqwest error into khabar's causes.
fn classify(url: &url::Url, e: &reqwest::Error) -> FetchError {
    if let Some(b) = blocked(e) {
        return refused(url, &b);
    }
    let url = url.to_string();
    if e.is_timeout() {
        FetchError::Timeout { url }
    } else if e.is_connect() || e.is_request() && !e.is_body() && !e.is_decode() {
        FetchError::Connect {
            url,
            reason: error_chain(e),
        }
    } else {
        FetchError::Body {
            url,
            reason: error_chain(e),
        }
    }
}

/// An error and its sources, joined with ": ".
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
