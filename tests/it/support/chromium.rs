//! Headless Chromium screenshots, for the tests that render pages.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The longest a screenshot may take (Chromium's first start is slow).
const LIMIT: Duration = Duration::from_secs(90);

/// Where tests leave files worth looking at: `target/test-artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().unwrap_or(tmp).join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The first of `names` found on `PATH`.
pub fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Screenshots `url` at `width`×`height` into `artifacts_dir()/name` and
/// returns the PNG, after checking that a Devanagari font is installed and
/// that the picture is not blank. Blocking.
pub fn screenshot(url: &str, name: &str, width: u32, height: u32) -> Vec<u8> {
    screenshot_with_env(url, name, width, height, &[])
}

/// [`screenshot`] with these variables set in Chromium's environment (as
/// `FONTCONFIG_FILE`, to render with fewer fonts).
pub fn screenshot_with_env(
    url: &str,
    name: &str,
    width: u32,
    height: u32,
    env: &[(&str, &Path)],
) -> Vec<u8> {
    let chromium = which(&["chromium", "chromium-browser", "google-chrome"])
        .expect("chromium is required: apt-get install -y chromium fonts-noto-core");
    let fonts = Command::new("fc-list").arg(":lang=hi").output().unwrap();
    assert!(
        !fonts.stdout.is_empty(),
        "no Devanagari font installed: apt-get install -y fonts-noto-core"
    );
    let shot = artifacts_dir().join(name);
    let _ = std::fs::remove_file(&shot);
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(url)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + LIMIT;
    let finished = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.success();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(finished, "chromium did not finish the screenshot of {url}");
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    assert!(
        png.len() > 10_000,
        "a {} byte screenshot is blank",
        png.len()
    );
    eprintln!("screenshot: {}", shot.display());
    png
}
