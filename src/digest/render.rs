//! A [`DigestPlan`] → subject, HTML and plain-text bodies (askama templates
//! in `templates/`). Feed text reaches the HTML only through askama's
//! escaping: titles and summaries are plain text, links are attribute-escaped.

use askama::Template;

use super::compose::{DigestPlan, Section};

/// A rendered digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The Subject line.
    pub subject: String,
    /// The text/html part.
    pub html: String,
    /// The text/plain part.
    pub text: String,
}

/// Links the footer carries.
#[derive(Debug, Clone)]
pub struct Links {
    /// One-click unsubscribe URL.
    pub unsubscribe: String,
    /// Preferences URL.
    pub preferences: String,
}

#[derive(Template)]
#[template(path = "digest.html")]
struct HtmlDigest<'a> {
    subject: &'a str,
    date: &'a str,
    since: &'a str,
    count: usize,
    email: &'a str,
    sections: &'a [Section],
    unsubscribe_url: &'a str,
    preferences_url: &'a str,
}

#[derive(Template)]
#[template(path = "digest.txt")]
struct TextDigest<'a> {
    date: &'a str,
    since: &'a str,
    count: usize,
    email: &'a str,
    sections: &'a [Section],
    unsubscribe_url: &'a str,
    preferences_url: &'a str,
}

/// Renders both parts and the subject.
pub fn render(plan: &DigestPlan, email: &str, links: &Links) -> Result<Rendered, askama::Error> {
    let end = plan.period.end().with_timezone(&plan.timezone);
    let date = end.format("%-d %b %Y").to_string();
    let since = plan
        .period
        .start()
        .with_timezone(&plan.timezone)
        .format("%-d %b %Y, %H:%M %Z")
        .to_string();
    let count = plan.story_count();
    let subject = subject(plan, &date, count);
    let html = HtmlDigest {
        subject: &subject,
        date: &date,
        since: &since,
        count,
        email,
        sections: &plan.sections,
        unsubscribe_url: &links.unsubscribe,
        preferences_url: &links.preferences,
    }
    .render()?;
    let text = TextDigest {
        date: &date,
        since: &since,
        count,
        email,
        sections: &plan.sections,
        unsubscribe_url: &links.unsubscribe,
        preferences_url: &links.preferences,
    }
    .render()?;
    Ok(Rendered {
        subject,
        html,
        text,
    })
}

/// "khabar · 23 Nov 2026 · 12 new on Russia–North Korea ties".
fn subject(plan: &DigestPlan, date: &str, count: usize) -> String {
    let on = match plan.sections.as_slice() {
        [] => "your topics".to_string(),
        [one] => one.name.clone(),
        [first, rest @ ..] => format!("{} and {} more topics", first.name, rest.len()),
    };
    format!("khabar · {date} · {count} new on {on}")
}

#[cfg(test)]
mod tests {
    use super::super::compose::Story;
    use super::*;
    use crate::model::DigestPeriod;
    use chrono::DateTime;

    fn plan(n: usize) -> DigestPlan {
        let t = DateTime::from_timestamp(1_795_400_000, 0).unwrap();
        let story = |i: usize| Story {
            title: format!("<b>पुतिन</b> और किम जोंग उन की मुलाकात {i} ").repeat(3),
            url: Some(format!("https://example.org/a?x={i}&y=\"q\"")),
            outlet: "दैनिक समाचार".into(),
            time: "23 Nov, 06:40".into(),
            // The longest summary compose lets through.
            summary: "रूस और उत्तर कोरिया के बीच सैन्य सहयोग पर नई जानकारी "
                .repeat(4)
                .chars()
                .take(super::super::compose::SUMMARY_CHARS)
                .collect(),
            also_reported_by: vec!["Outlet B".into()],
            image: (i < super::super::compose::MAX_THUMBNAILS)
                .then(|| format!("https://img.example.org/{i}/photo.jpg?w=960&h=\"540\"")),
            story_id: Some(i as i64 + 1),
            // What `link_story_pages` sets: the top stories link to their
            // page (the first with characters to escape).
            page: (i < super::super::compose::MAX_STORY_LINKS).then(|| {
                let query = if i == 0 { "?a=1&b=2" } else { "" };
                format!("https://khabar.example/stories/{}{query}", i + 1)
            }),
        };
        DigestPlan {
            period: DigestPeriod::new(t, t + chrono::Duration::days(1)).unwrap(),
            timezone: chrono_tz::Asia::Kolkata,
            sections: vec![Section {
                slug: "russia-north-korea".into(),
                name: "Russia–North Korea ties".into(),
                stories: (0..n).map(story).collect(),
            }],
        }
    }

    fn links() -> Links {
        Links {
            unsubscribe: "https://k.example/unsubscribe?token=1.ab".into(),
            preferences: "https://k.example/preferences?token=1.cd".into(),
        }
    }

    #[test]
    fn subject_names_the_date_count_and_topic() {
        let r = render(&plan(12), "a@example.org", &links()).unwrap();
        assert_eq!(
            r.subject,
            "khabar · 24 Nov 2026 · 12 new on Russia–North Korea ties"
        );
    }

    #[test]
    fn feed_text_is_escaped_in_html_and_kept_in_text() {
        let r = render(&plan(1), "a@example.org", &links()).unwrap();
        assert!(!r.html.contains("<b>पुतिन"), "title markup must be escaped");
        assert!(r.html.contains("&lt;b&gt;पुतिन"));
        assert!(r.text.contains("<b>पुतिन</b> और किम"));
        assert!(r.html.contains("Noto Sans Devanagari"));
        assert!(r.text.contains("also reported by Outlet B"));
        assert!(r
            .text
            .contains("All reports: https://khabar.example/stories/1?a=1&b=2"));
        assert!(
            r.html
                .contains(r#"<a href="https://khabar.example/stories/1?a=1&amp;b=2">Outlet B</a>"#),
            "also reported by links to the story's page, escaped: {}",
            r.html
        );
        assert!(r
            .text
            .contains("Unsubscribe: https://k.example/unsubscribe?token=1.ab"));
    }

    #[test]
    fn a_hundred_items_with_thumbnails_stay_under_100_kb_of_html() {
        let r = render(&plan(100), "a@example.org", &links()).unwrap();
        assert!(r.html.len() < 100 * 1024, "{} bytes", r.html.len());
        assert!(!r.html.contains("<script"));
        assert_eq!(
            r.html.matches("<img ").count(),
            super::super::compose::MAX_THUMBNAILS,
            "thumbnails on the top stories"
        );
    }

    #[test]
    fn thumbnails_are_escaped_sized_and_described() {
        let r = render(&plan(1), "a@example.org", &links()).unwrap();
        assert!(
            r.html
                .contains(r#"src="https://img.example.org/0/photo.jpg?w=960&amp;h=&#34;540&#34;""#)
                || r.html.contains(
                    r#"src="https://img.example.org/0/photo.jpg?w=960&amp;h=&quot;540&quot;""#
                ),
            "{}",
            r.html
        );
        assert!(r.html.contains(r#"width="96" height="64" align="right""#));
        assert!(
            r.html.contains(r#"alt="&lt;b&gt;पुतिन&lt;/b&gt; और किम"#),
            "the title, escaped, as alt text"
        );
        assert!(
            !r.text.contains("photo.jpg"),
            "no picture in the plain-text part"
        );
    }
}
