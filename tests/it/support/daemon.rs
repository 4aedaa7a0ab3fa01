//! A running `khabar run`: started from a [`Khabar`]'s config, found
//! through its `listening on` line, asked over plain HTTP/1.1, stopped with
//! a real SIGTERM; killed when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Khabar;

/// A `khabar run` process.
pub struct Daemon {
    child: Child,
    /// `127.0.0.1:PORT`, as the daemon printed it.
    pub addr: String,
    /// What it printed up to and including its `listening on` line.
    pub banner: String,
    stderr: Arc<Mutex<String>>,
}

impl Daemon {
    /// Starts `khabar --config FILE run` for `k` (whose config must listen
    /// on port 0) and waits for its `listening on` line.
    pub fn start(k: &Khabar) -> Daemon {
        Daemon::spawn(k.command(&["run"]))
    }

    /// Starts `command` (a `khabar … run`, one configured only through the
    /// environment, or `khabar demo`) and waits for its `listening on`
    /// line: the one place tests learn the daemon's address. Other stdout
    /// lines before it (the demo's tour) are skipped.
    pub fn spawn(mut command: Command) -> Daemon {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start khabar");
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if std::env::var_os("TEST_LOG").is_some() {
                    eprintln!("khabar run: {line}");
                }
                let mut text = sink.lock().unwrap_or_else(|p| p.into_inner());
                text.push_str(&line);
                text.push('\n');
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut before = String::new();
        let addr = loop {
            let mut line = String::new();
            let read = stdout.read_line(&mut line).expect("read khabar's stdout");
            before.push_str(&line);
            if let Some(addr) = listening_address(&line) {
                break addr.to_string();
            }
            if read == 0 {
                let _ = child.wait();
                panic!(
                    "khabar printed {before:?} and no `listening on …` line; stderr:\n{}",
                    stderr.lock().unwrap_or_else(|p| p.into_inner())
                );
            }
        };
        // Keep draining stdout so that the daemon never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Daemon {
            addr,
            banner: before,
            child,
            stderr,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The exit status, once it has exited.
    pub fn wait(&mut self) -> ExitStatus {
        self.child.wait().expect("wait for khabar")
    }

    /// Whether the process still runs.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("wait for khabar").is_none()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it logged so far.
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// `GET path`: the status code and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        self.get_with(path, "")
    }

    /// `GET path` with one more header line (`Name: value`, or empty).
    pub fn get_with(&self, path: &str, header: &str) -> (u16, String) {
        let header = if header.is_empty() {
            String::new()
        } else {
            format!("{header}\r\n")
        };
        self.request(
            &format!("GET {path} HTTP/1.1\r\nHost: khabar\r\n{header}"),
            "",
        )
    }

    /// Sends `head` (request line and headers, each ending in CRLF; Host,
    /// Content-Length and Connection are added) and `body`: the status code
    /// and body of the answer.
    pub fn request(&self, head: &str, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect to khabar run");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("set a read timeout");
        write!(
            stream,
            "{head}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send a request");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read the response");
        let status = response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// Sends SIGTERM; returns the exit status and how long the exit took,
    /// or `None` if it still runs after `limit`.
    pub fn terminate(&mut self, limit: Duration) -> Option<(ExitStatus, Duration)> {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("wait for khabar run") {
                return Some((status, started.elapsed()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `127.0.0.1:PORT` of a daemon's `listening on http://…` line.
pub fn listening_address(line: &str) -> Option<&str> {
    line.trim().strip_prefix("listening on http://")
}

/// Polls `check` every 100 ms until it holds; panics with `what` after
/// [`super::khabar::HANG`] (a hang, not a timing assertion).
pub fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(
            started.elapsed() < super::khabar::HANG,
            "gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
