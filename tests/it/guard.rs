//! The fetch guard through the binary (issue #11): a feed server on
//! 127.0.0.1, which the tests allow, and an "internal" one on 127.0.0.2,
//! which they do not (Linux routes all of 127/8 to the loopback device).
//! No feed, redirect, article link, host name or DNS answer gets khabar to
//! fetch from the internal one, and nothing of it is stored or published.
// See: issue #11

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;

use crate::support::docs::{self, rss};
use crate::support::hosts::Hosts;
use crate::support::{FeedServer, Khabar, Reply};

/// What only the internal server knows; must never show up anywhere.
const SECRET: &str = "internal-only-7f3a";

/// The internal server on 127.0.0.2: a feed and an article page, each
/// carrying [`SECRET`].
fn internal_server(ip: &str) -> FeedServer {
    let server = FeedServer::start_on(format!("{ip}:0").parse().unwrap())
        .expect("listen on a second loopback address");
    serve_secrets(&server);
    server
}

fn serve_secrets(server: &FeedServer) {
    server.serve(
        "/admin.atom",
        Reply::ok("application/atom+xml", docs::good_atom(SECRET, 2)),
    );
    server.serve(
        "/secret.html",
        Reply::ok(
            "text/html; charset=utf-8",
            format!(
                "<html><body><article><h1>{SECRET}</h1><p>{}</p></article></body></html>",
                format!("{SECRET} गोपनीय दस्तावेज़ का पूरा पाठ यहाँ है। ").repeat(20)
            ),
        ),
    );
}

/// An item with only a teaser, linking to `link`.
fn teaser(guid: &str, link: &str) -> String {
    format!(
        "<item><guid isPermaLink=\"false\">{guid}</guid><title>ख़बर {guid}</title>\
         <link>{link}</link><description>पूरी ख़बर के लिए लिंक खोलें।</description>\
         <pubDate>Sun, 13 Jul 2025 08:00:00 +0530</pubDate></item>\n"
    )
}

fn feeds_config(feeds: &[(&str, bool)]) -> String {
    let listed: String = feeds
        .iter()
        .map(|(url, full)| format!("\n[[feeds]]\nurl = {url:?}\nfull_text = {full}\n"))
        .collect();
    format!("[fetch]\nconnect_timeout = \"2s\"\ntimeout = \"3s\"\n{listed}")
}

/// Nothing of the internal server in the database or in any export.
fn assert_nothing_internal(khabar: &Khabar) {
    for item in khabar.all_items() {
        let text = format!("{item:?}");
        assert!(!text.contains(SECRET), "stored: {text}");
    }
    for format in ["atom", "rss", "json"] {
        let out = khabar.ok(&["export", format]);
        assert!(!out.contains(SECRET), "published in {format}: {out}");
    }
}

#[test]
fn redirects_literal_hosts_and_article_links_to_internal_addresses_are_refused() {
    let internal = internal_server("127.0.0.2");
    let inside = internal.addr();
    let to_inside = |path: &str| format!("http://{inside}{path}");
    let port = inside.port();
    let outside = FeedServer::start();
    outside.serve(
        "/moved.xml",
        Reply::redirect(301, &to_inside("/admin.atom")),
    );
    outside.serve(
        "/found.xml",
        Reply::redirect(302, &to_inside("/admin.atom")),
    );
    outside.serve(
        "/mapped.xml",
        Reply::redirect(301, &format!("http://[::ffff:127.0.0.2]:{port}/admin.atom")),
    );
    outside.serve(
        "/full.xml",
        Reply::rss(rss(
            "पूरा पाठ",
            &[
                teaser("inside-1", &to_inside("/secret.html")),
                teaser("inside-2", &format!("http://2130706434:{port}/secret.html")),
            ],
        )),
    );
    let full = outside.url("/full.xml");
    let redirected = [
        outside.url("/moved.xml"),
        outside.url("/found.xml"),
        outside.url("/mapped.xml"),
    ];
    // Odd spellings of 127.0.0.2, and the cloud metadata address.
    // (Each path differs: the URLs are stored as the address they mean.)
    let literal = [
        format!("http://2130706434:{port}/admin.atom?decimal"),
        format!("http://0x7f.2:{port}/admin.atom?hex"),
        format!("http://0177.0.0.02:{port}/admin.atom?octal"),
        format!("http://[::ffff:127.0.0.2]:{port}/admin.atom?mapped"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
    ];
    let mut feeds: Vec<(&str, bool)> = vec![(full.as_str(), true)];
    feeds.extend(redirected.iter().map(|u| (u.as_str(), false)));
    feeds.extend(literal.iter().map(|u| (u.as_str(), false)));
    let khabar = Khabar::with_config(&feeds_config(&feeds));

    let summary = khabar.poll_all();
    assert_eq!(
        (summary.ok, summary.failed),
        (1, redirected.len() as u32 + literal.len() as u32),
        "{summary:?}"
    );
    for url in &redirected {
        let feed = khabar.feed(url);
        let error = feed.last_error.clone().unwrap_or_default();
        assert!(
            error.contains("refused: ")
                && error.contains("127.0.0.2 is a loopback address")
                && error.contains("redirect to"),
            "{url}: {error}"
        );
        assert_eq!(feed.url, *url, "a refused redirect never moves the feed");
    }
    // SQL: no command lists the redirect history (the feed's URL, above,
    // is what a user sees).
    let moves: i64 = khabar
        .db()
        .query_row("SELECT count(*) FROM feed_redirects", [], |r| r.get(0))
        .unwrap();
    assert_eq!(moves, 0, "no redirect recorded");
    for feed in khabar.feeds().iter().filter(|f| f.url != full) {
        let error = feed.last_error.clone().unwrap_or_default();
        assert!(error.contains("refused: "), "{}: {error}", feed.url);
        assert!(
            !redirected.contains(&feed.url) || error.contains("redirect to"),
            "{error}"
        );
    }
    let metadata = khabar
        .feeds()
        .into_iter()
        .find(|f| f.url.contains("169.254.169.254"))
        .expect("the metadata feed");
    assert!(
        metadata
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("refused: 169.254.169.254 is a link-local address")),
        "{metadata:?}"
    );

    // The full-text feed is fine; its articles on the inside are not
    // fetched, and its items keep their teasers.
    assert_eq!(khabar.feed(&full).status, "active");
    assert_eq!(khabar.feed(&full).last_error, None);
    let items = khabar.items_of(&full);
    assert_eq!(items.len(), 2);
    for item in &items {
        assert_eq!(item.content_html, None, "no article text");
        let teaser = item.summary.as_deref().unwrap_or_default();
        assert!(teaser.contains("पूरी ख़बर"), "teaser kept: {teaser}");
    }
    assert!(
        internal.all_requests().is_empty(),
        "the internal server was reached: {:?}",
        internal.all_requests()
    );
    assert_nothing_internal(&khabar);
}

#[test]
fn a_host_name_is_judged_by_the_addresses_it_resolves_to() {
    // Here 127.0.0.2 is the allowed feed server and 127.0.0.1 the inside,
    // reached as `localhost` (which resolves to it, and maybe ::1).
    let outside = FeedServer::start_on("127.0.0.2:0".parse().unwrap())
        .expect("listen on a second loopback address");
    let internal = internal_server("127.0.0.1");
    let port = internal.addr().port();
    let by_name = format!("http://localhost:{port}/admin.atom");
    outside.serve("/moved.xml", Reply::redirect(301, &by_name));
    outside.serve("/good.xml", Reply::rss(docs::good_rss("बाहर", 2)));
    let moved = outside.url("/moved.xml");
    let good = outside.url("/good.xml");
    let khabar = Khabar::with_config(&feeds_config(&[
        (&by_name, false),
        (&moved, false),
        (&good, false),
    ]))
    .allowing("127.0.0.2/32");

    let summary = khabar.poll_all();
    assert_eq!((summary.ok, summary.failed), (1, 2), "{summary:?}");
    for url in [&by_name, &moved] {
        let error = khabar.feed(url).last_error.unwrap_or_default();
        assert!(
            error.contains("refused: ") && error.contains("is a loopback address"),
            "{url}: {error}"
        );
    }
    assert_eq!(khabar.feed(&moved).url, moved, "not moved");
    assert!(internal.all_requests().is_empty(), "inside reached");
    assert_nothing_internal(&khabar);
}

/// A feed server for the rebinding case: answers each connection once and
/// closes it (so every request resolves the name anew), and once it has
/// served `/feed.xml`, points `rebind.test` at the inside, as a DNS server
/// with a zero TTL would.
fn rebinding_server(listener: TcpListener, feed: String, hosts: Arc<Hosts>, inside: String) {
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let served_feed = answer_once(stream, &feed);
            if served_feed {
                hosts.set(&format!("{inside} rebind.test\n"));
            }
        }
    });
}

/// Answers one request: the feed on `/feed.xml`, a page elsewhere.
fn answer_once(mut stream: TcpStream, feed: &str) -> bool {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let is_feed = head.starts_with(b"GET /feed.xml ");
    let (kind, body) = if is_feed {
        ("application/rss+xml", feed.to_string())
    } else {
        (
            "text/html",
            "<html><body><p>outside page</p></body></html>".into(),
        )
    };
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    is_feed
}

/// Binds the same free port on both addresses.
fn same_port(first: &str, second: &str) -> (TcpListener, SocketAddr) {
    loop {
        let a = TcpListener::bind(format!("{first}:0")).unwrap();
        let port = a.local_addr().unwrap().port();
        if let Ok(b) = TcpListener::bind((second, port)) {
            let addr = b.local_addr().unwrap();
            drop(b);
            return (a, addr);
        }
    }
}

#[test]
fn a_name_that_rebinds_to_an_internal_address_between_requests_is_refused() {
    let (outside, inside) = same_port("127.0.0.1", "127.0.0.2");
    let port = inside.port();
    let url = format!("http://rebind.test:{port}/feed.xml");
    let khabar = Khabar::with_config(&feeds_config(&[(&url, true)]));
    let Some(hosts) = Hosts::new(khabar.dir(), "127.0.0.1 rebind.test\n") else {
        // The guard's resolver is proven against rebinding by its own
        // unit test; this one needs a mount namespace for /etc/hosts.
        eprintln!("skipped: no mount namespace for a private /etc/hosts here");
        return;
    };
    let hosts = Arc::new(hosts);
    let internal = FeedServer::start_on(inside).expect("the inside on the same port");
    serve_secrets(&internal);
    let feed = rss(
        "बदलता पता",
        &[teaser(
            "rebind-1",
            &format!("http://rebind.test:{port}/secret.html"),
        )],
    );
    rebinding_server(outside, feed, hosts.clone(), "127.0.0.2".into());
    let poll = || {
        let args = ["poll", "--all"];
        let run = khabar.run_command(hosts.wrap(&khabar.command(&args)), &args);
        assert!(run.status.success(), "{}", run.stderr);
    };

    // The feed is fetched from the outside; by the time khabar asks for
    // the article, the name points inside, and that answer is refused.
    poll();
    assert_eq!(khabar.feed(&url).last_error, None);
    let items = khabar.items_of(&url);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].content_html, None, "no article text");
    let teaser = items[0].summary.clone().unwrap_or_default();
    assert!(teaser.contains("पूरी ख़बर"), "teaser kept: {teaser}");

    // The next poll of the feed itself meets the internal answer too.
    poll();
    let error = khabar.feed(&url).last_error.unwrap_or_default();
    assert!(
        error.contains("refused: 127.0.0.2 is a loopback address"),
        "{error}"
    );
    assert!(
        internal.all_requests().is_empty(),
        "the inside was reached: {:?}",
        internal.all_requests()
    );
    assert_nothing_internal(&khabar);
}
