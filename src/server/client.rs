//! Who is asking: the client's address for `/metrics`' allow list, by the
//! same rule as the subscribe form's rate limit (`server.behind_proxy`).

use std::net::{IpAddr, Ipv4Addr};

use axum::http::HeaderMap;

/// The client's address: behind a proxy (`behind_proxy`), the last hop of
/// the last `X-Forwarded-For` line, the one our own proxy appended (earlier
/// hops are the client's to invent); else the TCP peer. Unknown when
/// neither is there, which no allow list admits but `0.0.0.0/0`.
pub fn client_addr(behind_proxy: bool, peer: Option<IpAddr>, headers: &HeaderMap) -> IpAddr {
    let forwarded = behind_proxy
        .then(|| headers.get_all("x-forwarded-for").iter().next_back())
        .flatten()
        .and_then(|line| line.to_str().ok())
        .and_then(|list| list.rsplit(',').next()?.trim().parse().ok());
    forwarded
        .or(peer)
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append("x-forwarded-for", line.parse().unwrap());
        }
        map
    }

    #[test]
    fn the_proxy_hop_counts_only_behind_a_proxy() {
        let peer = Some("10.0.0.1".parse().unwrap());
        let h = headers(&["1.1.1.1, 2.2.2.2", "127.0.0.1, 3.3.3.3"]);
        assert_eq!(client_addr(true, peer, &h).to_string(), "3.3.3.3");
        assert_eq!(client_addr(false, peer, &h).to_string(), "10.0.0.1");
        let junk = headers(&["not an address"]);
        assert_eq!(client_addr(true, peer, &junk).to_string(), "10.0.0.1");
        assert_eq!(
            client_addr(true, None, &HeaderMap::new()).to_string(),
            "0.0.0.0"
        );
    }
}
