//! Atom 1.0 (RFC 4287) with RFC 5005 paging links, written by
//! `atom_syndication`.
//!
//! Each entry keeps its outlet: `atom:source` carries the outlet feed's
//! title, id and links (RFC 4287 §4.2.11), and the outlet stands in as
//! author when the item names none. Topics are categories whose scheme is
//! the site's `topics/` URL. An item's files are `link rel="enclosure"`,
//! its picture `media:thumbnail`.

use std::collections::BTreeMap;

use atom_syndication::extension::{Extension, ExtensionMap};
use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Source, Text,
    WriteConfig,
};
use chrono::{DateTime, Utc};

use super::{entry, Page, PublishError, GENERATOR};
use crate::store::EntryRow;

/// The feed as Atom XML.
pub fn render(page: &Page<'_>) -> Result<Vec<u8>, PublishError> {
    let feed = Feed {
        title: Text::plain(page.title.clone()),
        id: page.id.clone(),
        updated: fixed(page.updated),
        subtitle: Some(Text::plain(page.subtitle.clone())),
        generator: Some(Generator {
            value: GENERATOR.into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        links: feed_links(page),
        entries: page.entries.iter().map(|e| to_entry(page, e)).collect(),
        namespaces: BTreeMap::from([("media".to_string(), entry::MEDIA_NS.to_string())]),
        ..Feed::default()
    };
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: None,
    };
    feed.write_with_config(Vec::new(), config)
        .map_err(|e| PublishError::Render {
            format: "atom",
            message: e.to_string(),
        })
}

fn feed_links(page: &Page<'_>) -> Vec<Link> {
    let mut links = vec![
        link("self", &page.self_url, Some("application/atom+xml")),
        link("alternate", &page.site.home(), Some("text/html")),
    ];
    if let Some(hub) = page.hub() {
        links.push(link("hub", hub, None));
    }
    if let Some(current) = &page.current_url {
        links.push(link("current", current, Some("application/atom+xml")));
    }
    if let Some(next) = &page.next_url {
        // RFC 5005 §3 (paged feeds) and §4 (archived feeds): both walk back.
        links.push(link("next", next, Some("application/atom+xml")));
        links.push(link("prev-archive", next, Some("application/atom+xml")));
    }
    links
}

fn to_entry(page: &Page<'_>, e: &EntryRow) -> Entry {
    let lang = entry::language(&e.outlet).map(str::to_string);
    let with_lang = |mut text: Text| {
        text.lang = lang.clone();
        text
    };
    Entry {
        title: with_lang(Text::plain(e.item.title.clone())),
        id: entry::id(e),
        updated: fixed(entry::updated(e)),
        published: Some(fixed(e.item.published)),
        authors: entry::authors(e)
            .into_iter()
            .map(|name| Person {
                name,
                ..Person::default()
            })
            .collect(),
        categories: categories(page, e),
        links: entry_links(page.site, e),
        summary: entry::summary(e).map(|s| with_lang(Text::plain(s))),
        content: entry::content(e).map(|html| Content {
            value: Some(html.as_str().to_string()),
            content_type: Some("html".into()),
            lang: lang.clone(),
            ..Content::default()
        }),
        source: Some(source(e)),
        extensions: thumbnail(e),
        ..Entry::default()
    }
}

/// The item's picture as `media:thumbnail` (Media RSS, which Atom readers
/// such as Miniflux and FreshRSS show).
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

/// The article as `alternate`, the story's page and each other outlet's
/// report of the same story as `related` (RFC 4287 §4.2.7.2), titled. Every
/// link, ours included, is checked as a web link on the way out.
fn entry_links(site: &super::Site, e: &EntryRow) -> Vec<Link> {
    let own = entry::web_link(e.item.url.as_deref())
        .into_iter()
        .map(|u| link("alternate", u, Some("text/html")));
    let related = entry::also_reported(e)
        .into_iter()
        .filter_map(|(name, url)| {
            Some(Link {
                title: Some(name),
                ..link("related", url?, Some("text/html"))
            })
        });
    // RFC 4287 §4.2.7.2: an enclosure link, its length in bytes.
    let enclosures = entry::attachments(e).map(|a| Link {
        length: a.size_bytes.map(|n| n.to_string()),
        ..link("enclosure", &a.url, a.mime_type.as_deref())
    });
    // The story's page, when the story has other outlets' reports.
    let story_url = e
        .story_id
        .filter(|_| !e.related.is_empty())
        .map(|id| site.url(&super::story::story_path(id)));
    let story = entry::web_link(story_url.as_deref()).map(|url| Link {
        title: Some("khabar: every outlet's report".to_string()),
        ..link("related", url, Some("text/html"))
    });
    own.chain(story).chain(related).chain(enclosures).collect()
}

fn categories(page: &Page<'_>, e: &EntryRow) -> Vec<Category> {
    e.topics
        .iter()
        .filter_map(|slug| page.site.topic(slug))
        .map(|t| Category {
            term: t.slug.to_string(),
            scheme: Some(page.site.url("topics/")),
            label: Some(t.name.clone()),
        })
        .collect()
}

/// The outlet's feed as `atom:source`: its title, its URL as id, links to
/// the feed and the site.
fn source(e: &EntryRow) -> Source {
    let o = &e.outlet;
    let mut links = vec![link("self", &o.feed_url, None)];
    if let Some(site) = entry::web_link(o.site_url.as_deref()) {
        links.push(link("alternate", site, Some("text/html")));
    }
    Source {
        title: Text::plain(entry::outlet_name(o)),
        id: o.feed_url.clone(),
        updated: fixed(e.last_changed),
        links,
        ..Source::default()
    }
}

fn link(rel: &str, href: &str, mime_type: Option<&str>) -> Link {
    Link {
        href: href.into(),
        rel: rel.into(),
        mime_type: mime_type.map(str::to_string),
        ..Link::default()
    }
}

fn fixed(t: DateTime<Utc>) -> FixedDateTime {
    t.fixed_offset()
}
