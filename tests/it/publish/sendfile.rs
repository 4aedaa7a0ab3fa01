//! Cached bodies leave through `sendfile` from a memfd (issue #12 item 8):
//! whatever the kernel takes per call, every response carries exactly the
//! bytes a fresh build of the document gives, in order, over keep-alive,
//! pipelined and concurrent connections and to a reader slower than the
//! socket buffers.

use std::io::Read;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use super::support::{spawn_khabar, Khabar};
use khabar::publish::{self, FeedRequest, Paging, Site};

/// Concurrent connections, and requests each sends.
const CONNECTIONS: usize = 16;
const ROUNDS: usize = 12;

/// The merged Atom feed as `khabar run` should serve it, built here from
/// the same database and config by the library.
fn fresh_build(k: &Khabar) -> publish::Document {
    let text = std::fs::read_to_string(&k.fixture.config).unwrap();
    let config = khabar::config::Config::from_toml_with_env(
        &text,
        Some(k.fixture.config.clone()),
        [(
            "KHABAR_DATABASE".to_string(),
            k.fixture.db.display().to_string(),
        )],
    )
    .unwrap();
    let site = Site::from_config(&config);
    let request = FeedRequest::from_path(&site, "feed.atom").unwrap();
    let store = khabar::store::Store::open(&k.fixture.db).unwrap();
    publish::feed_document(&store, &site, &request, Paging::Linked).unwrap()
}

/// One response off a keep-alive connection: status, ETag, whether it is
/// gzipped, and the body (exactly Content-Length bytes).
struct Answer {
    status: u16,
    etag: String,
    gzip: bool,
    body: Vec<u8>,
}

/// Reads one answer, `step` bytes at a time at most (a small step with a
/// pause now and then makes a slow reader).
async fn read_answer(stream: &mut TcpStream, pending: &mut Vec<u8>, step: usize) -> Answer {
    let mut buf = vec![0u8; step];
    let mut reads = 0u32;
    let mut more = async |stream: &mut TcpStream, pending: &mut Vec<u8>| {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the connection closed inside a response");
        pending.extend_from_slice(&buf[..n]);
        reads += 1;
        if step < 4096 && reads.is_multiple_of(16) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    let head_end = loop {
        if let Some(at) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        more(stream, pending).await;
    };
    let head = String::from_utf8(pending[..head_end].to_vec()).unwrap();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let length: usize = header("content-length").parse().unwrap_or(0);
    pending.drain(..head_end);
    while pending.len() < length {
        more(stream, pending).await;
    }
    let body = pending.drain(..length).collect();
    Answer {
        status,
        etag: header("etag"),
        gzip: header("content-encoding") == "gzip",
        body,
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut plain)
        .unwrap();
    plain
}

fn request(extra: &str) -> String {
    format!("GET /feed.atom HTTP/1.1\r\nHost: khabar\r\n{extra}\r\n")
}

/// Full, gzip and conditional requests on one connection, one at a time
/// and pipelined three deep, each answer checked against `want`.
async fn client(addr: String, want: Vec<u8>, etag: String) {
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let mut pending = Vec::new();
    let conditional = format!("If-None-Match: {etag}\r\n");
    for round in 0..ROUNDS {
        let asks = [
            request(""),
            request("Accept-Encoding: gzip\r\n"),
            request(&conditional),
        ];
        // Odd rounds pipeline all three before reading any answer.
        let batch = if round % 2 == 1 { 3 } else { 1 };
        for chunk in asks.chunks(batch) {
            stream.write_all(chunk.concat().as_bytes()).await.unwrap();
            for ask in chunk {
                let answer = read_answer(&mut stream, &mut pending, 64 * 1024).await;
                let plain = if ask.contains("gzip") {
                    assert!(answer.gzip, "gzip asked, gzip sent");
                    gunzip(&answer.body)
                } else {
                    answer.body.clone()
                };
                let bare = etag.trim_matches('"');
                let tag = if answer.gzip {
                    format!("\"{bare}-gz\"")
                } else {
                    format!("\"{bare}\"")
                };
                assert_eq!(answer.etag, tag, "each coding its own tag");
                if ask.contains("If-None-Match") {
                    assert_eq!(answer.status, 304);
                    assert!(answer.body.is_empty());
                } else {
                    assert_eq!(answer.status, 200);
                    assert!(plain == want, "round {round}: a body differs");
                }
            }
        }
    }
}

/// A fresh build once the daemon serves the same document (its first
/// writes at start rebuild the feed).
async fn settled_build(k: &Khabar) -> publish::Document {
    for _ in 0..50 {
        let want = fresh_build(k);
        let served = k.get("/feed.atom").await;
        if served.headers()["etag"].to_str().unwrap() == want.etag {
            return want;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the daemon never served what a fresh build gives");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_response_carries_the_built_bytes_in_order() {
    let k = spawn_khabar();
    let addr = k.base.trim_start_matches("http://").to_string();
    let want = settled_build(&k).await;
    assert!(
        want.body.len() > 64 * 1024,
        "the feed is large enough to need many sends ({} bytes)",
        want.body.len()
    );
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| tokio::spawn(client(addr.clone(), want.body.clone(), want.etag.clone())))
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    assert_eq!(fresh_build(&k).body, want.body, "the data did not change");
    // The bodies were kept in memfds (Linux), so the sends above went
    // through sendfile.
    let fds = std::fs::read_dir(format!("/proc/{}/fd", k.pid())).unwrap();
    let memfds = fds
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter(|target| target.to_string_lossy().contains("memfd:khabar-document"))
        .count();
    assert!(memfds >= 2, "plain and gzip bodies in memfds ({memfds})");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_reader_gets_every_byte_of_many_large_responses() {
    let k = spawn_khabar();
    let addr = k.base.trim_start_matches("http://").parse().unwrap();
    let want = settled_build(&k).await;
    // A small receive window, and twenty feeds asked for at once: the
    // server's sends stop part-way many times.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    let asks = 20;
    stream
        .write_all(request("").repeat(asks).as_bytes())
        .await
        .unwrap();
    let mut pending = Vec::new();
    for i in 0..asks {
        let answer = read_answer(&mut stream, &mut pending, 1500).await;
        assert_eq!(answer.status, 200, "answer {i}");
        assert!(answer.body == want.body, "answer {i} differs");
    }
    assert!(pending.is_empty(), "nothing after the last answer");
}
