//! Pictures and files inside an RSS item or Atom entry: RSS `enclosure`,
//! Atom `link rel="enclosure"`, Media RSS (`media:content`,
//! `media:thumbnail`, `media:group`, `media:description`) and podcast
//! artwork (`itunes:image`). Values stay as written; `normalize` decides
//! which is the picture and which are attachments.

use super::dom::{Element, Ns};
use super::{MediaRole, ParsedMedia, Text, TextKind};

/// Most media read per entry: hostile feeds repeat them.
const MAX_MEDIA: usize = 32;

/// What an entry carries.
#[derive(Debug, Default)]
pub(super) struct EntryMedia {
    /// In document order.
    pub media: Vec<ParsedMedia>,
    /// The first `media:description`.
    pub description: Option<Text>,
}

/// Reads the media of `entry`; `core` are the namespaces the format's own
/// elements (`enclosure`, `link`) live in.
pub(super) fn read(entry: &Element, core: &[Ns]) -> EntryMedia {
    let mut found = EntryMedia::default();
    for child in entry.elements() {
        if child.is(core, "enclosure") {
            found.push(attrs(child, MediaRole::Enclosure, "url"));
        } else if child.is(core, "link")
            && child.attr("rel").is_some_and(|r| r.trim() == "enclosure")
        {
            found.push(attrs(child, MediaRole::Enclosure, "href"));
        } else if child.is(&[Ns::Itunes], "image") {
            found.push(attrs(child, MediaRole::Artwork, "href"));
        } else if child.ns == Ns::Media {
            media_rss(child, &mut found, 0);
        }
    }
    found
}

/// `media:group` nests content, thumbnails and descriptions; so does
/// `media:content` (one level is enough for every feed seen).
fn media_rss(element: &Element, found: &mut EntryMedia, depth: usize) {
    match element.name.as_str() {
        "content" => {
            found.push(attrs(element, MediaRole::Content, "url"));
            if depth == 0 {
                for child in element.children_named(&[Ns::Media], "thumbnail") {
                    media_rss(child, found, depth + 1);
                }
                nested_description(element, found);
            }
        }
        "thumbnail" => found.push(attrs(element, MediaRole::Thumbnail, "url")),
        "description" if found.description.is_none() => {
            found.description = description(element);
        }
        "group" if depth == 0 => {
            for child in element.elements().filter(|c| c.ns == Ns::Media) {
                media_rss(child, found, depth + 1);
            }
        }
        _ => {}
    }
}

fn nested_description(content: &Element, found: &mut EntryMedia) {
    if found.description.is_none() {
        found.description = content
            .child(&[Ns::Media], "description")
            .and_then(description);
    }
}

/// `media:description type="html"` is markup; otherwise plain text.
fn description(element: &Element) -> Option<Text> {
    let value = element.text();
    if value.trim().is_empty() {
        return None;
    }
    let html = element
        .attr("type")
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("html"));
    Some(Text {
        kind: if html {
            TextKind::Html
        } else {
            TextKind::Plain
        },
        value,
        base: None,
    })
}

fn attrs(element: &Element, role: MediaRole, url_attr: &str) -> ParsedMedia {
    let get = |name: &str| {
        element
            .attr(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    ParsedMedia {
        role,
        url: get(url_attr).unwrap_or_default(),
        mime_type: get("type"),
        medium: get("medium"),
        size: get("length").or_else(|| get("fileSize")),
        duration: get("duration"),
        width: get("width"),
    }
}

impl EntryMedia {
    fn push(&mut self, media: ParsedMedia) {
        if !media.url.is_empty() && self.media.len() < MAX_MEDIA {
            self.media.push(media);
        }
    }
}
