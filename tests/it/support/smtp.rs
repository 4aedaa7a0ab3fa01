//! The one SMTP sink: aiosmtpd (`smtp_sink.py`) on 127.0.0.1, writing each
//! accepted message to a file, with switches to misbehave like a real relay.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Where the sink and the MIME checker live.
const HERE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/support");

/// aiosmtpd writing each accepted message into `out`; killed on drop.
pub struct Smtp {
    child: Child,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    out: PathBuf,
}

impl Smtp {
    /// Starts `smtp_sink.py` writing into `out`; `extra` are its
    /// options (`--fail-first N`, `--reject ADDR`, `--delay SECONDS`).
    pub fn start(out: &Path, extra: &[&str]) -> Smtp {
        let mut child = Command::new("python3")
            .arg(format!("{HERE}/smtp_sink.py"))
            .arg(out)
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (tests/requirements.txt)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("smtp_sink.py prints its port");
        Smtp {
            child,
            port,
            out: out.to_path_buf(),
        }
    }

    /// The messages accepted so far, in order.
    pub fn files(&self) -> Vec<PathBuf> {
        eml_files(&self.out)
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `.eml` files in `dir` (an SMTP sink's or the outbox), in order.
pub fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort();
    files
}
