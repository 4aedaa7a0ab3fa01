//! WebSub (issue #16) against a real hub on loopback (`websub_hub.py`): the
//! outlet announces its hub, `khabar run` subscribes, the hub verifies
//! intent and pushes signed documents; a forged push changes nothing; a
//! short lease is renewed; a push over the body cap, a hub that never
//! verifies, and a feed removed or retired by 410 are handled.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{wait_until, Daemon, Khabar};

/// The test hub and outlet (Python), killed when dropped.
pub struct Hub {
    child: Child,
    /// Where it listens, on 127.0.0.1.
    pub port: u16,
}

impl Hub {
    /// Starts it; the hub grants leases of `lease_seconds`.
    pub fn start(lease_seconds: u32) -> Hub {
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
    pub fn call(&self, method: &str, path: &str) -> String {
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

    /// What it saw (`GET /state`).
    pub fn state(&self) -> serde_json::Value {
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
pub fn free_port() -> u16 {
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
         [fetch]\nallow_private = [\"127.0.0.1/32\"]\n\n\
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

/// What a subscriber to khabar's own hub saw.
#[derive(Default)]
struct Seen {
    verifications: Vec<String>,
    /// (X-Hub-Signature, body) of each push.
    pushes: Vec<(String, Vec<u8>)>,
}

/// A WebSub subscriber on loopback: echoes every challenge, keeps every push.
fn subscriber() -> (String, std::sync::Arc<std::sync::Mutex<Seen>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/callback", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Seen::default()));
    let sink = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let sink = sink.clone();
            std::thread::spawn(move || answer_hub(stream, &sink));
        }
    });
    (url, seen)
}

fn answer_hub(stream: TcpStream, seen: &std::sync::Mutex<Seen>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    let (mut length, mut signature) = (0, String::new());
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap(),
            "x-hub-signature" => signature = value.trim().to_owned(),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let target = request_line
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let reply = if request_line.starts_with("GET") {
        let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let challenge = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "hub.challenge")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        seen.lock().unwrap().verifications.push(target);
        challenge
    } else {
        seen.lock().unwrap().pushes.push((signature, body));
        String::new()
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    );
}

/// `POST path` with a form body to the daemon: the status.
fn post_form(daemon: &Daemon, path: &str, form: &[(&str, &str)]) -> u16 {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut stream = TcpStream::connect(&daemon.addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: k\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split(' ').nth(1).unwrap().parse().unwrap()
}

fn sha256_signature(secret: &[u8], body: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[test]
fn a_subscriber_to_khabars_own_hub_gets_a_signed_push_of_the_new_entry() {
    let hub = Hub::start(3600);
    let k = khabar_for(&hub.feed_url(), "1h");
    let daemon = Daemon::start(&k);
    let (_, atom) = daemon.get("/feed.atom");
    let own_hub = format!("http://{}/websub/hub", daemon.addr);
    assert!(
        atom.contains(&format!("<link href=\"{own_hub}\" rel=\"hub\"/>")),
        "/feed.atom announces khabar's hub: {atom}"
    );
    let topic = format!("http://{}/feed.atom", daemon.addr);
    let (callback, seen) = subscriber();
    let refused = post_form(
        &daemon,
        "/websub/hub",
        &[
            ("hub.mode", "subscribe"),
            ("hub.topic", "https://elsewhere.example/feed.atom"),
            ("hub.callback", &callback),
        ],
    );
    assert_eq!(refused, 400, "only khabar's own feeds are topics");
    let accepted = post_form(
        &daemon,
        "/websub/hub",
        &[
            ("hub.mode", "subscribe"),
            ("hub.topic", &topic),
            ("hub.callback", &callback),
            ("hub.secret", "a secret of the subscriber"),
            ("hub.lease_seconds", "600"),
        ],
    );
    assert_eq!(accepted, 202);
    wait_until("khabar's hub to verify the subscriber's intent", || {
        !seen.lock().unwrap().verifications.is_empty()
    });
    wait_until("khabar to be subscribed to the outlet", || {
        hub.count("subscriptions") == 1
    });
    hub.call("POST", "/publish?guid=fan-out&title=Fanned+out+story");
    wait_until("a push to the subscriber carrying the entry", || {
        seen.lock()
            .unwrap()
            .pushes
            .iter()
            .any(|(_, body)| String::from_utf8_lossy(body).contains("Fanned out story"))
    });
    let seen = seen.lock().unwrap();
    let verification = &seen.verifications[0];
    assert!(
        verification.contains("hub.mode=subscribe"),
        "{verification}"
    );
    for (signature, body) in &seen.pushes {
        assert_eq!(
            signature,
            &sha256_signature(b"a secret of the subscriber", body),
            "every push is signed with the subscriber's secret"
        );
    }
}

#[test]
fn a_hub_that_never_verifies_leaves_the_feed_on_its_poll_interval() {
    let hub = Hub::start(3600);
    hub.call("POST", "/never-verify");
    let port = free_port();
    let k = Khabar::with_config(&format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\n\
         [fetch]\nallow_private = [\"127.0.0.1/32\"]\n\n\
         [schedule]\ninterval = \"1s\"\nmin_interval = \"1s\"\ntick = \"200ms\"\n\n\
         [[feeds]]\nurl = {:?}\n",
        hub.feed_url()
    ));
    let _daemon = Daemon::start(&k);
    wait_until("khabar's subscription request", || {
        hub.count("requests") >= 1
    });
    let fetched = hub.count("feed_fetches");
    wait_until("three more polls of the feed", || {
        hub.count("feed_fetches") >= fetched + 3
    });
    let list = k.ok(&["feeds", "list"]);
    assert!(
        list.contains("push: awaiting the hub's verification"),
        "{list}"
    );
    assert_eq!(hub.count("verifications"), 0);
}

#[test]
fn a_push_over_the_body_cap_is_refused_and_stores_nothing() {
    let hub = Hub::start(3600);
    let port = free_port();
    let k = Khabar::with_config(&format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\n\
         [fetch]\nallow_private = [\"127.0.0.1/32\"]\nmax_body_bytes = 16384\n\n\
         [schedule]\ninterval = \"1h\"\ntick = \"200ms\"\n\n\
         [[feeds]]\nurl = {:?}\n",
        hub.feed_url()
    ));
    let daemon = Daemon::start(&k);
    wait_until("the hub to verify khabar's subscription", || {
        hub.count("subscriptions") == 1
    });
    // SQL: the callback's token is a secret no command prints.
    let token: String = k
        .db()
        .query_row("SELECT token FROM websub_subscriptions", [], |r| r.get(0))
        .unwrap();
    let before = k.count_items();
    let big = format!(
        "<rss version=\"2.0\"><channel><title>t</title><item><guid>big</guid>\
         <title>Too big</title><description>{}</description></item></channel></rss>",
        "x".repeat(32 * 1024)
    );
    // Answered before the whole body is read, so the connection may be
    // reset after the answer: read what arrives, and no further.
    let mut stream = TcpStream::connect(&daemon.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let _ = write!(
        stream,
        "POST /websub/{token} HTTP/1.1\r\nHost: k\r\nContent-Type: application/rss+xml\r\n\
         X-Hub-Signature: sha256=00\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{big}",
        big.len()
    );
    let mut answer = [0; 12];
    stream.read_exact(&mut answer).expect("a status line");
    assert_eq!(&answer, b"HTTP/1.1 413", "over fetch.max_body_bytes");
    assert_eq!(k.count_items(), before, "nothing stored");
    let (_, metrics) = daemon.get("/metrics");
    assert!(
        metrics.contains("khabar_websub_pushes_total{outcome=\"too_large\"} 1"),
        "{metrics}"
    );
}

#[test]
fn a_feed_retired_by_410_is_unsubscribed_from_its_hub() {
    let hub = Hub::start(3600);
    let k = khabar_for(&hub.feed_url(), "1h");
    let daemon = Daemon::start(&k);
    wait_until("the subscription", || hub.count("subscriptions") == 1);
    hub.call("POST", "/gone");
    // The daemon polls a pushed feed only daily: a one-off pass beside it.
    k.ok(&["poll", "--all"]);
    wait_until("the hub to verify the unsubscription", || {
        hub.count("subscriptions") == 0
    });
    assert_eq!(hub.count("requests"), 2, "subscribe, then unsubscribe");
    // SQL: that the row is forgotten, not only unsubscribed, is internal
    // state no command shows.
    wait_until("the subscription forgotten", || {
        k.db()
            .query_row("SELECT count(*) FROM websub_subscriptions", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap()
            == 0
    });
    wait_until("the feed counted as gone", || {
        daemon
            .get("/metrics")
            .1
            .contains("khabar_feeds{status=\"gone\"} 1")
    });
}
