//! The standard `process_*` metrics (as every Prometheus client library
//! names them), read from `/proc/self` at scrape time. Off Linux there is
//! no `/proc` and they are left out.

use std::fmt::Write;

use super::registry::{float, header};

/// What `/proc/self` says about this process.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    cpu_seconds: f64,
    resident_bytes: u64,
    virtual_bytes: u64,
    start_time: f64,
    open_fds: u64,
    max_fds: Option<u64>,
}

/// Appends the `process_*` families to `out` (nothing when `/proc` cannot
/// be read).
pub fn render(out: &mut String) {
    let Some(s) = sample() else { return };
    let mut family = |name: &str, help: &str, kind: &str, value: String| {
        header(out, name, help, kind);
        let _ = writeln!(out, "{name} {value}");
    };
    family(
        "process_cpu_seconds_total",
        "User and system CPU time spent, in seconds.",
        "counter",
        float(s.cpu_seconds),
    );
    family(
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        "gauge",
        s.resident_bytes.to_string(),
    );
    family(
        "process_virtual_memory_bytes",
        "Virtual memory size in bytes.",
        "gauge",
        s.virtual_bytes.to_string(),
    );
    family(
        "process_start_time_seconds",
        "Start time of the process since the Unix epoch, in seconds.",
        "gauge",
        float(s.start_time),
    );
    family(
        "process_open_fds",
        "Open file descriptors.",
        "gauge",
        s.open_fds.to_string(),
    );
    if let Some(max) = s.max_fds {
        family(
            "process_max_fds",
            "The soft limit on open file descriptors.",
            "gauge",
            max.to_string(),
        );
    }
}

fn sample() -> Option<Sample> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let boot = std::fs::read_to_string("/proc/stat").ok()?;
    // SAFETY: sysconf only reads a system constant.
    let (ticks, page) = unsafe {
        (
            libc::sysconf(libc::_SC_CLK_TCK),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    let open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as u64;
    parse(&stat, &boot, ticks as f64, page as u64, open_fds)
}

/// Reads `/proc/self/stat` (fields after the parenthesised command name,
/// which may itself hold spaces and parentheses) and `btime` of `/proc/stat`.
fn parse(stat: &str, boot: &str, ticks: f64, page: u64, open_fds: u64) -> Option<Sample> {
    let (_, after) = stat.rsplit_once(") ")?;
    // `after` starts at field 3 (state): field N is at index N - 3.
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    let btime: u64 = boot
        .lines()
        .find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok())?;
    if ticks <= 0.0 {
        return None;
    }
    Some(Sample {
        cpu_seconds: (field(14)? + field(15)?) as f64 / ticks,
        start_time: btime as f64 + field(22)? as f64 / ticks,
        virtual_bytes: field(23)?,
        resident_bytes: field(24)? * page,
        open_fds,
        max_fds: max_fds(),
    })
}

fn max_fds() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_stat_fields_are_read_after_the_command_name() {
        let stat = "4242 (khabar (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 \
                    250 150 0 0 20 0 9 0 123400 209715200 2560 18446744073709551615";
        let s = parse(stat, "cpu 1 2\nbtime 1700000000\n", 100.0, 4096, 12).unwrap();
        assert_eq!(s.cpu_seconds, 4.0);
        assert_eq!(s.start_time, 1_700_001_234.0);
        assert_eq!(s.virtual_bytes, 209_715_200);
        assert_eq!(s.resident_bytes, 2560 * 4096);
        assert_eq!(s.open_fds, 12);
    }

    #[test]
    fn this_process_is_sampled() {
        let mut out = String::new();
        render(&mut out);
        for name in [
            "process_cpu_seconds_total ",
            "process_resident_memory_bytes ",
            "process_open_fds ",
            "process_start_time_seconds ",
        ] {
            assert!(out.contains(name), "missing {name}in\n{out}");
        }
    }
}
