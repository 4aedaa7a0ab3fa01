//! CPU time of the calling thread, shared by the benches that print it
//! beside wall time (`tagging`, `search`), included with `#[path]`.

use std::time::Duration;

/// CPU time this thread has used (so other processes' load does not count).
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
