//! RSS 2.0, written by the `rss` crate: `<source>` names each item's outlet,
//! topics are `<category domain="…/topics/">`, authors go in `dc:creator`
//! (RSS `<author>` wants an e-mail address), the content in
//! `content:encoded`, `atom:link` carries self and RFC 5005 paging, the
//! first file is the `<enclosure>` and the picture `media:thumbnail`.

use std::collections::BTreeMap;

use rss::extension::dublincore::DublinCoreExtension;
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Enclosure, Guid, Item, Source};

use super::{entry, Page, PublishError, GENERATOR};
use crate::store::EntryRow;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// The feed as RSS 2.0 XML.
pub fn render(page: &Page<'_>) -> Result<Vec<u8>, PublishError> {
    let channel = Channel {
        title: page.title.clone(),
        link: page.site.home(),
        description: page.subtitle.clone(),
        last_build_date: Some(page.updated.to_rfc2822()),
        generator: Some(format!("{GENERATOR} {}", env!("CARGO_PKG_VERSION"))),
        items: page.entries.iter().map(|e| to_item(page, e)).collect(),
        extensions: atom_links(page),
        namespaces: BTreeMap::from([
            ("atom".to_string(), ATOM_NS.to_string()),
            ("media".to_string(), entry::MEDIA_NS.to_string()),
        ]),
        ..Channel::default()
    };
    channel
        .write_to(Vec::new())
        .map_err(|e| PublishError::Render {
            format: "rss",
            message: e.to_string(),
        })
}

fn atom_links(page: &Page<'_>) -> ExtensionMap {
    let mut links = vec![atom_link("self", &page.self_url)];
    if let Some(hub) = page.hub() {
        let mut hub = atom_link("hub", hub);
        hub.attrs.remove("type");
        links.push(hub);
    }
    if let Some(current) = &page.current_url {
        links.push(atom_link("current", current));
    }
    if let Some(next) = &page.next_url {
        links.push(atom_link("next", next));
        links.push(atom_link("prev-archive", next));
    }
    BTreeMap::from([(
        "atom".to_string(),
        BTreeMap::from([("link".to_string(), links)]),
    )])
}

fn atom_link(rel: &str, href: &str) -> Extension {
    Extension {
        name: "atom:link".into(),
        attrs: BTreeMap::from([
            ("rel".to_string(), rel.to_string()),
            ("href".to_string(), href.to_string()),
            ("type".to_string(), "application/rss+xml".to_string()),
        ]),
        ..Extension::default()
    }
}

fn to_item(page: &Page<'_>, e: &EntryRow) -> Item {
    let content = entry::content(e).map(|c| c.as_str().to_string());
    // <description> is HTML; a plain-text summary is escaped into it.
    let description = entry::summary(e)
        .map(entry::escape_html)
        .or_else(|| content.clone());
    Item {
        title: Some(e.item.title.clone()),
        link: entry::web_link(e.item.url.as_deref()).map(str::to_string),
        description,
        content,
        guid: Some(Guid {
            value: entry::id(e),
            permalink: false,
        }),
        pub_date: Some(e.item.published.to_rfc2822()),
        categories: e
            .topics
            .iter()
            .filter_map(|slug| page.site.topic(slug))
            .map(|t| Category {
                name: t.slug.to_string(),
                domain: Some(page.site.url("topics/")),
            })
            .collect(),
        source: Some(Source {
            url: e.outlet.feed_url.clone(),
            title: Some(entry::outlet_name(&e.outlet)),
        }),
        enclosure: enclosure(e),
        extensions: thumbnail(e),
        dublin_core_ext: Some(DublinCoreExtension {
            creators: entry::authors(e),
            languages: entry::language(&e.outlet)
                .map(str::to_string)
                .into_iter()
                .collect(),
            ..DublinCoreExtension::default()
        }),
        ..Item::default()
    }
}

/// The item's first file: RSS 2.0 allows one `<enclosure>` per item, and
/// its length and type are required (`0` and `application/octet-stream`
/// when the outlet did not say, as the RSS Advisory Board suggests).
fn enclosure(e: &EntryRow) -> Option<Enclosure> {
    entry::attachments(e).next().map(|a| Enclosure {
        url: a.url.clone(),
        length: a.size_bytes.unwrap_or(0).to_string(),
        mime_type: a
            .mime_type
            .clone()
            .unwrap_or_else(|| entry::UNKNOWN_MIME.to_string()),
    })
}

/// The item's picture as `media:thumbnail`.
fn thumbnail(e: &EntryRow) -> ExtensionMap {
    let Some(url) = entry::image(e) else {
        return ExtensionMap::default();
    };
    let thumbnail = Extension {
        name: "media:thumbnail".into(),
        attrs: BTreeMap::from([("url".to_string(), url.to_string())]),
        ..Extension::default()
    };
    BTreeMap::from([(
        "media".to_string(),
        BTreeMap::from([("thumbnail".to_string(), vec![thumbnail])]),
    )])
}
