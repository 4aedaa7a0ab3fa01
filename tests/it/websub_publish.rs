//! `websub.hub` (issue #16 item 4): khabar's feeds announce an external
//! hub instead of its own, its own hub endpoint refuses subscriptions
//! naming that hub, and each burst of changes pings the hub once per
//! changed feed URL (`hub.mode=publish`), retrying a ping the hub refused.
//! The hub stand-in is `websub_hub.py`, which records every ping.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::support::{wait_until, Daemon, Khabar};
use crate::websub::{free_port, Hub};

/// A title the built-in topics tag `russia-north-korea`.
const TAGGED: &str = "पुतिन ने किम जोंग उन से उत्तर कोरिया में मुलाकात की";

/// One publish ping the hub recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ping {
    url: String,
    topic: String,
    content_type: String,
    status: u64,
}

fn pings(hub: &Hub) -> Vec<Ping> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    hub.state()["publishes"]
        .as_array()
        .expect("publishes")
        .iter()
        .map(|p| Ping {
            url: text(&p["url"]),
            topic: text(&p["topic"]),
            content_type: text(&p["content_type"]),
            status: p["status"].as_u64().unwrap_or(0),
        })
        .collect()
}

/// Waits until the hub has had no ping while the outlet was polled
/// `polls` more times (each poll is a change burst at most), and returns
/// the pings so far.
fn quiet(hub: &Hub, polls: u64) -> Vec<Ping> {
    loop {
        let (seen, fetched) = (
            pings(hub).len(),
            hub.state()["plain_fetches"].as_u64().unwrap(),
        );
        wait_until("more polls of the outlet", || {
            hub.state()["plain_fetches"].as_u64().unwrap() >= fetched + polls
        });
        let now = pings(hub);
        if now.len() == seen {
            return now;
        }
    }
}

/// The raw HTTP answer (head and body) to `GET path`.
fn raw_get(daemon: &Daemon, path: &str) -> String {
    let mut stream = TcpStream::connect(&daemon.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn an_external_hub_is_announced_and_pinged_once_per_changed_feed_retrying_failures() {
    let hub = Hub::start(3600);
    let external = format!("http://127.0.0.1:{}/hub", hub.port);
    let port = free_port();
    let site = format!("http://127.0.0.1:{port}/");
    let k = Khabar::with_config(&format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = {site:?}\n\n\
         [fetch]\nallow_private = [\"127.0.0.1/32\"]\n\n\
         [schedule]\ninterval = \"1s\"\nmin_interval = \"1s\"\ntick = \"200ms\"\n\n\
         [websub]\nhub = {external:?}\n\n\
         [[feeds]]\nurl = \"http://127.0.0.1:{}/plain.xml\"\n",
        hub.port
    ));
    let daemon = Daemon::start(&k);

    // The feeds announce the external hub, in the document and the header.
    let atom = raw_get(&daemon, "/feed.atom");
    assert!(
        atom.contains(&format!("<link href=\"{external}\" rel=\"hub\"/>")),
        "{atom}"
    );
    assert!(
        atom.contains(&format!(
            "link: <{external}>; rel=\"hub\", <{site}feed.atom>; rel=\"self\""
        )),
        "{atom}"
    );
    let (_, json) = daemon.get("/feed.json");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["hubs"][0]["url"], external.as_str(), "{json}");
    assert!(
        !atom.contains("/websub/hub"),
        "khabar's own hub is not announced"
    );

    // Its own hub endpoint sends subscribers there.
    let form = format!(
        "hub.mode=subscribe&hub.topic={}&hub.callback=http%3A%2F%2F127.0.0.1%3A9%2Fcb",
        url::form_urlencoded::byte_serialize(format!("{site}feed.atom").as_bytes())
            .collect::<String>()
    );
    let (status, body) = daemon.request(
        "POST /websub/hub HTTP/1.1\r\nHost: k\r\nContent-Type: application/x-www-form-urlencoded\r\n",
        &form,
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains(&format!("distributed by the hub at {external}")),
        "{body}"
    );

    // Start-up: every feed announced once, then the seed's poll.
    wait_until("the seed in /feed.atom", || {
        daemon.get("/feed.atom").1.contains("Seed entry one")
    });
    let settled = quiet(&hub, 7);
    let check = k.ok(&["config", "check"]);
    let topics = check
        .lines()
        .find_map(|l| l.strip_prefix("# topics: "))
        .expect("config check names the topics");
    let every: Vec<String> = std::iter::once("feed".to_owned())
        .chain(topics.split(", ").map(|t| format!("topics/{t}")))
        .collect();
    let feeds = |names: &[String]| -> Vec<String> {
        let mut urls: Vec<String> = names
            .iter()
            .flat_map(|n| ["atom", "rss", "json"].map(|f| format!("{site}{n}.{f}")))
            .collect();
        urls.sort();
        urls
    };
    for url in feeds(&every) {
        assert!(
            settled.iter().any(|p| p.url == url && p.status == 204),
            "{url} announced at start-up: {settled:?}"
        );
    }
    for ping in &settled {
        assert_eq!(ping.topic, ping.url, "hub.url and hub.topic both sent");
        assert_eq!(ping.content_type, "application/x-www-form-urlencoded");
    }

    // A new entry, polled: one ping per feed whose document changed.
    hub.call(
        "POST",
        &format!(
            "/add?guid=tagged-1&title={}",
            url::form_urlencoded::byte_serialize(TAGGED.as_bytes()).collect::<String>()
        ),
    );
    wait_until("the polled entry in /feed.atom", || {
        daemon.get("/feed.atom").1.contains(TAGGED)
    });
    let carrying: Vec<String> = every
        .iter()
        .filter(|name| daemon.get(&format!("/{name}.atom")).1.contains(TAGGED))
        .cloned()
        .collect();
    assert!(
        carrying.contains(&"topics/russia-north-korea".to_owned()),
        "{carrying:?}"
    );
    let changed = feeds(&carrying);
    wait_until("a ping for each changed feed", || {
        let now = pings(&hub);
        changed
            .iter()
            .all(|url| now[settled.len()..].iter().any(|p| &p.url == url))
    });
    let after = quiet(&hub, 7);
    let mut pinged: Vec<String> = after[settled.len()..]
        .iter()
        .map(|p| p.url.clone())
        .collect();
    pinged.sort();
    assert_eq!(
        pinged, changed,
        "exactly one ping per changed feed, none for the others"
    );

    // A hub that fails once (500, then 204) gets the ping again.
    hub.call("POST", "/fail-publish?n=1");
    hub.call("POST", "/add?guid=plain-2&title=Plain+second+entry");
    let merged = feeds(&["feed".to_owned()]);
    wait_until("each merged feed accepted by the hub", || {
        let now = pings(&hub);
        merged.iter().all(|url| {
            now[after.len()..]
                .iter()
                .any(|p| &p.url == url && p.status == 204)
        })
    });
    let last = quiet(&hub, 7);
    let burst = &last[after.len()..];
    let refused: Vec<&Ping> = burst.iter().filter(|p| p.status == 500).collect();
    assert_eq!(refused.len(), 1, "{burst:?}");
    let retried: Vec<u64> = burst
        .iter()
        .filter(|p| p.url == refused[0].url)
        .map(|p| p.status)
        .collect();
    assert_eq!(retried, [500, 204], "the refused ping retried: {burst:?}");
    assert_eq!(burst.len(), merged.len() + 1, "{burst:?}");

    let (_, metrics) = daemon.get("/metrics");
    for line in [
        format!(
            "khabar_websub_publish_pings_total{{outcome=\"ok\"}} {}",
            last.len() - 1
        ),
        "khabar_websub_publish_pings_total{outcome=\"refused\"} 1".to_owned(),
        "khabar_websub_publish_pings_total{outcome=\"unreachable\"} 0".to_owned(),
    ] {
        assert!(metrics.contains(&line), "{line} in\n{metrics}");
    }
}
