//! WebSub (issue #16) against a real hub on loopback (`websub_hub.py`): the
//! outlet announces its hub, `khabar run` subscribes, the hub verifies
//! intent and pushes signed documents; a forged push changes nothing; a
//! short lease is renewed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{wait_until, Daemon, Khabar};

/// The test hub and outlet (Python), killed when dropped.
struct Hub {
    child: Child,
    port: u16,
}

impl Hub {
    fn start(lease_seconds: u32) -> Hub {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/websub_hub.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(lease_seconds.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python3 tests/it/websub_hub.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read the hub's stdout");
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the hub printed {line:?}"));
        Hub { child, port }
    }

    fn feed_url(&self) -> String {
        format!("http://127.0.0.1:{}/feed.xml", self.port)
    }

    /// One request to the hub's test controls; the body.
    fn call(&self, method: &str, path: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to the hub");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: hub\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .expect("send to the hub");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read the hub");
        response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default()
    }

    fn state(&self) -> serde_json::Value {
        serde_json::from_str(&self.call("GET", "/state")).expect("the hub's state is JSON")
    }

    fn count(&self, key: &str) -> u64 {
        self.state()[key].as_u64().unwrap_or(0)
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free now, for khabar to listen on: its callbacks must be known
/// (in `server.public_url`) before it starts.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `khabar run` subscribed to `feed`, polling hourly, with a websub lease.
fn khabar_for(feed: &str, lease: &str) -> Khabar {
    let port = free_port();
    Khabar::with_config(&format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\n\
         [schedule]\ninterval = \"1h\"\ntick = \"200ms\"\n\n\
         [websub]\nlease = {lease:?}\n\n\
         [[feeds]]\nurl = {feed:?}\n"
    ))
}

#[test]
fn a_pushed_entry_is_published_at_once_and_a_forged_one_changes_nothing() {
    let hub = Hub::start(3600);
    let k = khabar_for(&hub.feed_url(), "1h");
    let daemon = Daemon::start(&k);
    wait_until("the hub to verify khabar's subscription", || {
        hub.count("subscriptions") == 1
    });
    let (_, atom) = daemon.get("/feed.atom");
    assert!(
        atom.contains("Seed entry one"),
        "the first poll stored the seed: {atom}"
    );

    let published = Instant::now();
    hub.call("POST", "/publish?guid=pushed-1&title=Pushed+breaking+news");
    wait_until("the pushed entry in /feed.atom", || {
        daemon.get("/feed.atom").1.contains("Pushed breaking news")
    });
    eprintln!("pushed entry visible after {:?}", published.elapsed());

    let before = daemon.get("/feed.atom").1;
    hub.call("POST", "/forge?guid=forged-1&title=Forged+story");
    let pushes = hub.state()["pushes"].clone();
    assert_eq!(
        pushes,
        serde_json::json!([202, 202]),
        "both pushes answered 2xx (WebSub §8: a forgery learns nothing)"
    );
    let after = daemon.get("/feed.atom").1;
    assert!(!after.contains("Forged story"), "{after}");
    assert_eq!(
        k.db()
            .query_row("SELECT count(*) FROM items", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        2,
        "seed and pushed entry, nothing forged; feed was {before}"
    );
    let (_, metrics) = daemon.get("/metrics");
    for line in [
        "khabar_websub_pushes_total{outcome=\"accepted\"} 1",
        "khabar_websub_pushes_total{outcome=\"bad_signature\"} 1",
        "khabar_websub_subscriptions{state=\"active\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
    let list = k.ok(&["feeds", "list"]);
    assert!(list.contains("push: active until"), "{list}");
    assert_eq!(
        hub.count("requests"),
        1,
        "one subscription request, no renewal yet"
    );
}

#[test]
fn a_short_lease_is_renewed_before_it_ends() {
    let hub = Hub::start(3);
    let k = khabar_for(&hub.feed_url(), "3s");
    let daemon = Daemon::start(&k);
    wait_until("the first verification", || hub.count("verifications") >= 1);
    wait_until("a renewal verified", || hub.count("verifications") >= 2);
    assert!(hub.count("requests") >= 2, "{}", hub.state());
    let list = k.ok(&["feeds", "list"]);
    assert!(
        list.contains("push: active until"),
        "{list}\n{}",
        daemon.stderr()
    );
    // Pushes still arrive on the renewed subscription.
    hub.call("POST", "/publish?guid=after-renewal&title=After+renewal");
    wait_until("the entry pushed after renewal", || {
        daemon.get("/feed.atom").1.contains("After renewal")
    });
}

#[test]
fn a_push_to_an_unknown_callback_is_gone() {
    let hub = Hub::start(3600);
    let k = khabar_for(&hub.feed_url(), "1h");
    let daemon = Daemon::start(&k);
    let mut stream = TcpStream::connect(&daemon.addr).expect("connect");
    write!(
        stream,
        "POST /websub/0123456789abcdef HTTP/1.1\r\nHost: k\r\nContent-Length: 2\r\n\
         Connection: close\r\n\r\n{{}}"
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 410"), "{response}");
    let (status, _) =
        daemon.get("/websub/0123456789abcdef?hub.mode=subscribe&hub.topic=x&hub.challenge=c");
    assert_eq!(status, 404, "no pending request: not confirmed");
}

#[test]
fn removing_the_feed_unsubscribes_and_later_pushes_are_gone() {
    let hub = Hub::start(3600);
    let k = khabar_for(&hub.feed_url(), "1h");
    let daemon = Daemon::start(&k);
    wait_until("the subscription", || hub.count("subscriptions") == 1);
    // Removed from the config (its last section) and the database, as an
    // operator would.
    let config = k.dir().join("khabar.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let without_feed = text.split("[[feeds]]").next().unwrap().to_owned();
    std::fs::write(&config, without_feed).unwrap();
    k.ok(&["feeds", "remove", &hub.feed_url()]);
    wait_until("the hub to verify the unsubscription", || {
        hub.count("subscriptions") == 0
    });
    assert_eq!(hub.count("requests"), 2, "subscribe, then unsubscribe");
    let left: i64 = k
        .db()
        .query_row("SELECT count(*) FROM websub_subscriptions", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(left, 0, "{}", daemon.stderr());
}
