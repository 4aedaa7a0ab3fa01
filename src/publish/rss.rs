//! RSS 2.0, written by the `rss` crate: `<source>` names each item's outlet,
//! topics are `<category domain="…/topics/">`, authors go in `dc:creator`
//! (RSS `<author>` wants an e-mail address), the content in
//! `content:encoded`, and `atom:link` carries self and RFC 5005 paging.

use std::collections::BTreeMap;

use rss::extension::dublincore::DublinCoreExtension;
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Guid, Item, Source};

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
        namespaces: BTreeMap::from([("atom".to_string(), ATOM_NS.to_string())]),
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
