//! Questions the format mappings ask of an element: children by namespace and
//! name, attributes, text content, and inner markup serialised as HTML.

use super::dom::{Element, Node, Ns};

/// HTML elements that have no end tag.
const VOID_ELEMENTS: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

impl Element {
    /// Child elements in document order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|node| match node {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element with this local name in one of `namespaces`.
    pub fn child(&self, namespaces: &[Ns], name: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(namespaces, name))
    }

    /// Child elements with this local name in one of `namespaces`.
    pub fn children_named<'a>(
        &'a self,
        namespaces: &'a [Ns],
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> {
        self.elements()
            .filter(move |e| e.name == name && namespaces.contains(&e.ns))
    }

    /// Whether the element has this local name in one of `namespaces`.
    pub fn is(&self, namespaces: &[Ns], name: &str) -> bool {
        self.name == name && namespaces.contains(&self.ns)
    }

    /// The value of an unprefixed attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attr_ns(Ns::None, name)
    }

    /// The value of an attribute in a namespace (`Ns::Xml`, "base").
    pub fn attr_ns(&self, ns: Ns, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns == ns && a.name == name)
            .map(|a| a.value.as_str())
    }

    /// All character data inside the element, markup dropped.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.push_text(&mut out);
        out
    }

    fn push_text(&self, out: &mut String) {
        for node in &self.children {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.push_text(out),
            }
        }
    }

    /// The trimmed text, or `None` when it is empty.
    pub fn trimmed_text(&self) -> Option<String> {
        let text = self.text();
        let trimmed = text.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    }

    /// Whether any child is an element (inline markup rather than text).
    pub fn has_element_children(&self) -> bool {
        self.elements().next().is_some()
    }

    /// The children serialised as HTML: text escaped, elements by local name,
    /// namespace declarations left out.
    pub fn inner_html(&self) -> String {
        let mut out = String::new();
        for node in &self.children {
            push_html(node, true, &mut out);
        }
        out
    }

    /// Like [`Element::inner_html`], but text is copied unescaped: for HTML
    /// written partly as naked markup, partly escaped (Atom `type="html"`
    /// containing elements), the escaped part is markup too.
    pub fn inner_markup_unescaped(&self) -> String {
        let mut out = String::new();
        for node in &self.children {
            push_html(node, false, &mut out);
        }
        out
    }
}

fn push_html(node: &Node, escape_text: bool, out: &mut String) {
    match node {
        Node::Text(t) if escape_text => escape_into(t, false, out),
        Node::Text(t) => out.push_str(t),
        Node::Element(e) => {
            out.push('<');
            out.push_str(&e.name);
            for attr in e.attrs.iter().filter(|a| a.ns != Ns::Xmlns) {
                out.push(' ');
                out.push_str(&attr.name);
                out.push_str("=\"");
                escape_into(&attr.value, true, out);
                out.push('"');
            }
            out.push('>');
            if VOID_ELEMENTS.contains(&e.name.as_str()) && e.children.is_empty() {
                return;
            }
            for child in &e.children {
                push_html(child, escape_text, out);
            }
            out.push_str("</");
            out.push_str(&e.name);
            out.push('>');
        }
    }
}

/// Escapes text for HTML (`&`, `<`, `>`, and `"` inside attributes).
pub fn escape_into(text: &str, attribute: bool, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}
