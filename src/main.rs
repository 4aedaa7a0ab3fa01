use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = khabar::cli::Args::parse();
    match khabar::cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("khabar: {e:#}");
            ExitCode::FAILURE
        }
    }
}
