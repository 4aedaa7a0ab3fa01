//! `khabar run` as a process: it survives a crowd of connections, stops
//! cleanly on SIGTERM; `khabar export` writes the same documents to files.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::support::{spawn_khabar, Fixture};

/// Connections held open at once in the crowd test.
const CROWD: usize = 10_000;

async fn keep_alive_request(addr: &str) -> std::io::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: khabar\r\n\r\n")
        .await?;
    let mut buf = [0u8; 512];
    let mut seen = Vec::new();
    // The health document is one line of JSON.
    while !seen.ends_with(b"}\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        seen.extend_from_slice(&buf[..n]);
    }
    Ok(stream)
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_keep_alive_connections_do_not_take_it_down() {
    let mut k = spawn_khabar();
    let addr = k.base.trim_start_matches("http://").to_string();
    let mut held = Vec::with_capacity(CROWD);
    let mut failed = 0;
    for _ in 0..(CROWD / 500) {
        let batch: Vec<_> = (0..500)
            .map(|_| {
                let addr = addr.clone();
                tokio::spawn(async move { keep_alive_request(&addr).await })
            })
            .collect();
        for task in batch {
            match task.await.unwrap() {
                Ok(stream) => held.push(stream),
                Err(_) => failed += 1,
            }
        }
    }
    assert!(
        held.len() >= CROWD * 9 / 10,
        "{} of {CROWD} connections served ({failed} failed)",
        held.len()
    );
    // With the crowd still connected, a reader gets its feed.
    let r = tokio::time::timeout(Duration::from_secs(20), k.get("/feed.atom"))
        .await
        .expect("a feed request timed out while the crowd was connected");
    assert_eq!(r.status(), 200);
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(k.is_running());
    assert_eq!(k.get("/healthz").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_the_daemon_cleanly() {
    let mut k = spawn_khabar();
    assert_eq!(k.get("/healthz").await.status(), 200);
    let status = tokio::task::spawn_blocking(move || k.terminate(Duration::from_secs(15)))
        .await
        .unwrap()
        .expect("khabar run did not stop within 15 s of SIGTERM");
    assert!(status.success(), "exit status {status}");
}

#[test]
fn export_writes_each_format_and_refuses_unknown_topics() {
    let f = Fixture::new();
    // One entry per story (issue #7), at most the default 50.
    let store = khabar::store::Store::open(&f.db).unwrap();
    let shown = store.count_stories().unwrap().min(50) as usize;
    let topic_stories = store
        .list_stories(Some("russia-north-korea"), usize::MAX)
        .unwrap()
        .len();
    let cases = [
        ("atom", "<entry>", shown),
        ("rss", "<item>", shown),
        ("json", "\"date_published\"", shown),
    ];
    for (format, marker, count) in cases {
        let out = f.dir.path().join(format!("feed.{format}"));
        let status = f
            .command()
            .args(["export", format, "--out"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success(), "{format}");
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(text.matches(marker).count(), count, "{format}");
        assert!(
            !text.contains("before="),
            "{format}: no paging links in exports"
        );
    }
    let topic = f
        .command()
        .args(["export", "atom", "--topic", "russia-north-korea"])
        .output()
        .unwrap();
    assert!(topic.status.success());
    let text = String::from_utf8(topic.stdout).unwrap();
    assert_eq!(text.matches("<entry>").count(), topic_stories);
    assert!(text.contains("https://khabar.example/news/topics/russia-north-korea.atom"));

    let unknown = f
        .command()
        .args(["export", "rss", "--topic", "no-such-topic"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown topic"));
}
