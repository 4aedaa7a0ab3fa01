//! A small, lenient element tree read with quick-xml: mismatched end tags close
//! what they match, and a document that breaks off (truncation, a syntax error)
//! keeps everything read before the break, with open elements closed.

use quick_xml::escape::unescape;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, NamespaceResolver, ResolveResult};
use quick_xml::Reader;

/// Deeper elements are flattened into their ancestor (their text is kept), so
/// that hostile nesting cannot exhaust the stack when the tree is walked.
const MAX_DEPTH: usize = 64;

/// The namespaces the mappings care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    /// No namespace.
    None,
    /// The namespace the root element is in, when it is not a known one.
    Root,
    /// RSS 0.90, RSS 1.0 and the namespaced RSS 2.0 variants.
    Rss,
    /// Atom 1.0 and Atom 0.3.
    Atom,
    /// Dublin Core elements.
    Dc,
    /// Dublin Core terms.
    DcTerms,
    /// RSS 1.0 content module (`content:encoded`).
    Content,
    /// Apple podcasts.
    Itunes,
    /// Media RSS.
    Media,
    /// RSS 1.0 syndication module (`sy:updatePeriod`).
    Sy,
    /// RDF syntax (`rdf:about`).
    Rdf,
    /// XHTML.
    Xhtml,
    /// The `xml:` prefix (`xml:base`, `xml:lang`).
    Xml,
    /// The `xmlns` declarations themselves.
    Xmlns,
    /// Anything else.
    Other,
}

/// An attribute: namespace, local name, decoded value.
#[derive(Debug, Clone)]
pub struct Attr {
    pub(super) ns: Ns,
    pub(super) name: String,
    pub(super) value: String,
}

/// A child of an element.
#[derive(Debug, Clone)]
pub enum Node {
    /// A nested element.
    Element(Element),
    /// Character data (CDATA included), references decoded.
    Text(String),
}

/// An element with its namespace, local name, attributes and children.
#[derive(Debug, Clone)]
pub struct Element {
    /// The element's namespace.
    pub ns: Ns,
    /// The element's local name.
    pub name: String,
    pub(super) attrs: Vec<Attr>,
    pub(super) children: Vec<Node>,
}

/// Reads `xml` (already through `entities::prepare`) into its root element.
/// Returns `Err((position, message))` only when no root element was started.
pub fn read(xml: &str) -> Result<Element, (u64, String)> {
    let mut reader = Reader::from_str(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.expand_empty_elements = true;
    config.allow_dangling_amp = true;
    let mut builder = Builder::default();
    // quick-xml reports each reference (`&amp;`, `&#233;`) as its own event,
    // between the text events around it. A run of text and references is
    // gathered raw here and unescaped as one piece when the run ends, so a
    // bad reference keeps the whole run literal, as it always has.
    let mut run = String::new();
    let mut scopes = Scopes::default();
    loop {
        let event = reader.read_event().and_then(|e| scopes.track(e));
        match &event {
            Ok(Event::Text(text)) => {
                run.push_str(&String::from_utf8_lossy(text.as_ref()));
                continue;
            }
            Ok(Event::GeneralRef(reference)) => {
                run.push('&');
                run.push_str(&String::from_utf8_lossy(reference.as_ref()));
                run.push(';');
                continue;
            }
            _ => builder.text_run(&mut run),
        }
        match event {
            Ok(Event::Start(start)) => builder.start(&scopes.resolver, &start),
            Ok(Event::End(end)) => builder.end(&String::from_utf8_lossy(end.local_name().as_ref())),
            Ok(Event::CData(data)) => builder.text(String::from_utf8_lossy(&data).into_owned()),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                if builder.stack.is_empty() && builder.root.is_none() {
                    return Err((reader.error_position(), e.to_string()));
                }
                tracing::debug!(position = reader.error_position(), error = %e, "xml broke off; keeping what was read");
                break;
            }
        }
        if builder.root.is_some() {
            break;
        }
    }
    builder
        .finish()
        .ok_or_else(|| (reader.buffer_position(), "no root element".to_owned()))
}

/// Namespace scopes, kept here rather than by `NsReader`, whose `u16`
/// nesting counter overflows (a panic in debug builds) on hostile nesting.
/// Past `MAX_NS_DEPTH` open elements, declarations are no longer read; the
/// tree flattens far above that (`MAX_DEPTH`), so nothing kept is affected.
#[derive(Default)]
struct Scopes {
    resolver: NamespaceResolver,
    /// Open elements: start tags not yet ended.
    depth: usize,
}

/// Deepest element whose namespace declarations are read.
const MAX_NS_DEPTH: usize = u16::MAX as usize - 1;

impl Scopes {
    /// Opens a scope at each start tag and closes it at each end tag, as
    /// `NsReader` does (empty elements arrive expanded into both).
    fn track<'a>(&mut self, event: Event<'a>) -> quick_xml::Result<Event<'a>> {
        match &event {
            Event::Start(start) => {
                self.depth += 1;
                if self.depth <= MAX_NS_DEPTH {
                    self.resolver.push(start)?;
                }
            }
            Event::End(_) => {
                if self.depth <= MAX_NS_DEPTH {
                    self.resolver.pop();
                }
                self.depth = self.depth.saturating_sub(1);
            }
            _ => {}
        }
        Ok(event)
    }
}

#[derive(Default)]
struct Builder {
    stack: Vec<Element>,
    /// Start tags below `MAX_DEPTH` still open.
    flattened: usize,
    root: Option<Element>,
    root_ns: Option<Vec<u8>>,
}

impl Builder {
    fn start(&mut self, resolver: &NamespaceResolver, start: &BytesStart) {
        let (ns, _) = resolver.resolve_element(start.name());
        if self.stack.len() >= MAX_DEPTH {
            self.flattened += 1;
            return;
        }
        if self.stack.is_empty() {
            if let ResolveResult::Bound(Namespace(uri)) = ns {
                self.root_ns = Some(uri.to_vec());
            }
        }
        let ns = self.classify(ns, start.name().prefix().map(|p| p.into_inner()));
        let attrs = start
            .attributes()
            .with_checks(false)
            .filter_map(Result::ok)
            .map(|attr| {
                let (attr_ns, local) = resolver.resolve_attribute(attr.key);
                // Unescaped without attribute-value normalisation (which
                // would turn tabs and newlines into spaces).
                let raw = String::from_utf8_lossy(&attr.value);
                let value = match unescape(&raw) {
                    Ok(v) => v.into_owned(),
                    Err(_) => raw.into_owned(),
                };
                let prefix = attr.key.prefix().map(|p| p.into_inner());
                let ns = match (prefix, attr.key.as_ref()) {
                    (_, b"xmlns") | (Some(b"xmlns"), _) => Ns::Xmlns,
                    (None, _) => Ns::None,
                    (Some(_), _) => self.classify(attr_ns, prefix),
                };
                Attr {
                    ns,
                    name: String::from_utf8_lossy(local.as_ref()).into_owned(),
                    value,
                }
            })
            .collect();
        let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
        self.stack.push(Element {
            ns,
            name,
            attrs,
            children: Vec::new(),
        });
    }

    fn classify(&self, ns: ResolveResult, prefix: Option<&[u8]>) -> Ns {
        match ns {
            ResolveResult::Bound(Namespace(uri))
                if Some(uri) == self.root_ns.as_deref() && known(uri).is_none() =>
            {
                Ns::Root
            }
            ResolveResult::Bound(Namespace(uri)) => known(uri).unwrap_or(Ns::Other),
            // An undeclared prefix: trust the customary ones.
            ResolveResult::Unknown(p) => by_prefix(&p),
            ResolveResult::Unbound => prefix.map_or(Ns::None, by_prefix),
        }
    }

    fn end(&mut self, local: &str) {
        if self.flattened > 0 {
            self.flattened -= 1;
            return;
        }
        if let Some(open) = self.stack.iter().rposition(|e| e.name == local) {
            while self.stack.len() > open {
                self.close_top();
            }
        }
    }

    fn close_top(&mut self) {
        let Some(done) = self.stack.pop() else { return };
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(Node::Element(done)),
            None => self.root = Some(done),
        }
    }

    /// Adds a gathered run of raw text and references, unescaped (kept
    /// literal when a reference in it is bad), and empties `run`.
    fn text_run(&mut self, run: &mut String) {
        if run.is_empty() {
            return;
        }
        let text = match unescape(run) {
            Ok(text) => text.into_owned(),
            Err(_) => run.clone(),
        };
        run.clear();
        self.text(text);
    }

    fn text(&mut self, text: String) {
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        match top.children.last_mut() {
            Some(Node::Text(prev)) => prev.push_str(&text),
            _ => top.children.push(Node::Text(text)),
        }
    }

    fn finish(mut self) -> Option<Element> {
        while !self.stack.is_empty() {
            self.close_top();
        }
        self.root
    }
}

fn known(uri: &[u8]) -> Option<Ns> {
    let uri = std::str::from_utf8(uri)
        .ok()?
        .trim_end_matches('/')
        .to_ascii_lowercase();
    Some(match uri.as_str() {
        "http://purl.org/rss/1.0"
        | "http://my.netscape.com/rdf/simple/0.9"
        | "http://backend.userland.com/rss2"
        | "http://backend.userland.com/rss"
        | "http://blogs.law.harvard.edu/tech/rss" => Ns::Rss,
        "http://www.w3.org/2005/Atom" | "http://purl.org/atom/ns#" => Ns::Atom,
        "http://purl.org/dc/elements/1.1" => Ns::Dc,
        "http://purl.org/dc/terms" => Ns::DcTerms,
        "http://purl.org/rss/1.0/modules/content" => Ns::Content,
        "http://www.itunes.com/dtds/podcast-1.0.dtd" => Ns::Itunes,
        "http://search.yahoo.com/mrss" => Ns::Media,
        "http://purl.org/rss/1.0/modules/syndication" => Ns::Sy,
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#" => Ns::Rdf,
        "http://www.w3.org/1999/xhtml" => Ns::Xhtml,
        "http://www.w3.org/xml/1998/namespace" => Ns::Xml,
        _ => return None,
    })
}

fn by_prefix(prefix: &[u8]) -> Ns {
    match prefix {
        b"atom" => Ns::Atom,
        b"dc" => Ns::Dc,
        b"dcterms" => Ns::DcTerms,
        b"content" => Ns::Content,
        b"itunes" => Ns::Itunes,
        b"media" => Ns::Media,
        b"sy" => Ns::Sy,
        b"rdf" => Ns::Rdf,
        b"xhtml" => Ns::Xhtml,
        b"xml" => Ns::Xml,
        _ => Ns::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::entities;

    fn root(xml: &str) -> Element {
        read(&entities::prepare(xml)).expect("a root element")
    }

    #[test]
    fn references_between_text_are_decoded_in_place() {
        let doc = root("<t>A &amp; B &#233;&#x301; &eacute;&nbsp;x&hellip; &lt;b&gt;</t>");
        assert_eq!(doc.text(), "A & B \u{e9}\u{301} \u{e9}\u{a0}x\u{2026} <b>");
    }

    #[test]
    fn a_bad_character_reference_keeps_its_run_literal() {
        // `entities::prepare` drops such references; the reader alone keeps them.
        let doc = read("<t>bad &#0; ref &amp; more<![CDATA[ &amp;]]> after &amp;</t>").unwrap();
        assert_eq!(doc.text(), "bad &#0; ref &amp; more &amp; after &");
    }

    #[test]
    fn attribute_values_are_unescaped_but_not_normalised() {
        let doc = root("<t href=\"a?x=1&amp;y=&quot;2&quot;\tz&#10;w\"/>");
        assert_eq!(doc.attr("href"), Some("a?x=1&y=\"2\"\tz\nw"));
    }
}
