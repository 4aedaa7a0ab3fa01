//! The guard on every request khabar sends out (issue #11): a
//! [`GuardedClient`] reaches only http(s) URLs on addresses its
//! [`AddressPolicy`] allows. Feeds, redirect hops and full-text article
//! pages go through it (via [`Fetcher`](super::Fetcher)); any new kind of
//! outbound request (WebSub) must be made with one as well.
//!
//! The check is made on the addresses the connection is actually opened to,
//! not on an earlier lookup: host names go through a resolver of its own,
//! which hands the connector only allowed addresses, each time it connects
//! (so a name whose DNS answer changes between two requests, "DNS
//! rebinding", is judged on the second answer too); IP-literal hosts, which
//! the connector never resolves, are checked before the request is built.
//! The `url` crate has already turned odd IPv4 spellings (`2130706433`,
//! `0x7f.1`) into the address they mean. Environment proxies are not used:
//! through a proxy, the address connected to would be the proxy's.
//!
//! ```no_run
//! use khabar::fetch::{AddressPolicy, GuardedClient};
//! # async fn subscribe() -> Result<(), Box<dyn std::error::Error>> {
//! // What `fetch.allow_private` lists; the rest of the private ranges stay shut.
//! let policy = AddressPolicy::new(vec!["10.1.0.0/16".parse()?]);
//! let client = GuardedClient::new(reqwest::Client::builder(), policy, 5)?;
//! let hub = url::Url::parse("https://hub.example.org/")?;
//! let answer = client.request(reqwest::Method::POST, &hub)?.send().await?;
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{redirect, Method, RequestBuilder};
use url::{Host, Url};

use super::address::{AddressPolicy, Refused};

/// Looks a host name up: all its addresses, in the resolver's order.
type Lookup = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send>> + Send + Sync,
>;

/// Why a request may not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Blocked {
    /// The host is, or resolves only to, an address the policy refuses.
    #[error(transparent)]
    Address(#[from] Refused),
    /// Not an http(s) URL.
    #[error("refused: {scheme}: URLs are not fetched, only http and https")]
    Scheme {
        /// The URL's scheme.
        scheme: String,
    },
}

/// The system resolver (getaddrinfo on the blocking pool).
fn system_lookup() -> Lookup {
    Arc::new(|host| {
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(found.map(|a| a.ip()).collect())
        })
    })
}

/// A DNS resolver that passes on only the addresses `policy` allows, and
/// fails with [`Blocked::Address`] when none is left.
struct GuardedResolver {
    policy: Arc<AddressPolicy>,
    lookup: Lookup,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let (policy, lookup) = (self.policy.clone(), self.lookup.clone());
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = lookup(host.clone()).await?;
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|ip| match policy.check(*ip) {
                    Ok(()) => true,
                    Err(r) => {
                        tracing::debug!(host = %host, refused = %r, "address left out");
                        refused.get_or_insert(r);
                        false
                    }
                })
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            match refused {
                Some(r) if allowed.is_empty() => Err(Blocked::Address(r).into()),
                _ if allowed.is_empty() => Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{host} has no address"),
                )
                .into()),
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

/// Whether `url` may be requested as far as can be told before connecting:
/// http(s), and an IP-literal host the policy allows (a host name is
/// judged when it resolves).
pub fn check_url(policy: &AddressPolicy, url: &Url) -> Result<(), Blocked> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Blocked::Scheme {
            scheme: url.scheme().to_string(),
        });
    }
    match url.host() {
        Some(Host::Ipv4(ip)) => Ok(policy.check(IpAddr::V4(ip))?),
        Some(Host::Ipv6(ip)) => Ok(policy.check(IpAddr::V6(ip))?),
        Some(Host::Domain(_)) | None => Ok(()),
    }
}

/// The guard's refusal inside an error reqwest returned, if that is why
/// the request failed.
pub fn blocked(error: &(dyn std::error::Error + 'static)) -> Option<Blocked> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(b) = e.downcast_ref::<Blocked>() {
            return Some(b.clone());
        }
        next = e.source();
    }
    None
}

/// An HTTP client that connects only to http(s) URLs on addresses its
/// policy allows, without proxies. Cloning shares the connection pool.
#[derive(Clone)]
pub struct GuardedClient {
    client: reqwest::Client,
    policy: Arc<AddressPolicy>,
}

impl std::fmt::Debug for GuardedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardedClient")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl GuardedClient {
    /// Finishes `builder` (timeouts, compression, as the caller wants) into
    /// a guarded client. It follows at most `max_redirects` redirects
    /// itself, each checked like the first request; with 0 the caller
    /// follows them, each through [`GuardedClient::request`].
    pub fn new(
        builder: reqwest::ClientBuilder,
        policy: AddressPolicy,
        max_redirects: usize,
    ) -> reqwest::Result<GuardedClient> {
        GuardedClient::with_lookup(builder, policy, max_redirects, system_lookup())
    }

    /// [`GuardedClient::new`] with host names looked up by `lookup`
    /// instead of the system resolver.
    fn with_lookup(
        builder: reqwest::ClientBuilder,
        policy: AddressPolicy,
        max_redirects: usize,
        lookup: Lookup,
    ) -> reqwest::Result<GuardedClient> {
        let policy = Arc::new(policy);
        let resolver = GuardedResolver {
            policy: policy.clone(),
            lookup,
        };
        let hops = policy.clone();
        let redirects = match max_redirects {
            // The 3xx response goes back to the caller.
            0 => redirect::Policy::none(),
            _ => redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > max_redirects {
                    return attempt.error(format!("more than {max_redirects} redirects"));
                }
                match check_url(&hops, attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(blocked) => attempt.error(blocked),
                }
            }),
        };
        let client = builder
            .no_proxy()
            .dns_resolver(Arc::new(resolver))
            .redirect(redirects)
            .build()?;
        Ok(GuardedClient { client, policy })
    }

    /// A request for `url`, unless the URL alone shows it may not be made.
    pub fn request(&self, method: Method, url: &Url) -> Result<RequestBuilder, Blocked> {
        check_url(&self.policy, url)?;
        Ok(self.client.request(method, url.clone()))
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    fn allow(nets: &[&str]) -> AddressPolicy {
        AddressPolicy::new(nets.iter().map(|n| n.parse().unwrap()).collect())
    }

    /// Answers every connection with a tiny 200 and closes it; counts them.
    fn http_server(listener: TcpListener) -> Arc<AtomicUsize> {
        let served = Arc::new(AtomicUsize::new(0));
        let count = served.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
            }
        });
        served
    }

    /// Binds the same free port on 127.0.0.1 and 127.0.0.2.
    fn twin_listeners() -> (TcpListener, TcpListener) {
        loop {
            let first = TcpListener::bind("127.0.0.1:0").unwrap();
            let port = first.local_addr().unwrap().port();
            if let Ok(second) = TcpListener::bind(("127.0.0.2", port)) {
                return (first, second);
            }
        }
    }

    #[test]
    fn urls_with_refused_literal_hosts_or_other_schemes_are_not_requested() {
        let policy = allow(&["127.0.0.1/32"]);
        let cases = [
            ("http://127.0.0.1:9/", true),
            ("http://127.0.0.2:9/", false),
            ("http://2130706433/", true),
            ("http://2130706434/", false),
            ("http://0x7f.2/", false),
            ("http://0177.0.0.2/", false),
            ("http://[::ffff:127.0.0.2]/", false),
            ("http://[::ffff:127.0.0.1]/", true),
            ("http://[::1]/", false),
            ("http://169.254.169.254/latest/meta-data/", false),
            ("http://[fd00::1]/", false),
            ("https://example.org/", true),
            ("ftp://example.org/", false),
            ("file:///etc/passwd", false),
        ];
        for (url, ok) in cases {
            let url = Url::parse(url).unwrap();
            assert_eq!(check_url(&policy, &url).is_ok(), ok, "{url}");
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_name_is_judged_on_every_resolution_so_rebinding_is_refused() {
        let (outside, inside) = twin_listeners();
        let port = outside.local_addr().unwrap().port();
        let (outside, inside) = (http_server(outside), http_server(inside));
        // The first answer is the allowed address, every later one the
        // internal address, as a rebinding DNS server would answer.
        let asked = Arc::new(AtomicUsize::new(0));
        let count = asked.clone();
        let lookup: Lookup = Arc::new(move |_host| {
            let n = count.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                Ok(vec![if n == 0 {
                    "127.0.0.1".parse().unwrap()
                } else {
                    "127.0.0.2".parse().unwrap()
                }])
            })
        });
        let builder = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(5));
        let client =
            GuardedClient::with_lookup(builder, allow(&["127.0.0.1/32"]), 0, lookup).unwrap();
        let url = Url::parse(&format!("http://rebind.test:{port}/")).unwrap();
        let first = client.request(Method::GET, &url).unwrap().send().await;
        assert_eq!(first.unwrap().status(), 200, "the first answer is allowed");
        let second = client.request(Method::GET, &url).unwrap().send().await;
        let err = second.expect_err("the second answer is internal");
        let want = Blocked::Address(Refused {
            ip: "127.0.0.2".parse().unwrap(),
            kind: super::super::address::AddressKind::Loopback,
        });
        assert_eq!(blocked(&err), Some(want), "{err:?}");
        assert_eq!(asked.load(Ordering::SeqCst), 2, "looked up each time");
        assert_eq!(outside.load(Ordering::SeqCst), 1);
        assert_eq!(inside.load(Ordering::SeqCst), 0, "nothing reached inside");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn redirects_the_client_follows_are_checked_hop_by_hop() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(
                    b"HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/\r\n\
                      Content-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        let builder = reqwest::Client::builder().timeout(Duration::from_secs(5));
        let client = GuardedClient::new(builder, allow(&["127.0.0.1/32"]), 5).unwrap();
        let url = Url::parse(&format!("http://127.0.0.1:{port}/feed")).unwrap();
        let err = client
            .request(Method::GET, &url)
            .unwrap()
            .send()
            .await
            .expect_err("the redirect is refused");
        let refusal = blocked(&err).expect("refused by the guard");
        assert_eq!(
            refusal.to_string(),
            "refused: 169.254.169.254 is a link-local address"
        );
    }
}
