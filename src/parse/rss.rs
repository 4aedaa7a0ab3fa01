//! RSS 0.9x, 1.0 (RDF) and 2.0 → [`ParsedFeed`]. Only the channel's own
//! children are read for feed values, so `<image>` and `<textInput>` titles and
//! links never leak into the feed's.

use super::dom::{Element, Ns};
use super::{
    join_base, link_with_rel, media, push_unique, ParsedEntry, ParsedFeed, ParsedMeta, Text,
    TextKind,
};

/// Where RSS's own elements live: no namespace, an RSS namespace, or the
/// namespace the root element was put in.
const CORE: &[Ns] = &[Ns::None, Ns::Rss, Ns::Root];
const DC: &[Ns] = &[Ns::Dc];
const DCTERMS: &[Ns] = &[Ns::DcTerms];
const ATOM: &[Ns] = &[Ns::Atom];
/// Where an item's `enclosure` (RSS) or `link rel="enclosure"` (Atom) lives.
const MEDIA_CORE: &[Ns] = &[Ns::None, Ns::Rss, Ns::Root, Ns::Atom];

/// Maps an `<rss>`, `<rdf:RDF>` or bare `<channel>` root.
pub fn map(root: &Element) -> ParsedFeed {
    let channel = if root.name == "channel" {
        Some(root)
    } else {
        root.child(CORE, "channel")
    };
    let base = join_base(None, root.attr_ns(Ns::Xml, "base"));
    let base = join_base(
        base.as_deref(),
        channel.and_then(|c| c.attr_ns(Ns::Xml, "base")),
    );
    let meta = channel
        .map(|c| meta(root, c, base.clone()))
        .unwrap_or_default();
    // RSS 1.0 and 0.90 put items beside the channel; RSS 2.0 inside it.
    let items = root.children_named(CORE, "item").chain(
        channel
            .into_iter()
            .filter(|c| !std::ptr::eq(*c, root))
            .flat_map(|c| c.children_named(CORE, "item")),
    );
    let entries = items.map(|item| entry(item, base.as_deref())).collect();
    ParsedFeed { meta, entries }
}

fn meta(root: &Element, channel: &Element, base: Option<String>) -> ParsedMeta {
    let link = child_text(channel, CORE, "link").or_else(|| alternate_link(channel));
    let language = child_text(channel, CORE, "language")
        .or_else(|| child_text(channel, DC, "language"))
        .or_else(|| root.attr_ns(Ns::Xml, "lang").map(str::to_owned));
    let updated = child_text(channel, CORE, "lastBuildDate")
        .or_else(|| child_text(channel, DC, "date"))
        .or_else(|| child_text(channel, DCTERMS, "modified"))
        .or_else(|| child_text(channel, ATOM, "updated"));
    ParsedMeta {
        title: html(
            channel
                .child(CORE, "title")
                .or_else(|| channel.child(DC, "title")),
            base.as_deref(),
        ),
        link,
        language,
        updated,
        ttl_minutes: child_text(channel, CORE, "ttl").and_then(|t| t.parse().ok()),
        update_period: child_text(channel, &[Ns::Sy], "updatePeriod"),
        update_frequency: child_text(channel, &[Ns::Sy], "updateFrequency")
            .and_then(|t| t.parse().ok()),
        hub: link_with_rel(channel.children_named(ATOM, "link"), "hub"),
        self_link: link_with_rel(channel.children_named(ATOM, "link"), "self"),
        base,
    }
}

fn entry(item: &Element, feed_base: Option<&str>) -> ParsedEntry {
    let base = join_base(feed_base, item.attr_ns(Ns::Xml, "base"));
    let guid = item.child(CORE, "guid");
    let id = guid
        .and_then(Element::trimmed_text)
        .or_else(|| item.attr_ns(Ns::Rdf, "about").map(str::to_owned));
    let link = child_text(item, CORE, "link")
        .or_else(|| alternate_link(item))
        .or_else(|| guid.and_then(permalink));
    let summary = item
        .child(CORE, "description")
        .or_else(|| item.child(DC, "description"))
        .or_else(|| item.child(&[Ns::Itunes], "summary"));
    let content = match item.child(&[Ns::Content], "encoded") {
        Some(encoded) => html(Some(encoded), base.as_deref()),
        None => item.child(&[Ns::Xhtml], "body").map(|body| Text {
            kind: TextKind::Html,
            value: body.inner_html(),
            base: join_base(base.as_deref(), body.attr_ns(Ns::Xml, "base")),
        }),
    };
    let title = item
        .child(CORE, "title")
        .or_else(|| item.child(DC, "title"))
        .or_else(|| item.child(&[Ns::Media], "title"));
    let media = media::read(item, MEDIA_CORE);
    ParsedEntry {
        id,
        title: html(title, base.as_deref()),
        link,
        summary: html(summary, base.as_deref()),
        content,
        authors: authors(item),
        categories: categories(item),
        published: child_text(item, CORE, "pubDate")
            .or_else(|| child_text(item, DCTERMS, "issued")),
        updated: child_text(item, DC, "date").or_else(|| child_text(item, DCTERMS, "modified")),
        media: media.media,
        media_description: media.description,
        base,
    }
}

/// A guid is the item's link unless `isPermaLink="false"` or it is not a URL.
fn permalink(guid: &Element) -> Option<String> {
    let is_permalink = guid
        .attr("isPermaLink")
        .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
    let text = guid.trimmed_text()?;
    let is_url = text.starts_with("http://") || text.starts_with("https://");
    (is_permalink && is_url).then_some(text)
}

/// `atom:link rel="alternate"` inside RSS, as some feeds use it.
fn alternate_link(parent: &Element) -> Option<String> {
    parent
        .children_named(ATOM, "link")
        .find(|l| l.attr("rel").is_none_or(|r| r == "alternate"))
        .and_then(|l| l.attr("href"))
        .map(|h| h.trim().to_owned())
}

fn authors(item: &Element) -> Vec<String> {
    let sources: [(&[Ns], &str); 4] = [
        (CORE, "author"),
        (DC, "creator"),
        (DC, "author"),
        (&[Ns::Itunes], "author"),
    ];
    let mut out: Vec<String> = Vec::new();
    for (ns, name) in sources {
        for author in item
            .children_named(ns, name)
            .filter_map(Element::trimmed_text)
        {
            push_unique(&mut out, author);
        }
    }
    out
}

fn categories(item: &Element) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let texts = item
        .children_named(CORE, "category")
        .chain(item.children_named(DC, "subject"))
        .chain(item.children_named(&[Ns::Media], "category"))
        .filter_map(Element::trimmed_text);
    let itunes = item
        .children_named(&[Ns::Itunes], "category")
        .flat_map(|c| {
            std::iter::once(c)
                .chain(c.children_named(&[Ns::Itunes], "category"))
                .filter_map(|c| c.attr("text").map(str::to_owned))
        });
    for category in texts.chain(itunes) {
        push_unique(&mut out, category);
    }
    out
}

/// An RSS text element read as HTML: escaped markup as text, naked markup as tags.
pub(super) fn html(element: Option<&Element>, base: Option<&str>) -> Option<Text> {
    let element = element?;
    let value = if element.has_element_children() {
        element.inner_html()
    } else {
        element.text()
    };
    Some(Text {
        kind: TextKind::Html,
        value,
        base: join_base(base, element.attr_ns(Ns::Xml, "base")),
    })
}

fn child_text(parent: &Element, ns: &[Ns], name: &str) -> Option<String> {
    parent.child(ns, name).and_then(Element::trimmed_text)
}
