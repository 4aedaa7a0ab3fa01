//! Makes feed XML safe for a strict reader without losing text: HTML named
//! entities become their characters, undefined ones and stray `&` become
//! literal text, control characters go, and comments, processing instructions
//! and the DOCTYPE are dropped (its simple internal entities are kept, but never
//! expanded recursively, so billion-laughs payloads stay small).
//!
//! Memory is bounded by the input: all internal entity expansions of one
//! document together add at most as many bytes as the document has (past that
//! budget a reference stays as written, `&name;`), and an HTML named reference
//! is replaced by its characters, never longer than the reference save for
//! `&nGt;`-like pairs (5 bytes → 6). A 1 MB feed that references a
//! 1,000-character entity 200,000 times comes out under 2.2 MB.

use std::collections::HashMap;

use markup5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};

/// Longest entity or character reference looked at (`&CounterClockwiseContourIntegral;` is 33).
const MAX_REFERENCE_LEN: usize = 40;
/// How many internal DTD entities are honoured.
const MAX_DTD_ENTITIES: usize = 64;
/// Longest internal DTD entity value honoured.
const MAX_DTD_ENTITY_LEN: usize = 1024;

/// The XML predefined entities, which the XML reader decodes itself.
const XML_PREDEFINED: [&str; 5] = ["amp", "lt", "gt", "quot", "apos"];

/// Rewrites `xml` as described in the module documentation.
pub fn prepare(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len() + xml.len() / 32);
    let mut dtd = Dtd {
        entities: HashMap::new(),
        budget: xml.len(),
    };
    let bytes = xml.as_bytes();
    let (mut i, mut plain_from) = (0, 0);
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'<' && b != b'&' && !is_xml_control(b) {
            i += 1;
            continue;
        }
        out.push_str(&xml[plain_from..i]);
        i = match b {
            b'&' => reference(xml, i, &mut dtd, &mut out),
            b'<' => markup(xml, i, &mut dtd, &mut out),
            _ => i + 1,
        };
        plain_from = i;
    }
    out.push_str(&xml[plain_from..]);
    out
}

/// Bytes XML 1.0 forbids (C0 controls other than tab, LF, CR).
fn is_xml_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')
}

/// A document's internal entities and what is left of its expansion budget.
struct Dtd {
    entities: HashMap<String, String>,
    /// Bytes that expansions may still add.
    budget: usize,
}

impl Dtd {
    /// The value of entity `name`, charged to the budget; `None` when it is
    /// not declared or the budget cannot pay for it.
    fn expand(&mut self, name: &str) -> Option<&str> {
        let value = self.entities.get(name)?;
        self.budget = self.budget.checked_sub(value.len())?;
        Some(value)
    }
}

/// Handles `<` at `at`: drops comments, PIs and the DOCTYPE, copies CDATA.
/// Returns where scanning continues.
fn markup(xml: &str, at: usize, dtd: &mut Dtd, out: &mut String) -> usize {
    let rest = &xml[at..];
    let skip_past = |end: &str, from: usize| {
        rest[from..]
            .find(end)
            .map_or(xml.len(), |p| at + from + p + end.len())
    };
    if rest.starts_with("<!--") {
        skip_past("-->", 4)
    } else if rest.starts_with("<?") {
        skip_past("?>", 2)
    } else if rest.starts_with("<![CDATA[") {
        let end = skip_past("]]>", 9);
        out.extend(
            xml[at..end]
                .chars()
                .filter(|c| !(c.is_ascii() && is_xml_control(*c as u8))),
        );
        end
    } else if rest
        .get(..9)
        .is_some_and(|s| s.eq_ignore_ascii_case("<!doctype"))
    {
        let end = doctype_end(rest);
        read_internal_entities(&rest[..end], &mut dtd.entities);
        at + end
    } else {
        out.push('<');
        at + 1
    }
}

/// Length of a DOCTYPE declaration, internal subset included.
fn doctype_end(decl: &str) -> usize {
    let mut in_subset = false;
    let mut quote = None;
    for (i, c) in decl.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => in_subset = true,
            (None, ']') => in_subset = false,
            (None, '>') if !in_subset => return i + 1,
            _ => {}
        }
    }
    decl.len()
}

/// Collects `<!ENTITY name "literal">` declarations whose value holds no
/// reference or markup; anything else (parameter, external, nested) is ignored.
fn read_internal_entities(doctype: &str, dtd: &mut HashMap<String, String>) {
    for decl in doctype.split("<!ENTITY").skip(1) {
        let decl = decl.trim_start();
        let Some((name, rest)) = decl.split_once(char::is_whitespace) else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let Some(value) = rest[1..].split(quote).next() else {
            continue;
        };
        let simple = !value.contains(['&', '%', '<']) && value.len() <= MAX_DTD_ENTITY_LEN;
        if name != "%" && simple && dtd.len() < MAX_DTD_ENTITIES {
            dtd.insert(name.to_owned(), value.to_owned());
        }
    }
}

/// Handles `&` at `at`, appending a form the XML reader accepts. Returns where
/// scanning continues.
fn reference(xml: &str, at: usize, dtd: &mut Dtd, out: &mut String) -> usize {
    let bytes = &xml.as_bytes()[at + 1..];
    let len = bytes
        .iter()
        .take(MAX_REFERENCE_LEN)
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'#' | b'_' | b'-' | b'.')));
    let Some(len) = len.filter(|&len| len > 0 && bytes[len] == b';') else {
        out.push_str("&amp;");
        return at + 1;
    };
    // Only ASCII bytes were taken, so this slice ends on a character boundary.
    let name = &xml[at + 1..at + 1 + len];
    let next = at + len + 2;
    if let Some(number) = name.strip_prefix('#') {
        if let Some(c) = char_reference(number) {
            out.push_str(&format!("&#{};", c as u32));
        }
        return next;
    }
    if XML_PREDEFINED.contains(&name) {
        out.push_str(&xml[at..next]);
    } else if let Some(value) = dtd.expand(name) {
        out.push_str(value);
    } else if let Some(text) = html_entity(name) {
        // Written as characters, so that a reference never grows: only the
        // few that stand for markup stay references.
        for c in text.chars() {
            match c {
                '<' | '>' | '&' | '"' | '\'' => out.push_str(&format!("&#{};", c as u32)),
                c => out.push(c),
            }
        }
    } else {
        out.push_str("&amp;");
        return at + 1;
    }
    next
}

/// The character a numeric reference (`#146`, `#x2019`, `#X41`) stands for, as
/// an HTML parser reads it: C1 code points map through windows-1252; code points
/// XML cannot carry give `None`.
pub(crate) fn char_reference(number: &str) -> Option<char> {
    let value = match number.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => number.parse::<u32>().ok()?,
    };
    if (0x80..=0x9F).contains(&value) {
        return C1_REPLACEMENTS[(value - 0x80) as usize].or_else(|| char::from_u32(value));
    }
    let c = char::from_u32(value)?;
    (c >= ' ' || matches!(c, '\t' | '\n' | '\r')).then_some(c)
}

/// The text of an HTML5 named character reference (`rsquo` → `’`), from the
/// table html5ever uses (2,231 names, some standing for two code points).
pub(crate) fn html_entity(name: &str) -> Option<String> {
    let mut key = String::with_capacity(name.len() + 1);
    key.push_str(name);
    key.push(';');
    let &(first, second) = NAMED_ENTITIES.get(key.as_str())?;
    let mut text: String = char::from_u32(first).into_iter().collect();
    text.extend(char::from_u32(second).filter(|_| second != 0));
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_become_xml_safe() {
        let cases = [
            ("html named entity", "a&rsquo;b", "a\u{2019}b"),
            ("nbsp", "a&nbsp;b", "a\u{a0}b"),
            ("html name for markup", "&LT;&QUOT;", "&#60;&#34;"),
            ("xml predefined kept", "&amp;&lt;&quot;", "&amp;&lt;&quot;"),
            (
                "undefined entity kept as text",
                "&doesnotexist;",
                "&amp;doesnotexist;",
            ),
            ("bare ampersand", "a=1&b=2", "a=1&amp;b=2"),
            ("uppercase hex reference", "&#X41;", "&#65;"),
            ("c1 reference as windows-1252", "don&#146;t", "don&#8217;t"),
            ("nul reference dropped", "a&#0;b", "ab"),
            ("control characters dropped", "a\u{1}b\u{b}c\td", "abc\td"),
            ("comment dropped", "a<!-- x -- y -->b", "ab"),
            ("declaration dropped", "<?xml version='1.0'?><a/>", "<a/>"),
            (
                "cdata copied",
                "<![CDATA[&nbsp;<b>]]>",
                "<![CDATA[&nbsp;<b>]]>",
            ),
            (
                "two code point entity",
                "&NotEqualTilde;",
                "\u{2242}\u{338}",
            ),
        ];
        for (name, input, want) in cases {
            assert_eq!(prepare(input), want, "{name}");
        }
    }

    #[test]
    fn simple_dtd_entity_is_expanded() {
        let xml = "<!DOCTYPE rss [\n<!ENTITY id \"tag:example.com,\">\n]><guid>&id;2006</guid>";
        assert_eq!(prepare(xml), "<guid>tag:example.com,2006</guid>");
    }

    #[test]
    fn entity_expansion_is_bounded_by_the_document() {
        let value = "x".repeat(MAX_DTD_ENTITY_LEN);
        let mut xml = format!("<!DOCTYPE rss [<!ENTITY big \"{value}\">]><t>");
        xml.push_str(&"&big;".repeat(10_000));
        xml.push_str("</t>");
        let out = prepare(&xml);
        assert!(
            out.len() <= 3 * xml.len(),
            "{} bytes out of {} in",
            out.len(),
            xml.len()
        );
        let expanded = xml.len() / MAX_DTD_ENTITY_LEN;
        assert_eq!(
            out.matches(&value).count(),
            expanded,
            "expanded while the budget lasts"
        );
        assert!(out.ends_with("&amp;big;</t>"), "then kept as written");
    }

    #[test]
    fn billion_laughs_is_not_expanded() {
        let mut xml = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for n in 1..10 {
            let prev = if n == 1 {
                "lol".to_owned()
            } else {
                format!("lol{}", n - 1)
            };
            xml.push_str(&format!(
                "<!ENTITY lol{n} \"{}\">",
                format!("&{prev};").repeat(10)
            ));
        }
        xml.push_str("]><lolz>&lol9;</lolz>");
        assert_eq!(prepare(&xml), "<lolz>&amp;lol9;</lolz>");
    }
}
