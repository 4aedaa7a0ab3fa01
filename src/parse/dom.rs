//! A small, lenient element tree read with quick-xml: mismatched end tags close
//! what they match, and a document that breaks off (truncation, a syntax error)
//! keeps everything read before the break, with open elements closed.

use quick_xml::escape::unescape;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::namespaces::{Resolved, Scopes};

/// Deeper elements are flattened into their ancestor (their text is kept), so
/// that hostile nesting cannot exhaust the stack when the tree is walked.
const MAX_DEPTH: usize = 64;

/// Elements kept per document; later ones are flattened the same way. An
/// element costs ~150 bytes however short its tag, so 10 MiB of `<a/>` would
/// take 400 MB; this bounds the tree to ~40 MB and still holds 10,000 items
/// of 20 elements each.
const MAX_ELEMENTS: usize = 200_000;

/// Attributes kept per element (and namespace declarations honoured, see
/// [`Scopes`]): real feeds use a handful, and each costs ~100 bytes however
/// short, so 10 MiB of `a=""` would take 200 MB.
pub(super) const MAX_ATTRIBUTES: usize = 64;

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
    let mut scopes = Scopes::default();
    // quick-xml reports each reference (`&amp;`, `&#233;`) as its own event,
    // between the text events around it. A run of text and references is
    // gathered raw here and unescaped as one piece when the run ends, so a
    // bad reference keeps the whole run literal, as it always has.
    let mut run = String::new();
    loop {
        let event = reader.read_event();
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
            Ok(Event::Start(start)) => {
                scopes.open(&start);
                builder.start(&scopes, &start);
            }
            Ok(Event::End(end)) => {
                builder.end(&String::from_utf8_lossy(end.local_name().as_ref()));
                scopes.close();
            }
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

#[derive(Default)]
struct Builder {
    stack: Vec<Element>,
    /// Elements started so far, flattened ones not counted.
    elements: usize,
    /// Start tags below `MAX_DEPTH` still open.
    flattened: usize,
    root: Option<Element>,
    root_ns: Option<Vec<u8>>,
}

impl Builder {
    fn start(&mut self, scopes: &Scopes, start: &BytesStart) {
        if self.stack.len() >= MAX_DEPTH || self.elements >= MAX_ELEMENTS {
            self.flattened += 1;
            return;
        }
        self.elements += 1;
        let prefix = start.name().prefix().map(|p| p.into_inner());
        let ns = scopes.element(prefix);
        if self.stack.is_empty() {
            if let Resolved::Bound(uri) = ns {
                self.root_ns = Some(uri.to_vec());
            }
        }
        let ns = self.classify(ns, prefix);
        let attrs = start
            .attributes()
            .with_checks(false)
            .filter_map(Result::ok)
            .take(MAX_ATTRIBUTES)
            .map(|attr| {
                let prefix = attr.key.prefix().map(|p| p.into_inner());
                let local = attr.key.local_name();
                // Unescaped without attribute-value normalisation (which
                // would turn tabs and newlines into spaces).
                let raw = String::from_utf8_lossy(&attr.value);
                let value = match unescape(&raw) {
                    Ok(v) => v.into_owned(),
                    Err(_) => raw.into_owned(),
                };
                let ns = match (prefix, attr.key.as_ref()) {
                    (_, b"xmlns") | (Some(b"xmlns"), _) => Ns::Xmlns,
                    (None, _) => Ns::None,
                    (Some(_), _) => self.classify(scopes.attribute(prefix), prefix),
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

    fn classify(&self, ns: Resolved, prefix: Option<&[u8]>) -> Ns {
        match ns {
            Resolved::Bound(uri)
                if Some(uri) == self.root_ns.as_deref() && known(uri).is_none() =>
            {
                Ns::Root
            }
            Resolved::Bound(uri) => known(uri).unwrap_or(Ns::Other),
            // An undeclared prefix: trust the customary ones.
            Resolved::Unknown | Resolved::Unbound => prefix.map_or(Ns::None, by_prefix),
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
        let Some(mut done) = self.stack.pop() else {
            return;
        };
        done.children.shrink_to_fit();
        done.attrs.shrink_to_fit();
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
        // Compared lowercased, as `uri` is.
        "http://www.w3.org/2005/atom" | "http://purl.org/atom/ns#" => Ns::Atom,
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
