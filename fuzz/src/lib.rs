//! Shared by every fuzz target: an allocator that aborts once more than
//! [`MEMORY_LIMIT`] bytes are live, so that unbounded memory is a crash AFL++
//! records (its own `-m` limit counts address space, which says little about
//! a Rust program's heap).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Live heap bytes past which a target counts as crashed (issue #11: 256 MB).
pub const MEMORY_LIMIT: usize = 256 << 20;

/// [`System`], counting live bytes and aborting past [`MEMORY_LIMIT`].
pub struct Capped;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        charge(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        charge(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            charge(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

fn charge(bytes: usize) {
    if LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes > MEMORY_LIMIT {
        // Unbuffered stderr: nothing is allocated on the way out.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"fuzz target: more than 256 MB live, aborting\n",
        );
        std::process::abort();
    }
}
