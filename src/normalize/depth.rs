//! Nesting depth limit for HTML on its way into an HTML5 tree builder
//! (ammonia's and dom_smoothie's html5ever). The tree builder checks "is X in
//! scope" by walking the stack of open elements, so each tag costs time in
//! the depth: 200,000 nested `<div>` took minutes to sanitise. Start tags past
//! [`MAX_DEPTH`] open elements are dropped here (their text is kept), with
//! their end tags, in one pass; the tree builder then sees a bounded stack.
//!
//! Hand-written because no crate offers a depth-limiting tokenizer pass; it
//! only removes tags, never adds markup, and its output is sanitised anyway.

use std::borrow::Cow;

use super::text::NextByte;

/// Open elements kept; real pages nest a few dozen deep.
pub const MAX_DEPTH: usize = 128;

/// Elements that have no end tag.
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: [&str; 4] = ["script", "style", "textarea", "xmp"];

/// `html` with start tags beyond [`MAX_DEPTH`] open elements removed.
pub fn limit_depth(html: &str) -> Cow<'_, str> {
    if html.bytes().filter(|&b| b == b'<').nth(MAX_DEPTH).is_none() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut open: Vec<String> = Vec::new();
    let mut dropped = 0usize;
    let mut closers = NextByte::new(b'>');
    let mut at = 0;
    while let Some(found) = html[at..].find('<') {
        let lt = at + found;
        out.push_str(&html[at..lt]);
        let text = &html[lt..];
        if let Some(comment) = text.strip_prefix("<!--") {
            let end = comment.find("-->").map_or(html.len(), |e| lt + 4 + e + 3);
            out.push_str(&html[lt..end]);
            at = end;
            continue;
        }
        let closing = text[1..].starts_with('/');
        let name_from = lt + 1 + usize::from(closing);
        let starts_tag = html[name_from..].starts_with(|c: char| c.is_ascii_alphabetic());
        let end = match closers.at_or_after(html, lt) {
            Some(end) if starts_tag => end,
            _ => {
                out.push('<');
                at = lt + 1;
                continue;
            }
        };
        let tag = &html[lt..=end];
        let name = html[name_from..end]
            .bytes()
            .take_while(u8::is_ascii_alphanumeric)
            .take(16)
            .map(|b| char::from(b.to_ascii_lowercase()))
            .collect::<String>();
        at = end + 1;
        if closing {
            if dropped > 0 {
                dropped -= 1;
                continue;
            }
            if let Some(i) = open.iter().rposition(|n| *n == name) {
                open.truncate(i);
            }
            out.push_str(tag);
        } else if VOID.contains(&name.as_str()) || tag.ends_with("/>") {
            out.push_str(tag);
        } else if open.len() >= MAX_DEPTH {
            dropped += 1;
        } else {
            out.push_str(tag);
            if RAW_TEXT.contains(&name.as_str()) {
                // Copied through its end tag: what is inside is not markup.
                let body_end = find_end_tag(&html[at..], &name).map_or(html.len(), |e| at + e);
                out.push_str(&html[at..body_end]);
                at = body_end;
            } else {
                open.push(name);
            }
        }
    }
    out.push_str(&html[at..]);
    Cow::Owned(out)
}

/// Where `</name` starts in `html`, matching the name case-insensitively.
fn find_end_tag(html: &str, name: &str) -> Option<usize> {
    html.match_indices("</").map(|(at, _)| at).find(|&at| {
        html.as_bytes()
            .get(at + 2..at + 2 + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_cut_and_text_kept() {
        let deep = format!("{}x{}", "<div>".repeat(1000), "</div>".repeat(1000));
        let limited = limit_depth(&deep);
        assert_eq!(limited.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(limited.matches("</div>").count(), MAX_DEPTH);
        assert!(limited.contains('x'));
    }

    #[test]
    fn shallow_markup_is_untouched() {
        let page = "<p>a<br>b<img src=x></p><script>if (a<b) {}</script>".repeat(100);
        assert_eq!(limit_depth(&page), page);
        let few = "<b>1 < 2</b>";
        assert!(matches!(limit_depth(few), Cow::Borrowed(_)));
    }

    #[test]
    fn script_bodies_are_not_read_as_markup() {
        let html = format!(
            "{}<script>{}</script>",
            "<p>".repeat(10),
            "<div>".repeat(MAX_DEPTH * 2)
        );
        assert_eq!(limit_depth(&html), html);
    }
}
