//! Clutter lines recognised by what they say: "यह भी पढ़ें" / "Also read"
//! teasers, related-article headings, comment boxes, share, follow, app and
//! newsletter prompts, "Source link". The rules look at wording only, never
//! at length, so a short genuine paragraph is never dropped for being short.

use std::sync::LazyLock;

use super::fold::fold;

/// What to do with one line of extracted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Article text.
    Keep,
    /// A clutter line; the article goes on after it.
    Drop,
    /// A teaser label standing alone ("यह भी पढ़ें"): it and the headline
    /// line after it are clutter.
    DropWithNext,
    /// A heading that opens the page's tail (related lists, comments,
    /// "Source link" under copied wire copy): it and every line after it
    /// are clutter.
    EndOfArticle,
}

/// Teaser labels. A line starting with one of these followed by `:`, `-` or
/// `|` is a link to another article; alone on its line, the headline follows
/// on the next line. Followed by a space it may be a sentence, and stays.
const TEASER_LABELS: &[&str] = &[
    "यह भी पढ़ें",
    "ये भी पढ़ें",
    "इसे भी पढ़ें",
    "यह भी पढ़े",
    "ये भी पढ़े",
    "यह भी देखें",
    "ये भी देखें",
    "और पढ़ें",
    "पढ़ें",
    "also read",
    "read also",
    "read more",
    "also watch",
    "watch",
    "related",
];

/// Headings after which an article page holds only its tail: related and
/// latest lists, trending videos, comments, disclaimers. Whole-line match.
const TAIL_HEADINGS: &[&str] = &[
    "source link",
    "source",
    "latest articles",
    "latest news",
    "latest stories",
    "more like this",
    "more stories",
    "related",
    "related articles",
    "related news",
    "related posts",
    "related stories",
    "you may also like",
    "recommended",
    "recommended stories",
    "संबंधित खबरें",
    "संबंधित ख़बरें",
    "संबंधित लेख",
    "ताज़ा ख़बरें",
    "ताजा खबरें",
    "ट्रेंडिंग वीडियो",
    "ट्रेंडिंग न्यूज़",
    "trending",
    "trending videos",
    "trending news",
    "comments",
    "leave a comment",
    "leave a reply",
    "disclaimer",
    "अस्वीकरण",
];

/// Whole lines that are page furniture wherever they stand.
const FURNITURE: &[&str] = &[
    "share",
    "share this",
    "share this article",
    "share this story",
    "शेयर करें",
    "शेयर",
    "follow us",
    "फॉलो करें",
    "फॉलो करे",
    "हमें फॉलो करें",
    "get app for better experience",
    "install now",
    "install app",
    "download app",
    "download the app",
    "open in app",
    "ऐप डाउनलोड करें",
    "ऐप इंस्टॉल करें",
    "subscribe",
    "subscribe now",
    "newsletter",
    "न्यूज़लेटर",
    "advertisement",
    "sponsored",
    "विज्ञापन",
    "विशेष लिंक",
    "पूरी स्टोरी पढ़ें",
    "read full story",
    "published on",
    "spot_img",
    "post comment",
    "be the first to comment",
    "no comments yet. be the first to comment!",
    "अन्य न्यूज़ ब्रीफ",
    "हमें बताएं।",
    "हमें बताएं",
];

/// Phrases that mark a whole line as a prompt to the reader, wherever they
/// stand in it: comment, share, app, newsletter and summary-feedback prompts.
const PROMPT_PHRASES: &[&str] = &[
    "नीचे कमेंट",
    "कमेंट बॉक्स",
    "कमेंट करके",
    "comment below",
    "comments below",
    "in the comments",
    "पर शेयर करें",
    "share on whatsapp",
    "share on facebook",
    "share on twitter",
    "ऐप डाउनलोड",
    "download our app",
    "download the app",
    "get the app",
    "subscribe to our newsletter",
    "sign up for our newsletter",
    "न्यूज़लेटर सब्सक्राइब",
    "ai समरी",
    "ai summary",
    "listen to the latest songs",
];

/// Prefixes that mark a whole line as furniture ("Read Time: 2 mins",
/// "Comments (3)", "Follow us on X").
const FURNITURE_PREFIXES: &[&str] = &[
    "read time",
    "reading time",
    "comments (",
    "follow us on",
    "share on",
    "published on",
    "updated on",
    "last updated",
];

/// First crumbs of a breadcrumb trail ("Hindi News / world / …").
const BREADCRUMB_ROOTS: &[&str] = &["home", "होम", "hindi news", "news", "मुख्य पृष्ठ", "समाचार"];

/// What separates the crumbs of a trail.
const BREADCRUMB_SEPARATORS: &[&str] = &[" / ", " > ", " » ", " › "];

/// The rule lists, folded once the way lines are folded.
struct Rules {
    teaser_labels: Vec<String>,
    tail_headings: Vec<String>,
    furniture: Vec<String>,
    prompt_phrases: Vec<String>,
    furniture_prefixes: Vec<String>,
    breadcrumb_roots: Vec<String>,
}

static RULES: LazyLock<Rules> = LazyLock::new(|| {
    let folded = |list: &[&str]| list.iter().map(|s| fold(s)).collect();
    Rules {
        teaser_labels: folded(TEASER_LABELS),
        tail_headings: folded(TAIL_HEADINGS),
        furniture: folded(FURNITURE),
        prompt_phrases: folded(PROMPT_PHRASES),
        furniture_prefixes: folded(FURNITURE_PREFIXES),
        breadcrumb_roots: folded(BREADCRUMB_ROOTS),
    }
});

/// Judges one line of extracted text, given [`fold`]ed.
pub(super) fn judge(line: &str) -> Verdict {
    let bare = line.trim_end_matches([':', '-', '|', '–', '—', ' ']);
    let rules = &*RULES;
    if rules.tail_headings.iter().any(|h| h == bare) {
        return Verdict::EndOfArticle;
    }
    if rules.teaser_labels.iter().any(|l| l == bare) {
        return Verdict::DropWithNext;
    }
    let is_teaser = rules.teaser_labels.iter().any(|l| labels(line, l));
    let is_furniture = rules.furniture.iter().any(|f| f == bare || labels(line, f))
        || rules
            .furniture_prefixes
            .iter()
            .any(|p| line.starts_with(p.as_str()))
        || rules
            .prompt_phrases
            .iter()
            .any(|p| line.contains(p.as_str()));
    if is_teaser || is_furniture || is_breadcrumb(line, rules) {
        Verdict::Drop
    } else {
        Verdict::Keep
    }
}

/// Whether `line` starts with `label` used as a label: followed by `:`,
/// `-`, `|` or `»` ("यह भी पढ़ें: …", "फॉलो करें: X").
fn labels(line: &str, label: &str) -> bool {
    line.strip_prefix(label)
        .and_then(|rest| rest.trim_start().chars().next())
        .is_some_and(|c| matches!(c, ':' | '-' | '|' | '–' | '—' | '»'))
}

/// A breadcrumb trail: three crumbs or more, the first a site's root.
fn is_breadcrumb(line: &str, rules: &Rules) -> bool {
    BREADCRUMB_SEPARATORS.iter().any(|sep| {
        let mut crumbs = line.split(sep);
        let root = crumbs.next().unwrap_or_default();
        crumbs.count() >= 2 && rules.breadcrumb_roots.iter().any(|r| r == root)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_judged_by_their_wording() {
        let cases = [
            (
                "teaser with colon",
                "यह भी पढ़ें: एयरबेस पर हमले का बदला ले रहे पुतिन!",
                Verdict::Drop,
            ),
            (
                "teaser, other spelling",
                "ये भी पढ़ें - किम का दौरा",
                Verdict::Drop,
            ),
            (
                "english teaser",
                "Also Read: Kim meets Putin",
                Verdict::Drop,
            ),
            ("label alone", "यह भी पढ़ें", Verdict::DropWithNext),
            ("source link", "Source link", Verdict::EndOfArticle),
            ("latest", "Latest articles", Verdict::EndOfArticle),
            ("more like this", "More like this", Verdict::EndOfArticle),
            ("comment count", "Comments (0)", Verdict::Drop),
            (
                "comment prompt",
                "आप क्या सोचते हैं इस खबर को लेकर, अपनी राय हमें नीचे कमेंट्स में जरूर बताएँ।",
                Verdict::Drop,
            ),
            ("app prompt", "Get App for Better Experience", Verdict::Drop),
            ("follow", "फॉलो करे:", Verdict::Drop),
            (
                "follow with its links",
                "फॉलो करे: X Facebook",
                Verdict::Drop,
            ),
            ("share label", "Share: WhatsApp Facebook", Verdict::Drop),
            (
                "dateline label",
                "Published on June 12, 2025",
                Verdict::Drop,
            ),
            ("read time", "Read Time: 2 mins", Verdict::Drop),
            (
                "breadcrumb",
                "Hindi News / world / रूस के रक्षा मंत्री से मिले किम",
                Verdict::Drop,
            ),
            (
                "a slash in a sentence",
                "रूस / उत्तर कोरिया / चीन की बैठक हुई",
                Verdict::Keep,
            ),
            (
                "short genuine subhead",
                "किम जोंग ने फिर जताया रूस के प्रति प्यार",
                Verdict::Keep,
            ),
            ("one-word genuine line", "लेकिन", Verdict::Keep),
            (
                "sentence starting with a label word",
                "पढ़ें लिखें लोग भी इस युद्ध से परेशान हैं।",
                Verdict::Keep,
            ),
            (
                "related inside a sentence",
                "Related talks were held in Moscow.",
                Verdict::Keep,
            ),
            (
                "share inside a sentence",
                "रूस ने अपने अनुभव शेयर करने की बात कही।",
                Verdict::Keep,
            ),
        ];
        for (name, line, want) in cases {
            assert_eq!(judge(&fold(line)), want, "{name}: {line}");
        }
    }
}
