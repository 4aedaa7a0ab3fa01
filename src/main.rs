use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = khabar::cli::Args::parse();
    if !args.is_long_running() {
        restore_default_sigpipe();
    }
    match khabar::cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("khabar: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Rust ignores SIGPIPE, so `khabar … | head` would panic on the closed
/// pipe; a one-shot command should end quietly instead, as `cat` does. The
/// daemon keeps ignoring it: a closed socket must not kill it.
fn restore_default_sigpipe() {
    // SAFETY: called in main before any other thread exists;
    // resetting a signal to its default disposition has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
