//! What a subscriber's digest contains (issue #5): their topics' items of
//! the period, grouped by topic, each story (issue #7) once with the other
//! outlets that reported it; within a topic, the story told by more outlets
//! first, then the newest (issue #13).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::model::DigestPeriod;
use crate::normalize::web_url;
use crate::store::DigestItemRow;

/// Longest summary shown, in characters: keeps 100 stories of Devanagari
/// (3 bytes a letter) under 100 KB of HTML.
pub(crate) const SUMMARY_CHARS: usize = 160;

/// A digest ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestPlan {
    /// The span of first-seen times covered.
    pub period: DigestPeriod,
    /// The subscriber's time zone.
    pub timezone: Tz,
    /// One section per topic with news, in config order.
    pub sections: Vec<Section>,
}

impl DigestPlan {
    /// Stories across all sections.
    pub fn story_count(&self) -> usize {
        self.sections.iter().map(|s| s.stories.len()).sum()
    }

    /// Links each story that other outlets also reported to its page on
    /// `site` (`/stories/ID`), so "also reported by" leads to every report
    /// side by side. Only a web link goes into the mail (issue #11).
    ///
    /// At most [`MAX_STORY_LINKS`], from the top of the digest (where the
    /// stories most outlets told are): like thumbnails, links beyond that
    /// would take a long digest past the size Gmail clips at.
    pub fn link_story_pages(&mut self, site: &crate::publish::Site) {
        let stories = self.sections.iter_mut().flat_map(|s| s.stories.iter_mut());
        let told_by_others = stories.filter(|s| !s.also_reported_by.is_empty());
        for story in told_by_others.take(MAX_STORY_LINKS) {
            story.page = story
                .story_id
                .map(|id| site.url(&crate::publish::story::story_path(id)))
                .filter(|url| web_url(url).is_some());
        }
    }
}

/// One topic's stories.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Topic slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The story told by the most outlets first, then the newest.
    pub stories: Vec<Story>,
}

/// One story: its representative report (else the newest of the period),
/// with the other outlets that told it.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// Plain-text title.
    pub title: String,
    /// Link to the original.
    pub url: Option<String>,
    /// The outlet shown.
    pub outlet: String,
    /// When khabar first saw it, in the subscriber's zone ("23 Nov, 06:40").
    pub time: String,
    /// A short plain-text summary.
    pub summary: String,
    /// Other outlets whose items of the period are in the same story.
    pub also_reported_by: Vec<String>,
    /// A thumbnail to show beside it (absolute http(s) URL).
    pub image: Option<String>,
    /// The story the store grouped it into, if any.
    pub story_id: Option<i64>,
    /// khabar's page of every outlet's report (`/stories/ID`), set by
    /// [`DigestPlan::link_story_pages`] for stories other outlets told.
    pub page: Option<String>,
}

/// Longest alt text of a thumbnail, in characters: the title, cut short.
const ALT_CHARS: usize = 40;

/// Stories that carry a thumbnail, from the top of the digest: a digest is
/// a list to scan, and a hundred pictures would take a hundred stories past
/// the size at which Gmail clips a message (102 KB).
pub(crate) const MAX_THUMBNAILS: usize = 5;

/// Stories whose "also reported by" links to their page on the site, from
/// the top of the digest (see [`DigestPlan::link_story_pages`]).
pub const MAX_STORY_LINKS: usize = 10;

impl Story {
    /// The thumbnail's alt text: the story's title, shortened.
    pub fn image_alt(&self) -> String {
        shorten(&self.title, ALT_CHARS)
    }
}

/// Groups `items` (newest first) into sections for `topics` (slug, name),
/// keeping config order and skipping topics with nothing new.
pub fn compose(
    period: DigestPeriod,
    timezone: Tz,
    topics: &[(String, String)],
    items: &[DigestItemRow],
) -> DigestPlan {
    let mut sections: Vec<Section> = topics
        .iter()
        .filter_map(|(slug, name)| {
            let stories = stories(items.iter().filter(|i| &i.topic == slug), timezone);
            (!stories.is_empty()).then(|| Section {
                slug: slug.clone(),
                name: name.clone(),
                stories,
            })
        })
        .collect();
    let mut pictured = 0;
    for story in sections.iter_mut().flat_map(|s| s.stories.iter_mut()) {
        if story.image.is_some() {
            if pictured == MAX_THUMBNAILS {
                story.image = None;
            } else {
                pictured += 1;
            }
        }
    }
    DigestPlan {
        period,
        timezone,
        sections,
    }
}

/// One story per group of items (`items` newest first): the story told by
/// more outlets first, then the one whose newest item is newer.
fn stories<'a>(items: impl Iterator<Item = &'a DigestItemRow>, tz: Tz) -> Vec<Story> {
    // Each group remembers its first item's title key, computed once: the
    // fallback comparison would otherwise fold titles n² times.
    let mut groups: Vec<(String, Vec<&DigestItemRow>)> = Vec::new();
    for item in items {
        let key = title_key(&item.title);
        match groups
            .iter_mut()
            .find(|(first_key, g)| same_story(g[0], first_key, item, &key))
        {
            Some((_, group)) => group.push(item),
            None => groups.push((key, vec![item])),
        }
    }
    let stories = groups
        .into_iter()
        .map(|(_, group)| {
            let shown = group
                .iter()
                .position(|i| i.representative)
                .unwrap_or_default();
            let mut story = story(group[shown], tz);
            for item in group {
                if story.outlet != item.outlet && !story.also_reported_by.contains(&item.outlet) {
                    story.also_reported_by.push(item.outlet.clone());
                }
            }
            story
        })
        .collect::<Vec<_>>();
    // Groups are in order of their newest item; a stable sort keeps it
    // among stories told by as many outlets.
    let mut stories = stories;
    stories.sort_by_key(|s| std::cmp::Reverse(s.also_reported_by.len()));
    stories
}

/// Two items are one story when the store grouped them so; items not yet
/// grouped fall back to the same title (by key) or link.
fn same_story(a: &DigestItemRow, a_key: &str, b: &DigestItemRow, b_key: &str) -> bool {
    match (a.story_id, b.story_id) {
        (Some(x), Some(y)) => x == y,
        _ => a_key == b_key || (a.url.is_some() && a.url == b.url),
    }
}

fn story(item: &DigestItemRow, tz: Tz) -> Story {
    Story {
        title: item.title.clone(),
        // Only web links go into the mail (issue #11).
        url: item.url.as_deref().and_then(web_url).map(str::to_string),
        outlet: item.outlet.clone(),
        time: local_time(item.first_seen, tz),
        summary: shorten(item.summary.as_deref().unwrap_or(""), SUMMARY_CHARS),
        also_reported_by: Vec::new(),
        image: item.image.as_deref().and_then(web_url).map(str::to_string),
        story_id: item.story_id,
        page: None,
    }
}

fn local_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%-d %b, %H:%M").to_string()
}

/// Lower case, letters and digits only, single spaces: what makes two
/// outlets' titles "the same".
fn title_key(title: &str) -> String {
    title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || is_mark(c) {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Devanagari vowel signs and viramas are marks, not punctuation.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}' | '\u{0951}'..='\u{0957}' | '\u{0962}'..='\u{0963}')
}

/// At most `max` characters, cut at a word boundary with an ellipsis.
fn shorten(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(topic: &str, title: &str, url: &str, outlet: &str, secs: i64) -> DigestItemRow {
        DigestItemRow {
            topic: topic.into(),
            item_id: secs,
            title: title.into(),
            url: Some(url.into()),
            summary: Some("सार ".repeat(200)),
            outlet: outlet.into(),
            first_seen: DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap(),
            story_id: None,
            representative: false,
            image: None,
        }
    }

    fn period() -> DigestPeriod {
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        DigestPeriod::new(t, t + chrono::Duration::days(1)).unwrap()
    }

    #[test]
    fn same_title_or_link_is_shown_once_with_also_reported_by() {
        let items = [
            row(
                "rk",
                "पुतिन का उत्तर कोरिया दौरा!",
                "https://a/1",
                "Outlet A",
                30,
            ),
            row(
                "rk",
                "पुतिन का उत्तर  कोरिया दौरा",
                "https://b/1",
                "Outlet B",
                20,
            ),
            row("rk", "Different", "https://a/1", "Outlet C", 10),
            row("rk", "Another story", "https://d/1", "Outlet D", 5),
        ];
        let topics = [("rk".to_string(), "Russia–North Korea ties".to_string())];
        let plan = compose(period(), chrono_tz::Asia::Kolkata, &topics, &items);
        let stories = &plan.sections[0].stories;
        assert_eq!(stories.len(), 2, "{stories:#?}");
        assert_eq!(stories[0].outlet, "Outlet A");
        assert_eq!(stories[0].also_reported_by, ["Outlet B", "Outlet C"]);
        assert!(stories[0].summary.chars().count() <= SUMMARY_CHARS + 1);
    }

    #[test]
    fn a_stored_story_is_shown_once_by_its_representative() {
        let in_story = |title, outlet, secs, representative| DigestItemRow {
            story_id: Some(7),
            representative,
            ..row("rk", title, &format!("https://{outlet}/1"), outlet, secs)
        };
        let items = [
            in_story("Lavrov meets Kim in Wonsan", "B", 30, false),
            row("rk", "Unrelated", "https://c/1", "C", 25),
            in_story("लावरोव वोनसान में किम से मिले", "A", 20, true),
            in_story("लावरोव वोनसान में किम से मिले Source", "D", 10, false),
        ];
        let topics = [("rk".to_string(), "RK".to_string())];
        let plan = compose(period(), chrono_tz::Asia::Kolkata, &topics, &items);
        let stories = &plan.sections[0].stories;
        assert_eq!(stories.len(), 2, "{stories:#?}");
        assert_eq!(stories[0].outlet, "A", "the representative is shown");
        assert_eq!(stories[0].also_reported_by, ["B", "D"]);
        assert_eq!(stories[1].title, "Unrelated");
    }

    #[test]
    fn a_story_other_outlets_told_links_to_its_page() {
        let in_story = |title, outlet, secs| DigestItemRow {
            story_id: Some(7),
            ..row("rk", title, &format!("https://{outlet}/1"), outlet, secs)
        };
        let items = [
            in_story("Lavrov meets Kim", "B", 30),
            in_story("लावरोव किम से मिले", "A", 20),
            DigestItemRow {
                story_id: Some(8),
                ..row("rk", "Alone", "https://c/1", "C", 10)
            },
        ];
        let topics = [("rk".to_string(), "RK".to_string())];
        let mut plan = compose(period(), chrono_tz::Asia::Kolkata, &topics, &items);
        let base = url::Url::parse("https://khabar.example/news").unwrap();
        plan.link_story_pages(&crate::publish::Site::new(&base, vec![]));
        let stories = &plan.sections[0].stories;
        assert_eq!(
            stories[0].page.as_deref(),
            Some("https://khabar.example/news/stories/7")
        );
        assert_eq!(stories[1].page, None, "told by one outlet: no page link");
    }

    #[test]
    fn a_story_told_by_more_outlets_comes_first_then_the_newest() {
        // See: issue #13 — the news seven outlets carry leads its topic.
        let in_story = |story, title, outlet, secs| DigestItemRow {
            story_id: Some(story),
            ..row(
                "rk",
                title,
                &format!("https://{outlet}/{secs}"),
                outlet,
                secs,
            )
        };
        let items = [
            row("rk", "Newest, one outlet", "https://n/1", "N", 50),
            in_story(2, "Two outlets, newer", "A", 40),
            in_story(1, "Three outlets", "A", 35),
            in_story(2, "Two outlets, newer", "B", 30),
            in_story(3, "Two outlets, older", "C", 25),
            in_story(1, "Three outlets", "B", 20),
            in_story(3, "Two outlets, older", "D", 15),
            in_story(1, "Three outlets", "C", 10),
            row("rk", "Older, one outlet", "https://o/1", "O", 5),
        ];
        let topics = [("rk".to_string(), "RK".to_string())];
        let plan = compose(period(), chrono_tz::Asia::Kolkata, &topics, &items);
        let titles: Vec<&str> = plan.sections[0]
            .stories
            .iter()
            .map(|s| s.title.as_str())
            .collect();
        assert_eq!(
            titles,
            [
                "Three outlets",
                "Two outlets, newer",
                "Two outlets, older",
                "Newest, one outlet",
                "Older, one outlet"
            ]
        );
    }

    #[test]
    fn topics_without_news_get_no_section_and_times_are_local() {
        let items = [row("b", "x", "https://x", "O", 0)];
        let topics = [("a".into(), "A".into()), ("b".into(), "B".into())];
        let plan = compose(period(), chrono_tz::Asia::Kolkata, &topics, &items);
        assert_eq!(plan.sections.len(), 1);
        assert_eq!(plan.sections[0].slug, "b");
        // 1_700_000_000 = 2023-11-14 22:13:20 UTC = 15 Nov 03:43 IST
        assert_eq!(plan.sections[0].stories[0].time, "15 Nov, 03:43");
    }
}
