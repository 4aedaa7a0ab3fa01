//! OPML 2.0 (http://opml.org/spec2.opml): the feed list in and out.

use quick_xml::escape::unescape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

/// Why an OPML file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("opml: {0}")]
pub struct OpmlError(String);

/// One subscription in an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The feed's URL (`xmlUrl`).
    pub xml_url: String,
    /// Its title (`title` or `text`).
    pub title: Option<String>,
    /// The site (`htmlUrl`).
    pub html_url: Option<String>,
}

/// Every `<outline>` with an `xmlUrl`, at any depth (folders are flattened).
pub fn read(xml: &str) -> Result<Vec<Outline>, OpmlError> {
    let mut reader = Reader::from_str(xml);
    // A bare `&` in text (`AT&T`) is no reason to reject a subscription list.
    reader.config_mut().allow_dangling_amp = true;
    let mut outlines = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().as_ref() == b"outline" => {
                let attr = |name: &str| -> Option<String> {
                    e.attributes()
                        .flatten()
                        .find(|a| {
                            a.key
                                .local_name()
                                .as_ref()
                                .eq_ignore_ascii_case(name.as_bytes())
                        })
                        .and_then(|a| {
                            // Predefined and numeric references, without
                            // attribute-value whitespace normalisation.
                            let raw = String::from_utf8_lossy(&a.value);
                            unescape(&raw).ok().map(|v| v.into_owned())
                        })
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty())
                };
                if let Some(xml_url) = attr("xmlUrl") {
                    outlines.push(Outline {
                        xml_url,
                        title: attr("title").or_else(|| attr("text")),
                        html_url: attr("htmlUrl"),
                    });
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(OpmlError(format!(
                    "malformed at byte {}: {e}",
                    reader.buffer_position()
                )))
            }
        }
    }
    Ok(outlines)
}

/// An OPML 2.0 document listing `outlines`.
pub fn write(title: &str, outlines: &[Outline]) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail.
    let _ = write_into(&mut w, title, outlines);
    String::from_utf8(w.into_inner()).unwrap_or_default()
}

fn write_into(w: &mut Writer<Vec<u8>>, title: &str, outlines: &[Outline]) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.write_event(Event::Start(
        BytesStart::new("opml").with_attributes([("version", "2.0")]),
    ))?;
    w.write_event(Event::Start(BytesStart::new("head")))?;
    w.write_event(Event::Start(BytesStart::new("title")))?;
    w.write_event(Event::Text(BytesText::new(title)))?;
    w.write_event(Event::End(BytesEnd::new("title")))?;
    w.write_event(Event::End(BytesEnd::new("head")))?;
    w.write_event(Event::Start(BytesStart::new("body")))?;
    for o in outlines {
        let text = o.title.as_deref().unwrap_or(&o.xml_url);
        let mut el = BytesStart::new("outline");
        el.push_attribute(("type", "rss"));
        el.push_attribute(("text", text));
        el.push_attribute(("title", text));
        el.push_attribute(("xmlUrl", o.xml_url.as_str()));
        // Only web links leave khabar (issue #11).
        if let Some(html) = o.html_url.as_deref().and_then(crate::normalize::web_url) {
            el.push_attribute(("htmlUrl", html));
        }
        w.write_event(Event::Empty(el))?;
    }
    w.write_event(Event::End(BytesEnd::new("body")))?;
    w.write_event(Event::End(BytesEnd::new("opml")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_outlines_are_flattened_and_round_trip() {
        let doc = r#"<?xml version="1.0"?><opml version="2.0"><head/><body>
            <outline text="World"><outline text="दैनिक &amp; संवाद" xmlUrl="https://a.example/rss" htmlUrl="https://a.example/"/></outline>
            <outline title="Wire" xmlUrl=" https://b.example/atom "/>
            <outline text="folder only"/></body></opml>"#;
        let outlines = read(doc).unwrap();
        assert_eq!(outlines.len(), 2);
        assert_eq!(outlines[0].title.as_deref(), Some("दैनिक & संवाद"));
        assert_eq!(outlines[1].xml_url, "https://b.example/atom");
        assert_eq!(read(&write("khabar", &outlines)).unwrap(), outlines);
    }

    #[test]
    fn malformed_opml_is_an_error_naming_the_place() {
        let err = read("<opml><body><outline xmlUrl='x'></body>").unwrap_err();
        assert!(err.to_string().contains("malformed"), "{err}");
    }
}
