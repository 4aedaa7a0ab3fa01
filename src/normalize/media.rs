//! An entry's media → [`ItemMedia`]: the one picture to show, and the files
//! to pass on. Only absolute http(s) URLs of sane length survive, media
//! types must look like media types, and sizes are numbers above zero.
//!
//! The picture is the first of: the feed's declared image (JSON Feed
//! `image`), a Media RSS thumbnail, an image among the Media RSS content and
//! enclosures, podcast artwork — the widest of its kind when the feed gives
//! widths. Attachments are every enclosure, then every Media RSS content
//! that is not an image, each URL once.

use url::Url;

use super::urls;
use crate::model::{Attachment, ItemMedia};
use crate::parse::{MediaRole, ParsedMedia};

/// Longest media URL kept; longer ones are junk or an attack.
const MAX_URL_LEN: usize = 2048;

/// Most attachments kept per item.
const MAX_ATTACHMENTS: usize = 8;

/// File extensions that name a picture when a feed gives no media type.
const IMAGE_EXTENSIONS: [&str; 7] = ["jpg", "jpeg", "png", "gif", "webp", "avif", "svg"];

/// The picture and attachments of an entry whose links resolve against `base`.
pub(super) fn item_media(media: &[ParsedMedia], base: Option<&Url>) -> ItemMedia {
    let usable: Vec<(&ParsedMedia, String)> = media
        .iter()
        .filter_map(|m| web_url(&m.url, base).map(|url| (m, url)))
        .collect();
    let mut attachments: Vec<Attachment> = Vec::new();
    // The feed's own enclosures first: RSS republishes only the first.
    let enclosures = usable
        .iter()
        .filter(|(m, _)| m.role == MediaRole::Enclosure);
    let files = usable
        .iter()
        .filter(|(m, url)| m.role == MediaRole::Content && !is_image(m, url) && is_known_kind(m));
    for (m, url) in enclosures.chain(files) {
        if attachments.len() < MAX_ATTACHMENTS && !attachments.iter().any(|a| &a.url == url) {
            attachments.push(Attachment {
                url: url.clone(),
                mime_type: m.mime_type.as_deref().and_then(mime_type),
                size_bytes: positive(m.size.as_deref()),
                duration_secs: positive(m.duration.as_deref()),
            });
        }
    }
    ItemMedia {
        image: picture(&usable),
        attachments,
    }
}

/// The best picture: the lowest tier, then the widest (the first on a tie).
fn picture(usable: &[(&ParsedMedia, String)]) -> Option<String> {
    let mut best: Option<(u8, u64, &String)> = None;
    for (m, url) in usable {
        let Some(tier) = picture_tier(m, url) else {
            continue;
        };
        let width = positive(m.width.as_deref()).unwrap_or(0);
        let better = best.is_none_or(|(t, w, _)| tier < t || (tier == t && width > w));
        if better {
            best = Some((tier, width, url));
        }
    }
    best.map(|(_, _, url)| url.clone())
}

/// Which tier of picture the media is, if it is one: the declared image,
/// a thumbnail, an image file, podcast artwork.
fn picture_tier(m: &ParsedMedia, url: &str) -> Option<u8> {
    match m.role {
        MediaRole::Image => Some(0),
        MediaRole::Thumbnail => Some(1),
        MediaRole::Content | MediaRole::Enclosure if is_image(m, url) => Some(2),
        MediaRole::Artwork => Some(3),
        MediaRole::Content | MediaRole::Enclosure => None,
    }
}

/// Whether the media is a picture: its type or medium says so, or, when it
/// says nothing, its file name does.
fn is_image(m: &ParsedMedia, url: &str) -> bool {
    let said = m
        .mime_type
        .as_deref()
        .map(|t| t.trim().to_ascii_lowercase());
    match (said.as_deref(), m.medium.as_deref()) {
        (Some(t), _) if !t.is_empty() => t.starts_with("image/"),
        (_, Some(medium)) => medium.eq_ignore_ascii_case("image"),
        _ => Url::parse(url).is_ok_and(|u| {
            let path = u.path().to_ascii_lowercase();
            IMAGE_EXTENSIONS
                .iter()
                .any(|ext| path.ends_with(&format!(".{ext}")))
        }),
    }
}

/// Media RSS content with neither a type nor a medium is passed on only
/// when its type is known some other way (it is then a picture, handled above).
fn is_known_kind(m: &ParsedMedia) -> bool {
    m.mime_type.as_deref().is_some_and(|t| !t.trim().is_empty()) || m.medium.is_some()
}

/// An absolute http(s) URL from what the feed wrote, else nothing.
fn web_url(raw: &str, base: Option<&Url>) -> Option<String> {
    let url = urls::absolute_link(raw, base)?;
    let web = url.starts_with("https://") || url.starts_with("http://");
    (web && url.len() <= MAX_URL_LEN && !url.contains(char::is_whitespace)).then_some(url)
}

/// `type/subtype` (parameters dropped), lower case, of sane length.
fn mime_type(raw: &str) -> Option<String> {
    let essence = raw.split(';').next()?.trim().to_ascii_lowercase();
    let (kind, sub) = essence.split_once('/')?;
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    (essence.len() <= 100 && token(kind) && token(sub)).then_some(essence)
}

/// A whole number above zero (`1828.292` seconds counts as 1828).
fn positive(raw: Option<&str>) -> Option<u64> {
    let raw = raw?.trim();
    let whole = raw.split_once('.').map_or(raw, |(w, _)| w);
    whole.parse::<u64>().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(
        role: MediaRole,
        url: &str,
        mime: Option<&str>,
        medium: Option<&str>,
        width: Option<&str>,
    ) -> ParsedMedia {
        ParsedMedia {
            role,
            url: url.into(),
            mime_type: mime.map(str::to_owned),
            medium: medium.map(str::to_owned),
            width: width.map(str::to_owned),
            ..ParsedMedia::default()
        }
    }

    #[test]
    fn the_picture_is_chosen_tier_by_tier() {
        use MediaRole::*;
        let cases = [
            (
                "thumbnail before image content",
                vec![
                    media(
                        Content,
                        "https://x.in/big.jpg",
                        Some("image/jpeg"),
                        None,
                        Some("1200"),
                    ),
                    media(Thumbnail, "https://x.in/t.jpg", None, None, None),
                ],
                Some("https://x.in/t.jpg"),
            ),
            (
                "widest image content",
                vec![
                    media(
                        Content,
                        "https://x.in/s.jpg",
                        None,
                        Some("image"),
                        Some("300"),
                    ),
                    media(
                        Content,
                        "https://x.in/l.jpg",
                        None,
                        Some("image"),
                        Some("1100"),
                    ),
                    media(
                        Content,
                        "https://x.in/m.jpg",
                        None,
                        Some("image"),
                        Some("640"),
                    ),
                ],
                Some("https://x.in/l.jpg"),
            ),
            (
                "image enclosure",
                vec![media(
                    Enclosure,
                    "https://x.in/photo.cms",
                    Some("image/jpeg"),
                    None,
                    None,
                )],
                Some("https://x.in/photo.cms"),
            ),
            (
                "untyped content named like a picture",
                vec![media(Content, "https://x.in/a.JPG?w=140", None, None, None)],
                Some("https://x.in/a.JPG?w=140"),
            ),
            (
                "audio is no picture; artwork is",
                vec![
                    media(
                        Enclosure,
                        "https://x.in/a.mp3",
                        Some("audio/mpeg"),
                        None,
                        None,
                    ),
                    media(Artwork, "https://x.in/art.png", None, None, None),
                ],
                Some("https://x.in/art.png"),
            ),
            (
                "javascript and data are never pictures",
                vec![
                    media(Thumbnail, "javascript:alert(1)", None, None, None),
                    media(Thumbnail, "data:image/png;base64,AAAA", None, None, None),
                ],
                None,
            ),
        ];
        for (name, given, want) in cases {
            assert_eq!(item_media(&given, None).image.as_deref(), want, "{name}");
        }
    }

    #[test]
    fn attachments_are_files_with_clean_fields_enclosures_first() {
        use MediaRole::*;
        let base = Url::parse("https://x.in/feed/").ok();
        let mut audio = media(
            Enclosure,
            "ep1.mp3",
            Some("Audio/MPEG; charset=x"),
            None,
            None,
        );
        audio.size = Some("105003355".into());
        audio.duration = Some("1828.292".into());
        let given = vec![
            audio.clone(),
            audio,
            media(Content, "https://x.in/v.mp4", Some("video/mp4"), None, None),
            media(
                Content,
                "https://x.in/p.jpg",
                Some("image/jpeg"),
                None,
                None,
            ),
            media(Content, "https://x.in/unknown", None, None, None),
            media(
                Enclosure,
                "ftp://x.in/f.zip",
                Some("application/zip"),
                None,
                None,
            ),
            media(
                Enclosure,
                "https://x.in/bad",
                Some("not a type"),
                None,
                None,
            ),
        ];
        let got = item_media(&given, base.as_ref()).attachments;
        assert_eq!(
            got,
            [
                Attachment {
                    url: "https://x.in/feed/ep1.mp3".into(),
                    mime_type: Some("audio/mpeg".into()),
                    size_bytes: Some(105_003_355),
                    duration_secs: Some(1828),
                },
                Attachment {
                    url: "https://x.in/bad".into(),
                    mime_type: None,
                    size_bytes: None,
                    duration_secs: None,
                },
                Attachment {
                    url: "https://x.in/v.mp4".into(),
                    mime_type: Some("video/mp4".into()),
                    size_bytes: None,
                    duration_secs: None,
                },
            ]
        );
    }

    #[test]
    fn hostile_media_lists_are_capped() {
        let given: Vec<ParsedMedia> = (0..1000)
            .map(|i| {
                media(
                    MediaRole::Enclosure,
                    &format!("https://x.in/{i}.mp3"),
                    None,
                    None,
                    None,
                )
            })
            .collect();
        assert_eq!(item_media(&given, None).attachments.len(), MAX_ATTACHMENTS);
        let long = format!("https://x.in/{}", "a".repeat(MAX_URL_LEN));
        let given = [media(MediaRole::Thumbnail, &long, None, None, None)];
        assert_eq!(item_media(&given, None).image, None);
    }
}
