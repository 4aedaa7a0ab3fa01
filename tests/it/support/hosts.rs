//! Name resolution a test controls: a temp file bind-mounted over
//! `/etc/hosts` for one khabar process, in its own mount namespace
//! (`unshare`), rewritten in place while that process runs — a DNS server
//! whose answers change at the test's word. Linux only, and only where
//! mount namespaces can be made (root, or unprivileged user namespaces).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A hosts file for one wrapped command.
pub struct Hosts {
    file: PathBuf,
    /// `unshare` arguments that work on this machine.
    unshare: Vec<&'static str>,
}

/// Bind-mounts `$0` over /etc/hosts, then runs the command.
const MOUNT_AND_RUN: &str = "mount --bind \"$0\" /etc/hosts && exec \"$@\"";

impl Hosts {
    /// A hosts file in `dir` holding `entries`, or `None` when this machine
    /// cannot give a process its own mount namespace.
    pub fn new(dir: &Path, entries: &str) -> Option<Hosts> {
        let file = dir.join("hosts");
        std::fs::write(&file, entries).expect("write the test hosts file");
        let ways: [&[&'static str]; 2] = [&["--mount"], &["--user", "--map-root-user", "--mount"]];
        let unshare = ways.into_iter().find(|args| {
            Command::new("unshare")
                .args(*args)
                .args(["sh", "-c", MOUNT_AND_RUN])
                .arg(&file)
                .arg("true")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })?;
        Some(Hosts {
            file,
            unshare: unshare.to_vec(),
        })
    }

    /// Replaces the entries. The file is rewritten in place (same inode),
    /// so a process that has it mounted sees the change at its next lookup.
    pub fn set(&self, entries: &str) {
        std::fs::write(&self.file, entries).expect("rewrite the test hosts file");
    }

    /// `command` (program, arguments, environment, directory) run with this
    /// file as its `/etc/hosts`.
    pub fn wrap(&self, command: &Command) -> Command {
        let mut wrapped = Command::new("unshare");
        wrapped
            .args(&self.unshare)
            .args(["sh", "-c", MOUNT_AND_RUN])
            .arg(&self.file)
            .arg(command.get_program())
            .args(command.get_args())
            .stdin(Stdio::null());
        for (key, value) in command.get_envs() {
            match value {
                Some(v) => wrapped.env(key, v),
                None => wrapped.env_remove(key),
            };
        }
        if let Some(dir) = command.get_current_dir() {
            wrapped.current_dir(dir);
        }
        wrapped
    }
}
