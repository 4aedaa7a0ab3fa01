//! Atom 1.0 (RFC 4287) and Atom 0.3 → [`ParsedFeed`]. Text constructs follow
//! their `type` (1.0: text/html/xhtml; 0.3: a media type and `mode`).

use super::dom::{Element, Ns};
use super::{
    join_base, link_with_rel, media, push_unique, ParsedEntry, ParsedFeed, ParsedMeta, Text,
    TextKind,
};

/// Where Atom's own elements live (Atom 0.3 documents sometimes omit the namespace).
const CORE: &[Ns] = &[Ns::Atom, Ns::None, Ns::Root];
const DC: &[Ns] = &[Ns::Dc];
const DCTERMS: &[Ns] = &[Ns::DcTerms];

/// Maps a `<feed>` root.
pub fn map(feed: &Element) -> ParsedFeed {
    let base = join_base(None, feed.attr_ns(Ns::Xml, "base"));
    let entries = feed
        .children_named(CORE, "entry")
        .map(|e| entry(e, base.as_deref()))
        .collect();
    let meta = ParsedMeta {
        title: text_construct(feed.child(CORE, "title"), base.as_deref()),
        link: alternate_link(feed),
        language: feed
            .attr_ns(Ns::Xml, "lang")
            .map(str::to_owned)
            .or_else(|| child_text(feed, DC, "language")),
        updated: child_text(feed, CORE, "updated")
            .or_else(|| child_text(feed, CORE, "modified"))
            .or_else(|| child_text(feed, DC, "date"))
            .or_else(|| child_text(feed, DCTERMS, "modified")),
        hub: link_with_rel(feed.children_named(CORE, "link"), "hub"),
        self_link: link_with_rel(feed.children_named(CORE, "link"), "self"),
        base,
        ..ParsedMeta::default()
    };
    ParsedFeed { meta, entries }
}

fn entry(entry: &Element, feed_base: Option<&str>) -> ParsedEntry {
    let base = join_base(feed_base, entry.attr_ns(Ns::Xml, "base"));
    let content = entry
        .child(CORE, "content")
        .filter(|c| c.attr("src").is_none());
    let media = media::read(entry, CORE);
    ParsedEntry {
        id: child_text(entry, CORE, "id"),
        title: text_construct(entry.child(CORE, "title"), base.as_deref()),
        link: alternate_link(entry),
        summary: text_construct(entry.child(CORE, "summary"), base.as_deref()),
        content: text_construct(content, base.as_deref()),
        authors: authors(entry),
        categories: entry
            .children_named(CORE, "category")
            .filter_map(|c| {
                c.attr("term")
                    .map(|t| t.trim().to_owned())
                    .or_else(|| c.trimmed_text())
            })
            .filter(|t| !t.is_empty())
            .chain(
                entry
                    .children_named(DC, "subject")
                    .filter_map(Element::trimmed_text),
            )
            .fold(Vec::new(), |mut list, category| {
                push_unique(&mut list, category);
                list
            }),
        published: child_text(entry, CORE, "published")
            .or_else(|| child_text(entry, CORE, "issued"))
            .or_else(|| child_text(entry, DCTERMS, "issued")),
        updated: child_text(entry, CORE, "updated")
            .or_else(|| child_text(entry, CORE, "modified"))
            .or_else(|| child_text(entry, DC, "date"))
            .or_else(|| child_text(entry, DCTERMS, "modified")),
        media: media.media,
        media_description: media.description,
        base,
    }
}

/// The `rel="alternate"` link (a link without `rel` is an alternate), else
/// the first link that is not an enclosure.
fn alternate_link(parent: &Element) -> Option<String> {
    let links: Vec<&Element> = parent
        .children_named(CORE, "link")
        .filter(|l| l.attr("href").is_some())
        .filter(|l| l.attr("rel").is_none_or(|r| r.trim() != "enclosure"))
        .collect();
    let alternate = links
        .iter()
        .find(|l| l.attr("rel").is_none_or(|r| r.trim() == "alternate"));
    alternate
        .or(links.first())
        .and_then(|l| l.attr("href"))
        .map(|h| h.trim().to_owned())
}

fn authors(entry: &Element) -> Vec<String> {
    let atom = entry.children_named(CORE, "author").filter_map(|a| {
        a.child(CORE, "name")
            .and_then(Element::trimmed_text)
            .or_else(|| a.trimmed_text())
    });
    let dc = entry
        .children_named(DC, "creator")
        .filter_map(Element::trimmed_text);
    let mut out: Vec<String> = Vec::new();
    for author in atom.chain(dc) {
        push_unique(&mut out, author);
    }
    out
}

/// Reads an Atom text construct by its `type` (and Atom 0.3's `mode`).
pub(super) fn text_construct(element: Option<&Element>, base: Option<&str>) -> Option<Text> {
    let element = element?;
    let base = join_base(base, element.attr_ns(Ns::Xml, "base"));
    let kind = element
        .attr("type")
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let escaped = element.attr("mode").is_some_and(|m| m.trim() == "escaped");
    let (kind, value) = match kind.as_str() {
        "xhtml" | "application/xhtml+xml" => (TextKind::Html, xhtml_inner(element)),
        "html" | "text/html" => (TextKind::Html, html_value(element)),
        _ if escaped => (TextKind::Html, html_value(element)),
        // Markup inside a text construct that claims to be text is read as markup.
        _ if element.has_element_children() => (TextKind::Html, element.inner_html()),
        _ => (TextKind::Plain, element.text()),
    };
    Some(Text { kind, value, base })
}

fn html_value(element: &Element) -> String {
    if element.has_element_children() {
        element.inner_markup_unescaped()
    } else {
        element.text()
    }
}

/// XHTML content is wrapped in one `<div>`, which is not part of the content.
fn xhtml_inner(element: &Element) -> String {
    let mut children = element.elements();
    match (children.next(), children.next()) {
        (Some(div), None) if div.name == "div" && element.text().trim() == div.text().trim() => {
            div.inner_html()
        }
        _ => element.inner_html(),
    }
}

fn child_text(parent: &Element, ns: &[Ns], name: &str) -> Option<String> {
    parent.child(ns, name).and_then(Element::trimmed_text)
}
