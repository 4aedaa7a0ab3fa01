//! Per-document limits (issue #11): how much of one feed document is kept, so
//! that what a hostile feed can make khabar store is bounded by constants, not
//! by what the feed sends. Nothing is refused: an over-long value is cut at a
//! character boundary and its item kept; a document with too many items keeps
//! its newest.

use chrono::{DateTime, Utc};

use crate::model::SanitizedHtml;

/// Items kept from one document when the configuration does not say
/// (`fetch.max_items`).
pub const DEFAULT_MAX_ITEMS: usize = 1_000;
/// Longest guid kept, in bytes; a longer link is dropped (a cut URL is a
/// wrong URL).
pub const MAX_ID_BYTES: usize = 2 * 1024;
/// Longest title (also author name and category) kept, in bytes.
pub const MAX_TITLE_BYTES: usize = 1024;
/// Longest summary kept, in bytes of plain text.
pub const MAX_SUMMARY_BYTES: usize = 16 * 1024;
/// Longest content kept, in bytes of sanitised HTML.
pub const MAX_CONTENT_BYTES: usize = 512 * 1024;
/// Raw content read by the sanitiser: four times what can be kept, since
/// sanitising drops scripts, styles and attributes. The sanitiser's tree costs
/// several times its input, so this bounds its memory too.
pub const MAX_RAW_CONTENT_BYTES: usize = 4 * MAX_CONTENT_BYTES;

/// `text` cut to at most `max` bytes, at a character boundary.
pub fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// [`cut`] in place.
pub fn truncate(text: &mut String, max: usize) {
    let len = cut(text, max).len();
    text.truncate(len);
}

/// Sanitised HTML of at most [`MAX_CONTENT_BYTES`]: when `html` is longer,
/// its start is sanitised again (which closes what the cut left open and drops
/// a tag cut in half), on a shorter start each time until it fits.
pub fn cap_content(html: SanitizedHtml, sanitize: impl Fn(&str) -> SanitizedHtml) -> SanitizedHtml {
    let mut html = html;
    let mut keep = MAX_CONTENT_BYTES;
    while html.as_str().len() > MAX_CONTENT_BYTES {
        html = sanitize(cut(html.as_str(), keep));
        keep /= 2;
    }
    html
}

/// Which of a document's items to keep, given each one's date: the `max`
/// newest. Undated items rank below dated ones, and among equals the earlier
/// in the document wins (feeds list their newest first).
pub fn newest(dates: &[Option<DateTime<Utc>>], max: usize) -> Vec<bool> {
    if dates.len() <= max {
        return vec![true; dates.len()];
    }
    let mut order: Vec<usize> = (0..dates.len()).collect();
    // A stable sort keeps document order among equal dates.
    order.sort_by_key(|&i| std::cmp::Reverse(dates[i]));
    let mut keep = vec![false; dates.len()];
    for &i in &order[..max] {
        keep[i] = true;
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_fall_on_character_boundaries() {
        let hindi = "ख़बर".repeat(1000);
        let cut_text = cut(&hindi, 1000);
        assert!(cut_text.len() <= 1000 && cut_text.len() > 996);
        assert!(hindi.starts_with(cut_text));
        assert_eq!(cut("short", 1000), "short");
    }

    #[test]
    fn the_newest_items_are_kept() {
        let day = |d: u32| {
            Some(
                DateTime::parse_from_rfc3339(&format!("2025-07-{d:02}T00:00:00Z"))
                    .unwrap()
                    .with_timezone(&Utc),
            )
        };
        let dates = [day(1), None, day(5), day(3), None, day(5)];
        assert_eq!(newest(&dates, 3), [false, false, true, true, false, true]);
        assert_eq!(newest(&dates, 5), [true, true, true, true, false, true]);
        assert_eq!(newest(&[None, None, None], 2), [true, true, false]);
        assert_eq!(newest(&dates, 10), [true; 6]);
    }
}
