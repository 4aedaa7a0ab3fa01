//! The client for requests khabar sends on its own behalf besides polls:
//! WebSub subscription requests to outlets' hubs, and, as a hub, intent
//! verifications and content pushes to subscribers' callbacks (issue #16).
//! Built in this one place on the fetch stage's [`GuardedClient`], so that
//! every such request passes the same checks as a poll: http(s) only, and
//! only to addresses `fetch.allow_private` allows.

use reqwest::{Method, RequestBuilder};

use super::{AddressPolicy, FetchError, GuardedClient};
use crate::config::FetchConfig;

/// Sends khabar's own requests with the fetch timeouts and user agent, no
/// redirects followed (a hub or callback that redirects is answered as
/// failed, and tried again later).
#[derive(Debug, Clone)]
pub struct Outbound {
    client: GuardedClient,
}

impl Outbound {
    /// The client for `cfg`'s timeouts and address policy.
    pub fn new(cfg: &FetchConfig) -> Result<Outbound, FetchError> {
        let builder = reqwest::Client::builder()
            .user_agent(cfg.user_agent.as_str())
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.timeout);
        let policy = AddressPolicy::new(cfg.allow_private.clone());
        let client = GuardedClient::new(builder, policy, 0).map_err(|e| FetchError::Connect {
            url: String::new(),
            reason: format!("building HTTP client: {e}"),
        })?;
        Ok(Outbound { client })
    }

    /// A request for `url`, unless the URL alone shows it may not be made.
    pub fn request(&self, method: Method, url: &url::Url) -> Result<RequestBuilder, FetchError> {
        self.client
            .request(method, url)
            .map_err(|blocked| FetchError::Refused {
                url: url.to_string(),
                reason: blocked.to_string(),
            })
    }
}
