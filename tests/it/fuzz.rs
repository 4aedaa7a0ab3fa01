// See: issue #11, item 7 — "crashing inputs are kept as regression tests".
//
// `scripts/fuzz` copies every input that crashed a target, hung it (over 1 s)
// or took it past 256 MB into `fuzz/regressions/TARGET/`; each is replayed
// here through the same entry point (`khabar::fuzzing`), together with the
// hand-written hostile seeds the fuzzer starts from.

use std::path::{Path, PathBuf};

use khabar::fuzzing;

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn fuzz_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(sub)
}

#[test]
fn inputs_the_fuzzer_failed_on_are_handled() {
    for target in fuzzing::TARGETS {
        for file in files(&fuzz_dir("regressions").join(target)) {
            let data = std::fs::read(&file).expect("read regression input");
            fuzzing::run(target, &data);
        }
    }
}

#[test]
fn hostile_seeds_go_through_every_stage() {
    let feeds = files(&fuzz_dir("seeds/hostile"));
    assert!(feeds.len() >= 10, "hostile seeds: {feeds:?}");
    for file in &feeds {
        let mut data = vec![0];
        data.extend(std::fs::read(file).expect("read seed"));
        fuzzing::run("feed", &data);
        fuzzing::run("normalize", &data);
    }
    let pages = files(&fuzz_dir("seeds/html"));
    assert!(!pages.is_empty());
    for file in &pages {
        let data = std::fs::read(file).expect("read seed");
        fuzzing::run("html", &data);
        fuzzing::run("fulltext", &data);
    }
    for (target, dir) in [("topics", "seeds/topics"), ("config", "seeds/config")] {
        for file in files(&fuzz_dir(dir)) {
            fuzzing::run(target, &std::fs::read(file).expect("read seed"));
        }
    }
}
