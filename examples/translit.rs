//! The translit module on the command line, one input a line on stdin:
//!
//! ```text
//! cargo run --example translit -- skeleton|romanize|candidates < words.txt
//! ```
//!
//! `candidates` prints one JSON object a line
//! (`{"name": …, "skeleton": […], "candidates": […]}`): `scripts/gazetteer`
//! uses it to spell the gazetteer's places in Devanagari.

use std::io::{BufRead, Write};

use khabar::translit::{devanagari_candidates, romanize, skeleton};

fn main() -> std::process::ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lines() {
        let Ok(line) = line else {
            eprintln!("translit: stdin is not UTF-8 text");
            return std::process::ExitCode::FAILURE;
        };
        let printed = match mode.as_str() {
            "skeleton" => {
                let words: Vec<String> = line.split_whitespace().map(skeleton).collect();
                writeln!(out, "{}", words.join(" "))
            }
            "romanize" => writeln!(out, "{}", romanize(&line)),
            "candidates" => {
                let skel: Vec<String> = line
                    .split(|c: char| c.is_whitespace() || c == '-')
                    .filter(|w| !w.is_empty())
                    .map(skeleton)
                    .collect();
                let row = serde_json::json!({
                    "name": line,
                    "skeleton": skel,
                    "candidates": devanagari_candidates(&line),
                });
                writeln!(out, "{row}")
            }
            _ => {
                eprintln!("usage: translit skeleton|romanize|candidates < lines");
                return std::process::ExitCode::FAILURE;
            }
        };
        if printed.is_err() {
            return std::process::ExitCode::FAILURE;
        }
    }
    std::process::ExitCode::SUCCESS
}
