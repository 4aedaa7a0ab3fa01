//! Article page → main text: dom_smoothie (a port of Mozilla's Readability)
//! picks and cleans the main container; khabar splits it into blocks and
//! drops the clutter lines the container still holds.

use std::collections::HashMap;

use dom_smoothie::{Config, Readability};
use url::Url;

use super::clutter::{judge, Verdict};
use super::fold::fold;
use crate::model::SanitizedHtml;
use crate::normalize::{html_to_text, is_block_element, limit_depth, sanitize_html};

/// A line met this often on one page is a tagline or ticker, not article
/// text (seed 000: the outlet's tagline thirty times before the article).
const PAGE_REPEATS: usize = 3;

/// Elements the page is read at most this many of, so that a hostile page
/// of millions of tags costs bounded time. Real article pages have a few
/// thousand.
const MAX_ELEMENTS: usize = 20_000;

/// One block of the main text: a paragraph or a heading.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Block {
    /// Plain text on one line.
    pub(super) text: String,
    /// `text` folded, as lines are compared (made once: folding is NFC).
    pub(super) folded: String,
    /// The block's inline HTML as the page had it; sanitised on output.
    inline_html: String,
    /// 1–6 for a heading, 0 for a paragraph.
    heading: u8,
}

/// The main text of an article page, clutter removed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    pub(super) blocks: Vec<Block>,
}

impl Extracted {
    /// The paragraphs and headings, as plain text, in page order.
    pub fn paragraphs(&self) -> impl Iterator<Item = &str> {
        self.blocks.iter().map(|b| b.text.as_str())
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// The main text as sanitised HTML: one `<p>` or `<hN>` per block,
    /// relative links resolved against `base`.
    pub fn html(&self, base: Option<&Url>) -> SanitizedHtml {
        let mut raw = String::new();
        for block in &self.blocks {
            let tag = match block.heading {
                1..=6 => format!("h{}", block.heading),
                _ => "p".to_string(),
            };
            raw.push_str(&format!("<{tag}>{}</{tag}>\n", block.inline_html));
        }
        sanitize_html(&raw, base)
    }
}

/// Extracts the main text of an article page: the container Readability
/// scores highest, split into paragraphs, without clutter lines (teasers,
/// prompts, related lists, comment boxes) or lines the page repeats as a
/// tagline. An unreadable page gives an empty [`Extracted`].
pub fn extract(html: &str, base: Option<&Url>) -> Extracted {
    let config = Config {
        max_elements_to_parse: MAX_ELEMENTS,
        // The article's metadata is not used; skip reading JSON-LD.
        disable_json_ld: true,
        ..Config::default()
    };
    // Flattened first: html5ever's tree builder is quadratic in nesting depth.
    let html = limit_depth(html);
    let article =
        Readability::new(&*html, base.map(Url::as_str), Some(config)).and_then(|mut r| r.parse());
    let Ok(article) = article else {
        return Extracted::default();
    };
    let blocks = split_blocks(&article.content);
    Extracted {
        blocks: drop_clutter(drop_page_repeats(blocks)),
    }
}

/// Splits HTML into blocks at block-element boundaries, keeping each
/// block's inline markup. A hand-written splitter rather than a DOM walk:
/// Readability's output is well-formed HTML it serialised itself, and
/// whatever markup a block keeps is sanitised on output anyway.
fn split_blocks(html: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    let mut heading = 0;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        current.push_str(&rest[..lt]);
        let Some(len) = rest[lt..].find('>') else {
            rest = &rest[lt..];
            break;
        };
        let tag = &rest[lt..=lt + len];
        rest = &rest[lt + len + 1..];
        let (name, closing) = tag_name(tag);
        // Blocks are the feed normaliser's block elements, except `<br>`:
        // a line break inside a paragraph does not end the paragraph.
        if name != "br" && is_block_element(&name) {
            push_block(&mut blocks, &mut current, heading);
            heading = match name.strip_prefix('h').and_then(|n| n.parse().ok()) {
                Some(level) if !closing => level,
                _ => 0,
            };
        } else if !tag.starts_with("<!--") {
            current.push_str(tag);
        }
    }
    current.push_str(rest);
    push_block(&mut blocks, &mut current, heading);
    blocks
}

/// A tag's lower-case name and whether it closes an element.
fn tag_name(tag: &str) -> (String, bool) {
    let inner = tag.trim_start_matches('<');
    let closing = inner.starts_with('/');
    let name = inner
        .trim_start_matches('/')
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    (name, closing)
}

fn push_block(blocks: &mut Vec<Block>, inline_html: &mut String, heading: u8) {
    let text = html_to_text(inline_html).replace('\n', " ");
    let text = text.trim();
    if !text.is_empty() {
        blocks.push(Block {
            folded: fold(text),
            text: text.to_string(),
            inline_html: inline_html.trim().to_string(),
            heading,
        });
    }
    inline_html.clear();
}

/// Drops every copy of a line the page repeats [`PAGE_REPEATS`] times or more.
fn drop_page_repeats(mut blocks: Vec<Block>) -> Vec<Block> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for block in &blocks {
        *counts.entry(block.folded.clone()).or_default() += 1;
    }
    blocks.retain(|b| counts[&b.folded] < PAGE_REPEATS);
    blocks
}

/// Applies [`judge`] to each block in order.
fn drop_clutter(blocks: Vec<Block>) -> Vec<Block> {
    let mut kept = Vec::with_capacity(blocks.len());
    let mut skip_next = false;
    for block in blocks {
        if std::mem::take(&mut skip_next) {
            continue;
        }
        match judge(&block.folded) {
            Verdict::Keep => kept.push(block),
            Verdict::Drop => {}
            Verdict::DropWithNext => skip_next = true,
            Verdict::EndOfArticle => break,
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_split_at_block_elements_and_keep_inline_markup() {
        let blocks = split_blocks(
            "<div><h2>शीर्षक</h2><p>पहला <a href=\"/x\">लिंक</a> वाक्य</p>बाहर का पाठ<ul><li>एक</li></ul></div>",
        );
        let texts: Vec<(&str, u8)> = blocks
            .iter()
            .map(|b| (b.text.as_str(), b.heading))
            .collect();
        assert_eq!(
            texts,
            [
                ("शीर्षक", 2),
                ("पहला लिंक वाक्य", 0),
                ("बाहर का पाठ", 0),
                ("एक", 0)
            ]
        );
        assert_eq!(blocks[1].inline_html, "पहला <a href=\"/x\">लिंक</a> वाक्य");
    }

    #[test]
    fn output_html_is_sanitised_and_absolute() {
        let page = "<html><body><article><p>रूस और उत्तर कोरिया के बीच सहयोग बढ़ा है, और यह वाक्य लंबा है ताकि पाठ पढ़ने लायक रहे।</p>\
            <p>दूसरा अनुच्छेद <a href=\"/more\" onclick=\"x()\">आगे</a><script>alert(1)</script> और भी पाठ यहाँ है।</p></article></body></html>";
        let base = Url::parse("https://news.example/a/1").unwrap();
        let html = extract(page, Some(&base)).html(Some(&base));
        let html = html.as_str();
        assert!(
            !html.contains("script") && !html.contains("onclick"),
            "{html}"
        );
        assert!(
            html.contains("href=\"https://news.example/more\""),
            "{html}"
        );
    }

    #[test]
    fn a_page_without_text_gives_nothing() {
        assert!(extract("<html><body></body></html>", None).is_empty());
        assert!(extract("", None).is_empty());
    }
}
