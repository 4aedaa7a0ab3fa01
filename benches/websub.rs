//! WebSub (issue #16), measured on loopback with the real `khabar run`:
//!
//! 1. push-to-visible latency: an outlet's hub (`tests/it/websub_hub.py`)
//!    pushes one new entry at a time to khabar; measured from the moment
//!    the hub is told to publish until `/feed.atom` carries the entry
//!    (polled every 2 ms), over `KHABAR_BENCH_PUSHES` pushes (default 100);
//! 2. khabar's own hub fanning one change out to `KHABAR_BENCH_SUBSCRIBERS`
//!    subscribers (default 1,000) on a loopback callback server: the time
//!    from the new entry being published at the outlet to the last
//!    subscriber receiving the document, and the daemon's peak RSS.
//!
//! Each part also prints the CPU time khabar used (user + system, all
//! threads, from `/proc/PID/stat`): on a loaded machine the wall-clock
//! figures include waiting for a core, the CPU time does not.
//!
//! Run: `cargo bench --bench websub`. `KHABAR_BENCH_BIN` names another
//! `khabar` binary to measure (default: the one cargo built with the
//! bench), for a copy kept apart from a target directory others build in.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let pushes = env_number("KHABAR_BENCH_PUSHES", 100);
    let subscribers = env_number("KHABAR_BENCH_SUBSCRIBERS", 1000);
    let hub = Spawned::python_hub();
    let dir = tempfile::tempdir().expect("temp dir");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let config = dir.path().join("khabar.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\npath = {:?}\n\n[server]\nlisten = \"127.0.0.1:{port}\"\n\
             public_url = \"http://127.0.0.1:{port}\"\n\n\
             [fetch]\nallow_private = [\"127.0.0.1/32\"]\n\n[schedule]\ninterval = \"1h\"\n\
             tick = \"200ms\"\n\n[websub]\nlease = \"1h\"\nmax_subscribers = {}\n\n\
             [[feeds]]\nurl = \"http://127.0.0.1:{}/feed.xml\"\n",
            dir.path().join("khabar.db"),
            subscribers + 10,
            hub.port
        ),
    )
    .expect("write the config");
    let khabar = Spawned::khabar(&config, dir.path());
    let addr = format!("127.0.0.1:{port}");
    wait("khabar subscribed at the outlet's hub", || {
        request(&hub.addr(), "GET", "/state", "").contains("\"subscriptions\": 1")
    });

    let mut latencies = Vec::with_capacity(pushes);
    let cpu_before = khabar.cpu_ms();
    for n in 0..pushes {
        let title = distinct_title(n);
        let started = Instant::now();
        request(
            &hub.addr(),
            "POST",
            &format!("/publish?guid=bench-{n}&title={}", title.replace(' ', "+")),
            "",
        );
        while !request(&addr, "GET", "/feed.atom", "").contains(&title) {
            std::thread::sleep(Duration::from_millis(2));
        }
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let at = |q: f64| {
        latencies[((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    let cpu = khabar.cpu_ms() - cpu_before;
    println!(
        "push-to-visible over {pushes} pushes: median {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         khabar CPU {cpu} ms in all ({:.1} ms a push, with the reads of /feed.atom)",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(*latencies.last().expect("at least one push")),
        cpu as f64 / pushes as f64
    );

    let callbacks = CallbackServer::start();
    let topic = format!("http://{addr}/feed.atom");
    for n in 0..subscribers {
        let form = format!(
            "hub.mode=subscribe&hub.topic={}&hub.callback={}&hub.secret=secret-{n}&hub.lease_seconds=3600",
            encode(&topic),
            encode(&format!("{}/cb/{n}", callbacks.url))
        );
        request(&addr, "POST", "/websub/hub", &form);
    }
    wait(
        "every subscriber verified and sent the current document",
        || callbacks.pushes.load(Ordering::SeqCst) >= subscribers,
    );
    let rss_before = khabar.status("VmRSS");
    let before = callbacks.pushes.load(Ordering::SeqCst);
    let cpu_before = khabar.cpu_ms();
    let started = Instant::now();
    request(
        &hub.addr(),
        "POST",
        "/publish?guid=fan-out&title=Fan+out",
        "",
    );
    wait("every subscriber got the new document", || {
        callbacks.pushes.load(Ordering::SeqCst) >= before + subscribers
    });
    let took = started.elapsed();
    println!(
        "hub fan-out of one change to {subscribers} subscribers: {:.0} ms \
         (outlet publishes → last subscriber answered), khabar CPU {} ms; \
         khabar RSS {} kB before, peak RSS {} kB",
        ms(took),
        khabar.cpu_ms() - cpu_before,
        rss_before,
        khabar.status("VmHWM")
    );
}

/// A title sharing no word with any other push's: entries with similar
/// titles would be grouped into one story and shown once.
fn distinct_title(n: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "nu", "pe", "ra", "si", "tu", "va", "ze", "bo", "di", "fa", "gu", "he",
        "jo",
    ];
    let word = |mut i: usize| {
        let mut w = String::from("x");
        for _ in 0..4 {
            w.push_str(SYLLABLES[i % 16]);
            i /= 16;
        }
        w
    };
    (0..4)
        .map(|k| word(n * 4 + k))
        .collect::<Vec<_>>()
        .join(" ")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn wait(what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One HTTP/1.1 request; the body of the answer.
fn request(addr: &str, method: &str, path: &str, form: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: b\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    )
    .expect("send");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

/// A child process, killed when dropped.
struct Spawned {
    child: Child,
    port: u16,
}

impl Spawned {
    fn python_hub() -> Spawned {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/websub_hub.py");
        let mut child = Command::new("python3")
            .args([script, "3600"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        let port = first_line(&mut child)
            .strip_prefix("listening on ")
            .and_then(|p| p.trim().parse().ok())
            .expect("the hub's port");
        Spawned { child, port }
    }

    fn khabar(config: &std::path::Path, dir: &std::path::Path) -> Spawned {
        let binary = std::env::var_os("KHABAR_BENCH_BIN")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_khabar").into());
        let mut child = Command::new(binary)
            .arg("--config")
            .arg(config)
            .arg("run")
            .current_dir(dir)
            .env_remove("KHABAR_CONFIG")
            .env_remove("KHABAR_DATABASE")
            .env_remove("KHABAR_LISTEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("khabar run");
        let line = first_line(&mut child);
        assert!(line.starts_with("listening on"), "{line}");
        Spawned { child, port: 0 }
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// CPU time used so far, user and system, in ms: fields 14 and 15 of
    /// `/proc/PID/stat`, in clock ticks of 1/100 s (`getconf CLK_TCK`
    /// on Linux).
    fn cpu_ms(&self) -> u64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // The command name (field 2) may hold spaces: count after its ')'.
        let fields: Vec<u64> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest)
            .unwrap_or_default()
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|f| f.parse().ok())
            .collect();
        fields.iter().sum::<u64>() * 10
    }

    /// A `/proc/PID/status` value in kB.
    fn status(&self, key: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}:")))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
            .unwrap_or(0)
    }
}

fn first_line(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .expect("read stdout");
    line
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Subscribers' callbacks: echo every challenge, count every push.
struct CallbackServer {
    url: String,
    pushes: Arc<AtomicUsize>,
}

impl CallbackServer {
    fn start() -> CallbackServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let pushes = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&pushes);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let count = Arc::clone(&count);
                std::thread::spawn(move || answer(stream, &count));
            }
        });
        CallbackServer { url, pushes }
    }
}

fn answer(stream: TcpStream, pushes: &AtomicUsize) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let reply = if first.starts_with("GET") {
        let target = first.split(' ').nth(1).unwrap_or_default();
        let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "hub.challenge")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    } else {
        pushes.fetch_add(1, Ordering::SeqCst);
        String::new()
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    );
}
