//! The client for requests khabar sends on its own behalf besides polls:
//! WebSub subscription requests to outlets' hubs (issue #16). Built in this
//! one place with the fetch stage's limits, so that every such request
//! passes the same checks as a poll.

use reqwest::{Method, RequestBuilder};

use super::FetchError;
use crate::config::FetchConfig;

/// Sends khabar's own requests: http(s) only, the fetch timeouts, no
/// redirects followed (a hub that redirects a subscription request is
/// answered as failed, and tried again later).
#[derive(Debug, Clone)]
pub struct Outbound {
    client: reqwest::Client,
}

impl Outbound {
    /// The client for `cfg`'s timeouts.
    pub fn new(cfg: &FetchConfig) -> Result<Outbound, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(super::client::USER_AGENT)
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| FetchError::Connect {
                url: String::new(),
                reason: format!("building HTTP client: {e}"),
            })?;
        Ok(Outbound { client })
    }

    /// A request for `url`, unless the URL alone shows it may not be made.
    pub fn request(&self, method: Method, url: &url::Url) -> Result<RequestBuilder, FetchError> {
        match url.scheme() {
            "http" | "https" => Ok(self.client.request(method, url.clone())),
            other => Err(FetchError::Connect {
                url: url.to_string(),
                reason: format!("{other}: URLs are not requested, only http and https"),
            }),
        }
    }
}
