//! Namespace scopes for [`dom`](super::dom). Hand-written rather than
//! quick-xml's `NsReader`, whose lookup scans every declaration in scope: a
//! root declaring 100,000 prefixes over 100,000 prefixed children cost 10^10
//! steps. Here a lookup is one hash probe, and each declaration is pushed and
//! popped once.

use std::collections::HashMap;

use quick_xml::events::BytesStart;

use super::dom::MAX_ATTRIBUTES;

/// The namespace `xml:` is bound to by definition.
const XML_NAMESPACE: &[u8] = b"http://www.w3.org/XML/1998/namespace";

/// What a prefix stands for where it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved<'a> {
    /// Bound to this namespace URI.
    Bound(&'a [u8]),
    /// A prefix no open element declares.
    Unknown,
    /// No prefix, and no default namespace in effect (or an attribute).
    Unbound,
}

/// The declarations of the open elements.
#[derive(Debug, Default)]
pub struct Scopes {
    /// Prefix (empty for the default namespace) → its URIs, innermost last.
    bindings: HashMap<Vec<u8>, Vec<Vec<u8>>>,
    /// The prefixes each open element declared, outermost first.
    frames: Vec<Vec<Vec<u8>>>,
}

impl Scopes {
    /// Opens an element: its `xmlns` and `xmlns:p` attributes take effect
    /// (the first [`MAX_ATTRIBUTES`] of them).
    pub fn open(&mut self, start: &BytesStart) {
        let mut declared = Vec::new();
        for attr in start.attributes().with_checks(false).flatten() {
            if declared.len() == MAX_ATTRIBUTES {
                break;
            }
            let key = attr.key.as_ref();
            let prefix = match key.strip_prefix(b"xmlns") {
                Some([]) => &[][..],
                Some([b':', prefix @ ..]) => prefix,
                _ => continue,
            };
            self.bindings
                .entry(prefix.to_vec())
                .or_default()
                .push(attr.value.into_owned());
            declared.push(prefix.to_vec());
        }
        self.frames.push(declared);
    }

    /// Closes the innermost open element: its declarations end.
    pub fn close(&mut self) {
        for prefix in self.frames.pop().unwrap_or_default() {
            if let Some(uris) = self.bindings.get_mut(&prefix) {
                uris.pop();
            }
        }
    }

    /// The namespace of an element name with this prefix.
    pub fn element(&self, prefix: Option<&[u8]>) -> Resolved<'_> {
        match prefix {
            None => match self.innermost(b"") {
                Some(uri) if !uri.is_empty() => Resolved::Bound(uri),
                _ => Resolved::Unbound,
            },
            Some(prefix) => self.prefixed(prefix),
        }
    }

    /// The namespace of an attribute name with this prefix (unprefixed
    /// attributes are in no namespace).
    pub fn attribute(&self, prefix: Option<&[u8]>) -> Resolved<'_> {
        prefix.map_or(Resolved::Unbound, |p| self.prefixed(p))
    }

    fn prefixed(&self, prefix: &[u8]) -> Resolved<'_> {
        if prefix == b"xml" {
            return Resolved::Bound(XML_NAMESPACE);
        }
        match self.innermost(prefix) {
            Some(uri) if !uri.is_empty() => Resolved::Bound(uri),
            _ => Resolved::Unknown,
        }
    }

    fn innermost(&self, prefix: &[u8]) -> Option<&[u8]> {
        self.bindings.get(prefix)?.last().map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_nest_and_end_with_their_element() {
        let mut scopes = Scopes::default();
        scopes.open(&BytesStart::from_content("a xmlns='d' xmlns:p='u1'", 1));
        scopes.open(&BytesStart::from_content("b xmlns:p='u2' xmlns=''", 1));
        assert_eq!(scopes.element(Some(b"p")), Resolved::Bound(b"u2"));
        assert_eq!(
            scopes.element(None),
            Resolved::Unbound,
            "default undeclared"
        );
        assert_eq!(scopes.element(Some(b"q")), Resolved::Unknown);
        assert_eq!(scopes.attribute(None), Resolved::Unbound);
        assert_eq!(
            scopes.attribute(Some(b"xml")),
            Resolved::Bound(XML_NAMESPACE)
        );
        scopes.close();
        assert_eq!(scopes.element(Some(b"p")), Resolved::Bound(b"u1"));
        assert_eq!(scopes.element(None), Resolved::Bound(b"d"));
        scopes.close();
        scopes.close();
        assert_eq!(scopes.element(Some(b"p")), Resolved::Unknown);
    }
}
