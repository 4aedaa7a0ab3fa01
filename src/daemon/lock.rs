//! One `khabar run` per database: an exclusive `flock(2)` on
//! `<database>.lock`, held for the life of the process, with the holder's
//! pid written inside so that a refused second instance can name it.
//!
//! The kernel drops the lock when the process exits, however it exits, so a
//! crash never leaves a stale lock behind. The file itself stays: deleting
//! it on exit would let a third process lock a new file while a second one
//! still holds the old, unlinked one.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error(
        "database {database} is in use by another `khabar run` ({holder}, lock {lock}); \
         stop that one first or give this one another database"
    )]
    Held {
        /// The database file.
        database: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// "pid N" as the holder wrote it, or "pid unknown".
        holder: String,
    },
    /// The lock file could not be created, read or written.
    #[error("lock file {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// The held lock; dropping it (or exiting) releases it.
#[derive(Debug)]
pub struct InstanceLock {
    // Never read: holding the open file is what holds the lock.
    _file: File,
    path: PathBuf,
}

impl InstanceLock {
    /// Takes the lock for `database` without waiting, creating the lock
    /// file (and its folder) when missing.
    pub fn acquire(database: &Path) -> Result<InstanceLock, LockError> {
        let path = lock_path(database);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        // SAFETY: flock only reads the descriptor, which `file` keeps open.
        let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if locked != 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::WouldBlock {
                return Err(io(err));
            }
            return Err(LockError::Held {
                database: database.to_path_buf(),
                holder: holder(&mut file),
                lock: path,
            });
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(InstanceLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `<database>.lock`, beside the database: beside the real file when the
/// path is a symlink, so that both names share one lock.
fn lock_path(database: &Path) -> PathBuf {
    let real = std::fs::canonicalize(database).unwrap_or_else(|_| database.to_path_buf());
    let mut name = real.into_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// "pid N" from the holder's lock file.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    match file.read_to_string(&mut text) {
        Ok(_) if text.trim().parse::<u32>().is_ok() => format!("pid {}", text.trim()),
        _ => "pid unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_database_is_refused_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("state/khabar.db");
        let first = InstanceLock::acquire(&db).unwrap();
        assert_eq!(first.path(), dir.path().join("state/khabar.db.lock"));
        // flock locks belong to the open file, so a second open in the same
        // process is refused just as another process would be.
        let err = InstanceLock::acquire(&db).unwrap_err().to_string();
        assert!(err.contains(&db.display().to_string()), "{err}");
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(first);
        InstanceLock::acquire(&db).expect("free again once dropped");
    }

    #[test]
    fn a_symlink_to_the_database_shares_its_lock() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("khabar.db");
        std::fs::write(&db, b"").unwrap();
        let link = dir.path().join("alias.db");
        std::os::unix::fs::symlink(&db, &link).unwrap();
        let _held = InstanceLock::acquire(&db).unwrap();
        let err = InstanceLock::acquire(&link).unwrap_err().to_string();
        assert!(err.contains("in use"), "{err}");
    }
}
