//! `khabar demo` as a newcomer runs it (issue #6): the whole tour offline,
//! then the daemon serving what it gathered until Ctrl-C.

use std::time::{Duration, Instant};

use super::support::khabar;
use crate::support::daemon::Daemon;

// See: issue #6 (`khabar demo` end to end).
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_tour_polls_mails_a_digest_and_serves_until_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = khabar();
    command.arg("demo").current_dir(dir.path());
    let mut daemon = Daemon::spawn(command);
    let text = daemon.banner.clone();
    assert!(text.contains("74 new items"), "{text}");
    assert!(text.contains("topic russia-north-korea:"), "{text}");
    assert!(text.contains("digests: 1 sent"), "{text}");

    // The digest is in the outbox, as mail and as a page.
    let outbox = dir.path().join("khabar-demo/outbox");
    let files: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().any(|f| f.ends_with(".eml")), "{files:?}");
    let html = files
        .iter()
        .find(|f| f.ends_with(".html"))
        .expect("html copy");
    let page = std::fs::read_to_string(outbox.join(html)).unwrap();
    assert!(page.contains("Russia–North Korea ties"), "{page}");

    // The printed merged feed is served, with the demo's items.
    let feed_url = text
        .split_whitespace()
        .find(|w| w.ends_with("/feed.atom"))
        .expect("a printed feed URL")
        .to_string();
    let feed = reqwest::get(&feed_url).await.unwrap();
    assert_eq!(feed.status(), 200);
    let body = feed.text().await.unwrap();
    assert!(body.matches("<entry").count() >= 20, "{body}");
    let base = feed_url.trim_end_matches("feed.atom");
    let form = reqwest::get(format!("{base}subscribe")).await.unwrap();
    assert_eq!(form.status(), 200, "the form is on in the demo");

    // One outlet announces a hub (issue #16): the daemon subscribes, the
    // in-process hub pushes one more entry, and the merged feed carries it
    // (polled with a generous deadline; the outlets' files never carry that
    // entry, so only the push can bring it).
    assert!(text.contains("announces a WebSub hub"), "{text}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let body = reqwest::get(&feed_url).await.unwrap().text().await.unwrap();
        if body.contains("WebSub से तुरंत पहुंची ख़बर") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no pushed entry in the merged feed: {}",
            daemon.stderr()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Ctrl-C ends it cleanly.
    let pid = daemon.pid() as libc::pid_t;
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let deadline = Instant::now() + Duration::from_secs(15);
    while daemon.is_running() {
        assert!(Instant::now() < deadline, "the demo ignored Ctrl-C");
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = daemon.wait();
    assert!(status.success(), "{status:?}");
}
