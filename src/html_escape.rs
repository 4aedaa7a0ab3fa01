//! The HTML escaper every askama template uses (`askama.toml` selects it for
//! `.html`). It writes `&lt; &gt; &amp; &quot; &#x27;`, as askama 0.12 did.
//! Hand-written (a dozen lines) because askama 0.13+ writes numeric
//! references (`&#60;`, `&#34;` …): as safe, but a byte longer each, which
//! would change every page, ETag and digest and eat into the digest's
//! 100 KiB budget for no gain.

use std::fmt::{self, Write};

/// Escapes `<`, `>`, `&`, `"` and `'` for HTML text and quoted attributes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

impl askama::filters::Escaper for Html {
    fn write_escaped_str<W: Write>(&self, mut dest: W, string: &str) -> fmt::Result {
        let mut plain_from = 0;
        for (i, b) in string.bytes().enumerate() {
            let reference = match b {
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'&' => "&amp;",
                b'"' => "&quot;",
                b'\'' => "&#x27;",
                _ => continue,
            };
            dest.write_str(&string[plain_from..i])?;
            dest.write_str(reference)?;
            plain_from = i + 1;
        }
        dest.write_str(&string[plain_from..])
    }
}

#[cfg(test)]
mod tests {
    use askama::filters::Escaper;

    #[test]
    fn escapes_the_five_characters_with_named_references() {
        let mut out = String::new();
        super::Html
            .write_escaped_str(&mut out, "<b a=\"x\">R&D's ख़बर</b>")
            .unwrap();
        assert_eq!(out, "&lt;b a=&quot;x&quot;&gt;R&amp;D&#x27;s ख़बर&lt;/b&gt;");
    }
}
