//! How the process gives memory back (issue #11). glibc's malloc keeps a
//! heap per thread and, by default, raises its mmap threshold to the size
//! of the largest block freed (up to 32 MiB): after one 10 MiB hostile body
//! every later buffer of that size comes from a thread's heap, and each of
//! the blocking threads keeps the high-water mark of the largest document it
//! ever parsed. Measured on 24 hostile feeds of 9.5 MiB polled at once,
//! that, not the bodies in flight, was most of the peak.
//!
//! So large blocks are always mmapped (freed straight back to the system),
//! and after parsing a large body the heaps' free pages are returned.

/// Blocks at least this large are mmapped, whatever was freed before.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 256 * 1024;

/// Bodies at least this large are followed by [`release_free_memory`].
pub const LARGE_BODY: usize = 1 << 20;

/// Fixes the mmap threshold; called once, before the runtime starts.
pub fn tune() {
    // SAFETY: mallopt only changes malloc's parameters, under malloc's own
    // lock; glibc allows it at any time.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}

/// Returns the free pages of every malloc heap to the system (after a large
/// document is parsed and dropped): a few milliseconds, once per big body.
pub fn release_free_memory() {
    // SAFETY: malloc_trim is thread-safe and only releases free memory.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::malloc_trim(0);
    }
}
