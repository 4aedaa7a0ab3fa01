//! Zero-copy sends of cached documents (issue #12 item 8).
//!
//! Writing a 100 KB feed with `write(2)` copies it from our memory into the
//! socket on every request, and under load that copy was the largest part
//! of the server's CPU time. nginx avoids it with `sendfile(2)`: the kernel
//! hands page-cache pages to the socket. This module does the same for
//! documents held in memory:
//!
//! - [`shared`] puts a large body in a sealed, anonymous `memfd`, maps it
//!   read-only and returns a [`Bytes`] that borrows the mapping (the mapping
//!   and the file live as long as any clone of it, so as long as any
//!   response still sending it);
//! - [`Stream`] wraps each accepted socket: when hyper writes a slice that
//!   lies inside such a mapping, the bytes go out with `sendfile` from the
//!   memfd at the same offset; headers and everything else take the normal
//!   write path (with `MSG_MORE` when a mapped body follows, so the head
//!   and the body still leave in one segment).
//!
//! This relies on hyper's HTTP/1 writer passing body chunks through as
//! their own iovecs (its "queue" strategy, which [`super::serve`] asks for
//! with `writev(true)`) rather than copying them into its buffer. Were that
//! to change, no slice would match a mapping and the normal path would send
//! the same bytes; the speed would go, the correctness would stay. Should
//! `memfd_create`, `mmap` or `sendfile` fail, the body is kept on the heap
//! or written normally.
//!
//! Hand-written: no crate offers zero-copy sends of in-memory bodies
//! through hyper, which only ever sees an `AsyncWrite`. The unsafe code is
//! the system calls below, each with its SAFETY note. Linux only; elsewhere
//! bodies stay on the heap and sockets are plain.

#[cfg(target_os = "linux")]
pub use linux::{shared, Stream};

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::BTreeMap;
    use std::fs::File;
    use std::io::{self, IoSlice, Write};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::RwLock;
    use std::task::{ready, Context, Poll};

    use axum::body::Bytes;
    use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
    use tokio::net::TcpStream;

    /// Bodies smaller than this are copied: the copy costs less than the
    /// page references, and small documents need no file descriptor.
    const MIN_LEN: usize = 16 * 1024;

    /// Mapped bodies at most, each holding one file descriptor; further
    /// bodies stay on the heap. The cache drops stale documents as it
    /// rebuilds, so the live ones are the current documents being read.
    const MAX_MAPPINGS: usize = 64;

    /// The live mappings by start address: their length and memfd.
    static REGIONS: RwLock<BTreeMap<usize, (usize, RawFd)>> = RwLock::new(BTreeMap::new());

    /// Live mappings, kept at most [`MAX_MAPPINGS`].
    static LIVE: AtomicUsize = AtomicUsize::new(0);

    /// `body` as [`Bytes`], in a memfd mapping when it is large enough and
    /// the budget allows, else on the heap.
    pub fn shared(body: Vec<u8>) -> Bytes {
        if body.len() < MIN_LEN {
            return Bytes::from(body);
        }
        let reserved = LIVE
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_MAPPINGS).then_some(n + 1)
            })
            .is_ok();
        if !reserved {
            return Bytes::from(body);
        }
        match Mapping::new(&body) {
            Ok(mapping) => Bytes::from_owner(mapping),
            Err(e) => {
                LIVE.fetch_sub(1, Ordering::AcqRel);
                tracing::debug!(error = %e, "keeping a document on the heap");
                Bytes::from(body)
            }
        }
    }

    /// A sealed memfd holding one body, mapped read-only.
    struct Mapping {
        addr: usize,
        len: usize,
        /// Closed after the unmapping, in `drop`'s field order.
        fd: OwnedFd,
    }

    impl Mapping {
        fn new(body: &[u8]) -> io::Result<Mapping> {
            // SAFETY: the name is a NUL-terminated literal and the flags are
            // valid; the call has no other preconditions.
            let fd = unsafe {
                libc::memfd_create(
                    c"khabar-document".as_ptr(),
                    libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
                )
            };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: memfd_create just returned this descriptor, and
            // nothing else owns it.
            let mut file = File::from(unsafe { OwnedFd::from_raw_fd(fd) });
            file.write_all(body)?;
            let seals =
                libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL;
            // SAFETY: fcntl on a descriptor we own, with an integer argument.
            if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_ADD_SEALS, seals) } < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: maps `body.len()` (> 0) bytes of our own file, which
            // holds exactly that many, read-only and shared; the kernel picks
            // the address. The seals forbid any write, so the memory the
            // mapping shows never changes while it exists.
            let addr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    body.len(),
                    libc::PROT_READ,
                    libc::MAP_SHARED,
                    file.as_raw_fd(),
                    0,
                )
            };
            if addr == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            let mapping = Mapping {
                addr: addr as usize,
                len: body.len(),
                fd: file.into(),
            };
            regions().insert(mapping.addr, (mapping.len, mapping.fd.as_raw_fd()));
            Ok(mapping)
        }
    }

    impl AsRef<[u8]> for Mapping {
        fn as_ref(&self) -> &[u8] {
            // SAFETY: `addr` starts a live read-only mapping of `len` bytes
            // that is unmapped only in `drop`, and the sealed file behind it
            // cannot change, so the slice stays valid and immutable for as
            // long as `self` is borrowed.
            unsafe { std::slice::from_raw_parts(self.addr as *const u8, self.len) }
        }
    }

    impl Drop for Mapping {
        fn drop(&mut self) {
            // Unregistered first: no lookup may find an address that is
            // about to be unmapped (and perhaps reused).
            regions().remove(&self.addr);
            // SAFETY: unmaps exactly the mapping `new` made; no slice of it
            // outlives `self` (they borrow it through `as_ref`).
            unsafe { libc::munmap(self.addr as *mut libc::c_void, self.len) };
            LIVE.fetch_sub(1, Ordering::AcqRel);
        }
    }

    fn regions() -> std::sync::RwLockWriteGuard<'static, BTreeMap<usize, (usize, RawFd)>> {
        REGIONS.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Where `slice` lies in a memfd: the file and the offset, when the
    /// whole slice is inside one live mapping.
    fn locate(regions: &BTreeMap<usize, (usize, RawFd)>, slice: &[u8]) -> Option<(RawFd, usize)> {
        let addr = slice.as_ptr() as usize;
        let (&start, &(len, fd)) = regions.range(..=addr).next_back()?;
        (addr + slice.len() <= start + len).then_some((fd, addr - start))
    }

    /// An accepted connection that sends mapped bodies with `sendfile`.
    pub struct Stream {
        inner: TcpStream,
    }

    impl From<TcpStream> for Stream {
        fn from(inner: TcpStream) -> Stream {
            Stream { inner }
        }
    }

    impl Stream {
        /// Sends up to `len` bytes of `fd` from `offset`; `fallback` is the
        /// same bytes in memory, written normally if sendfile cannot be used.
        fn poll_send_file(
            &mut self,
            cx: &mut Context<'_>,
            (fd, offset): (RawFd, usize),
            fallback: &[u8],
        ) -> Poll<io::Result<usize>> {
            let socket = self.inner.as_raw_fd();
            loop {
                ready!(self.inner.poll_write_ready(cx))?;
                let sent = self.inner.try_io(Interest::WRITABLE, || {
                    let mut off = offset as libc::off_t;
                    // SAFETY: both descriptors are open (the socket is ours;
                    // the memfd belongs to a mapping that the caller's slice
                    // borrows), `off` is a live local, and the kernel reads
                    // at most `len` bytes from the file.
                    let n = unsafe { libc::sendfile(socket, fd, &mut off, fallback.len()) };
                    usize::try_from(n).map_err(|_| io::Error::last_os_error())
                });
                match sent {
                    Ok(n) => return Poll::Ready(Ok(n)),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if unsupported(&e) => {
                        return Pin::new(&mut self.inner).poll_write(cx, fallback)
                    }
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
        }

        /// Writes `bufs` with `MSG_MORE`: a mapped body follows at once.
        fn poll_send_more(
            &mut self,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            let socket = self.inner.as_raw_fd();
            loop {
                ready!(self.inner.poll_write_ready(cx))?;
                let sent = self.inner.try_io(Interest::WRITABLE, || {
                    // SAFETY: msghdr is a plain C struct for which all zeroes
                    // is a valid (empty) value.
                    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
                    // IoSlice is ABI-compatible with iovec on Unix (std's
                    // guarantee); the kernel only reads through the pointer.
                    msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
                    msg.msg_iovlen = bufs.len().min(libc::UIO_MAXIOV as usize) as _;
                    // SAFETY: `msg` points at `bufs`, which outlive the call,
                    // and names no address or control data.
                    let n =
                        unsafe { libc::sendmsg(socket, &msg, libc::MSG_MORE | libc::MSG_NOSIGNAL) };
                    usize::try_from(n).map_err(|_| io::Error::last_os_error())
                });
                match sent {
                    Ok(n) => return Poll::Ready(Ok(n)),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
        }
    }

    /// Errors that mean sendfile cannot serve this file here (an old or
    /// unusual kernel), not that the connection failed.
    fn unsupported(e: &io::Error) -> bool {
        matches!(
            e.raw_os_error(),
            Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
        )
    }

    impl AsyncRead for Stream {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut self.inner).poll_read(cx, buf)
        }
    }

    impl AsyncWrite for Stream {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.poll_write_vectored(cx, &[IoSlice::new(buf)])
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            let bufs = match bufs.iter().position(|b| !b.is_empty()) {
                Some(first) => &bufs[first..],
                None => return Poll::Ready(Ok(0)),
            };
            // The first slice that lies in a mapping, and where.
            let found = {
                let regions = REGIONS.read().unwrap_or_else(|e| e.into_inner());
                bufs.iter()
                    .enumerate()
                    .find_map(|(i, b)| locate(&regions, b).map(|at| (i, at)))
            };
            match found {
                Some((0, at)) => self.poll_send_file(cx, at, &bufs[0]),
                Some((i, _)) => self.poll_send_more(cx, &bufs[..i]),
                None => Pin::new(&mut self.inner).poll_write_vectored(cx, bufs),
            }
        }

        fn is_write_vectored(&self) -> bool {
            true
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.inner).poll_flush(cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.inner).poll_shutdown(cx)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_large_body_is_mapped_and_found_by_any_slice_of_it() {
            let body: Vec<u8> = (0..MIN_LEN * 3).map(|i| (i % 251) as u8).collect();
            let bytes = shared(body.clone());
            assert_eq!(&bytes[..], &body[..]);
            let regions = REGIONS.read().unwrap();
            let (_, offset) = locate(&regions, &bytes[100..200]).expect("mapped");
            assert_eq!(offset, 100);
            assert!(locate(&regions, &body[..]).is_none(), "heap copy is not");
        }

        #[test]
        fn a_small_body_stays_on_the_heap() {
            let bytes = shared(b"short".to_vec());
            let regions = REGIONS.read().unwrap();
            assert!(locate(&regions, &bytes).is_none());
        }
    }
}

/// Off Linux, bodies stay on the heap.
#[cfg(not(target_os = "linux"))]
pub fn shared(body: Vec<u8>) -> axum::body::Bytes {
    axum::body::Bytes::from(body)
}

/// Off Linux, sockets are written normally.
#[cfg(not(target_os = "linux"))]
pub type Stream = tokio::net::TcpStream;
