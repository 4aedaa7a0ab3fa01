//! A raw TCP server for misbehaviour below HTTP's well-formed surface: a
//! body that breaks off, bytes that are not HTTP at all.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

/// A server whose every connection gets the same bytes, then is closed.
pub struct RawServer {
    addr: SocketAddr,
}

impl RawServer {
    /// Starts answering each connection with `bytes` (after reading the
    /// request head), then closing it. The accept thread lives as long as
    /// the test binary.
    pub fn answering(bytes: &'static [u8]) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind raw server");
        let addr = listener.local_addr().expect("raw server address");
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || answer(stream, bytes));
            }
        });
        RawServer { addr }
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

fn answer(mut stream: TcpStream, bytes: &[u8]) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    // The client may already have given up; nothing to report then.
    let _ = stream.write_all(bytes);
    let _ = stream.flush();
}
