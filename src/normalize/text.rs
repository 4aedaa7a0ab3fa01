//! Plain text: HTML → text, entity decoding, Unicode NFC, author names.

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use super::limits::{cut, MAX_TITLE_BYTES};
use crate::parse::{char_reference, html_entity};

/// Elements after which text starts on a new line; the full-text
/// extractor splits paragraphs on the same ones.
const BLOCK_ELEMENTS: [&str; 33] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// Whether `name` (lowercase) is a block element: text after it starts on
/// a new line.
pub(crate) fn is_block_element(name: &str) -> bool {
    BLOCK_ELEMENTS.contains(&name)
}

/// Plain text from HTML: tags dropped (block elements become line breaks,
/// `script`/`style` bodies and comments dropped), entities decoded, spaces
/// collapsed within lines, blank lines removed, NFC. Linear in the input:
/// each byte is looked at a bounded number of times, whatever the markup.
pub fn html_to_text(html: &str) -> String {
    let mut raw = String::with_capacity(html.len());
    let mut closers = NextByte::new(b'>');
    let mut at = 0;
    while let Some(found) = html[at..].find(['&', '<']) {
        raw.push_str(&html[at..at + found]);
        at += found;
        at = if html[at..].starts_with('&') {
            decode_reference(html, at, &mut raw)
        } else {
            skip_tag(html, at, &mut closers, &mut raw)
        };
    }
    raw.push_str(&html[at..]);
    let lines: Vec<String> = raw
        .lines()
        .map(collapse_spaces)
        .filter(|l| !l.is_empty())
        .collect();
    nfc(&lines.join("\n"))
}

/// Where the next `byte` is, at or after a position that only moves forward.
/// The answer is remembered, so that `<1<1<1…>` does not scan to the same `>`
/// once per `<` (which made HTML → text quadratic).
pub(super) struct NextByte {
    byte: u8,
    /// The last answer, `None` once there is no such byte left.
    found: Option<usize>,
    /// Where the last search started.
    searched_from: usize,
}

impl NextByte {
    pub(super) fn new(byte: u8) -> NextByte {
        // `searched_from` past every start: the first call searches.
        NextByte {
            byte,
            found: Some(0),
            searched_from: usize::MAX,
        }
    }

    /// The first `byte` of `text` at or after `from`.
    pub(super) fn at_or_after(&mut self, text: &str, from: usize) -> Option<usize> {
        match self.found {
            Some(found) if found >= from && self.searched_from <= from => Some(found),
            None => None,
            _ => {
                self.searched_from = from;
                self.found = text.as_bytes()[from..]
                    .iter()
                    .position(|&b| b == self.byte)
                    .map(|p| from + p);
                self.found
            }
        }
    }
}

/// A single-line plain text: like [`html_to_text`] for HTML, spaces collapsed for
/// plain text; capped at [`MAX_TITLE_BYTES`]. Hostile feeds send megabyte
/// titles: only a bounded start of the value is read (a title is one line, so
/// at most 64 bytes of markup and spaces per byte kept).
pub fn title_text(value: &str, is_html: bool) -> String {
    let value = cut(value, 64 * MAX_TITLE_BYTES);
    let text = if is_html {
        html_to_text(value)
    } else {
        nfc(value)
    };
    let line = collapse_spaces(&text.replace('\n', " "));
    cut(&line, MAX_TITLE_BYTES).to_owned()
}

/// Unicode NFC, without allocating when the text already is (the usual case).
pub fn nfc(text: &str) -> String {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text.to_owned(),
        _ => text.nfc().collect(),
    }
}

/// Runs of ASCII whitespace become one space; ends trimmed. Other spaces
/// (U+00A0 from `&nbsp;`) are content and stay.
fn collapse_spaces(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for word in line.split_ascii_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Decodes the reference at `html[at..]` (which starts with `&`) into `out`;
/// an unknown name stays as written. Returns where scanning continues.
fn decode_reference(html: &str, at: usize, out: &mut String) -> usize {
    let text = &html[at..];
    let end = text.bytes().take(40).position(|b| b == b';');
    let decoded = end.and_then(|end| {
        let name = &text[1..end];
        let c = match name.strip_prefix('#') {
            Some(num) => char_reference(num).map(String::from),
            None => html_entity(name),
        }?;
        Some((c, end + 1))
    });
    match decoded {
        Some((c, len)) => {
            out.push_str(&c);
            at + len
        }
        None => {
            out.push('&');
            at + 1
        }
    }
}

/// Skips the tag at `html[at..]` (which starts with `<`), writing a line break
/// for block elements. A `<` that starts no tag (`1 < 2`) is text. Returns
/// where scanning continues.
fn skip_tag(html: &str, at: usize, closers: &mut NextByte, out: &mut String) -> usize {
    let text = &html[at..];
    if let Some(comment) = text.strip_prefix("<!--") {
        return comment
            .find("-->")
            .map_or(html.len(), |end| at + 4 + end + 3);
    }
    let starts_tag = text[1..]
        .starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?');
    let end = match closers.at_or_after(html, at) {
        Some(end) if starts_tag => end,
        _ => {
            out.push('<');
            return at + 1;
        }
    };
    let name: String = html[at + 1..end]
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    if is_block_element(&name) {
        out.push('\n');
    }
    let rest = end + 1;
    if (name == "script" || name == "style") && !text.starts_with("</") {
        return find_end_tag(&html[rest..], &name).map_or(html.len(), |to| rest + to);
    }
    rest
}

/// Where `</name` starts in `html`, matching the name case-insensitively.
fn find_end_tag(html: &str, name: &str) -> Option<usize> {
    html.match_indices("</").map(|(at, _)| at).find(|&at| {
        html.as_bytes()
            .get(at + 2..at + 2 + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
    })
}

/// An author's name without the e-mail address: `Name <me@x.com>` and
/// `me@x.com (Name)` give `Name`; anything else is kept as written.
pub fn author_name(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let name = match (raw.find('<'), raw.find('(')) {
        (Some(lt), _) if lt > 0 && raw.ends_with('>') => raw[..lt].trim(),
        (_, Some(open)) if raw.ends_with(')') && raw[..open].contains('@') => {
            raw[open + 1..raw.len() - 1].trim()
        }
        (_, Some(open)) if raw.ends_with(')') && raw[open..].contains('@') => raw[..open].trim(),
        _ => raw,
    };
    let name = collapse_spaces(name);
    (!name.is_empty()).then(|| nfc(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_text() {
        let cases = [
            ("tags dropped", "Example <b>Atom</b>", "Example Atom"),
            (
                "escaped brackets decoded",
                "History of the &lt;blink&gt; tag",
                "History of the <blink> tag",
            ),
            ("lone less-than is text", "1 < 2", "1 < 2"),
            (
                "named entities",
                "don&rsquo;t&nbsp;stop",
                "don\u{2019}t\u{a0}stop",
            ),
            (
                "unknown entity kept",
                "&doesnotexist; x",
                "&doesnotexist; x",
            ),
            (
                "blocks become lines",
                "<p>one</p><p>two<br>three</p>",
                "one\ntwo\nthree",
            ),
            ("script dropped", "a<script>alert(1)</script>b", "ab"),
            ("uppercase script dropped", "a<SCRIPT>x</Script>b", "ab"),
            ("unclosed tags are text", "a<b<c", "a<b<c"),
            ("comment dropped", "a<!-- c -->b", "ab"),
            ("spaces collapsed", "  a \n\n  b  ", "a\nb"),
            (
                "devanagari nukta composed",
                "<p>\u{91C}\u{93C}</p>",
                "\u{91C}\u{93C}",
            ),
        ];
        for (name, html, want) in cases {
            assert_eq!(html_to_text(html), want, "{name}");
        }
    }

    #[test]
    fn nfc_keeps_devanagari_as_nfc_gives() {
        // U+095B (ज़) is a composition exclusion: NFC decomposes it to U+091C U+093C.
        let cases = [
            ("precomposed za", "\u{95B}बर", "\u{91C}\u{93C}बर"),
            ("decomposed za", "\u{91C}\u{93C}बर", "\u{91C}\u{93C}बर"),
            ("latin e acute", "e\u{301}", "é"),
        ];
        for (name, input, want) in cases {
            assert_eq!(nfc(input), want, "{name}");
        }
    }

    #[test]
    fn author_names_lose_their_addresses() {
        let cases = [
            (
                "name then address",
                "Example editor <me@example.com>",
                Some("Example editor"),
            ),
            (
                "address then name",
                "me@example.com (Example editor)",
                Some("Example editor"),
            ),
            ("name only", "Mark Pilgrim", Some("Mark Pilgrim")),
            (
                "name then address in parentheses",
                "Example editor (me@example.com)",
                Some("Example editor"),
            ),
            (
                "name with parentheses",
                "Ravi (Delhi bureau)",
                Some("Ravi (Delhi bureau)"),
            ),
            ("blank", "  ", None),
        ];
        for (name, raw, want) in cases {
            assert_eq!(author_name(raw).as_deref(), want, "{name}");
        }
    }

    #[test]
    fn hostile_markup_takes_linear_time() {
        let started = std::time::Instant::now();
        let unclosed = "<a".repeat(500_000);
        assert_eq!(
            html_to_text(&unclosed).len(),
            unclosed.len(),
            "unclosed tags"
        );
        let scripts = "<script>x".repeat(100_000);
        assert_eq!(html_to_text(&scripts), "", "unclosed scripts");
        assert!(
            started.elapsed().as_secs() < 5,
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn less_thans_before_one_far_greater_than_are_text() {
        // Its time is measured in `benches/hostile.rs`: it was quadratic.
        let pairs = format!("{}>", "<1".repeat(50_000));
        assert_eq!(html_to_text(&pairs), pairs);
        assert_eq!(html_to_text("<1<b>x</b>"), "<1x");
    }

    #[test]
    fn megabyte_title_is_capped() {
        let title = "क".repeat(1 << 20);
        let cut = title_text(&title, true);
        assert!(cut.len() <= MAX_TITLE_BYTES && cut.len() > MAX_TITLE_BYTES - 3);
        assert!(cut.chars().all(|c| c == 'क'));
    }
}
