//! The search page and a story page (issue #17) in headless Chromium, from
//! `khabar run` over the demo database. The screenshots are kept in
//! `target/test-artifacts/`; that the Devanagari in them is drawn with a
//! font is checked by their pixels, not their size: the same page rendered
//! with every Devanagari font hidden from Chromium (a fontconfig file that
//! rejects the fonts covering Hindi) comes out different, while the page
//! itself has plenty of ink.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::support::{spawn_khabar, Khabar, PUBLIC_URL};
use crate::support::chromium::{screenshot, screenshot_with_env};

const WIDTH: u32 = 412;
const HEIGHT: u32 = 900;

/// A screenshot's pixels, RGBA.
struct Picture {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
}

impl Picture {
    fn decode(png_bytes: &[u8]) -> Picture {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        let channels = info.color_type.samples();
        let rgba = buf
            .chunks_exact(channels)
            .flat_map(|px| match channels {
                1 | 2 => [px[0], px[0], px[0], 255],
                3 => [px[0], px[1], px[2], 255],
                _ => [px[0], px[1], px[2], px[3]],
            })
            .collect();
        Picture {
            width: info.width,
            height: info.height,
            rgba,
        }
    }

    fn pixels(&self) -> impl Iterator<Item = &[u8]> {
        self.rgba.chunks_exact(4)
    }

    /// Pixels that are not the page's background (its top-left pixel's
    /// colour): text, marks, rules.
    fn ink(&self) -> usize {
        let background = &self.rgba[..4];
        self.pixels()
            .filter(|px| distance(px, background) > 48)
            .count()
    }

    /// Pixels that differ between two screenshots of the same size.
    fn differing(&self, other: &Picture) -> usize {
        assert_eq!(
            (self.width, self.height),
            (other.width, other.height),
            "same window size"
        );
        self.pixels()
            .zip(other.pixels())
            .filter(|(a, b)| distance(a, b) > 48)
            .count()
    }
}

fn distance(a: &[u8], b: &[u8]) -> u32 {
    a.iter()
        .zip(b)
        .take(3)
        .map(|(x, y)| u32::from(x.abs_diff(*y)))
        .sum()
}

/// A fontconfig file with the system's fonts less every font covering
/// Hindi; checked with `fc-list` to leave Latin fonts and no Devanagari one.
fn fonts_without_devanagari(dir: &Path) -> PathBuf {
    let conf = dir.join("fonts.conf");
    std::fs::write(
        &conf,
        r#"<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont>
    <rejectfont>
      <pattern><patelt name="lang"><string>hi</string></patelt></pattern>
    </rejectfont>
  </selectfont>
</fontconfig>
"#,
    )
    .unwrap();
    let list = |lang: &str| {
        let out = Command::new("fc-list")
            .arg(format!(":lang={lang}"))
            .env("FONTCONFIG_FILE", &conf)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(list("hi"), "", "the control hides every Devanagari font");
    assert!(!list("en").is_empty(), "the control keeps the Latin fonts");
    conf
}

/// Screenshots `path` as served, and again with the Devanagari fonts
/// hidden, and checks that the fonts drew the difference.
fn check_devanagari_drawn(k: &Khabar, path: &str, name: &str) {
    let url = k.url(path);
    let shot = Picture::decode(&screenshot(&url, &format!("{name}.png"), WIDTH, HEIGHT));
    let dir = tempfile::tempdir().unwrap();
    let conf = fonts_without_devanagari(dir.path());
    let control = Picture::decode(&screenshot_with_env(
        &url,
        &format!("{name}-without-devanagari-fonts.png"),
        WIDTH,
        HEIGHT,
        &[("FONTCONFIG_FILE", conf.as_path())],
    ));
    let ink = shot.ink();
    let differing = shot.differing(&control);
    eprintln!("{path}: {ink} pixels of ink, {differing} differ without Devanagari fonts");
    assert!(ink > 5_000, "{path}: text is drawn ({ink} pixels of ink)");
    assert!(
        differing > 1_000,
        "{path}: Devanagari is drawn with a Devanagari font \
         ({differing} pixels differ from the page without one)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn search_and_story_pages_render_devanagari_in_headless_chromium() {
    let k = spawn_khabar();
    let search = "/search?q=%E0%A4%B2%E0%A4%BE%E0%A4%B5%E0%A4%B0%E0%A5%8B%E0%A4%B5"; // लावरोव
    let html = k.get(search).await.text().await.unwrap();
    assert!(html.contains("<mark>लावरोव</mark>"), "{html}");
    assert!(html.contains("<mark>Lavrov</mark>"), "{html}");
    let prefix = format!("{PUBLIC_URL}stories/");
    let at = html.find(&prefix).expect("results link their story's page");
    let id: String = html[at + prefix.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let story = format!("/stories/{id}");
    let page = k.get(&story).await.text().await.unwrap();
    assert!(page.contains("lang=\"hi\""), "{page}");

    tokio::task::spawn_blocking(move || {
        check_devanagari_drawn(&k, search, "search-lavrov-412x900");
        check_devanagari_drawn(&k, &story, "story-412x900");
    })
    .await
    .unwrap();
}
