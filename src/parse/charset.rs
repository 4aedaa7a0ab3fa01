//! Bytes → UTF-8 text. Order of evidence: a byte-order mark; a body that is
//! valid UTF-8 (outlets often label UTF-8 as Latin-1); the HTTP Content-Type
//! charset; the XML declaration's encoding; then statistical detection.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

/// How many leading bytes are searched for an XML declaration.
const PROLOG_SCAN_BYTES: usize = 1024;

/// Decodes a feed body to UTF-8, never failing: undecodable bytes become U+FFFD.
pub fn decode<'a>(body: &'a [u8], http_content_type: Option<&str>) -> Cow<'a, str> {
    if let Some((text, _)) = decode_by_bom(body) {
        return text;
    }
    if let Some(text) = decode_wide_without_bom(body) {
        return Cow::Owned(text);
    }
    if let Ok(text) = std::str::from_utf8(body) {
        return Cow::Borrowed(text);
    }
    if mostly_utf8(body) {
        return String::from_utf8_lossy(body);
    }
    let declared = http_content_type
        .and_then(charset_param)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .or_else(|| prolog_encoding(body));
    // A declared UTF-8 or UTF-16 on a body that is neither tells us nothing.
    let encoding = match declared {
        Some(enc) if enc != UTF_8 && enc != UTF_16LE && enc != UTF_16BE => enc,
        _ => detect(body),
    };
    encoding.decode_without_bom_handling(body).0
}

/// Whether a body that is not valid UTF-8 is still UTF-8 with damage: a
/// sequence cut off at the end (a truncated download) or a few stray bytes
/// among many valid multi-byte characters. Legacy 8-bit text (windows-1252,
/// KOI8-R) almost never forms valid multi-byte sequences, so it fails this.
fn mostly_utf8(body: &[u8]) -> bool {
    let (mut multibyte, mut invalid) = (0usize, 0usize);
    let mut chunks = body.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        multibyte += chunk.valid().chars().filter(|c| c.len_utf8() > 1).count();
        let truncated_tail = chunks.peek().is_none()
            && chunk.invalid().len() < 4
            && !chunk.invalid().is_empty()
            && {
                let lead = chunk.invalid()[0];
                lead >= 0xC2 && (lead as u32).leading_ones() as usize > chunk.invalid().len()
            };
        if !chunk.invalid().is_empty() && !truncated_tail {
            invalid += 1;
        }
    }
    multibyte > 0 && invalid * MAX_INVALID_PER_MULTIBYTE <= multibyte
}

/// [`mostly_utf8`] tolerates one invalid sequence per this many valid
/// multi-byte characters.
const MAX_INVALID_PER_MULTIBYTE: usize = 4;

/// A BOM wins over every label (WHATWG "decode"). UTF-32 is handled here by
/// hand because the Encoding Standard (and encoding_rs) leave it out.
fn decode_by_bom(body: &[u8]) -> Option<(Cow<'_, str>, &'static str)> {
    if body.starts_with(&[0x00, 0x00, 0xFE, 0xFF]) {
        return Some((Cow::Owned(decode_utf32(&body[4..], true)), "utf-32be"));
    }
    if body.starts_with(&[0xFF, 0xFE, 0x00, 0x00]) {
        return Some((Cow::Owned(decode_utf32(&body[4..], false)), "utf-32le"));
    }
    let (enc, bom_len) = Encoding::for_bom(body)?;
    let text = enc.decode_without_bom_handling(&body[bom_len..]).0;
    Some((text, enc.name()))
}

/// UTF-16/32 without a BOM, recognised by how `<` is laid out (XML 1.0 appendix F).
fn decode_wide_without_bom(body: &[u8]) -> Option<String> {
    match body.get(..4)? {
        [0x00, 0x00, 0x00, b'<'] => Some(decode_utf32(body, true)),
        [b'<', 0x00, 0x00, 0x00] => Some(decode_utf32(body, false)),
        [0x00, b'<', 0x00, _] => Some(UTF_16BE.decode_without_bom_handling(body).0.into_owned()),
        [b'<', 0x00, _, 0x00] => Some(UTF_16LE.decode_without_bom_handling(body).0.into_owned()),
        _ => None,
    }
}

fn decode_utf32(body: &[u8], big_endian: bool) -> String {
    body.chunks_exact(4)
        .map(|c| {
            let b = [c[0], c[1], c[2], c[3]];
            let n = if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            };
            char::from_u32(n).unwrap_or(char::REPLACEMENT_CHARACTER)
        })
        .collect()
}

/// The `charset` parameter of a Content-Type header value.
fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

/// The `encoding` pseudo-attribute of an XML declaration near the start. Feeds
/// sometimes put a comment before the declaration, so the first KiB is searched.
fn prolog_encoding(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(PROLOG_SCAN_BYTES)];
    let start = find(head, b"<?xml")?;
    let decl = &head[start..];
    let decl = &decl[..find(decl, b"?>")?];
    let at = find(decl, b"encoding")? + b"encoding".len();
    let rest = decl[at..]
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let quote = *rest.first()?;
    let value = &rest[1..];
    let end = value.iter().position(|&b| b == quote)?;
    Encoding::for_label(&value[..end])
}

/// Bytes statistical detection reads: its guess has settled long before, and
/// reading all of a 10 MiB body of varied high bytes took seconds.
const DETECT_BYTES: usize = 1 << 20;

fn detect(body: &[u8]) -> &'static Encoding {
    // ISO-2022-JP stays a possible guess, as in chardetng 0.1: feed text is
    // sanitised before it reaches any page, so its script risk does not apply.
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    detector.feed(&body[..body.len().min(DETECT_BYTES)], true);
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_decode_by_the_right_evidence() {
        let latin1_devanagari = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><t>ख़बर</t>";
        let cp1252 =
            b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><t>\x93quoted\x94 don\x92t</t>";
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("<t>ज़</t>".as_bytes());
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "<t>é</t>".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let cases: &[(&str, &[u8], Option<&str>, &str)] = &[
            (
                "mislabelled utf-8 devanagari",
                latin1_devanagari.as_bytes(),
                None,
                "ख़बर",
            ),
            (
                "mislabelled utf-8 via http",
                "<t>ख़बर</t>".as_bytes(),
                Some("text/xml; charset=ISO-8859-1"),
                "ख़बर",
            ),
            (
                "windows-1252 curly quotes",
                cp1252,
                None,
                "\u{201C}quoted\u{201D} don\u{2019}t",
            ),
            (
                "http charset beats prolog",
                b"<?xml encoding=\"utf-8\"?><t>\x80</t>",
                Some("text/xml; charset=\"windows-1252\""),
                "€",
            ),
            (
                "utf-8 bom",
                &bom,
                Some("text/xml; charset=windows-1252"),
                "<t>ज़</t>",
            ),
            ("utf-16le bom", &utf16, None, "<t>é</t>"),
            (
                "utf-32be no bom",
                &[0, 0, 0, b'<', 0, 0, 0, b'a'],
                None,
                "<a",
            ),
            (
                "koi8-r label",
                b"<?xml version='1.0' encoding='koi8-r'?><t>\xe1</t>",
                None,
                "А",
            ),
        ];
        for (name, body, http, want) in cases {
            let got = decode(body, *http);
            assert!(
                got.contains(want),
                "{name}: got {got:?}, want it to contain {want:?}"
            );
        }
    }

    #[test]
    fn damaged_utf8_is_still_read_as_utf8() {
        let text = "<rss><title>लावरोव वोनसान पहुंचे</title>";
        let cases: &[(&str, Vec<u8>, &str)] = &[
            (
                "cut mid-character",
                text.as_bytes()[..text.len() - 10].to_vec(),
                "लावरोव वोनसान",
            ),
            (
                "a stray byte",
                [&text.as_bytes()[..20], b"\xff", &text.as_bytes()[20..]].concat(),
                "वोनसान पहुंचे",
            ),
        ];
        for (name, body, want) in cases {
            let got = decode(body, Some("text/xml; charset=utf-8"));
            assert!(got.contains(want), "{name}: {got}");
        }
        let cp1252 = b"<rss><title>\x93Sergue\xef\x94 \x96 caf\xe9</title>";
        assert!(decode(cp1252, Some("text/xml; charset=windows-1252")).contains("“Sergueï” – café"));
    }

    #[test]
    fn charset_param_is_read_case_insensitively() {
        assert_eq!(charset_param("text/xml; Charset=\"UTF-8\""), Some("UTF-8"));
        assert_eq!(charset_param("text/xml"), None);
    }
}
