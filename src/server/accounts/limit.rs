//! A per-client rate limit for the public form: at most `per_window`
//! requests per client address in each fixed window. IPv6 clients are
//! counted per /64, the block one household or host usually owns.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Clients remembered at most; past this, expired windows are dropped and,
/// if that is not enough, new clients are refused until windows expire —
/// a flood of addresses must not grow memory without bound.
const MAX_CLIENTS: usize = 100_000;

/// Fixed-window counters by client.
pub struct RateLimit {
    per_window: u32,
    window: Duration,
    clients: Mutex<HashMap<u128, (Instant, u32)>>,
}

impl RateLimit {
    /// At most `per_window` requests per client every `window`.
    pub fn new(per_window: u32, window: Duration) -> RateLimit {
        RateLimit {
            per_window,
            window,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `ip` at `now`; false when over the limit.
    pub fn allow(&self, ip: IpAddr, now: Instant) -> bool {
        let key = client_key(ip);
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&key) {
            clients.retain(|_, (start, _)| now.duration_since(*start) < self.window);
            if clients.len() >= MAX_CLIENTS {
                return false;
            }
        }
        let (start, count) = clients.entry(key).or_insert((now, 0));
        if now.duration_since(*start) >= self.window {
            (*start, *count) = (now, 0);
        }
        *count += 1;
        *count <= self.per_window
    }

    /// How long until the window of a limited client ends, at most.
    pub fn window(&self) -> Duration {
        self.window
    }
}

fn client_key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => u128::from(u32::from(v4)),
            None => (u128::from(v6) & !((1u128 << 64) - 1)) | (1 << 32),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_gets_its_own_window() {
        let limit = RateLimit::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limit.allow(a, t0));
        assert!(limit.allow(a, t0));
        assert!(!limit.allow(a, t0), "third request in the window");
        assert!(limit.allow(b, t0), "another client is not affected");
        assert!(limit.allow(a, t0 + Duration::from_secs(61)), "next window");
    }

    #[test]
    fn ipv6_clients_count_per_64_block() {
        let limit = RateLimit::new(1, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(limit.allow("2001:db8:1:2::1".parse().unwrap(), t0));
        assert!(!limit.allow("2001:db8:1:2::ffff".parse().unwrap(), t0));
        assert!(limit.allow("2001:db8:1:3::1".parse().unwrap(), t0));
        assert!(
            limit.allow("0.0.0.1".parse().unwrap(), t0),
            "no clash between v4 and v6 keys"
        );
    }
}
