// Media end to end (issue #12): an outlet's enclosures and Media RSS go
// through poll, the database, the merged Atom/RSS/JSON feeds (read back by
// Python's feedparser), the digest and the front page — escaped, http(s)
// only, and `media:description` standing in for a missing summary.

use std::process::Command;

use serde_json::Value;

use crate::support::{Daemon, FeedServer, Khabar, Reply};

const PHOTO: &str = "https://static.example.in/photo/msid-1,imgsize-2.cms";
const THUMB: &str = "https://i.example.in/vi/abc/hq.jpg?w=480&h=360";
const AUDIO: &str = "https://media.example.in/ep1.mp3";
/// On the built-in topic, so that the items reach the digest.
const TEXT: &str = "रूस के राष्ट्रपति पुतिन ने उत्तर कोरिया के नेता किम जोंग उन से मुलाक़ात की।";
/// Another event on the topic (one story each, so both are published).
const VIDEO_TEXT: &str =
    "उत्तर कोरिया और रूस ने तुमन नदी पर सड़क पुल का निर्माण पूरा होने की घोषणा की, वीडियो देखें।";

fn feed() -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<title>मीडिया डेस्क</title><link>https://media.example.in/</link><language>hi</language>
<item><guid isPermaLink="false">photo-1</guid><title>पुतिन से मिले किम&#160;</title>
<link>https://media.example.in/1.html</link><description>{TEXT}</description>
<pubDate>Mon, 31 Mar 202510:50:41 +0530</pubDate>
<enclosure type="image/jpeg" length="893244" url="{PHOTO}"/></item>
<item><guid isPermaLink="false">video-2</guid><title>"&gt;&lt;img src=x onerror=alert(1)&gt; वीडियो</title>
<link>https://media.example.in/2.html</link>
<pubDate>31 March 2025 11:00:00 +05:30</pubDate>
<enclosure url="{AUDIO}" length="1200" type="audio/mpeg"/>
<media:group>
  <media:content url="javascript:alert(1)" type="video/mp4"/>
  <media:thumbnail url="{}" width="480"/>
  <media:description>{VIDEO_TEXT}</media:description>
</media:group></item>
</channel></rss>
"#,
        THUMB.replace('&', "&amp;")
    )
}

fn khabar_with_feed() -> (FeedServer, Khabar) {
    let server = FeedServer::with([("/media.xml", Reply::rss(feed()))]);
    let url = server.url("/media.xml");
    let khabar = Khabar::with_config(&format!(
        "[server]\nlisten = \"127.0.0.1:0\"\npublic_url = \"https://khabar.example/\"\n\n\
         [[feeds]]\nurl = {url:?}\n"
    ));
    assert_eq!(khabar.poll_all().new_items, 2);
    (server, khabar)
}

#[test]
fn media_reach_every_published_format() {
    let (_server, khabar) = khabar_with_feed();

    let json: Value = serde_json::from_str(&khabar.ok(&["export", "json"])).expect("JSON Feed");
    let items = json["items"].as_array().expect("items");
    let photo = items
        .iter()
        .find(|i| i["title"] == "पुतिन से मिले किम")
        .expect("title trimmed");
    assert_eq!(photo["image"], PHOTO);
    assert_eq!(photo["attachments"][0]["url"], PHOTO);
    assert_eq!(photo["attachments"][0]["size_in_bytes"], 893_244);
    assert_eq!(
        photo["date_published"], "2025-03-31T05:20:41Z",
        "the glued TOI date"
    );
    let video = items
        .iter()
        .find(|i| i["image"] == THUMB)
        .expect("thumbnail");
    assert_eq!(video["summary"], VIDEO_TEXT, "media:description as summary");
    assert_eq!(
        video["date_published"], "2025-03-31T05:30:00Z",
        "+05:30 is not UTC"
    );
    let files: Vec<&str> = video["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["url"].as_str().unwrap())
        .collect();
    assert_eq!(files, [AUDIO], "no javascript: attachment");

    let atom = khabar.ok(&["export", "atom"]);
    assert!(
        atom.contains(&format!(r#"href="{AUDIO}""#)) && atom.contains(r#"rel="enclosure""#),
        "{atom}"
    );
    assert!(
        atom.contains("media:thumbnail") && !atom.contains("javascript:"),
        "{atom}"
    );
    let rss = khabar.ok(&["export", "rss"]);
    assert!(
        rss.contains(&format!(
            r#"<enclosure url="{AUDIO}" length="1200" type="audio/mpeg"/>"#
        )),
        "{rss}"
    );
    assert!(
        rss.contains(
            r#"<media:thumbnail url="https://i.example.in/vi/abc/hq.jpg?w=480&amp;h=360">"#
        ),
        "{rss}"
    );

    // Feed readers see them: feedparser reads our Atom and RSS.
    for (format, doc) in [("atom", &atom), ("rss", &rss)] {
        let path = khabar.dir().join(format!("out.{format}"));
        std::fs::write(&path, doc).unwrap();
        let out = Command::new("python3")
            .args([
                "-c",
                "import feedparser,sys,json\n\
                 d=feedparser.parse(sys.argv[1])\n\
                 print(json.dumps([[e.get('media_thumbnail',[{}])[0].get('url'), \
                 [l['href'] for l in e.get('enclosures',[])]] for e in d.entries]))",
            ])
            .arg(&path)
            .output()
            .expect("python3 with feedparser");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
        let seen = seen.as_array().unwrap();
        assert!(
            seen.iter().any(|e| e[0] == THUMB && e[1][0] == AUDIO),
            "{format}: {seen:?}"
        );
    }
}

#[test]
fn thumbnails_on_the_page_and_in_the_digest_are_escaped() {
    let (_server, khabar) = khabar_with_feed();
    khabar.ok(&["subscribers", "add", "desk@example.org"]);
    // A preview's period ends, exclusive, at the current second: items
    // first seen in this very second would fall in the next digest, so
    // the preview runs two seconds later on a pinned clock.
    let later = chrono::Utc::now() + chrono::Duration::seconds(2);
    let digest = khabar.ok_at(
        later,
        &[
            "digest",
            "preview",
            "--subscriber",
            "desk@example.org",
            "--html",
        ],
    );
    let daemon = Daemon::start(&khabar);
    let (status, page) = daemon.get("/");
    assert_eq!(status, 200, "{page}");
    for (what, html) in [("digest", &digest), ("page", &page)] {
        if what == "page" {
            assert!(
                html.contains(r#"src="https://i.example.in/vi/abc/hq.jpg?w=480&amp;h=360""#),
                "{what}: {html}"
            );
            assert!(html.contains(r#"width="96" height="64""#), "{what}: sized");
        }
        assert!(
            html.contains(&format!(r#"src="{PHOTO}""#)),
            "{what}: {html}"
        );
        assert!(
            !html.contains("<img src=x") && !html.contains("onerror=alert"),
            "{what}: no markup from the title"
        );
        // The markup in the title went at normalisation; its quote and
        // bracket are escaped in the alt attribute.
        assert!(
            html.contains(r#"alt="&#34;&gt; वीडियो"#) || html.contains(r#"alt="&quot;&gt; वीडियो"#),
            "{what}: alt text"
        );
        assert!(!html.contains("javascript:"), "{what}");
    }
}
