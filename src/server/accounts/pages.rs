//! The account pages (askama, HTML-escaped) and the confirmation mail
//! (plain text). Every page is self-contained: inline CSS, no scripts.

use askama::Template;

use crate::topics::TopicInfo;

/// A topic checkbox.
pub struct TopicChoice {
    /// Its slug, the form value.
    pub slug: String,
    /// Its display name.
    pub name: String,
    /// Ticked.
    pub checked: bool,
}

/// The topics as checkboxes, `chosen` ticked (`None`: none ticked, which
/// means every topic).
pub fn topic_choices(topics: &[TopicInfo], chosen: Option<&[String]>) -> Vec<TopicChoice> {
    topics
        .iter()
        .map(|t| TopicChoice {
            slug: t.slug.as_str().to_string(),
            name: t.name.clone(),
            checked: chosen.is_some_and(|c| c.iter().any(|s| s == t.slug.as_str())),
        })
        .collect()
}

/// `/subscribe`: the form.
#[derive(Template)]
#[template(path = "subscribe.html")]
pub struct SubscribePage<'a> {
    /// Page title.
    pub title: &'a str,
    /// The signed CSRF token.
    pub csrf: &'a str,
    /// The address typed so far (after an error).
    pub email: &'a str,
    /// Topic checkboxes.
    pub topics: Vec<TopicChoice>,
    /// What was wrong with the last submission.
    pub error: Option<&'a str>,
}

/// A button that posts to `action`.
pub struct Button<'a> {
    /// Relative URL to post to (empty: this page's own URL).
    pub action: &'a str,
    /// Its label.
    pub label: &'a str,
}

/// A short message page, optionally with one button.
#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage<'a> {
    /// Heading and title.
    pub title: &'a str,
    /// Paragraphs of text.
    pub paragraphs: Vec<String>,
    /// The button, if any.
    pub button: Option<Button<'a>>,
}

/// `/preferences`: topics, delivery time and zone, unsubscribe.
#[derive(Template)]
#[template(path = "preferences.html")]
pub struct PreferencesPage<'a> {
    /// Page title.
    pub title: &'a str,
    /// Whose preferences (shown only to the token's holder).
    pub email: &'a str,
    /// Their status, in words.
    pub status: &'a str,
    /// Whether digests are going out (else the page offers to resubscribe).
    pub active: bool,
    /// Saved, or what was wrong.
    pub message: Option<&'a str>,
    /// `ok` or `error`.
    pub message_class: &'a str,
    /// Topic checkboxes.
    pub topics: Vec<TopicChoice>,
    /// Delivery time `HH:MM` (empty for a custom cron schedule).
    pub at: String,
    /// IANA time zone.
    pub timezone: &'a str,
    /// Relative URL of the one-click unsubscribe.
    pub unsubscribe: &'a str,
}

/// The mail the form sends: a confirmation link, or (for an address that
/// is already subscribed) the preferences link.
#[derive(Template)]
#[template(path = "subscribe_mail.txt")]
pub struct SubscribeMail<'a> {
    /// The address it goes to.
    pub email: &'a str,
    /// True: already subscribed, `link` is their preferences.
    pub already: bool,
    /// The link to open.
    pub link: &'a str,
    /// How many hours a confirmation link stays valid.
    pub hours: u64,
}
