//! Feed documents for tests: small builders for RSS, Atom and JSON Feed, with
//! Devanagari text like the outlets khabar follows.

/// An RSS 2.0 document with these `<item>` bodies.
pub fn rss(title: &str, items: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>{title}</title><link>https://news.example.in/</link><language>hi</language>\n{}\
         </channel></rss>\n",
        items.concat()
    )
}

/// An RSS `<item>` with a guid, title and a Devanagari description.
pub fn item(guid: &str, title: &str) -> String {
    format!(
        "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>\
         <link>https://news.example.in/{guid}.html</link>\
         <description>उत्तर कोरिया और रूस के बीच बातचीत: {guid}</description>\
         <pubDate>Sun, 13 Jul 2025 08:00:00 +0530</pubDate></item>\n"
    )
}

/// `n` items with guids `{prefix}-0…` and titles `{prefix} शीर्षक 0…`.
pub fn items(prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| item(&format!("{prefix}-{i}"), &format!("{prefix} शीर्षक {i}")))
        .collect()
}

/// A good RSS feed of `n` items.
pub fn good_rss(prefix: &str, n: usize) -> String {
    rss(&format!("{prefix} समाचार"), &items(prefix, n))
}

/// A good Atom 1.0 feed of `n` entries.
pub fn good_atom(prefix: &str, n: usize) -> String {
    let entries: String = (0..n)
        .map(|i| {
            format!(
                "<entry><id>urn:{prefix}:{i}</id><title>{prefix} प्रविष्टि {i}</title>\
                 <link href=\"https://atom.example.in/{prefix}/{i}\"/>\
                 <updated>2025-07-13T03:00:00Z</updated>\
                 <content type=\"html\">&lt;p&gt;पुतिन और किम की मुलाक़ात {i}&lt;/p&gt;</content></entry>\n"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>{prefix}</title><id>urn:{prefix}</id><updated>2025-07-13T03:00:00Z</updated>\n{entries}</feed>\n"
    )
}

/// A gzip stream that inflates to `inflated` zero bytes.
pub fn gzip_bomb(inflated: usize) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    let mut left = inflated;
    while left > 0 {
        let n = left.min(zeros.len());
        gz.write_all(&zeros[..n]).expect("gzip into memory");
        left -= n;
    }
    gz.finish().expect("gzip into memory")
}

/// An XML "billion laughs" document: ten levels of entities, each ten of
/// the one below, used in an item title and guid.
pub fn billion_laughs() -> String {
    let mut dtd = String::from("<!ENTITY lol0 \"lol\">");
    for n in 1..=9 {
        let prev = format!("&lol{};", n - 1).repeat(10);
        dtd.push_str(&format!("<!ENTITY lol{n} \"{prev}\">"));
    }
    format!(
        "<?xml version=\"1.0\"?><!DOCTYPE rss [{dtd}]><rss><channel><title>lol</title>\
         <item><guid>laugh-&lol9;</guid><title>&lol9;</title><description>&lol9;&lol9;</description></item>\
         <item><guid>plain</guid><title>सादा</title></item></channel></rss>"
    )
}
