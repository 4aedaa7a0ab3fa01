//! Scheduler scale (issue #6): 10,000 feeds on one interval, polled by the
//! real `khabar run` binary from a local server, for a few intervals.
//!
//! The 30-minute interval is compressed to `KHABAR_BENCH_INTERVAL`
//! seconds (default 60: 30× the real polling rate, so about 167 polls/s
//! instead of 5.6) and the daemon's tick from 30 s to 1 s in proportion;
//! the run lasts `KHABAR_BENCH_INTERVALS` intervals (default 4). Each feed
//! lists 10 items and gains one every two intervals, answering 304 with
//! its ETag in between. Run: `cargo bench --bench scheduler`.
//!
//! Measured from outside the daemon: every request's arrival at the feed
//! server, against the time it was due (the previous poll plus the feed's
//! jittered wait, `scheduler::due`); the daemon's CPU seconds and peak RSS
//! from `/proc/PID`. Target: no poll more than one interval late.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use khabar::scheduler::due::jitter_for;
use khabar::store::{AddFeed, FeedOrigin, Store};

const FEEDS: usize = 10_000;
const ITEMS: u64 = 10;

/// The due-time spread of `scheduler::due` (± this fraction of the wait).
const JITTER_FRACTION: f64 = 0.1;

struct Server {
    started: Instant,
    interval: f64,
    /// (feed, seconds since start) of every request.
    hits: Mutex<Vec<(usize, f64)>>,
}

fn env_secs(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn feed(State(s): State<Arc<Server>>, Path(n): Path<usize>, headers: HeaderMap) -> Response {
    let at = s.started.elapsed().as_secs_f64();
    s.hits.lock().unwrap().push((n, at));
    // A new item every two intervals, at a different phase per feed.
    let phase = (n as f64 / FEEDS as f64) * 2.0 * s.interval;
    let version = ((at + phase) / (2.0 * s.interval)) as u64 + ITEMS;
    let etag = format!("\"{n}-{version}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let items: String = (version - ITEMS..version)
        .map(|k| {
            format!(
                "<item><guid>f{n}-{k}</guid><title>आउटलेट {n} की ख़बर {k}</title>\
                 <link>https://o{n}.example/{k}</link><description>रूस और उत्तर कोरिया के बीच बातचीत {k}</description></item>"
            )
        })
        .collect();
    (
        [(header::CONTENT_TYPE, "application/rss+xml"), (header::ETAG, etag.as_str())],
        format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>आउटलेट {n}</title>{items}</channel></rss>"),
    )
        .into_response()
}

/// utime + stime of `pid`, in seconds.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th of the whole line.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 =
        fields[11].parse::<f64>().unwrap_or(0.0) + fields[12].parse::<f64>().unwrap_or(0.0);
    // SAFETY: sysconf only reads a constant of the system.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    ticks / hz
}

fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let interval = env_secs("KHABAR_BENCH_INTERVAL", 60);
    let intervals = env_secs("KHABAR_BENCH_INTERVALS", 4);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let server = Arc::new(Server {
        started: Instant::now(),
        interval: interval as f64,
        hits: Mutex::new(Vec::with_capacity(FEEDS * (intervals as usize + 2))),
    });
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = Router::new()
        .route("/feed/{n}", get(feed))
        .with_state(Arc::clone(&server));
    runtime.spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("bench.db");
    let store = Store::open(&db).expect("store");
    let mut jitter = vec![0.0; FEEDS];
    for (n, j) in jitter.iter_mut().enumerate() {
        let AddFeed::Added(id) = store
            .add_feed(
                &khabar::model::FeedUrl::parse(&format!("http://{addr}/feed/{n}")).unwrap(),
                FeedOrigin::Cli,
            )
            .expect("add feed")
        else {
            panic!("feed {n} twice")
        };
        *j = jitter_for(id);
    }
    drop(store);
    let config = dir.path().join("khabar.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\npath = {:?}\n[server]\nlisten = \"127.0.0.1:0\"\n\
             [fetch]\nper_host = 32\nallow_private = [\"127.0.0.1/32\"]\n\
             [schedule]\ninterval = \"{interval}s\"\nmin_interval = \"{interval}s\"\nmax_interval = \"1h\"\ntick = \"1s\"\n",
            db.display().to_string()
        ),
    )
    .expect("config");

    let mut daemon = Command::new(env!("CARGO_BIN_EXE_khabar"))
        .args(["--config", config.to_str().expect("utf-8"), "run"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start khabar run");
    let pid = daemon.id();
    let mut line = String::new();
    std::io::BufReader::new(daemon.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let t0 = server.started.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_secs(interval * intervals));
    let t_end = server.started.elapsed().as_secs_f64();
    let cpu = cpu_secs(pid);
    let peak_rss = status_kib(pid, "VmHWM:");
    let stopped = Instant::now();
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    let status = daemon.wait().expect("wait");
    let shutdown = stopped.elapsed();

    let hits = server.hits.lock().unwrap().clone();
    let mut per_feed: Vec<Vec<f64>> = vec![Vec::new(); FEEDS];
    for (n, at) in hits.iter().filter(|(_, at)| *at <= t_end) {
        per_feed[*n].push(*at);
    }
    let interval_f = interval as f64;
    let mut first_polls = Vec::with_capacity(FEEDS);
    let mut lateness = Vec::with_capacity(hits.len());
    let mut never = 0;
    for (n, times) in per_feed.iter().enumerate() {
        let wait = interval_f * (1.0 - JITTER_FRACTION + 2.0 * JITTER_FRACTION * jitter[n]);
        let Some(first) = times.first() else {
            never += 1;
            continue;
        };
        first_polls.push(first - t0);
        for pair in times.windows(2) {
            lateness.push(pair[1] - (pair[0] + wait));
        }
        // A feed left waiting at the end counts as late too.
        let last = times.last().copied().unwrap_or(t0);
        lateness.push((t_end - (last + wait)).max(0.0).min(t_end - t0));
    }
    lateness.sort_by(f64::total_cmp);
    first_polls.sort_by(f64::total_cmp);
    let cold = first_polls.last().copied().unwrap_or(f64::INFINITY);
    let max = lateness.last().copied().unwrap_or(f64::INFINITY).max(cold);
    let polls = per_feed.iter().map(Vec::len).sum::<usize>();
    let run = t_end - t0;
    println!("feeds: {FEEDS}, interval {interval} s (30 min compressed {:.0}×), tick 1 s, {run:.0} s run", 1800.0 / interval_f);
    println!(
        "polls: {polls} ({:.0}/s); feeds never polled: {never}",
        polls as f64 / run
    );
    println!(
        "cold start (all {FEEDS} due at once): every feed polled within {cold:.2} s, p50 {:.2} s",
        percentile(&first_polls, 0.5)
    );
    println!(
        "later polls vs due time: p50 {:.2} s, p99 {:.2} s, max {:.2} s",
        percentile(&lateness, 0.5),
        percentile(&lateness, 0.99),
        lateness.last().copied().unwrap_or(f64::INFINITY)
    );
    println!(
        "max lateness of any poll: {max:.2} s = {:.3} interval",
        max / interval_f
    );
    println!(
        "daemon CPU: {cpu:.1} s over {run:.0} s = {:.0}% of one core; peak RSS {} MB",
        100.0 * cpu / run,
        peak_rss / 1024
    );
    println!("SIGTERM → exit {status} in {shutdown:.2?}");
    println!(
        "database: {:.1} MB",
        std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
    );
    assert_eq!(never, 0, "every feed polled");
    assert!(
        max < interval_f,
        "a poll was {max:.1} s late, more than one interval"
    );
    assert!(status.success());
}
