//! Plain text: HTML → text, entity decoding, Unicode NFC, author names.

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use crate::parse::{char_reference, html_entity};

/// Longest title kept, in characters; hostile feeds send megabyte titles.
pub const MAX_TITLE_CHARS: usize = 2048;

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
/// collapsed within lines, blank lines removed, NFC.
pub fn html_to_text(html: &str) -> String {
    let mut raw = String::with_capacity(html.len());
    let mut rest = html;
    // Once no `>` is left, no `<` can open a tag: looking again would make
    // `<a<a<a…` quadratic.
    let mut tags_left = true;
    while let Some(at) = rest.find(|c| c == '&' || (tags_left && c == '<')) {
        raw.push_str(&rest[..at]);
        rest = &rest[at..];
        rest = if rest.starts_with('&') {
            decode_reference(rest, &mut raw)
        } else {
            tags_left = rest.contains('>');
            skip_tag(rest, &mut raw)
        };
    }
    raw.push_str(rest);
    let lines: Vec<String> = raw
        .lines()
        .map(collapse_spaces)
        .filter(|l| !l.is_empty())
        .collect();
    nfc(&lines.join("\n"))
}

/// A single-line plain text: like [`html_to_text`] for HTML, spaces collapsed for
/// plain text; capped at [`MAX_TITLE_CHARS`].
pub fn title_text(value: &str, is_html: bool) -> String {
    let text = if is_html {
        html_to_text(value)
    } else {
        nfc(value)
    };
    let line = collapse_spaces(&text.replace('\n', " "));
    match line.char_indices().nth(MAX_TITLE_CHARS) {
        Some((cut, _)) => line[..cut].to_owned(),
        None => line,
    }
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

/// Decodes the reference at the start of `text` (which starts with `&`) into
/// `out`; an unknown name stays as written. Returns the rest.
fn decode_reference<'a>(text: &'a str, out: &mut String) -> &'a str {
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
            &text[len..]
        }
        None => {
            out.push('&');
            &text[1..]
        }
    }
}

/// Skips the tag at the start of `text` (which starts with `<`), writing a line
/// break for block elements. A `<` that starts no tag (`1 < 2`) is text.
fn skip_tag<'a>(text: &'a str, out: &mut String) -> &'a str {
    if let Some(comment) = text.strip_prefix("<!--") {
        return comment.find("-->").map_or("", |end| &comment[end + 3..]);
    }
    let starts_tag = text[1..]
        .starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?');
    let Some(end) = text.find('>').filter(|_| starts_tag) else {
        out.push('<');
        return &text[1..];
    };
    let name: String = text[1..end]
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let rest = &text[end + 1..];
    if is_block_element(&name) {
        out.push('\n');
    }
    if (name == "script" || name == "style") && !text.starts_with("</") {
        return find_end_tag(rest, &name).map_or("", |at| &rest[at..]);
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
    fn megabyte_title_is_capped() {
        let title = "क".repeat(1 << 20);
        assert_eq!(title_text(&title, true).chars().count(), MAX_TITLE_CHARS);
    }
}
