//! A user's query → [`Query`]: words and phrases under `AND`/`OR`/`NOT`,
//! and the filters `topic:`, `outlet:`, `since:`, `until:`.
//!
//! The parser is forgiving where intent is clear (an unclosed quote or
//! parenthesis closes at the end, a stray `)` or a dangling operator is
//! dropped, control characters are spaces) and says what is wrong where it
//! is not. Every input is bounded ([`MAX_QUERY_CHARS`], [`MAX_TERMS`],
//! [`MAX_DEPTH`]) and read in one pass. Nothing of the text ever reaches
//! SQLite as syntax: [`super::lower`] writes the FTS5 expression from the
//! folded words alone.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use super::fold::words;
use super::QueryError;
use crate::topics::is_word_char;

/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 500;

/// Most words and phrases in one query.
pub const MAX_TERMS: usize = 16;

/// Deepest nesting of parentheses.
pub const MAX_DEPTH: usize = 8;

/// Most values of one filter kind (`topic:a topic:b` …).
pub const MAX_FILTER_VALUES: usize = 8;

/// Shortest prefix before `*`, in characters.
pub const MIN_PREFIX_CHARS: usize = 2;

/// A parsed query: what the text must contain, and the filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The text condition; `None` when the query is filters only.
    pub expr: Option<Expr>,
    /// The filters, all of which must hold.
    pub filters: Filters,
}

/// A condition on an item's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A word or phrase.
    Term(Term),
    /// Every part holds.
    And(Vec<Expr>),
    /// Some part holds.
    Or(Vec<Expr>),
    /// The part does not hold.
    Not(Box<Expr>),
}

/// A word, or a phrase of words in order, folded as the index folds text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Term {
    /// The folded words (one for a lone word).
    pub words: Vec<String>,
    /// Whether the last word is a prefix (`लाव*`).
    pub prefix: bool,
}

/// Conditions on an item's metadata. Several values of one kind match any
/// of them; different kinds must all hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Topic slugs (the item's story is tagged with one of them).
    pub topics: Vec<String>,
    /// Outlet names (part of the feed's title, site or URL, any case).
    pub outlets: Vec<String>,
    /// Published at or after this.
    pub since: Option<DateTime<Utc>>,
    /// Published at or before this.
    pub until: Option<DateTime<Utc>>,
}

/// What the parser needs besides the text.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The slugs `topic:` may name.
    pub topics: &'a [&'a str],
    /// The time relative dates (`since:7d`) count back from.
    pub now: DateTime<Utc>,
}

impl Query {
    /// Parses `text` (see the module docs for what is accepted).
    pub fn parse(text: &str, cx: Context<'_>) -> Result<Query, QueryError> {
        let chars = text.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong {
                chars,
                max: MAX_QUERY_CHARS,
            });
        }
        let tokens = lex(text);
        let mut parser = Parser {
            tokens,
            at: 0,
            filters: Filters::default(),
            terms: 0,
            cx,
        };
        let expr = parser.or(0)?;
        let query = Query {
            expr,
            filters: parser.filters,
        };
        if query.expr.is_none() && query.filters == Filters::default() {
            return Err(QueryError::Empty);
        }
        Ok(query)
    }

    /// The terms results must contain (none under a `NOT`), for highlighting.
    pub fn positive_terms(&self) -> Vec<&Term> {
        fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a Term>) {
            match e {
                Expr::Term(t) => out.push(t),
                Expr::And(parts) | Expr::Or(parts) => parts.iter().for_each(|p| walk(p, out)),
                Expr::Not(_) => {}
            }
        }
        let mut out = Vec::new();
        if let Some(e) = &self.expr {
            walk(e, &mut out);
        }
        out
    }
}

/// One lexical unit of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    /// `-` glued to what follows.
    Minus,
    /// A run of text (one or more words once folded), or a quoted phrase.
    Text {
        text: String,
        quoted: bool,
    },
    /// `key:value`.
    Filter {
        key: FilterKey,
        value: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FilterKey {
    Topic,
    Outlet,
    Since,
    Until,
}

impl FilterKey {
    fn parse(key: &str) -> Option<FilterKey> {
        Some(match key.to_ascii_lowercase().as_str() {
            "topic" => FilterKey::Topic,
            "outlet" => FilterKey::Outlet,
            "since" => FilterKey::Since,
            "until" => FilterKey::Until,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            FilterKey::Topic => "topic",
            FilterKey::Outlet => "outlet",
            FilterKey::Since => "since",
            FilterKey::Until => "until",
        }
    }
}

fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}'
    )
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

/// Splits the text into tokens (one pass).
fn lex(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if is_space(c) {
            chars.next();
        } else if c == '(' {
            chars.next();
            tokens.push(Token::Open);
        } else if c == ')' {
            chars.next();
            tokens.push(Token::Close);
        } else if is_quote(c) {
            chars.next();
            let text = quoted(&mut chars);
            tokens.push(Token::Text { text, quoted: true });
        } else {
            let mut run = String::new();
            while let Some(&c) = chars.peek() {
                if is_space(c) || c == '(' || c == ')' || is_quote(c) {
                    break;
                }
                run.push(c);
                chars.next();
            }
            lex_run(run, &mut chars, &mut tokens);
        }
    }
    tokens
}

/// The text up to the closing quote (or the end, when it is missing).
fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut text = String::new();
    for c in chars.by_ref() {
        if is_quote(c) {
            break;
        }
        text.push(c);
    }
    text
}

fn lex_run(
    run: String,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    tokens: &mut Vec<Token>,
) {
    match run.as_str() {
        "AND" | "&&" => return tokens.push(Token::And),
        "OR" | "|" | "||" => return tokens.push(Token::Or),
        "NOT" => return tokens.push(Token::Not),
        _ => {}
    }
    let (negated, body) = match run.strip_prefix('-') {
        Some(rest) if !rest.is_empty() && !rest.starts_with('-') => (true, rest),
        _ => (false, run.as_str()),
    };
    if negated {
        tokens.push(Token::Minus);
    }
    if let Some((key, value)) = body.split_once(':') {
        if let Some(key) = FilterKey::parse(key) {
            let value = if value.is_empty() && chars.peek().is_some_and(|&c| is_quote(c)) {
                chars.next();
                quoted(chars)
            } else {
                value.to_string()
            };
            tokens.push(Token::Filter { key, value });
            return;
        }
    }
    tokens.push(Token::Text {
        text: body.to_string(),
        quoted: false,
    });
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    filters: Filters,
    terms: usize,
    cx: Context<'a>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    /// `and (OR and)*`, up to a `)` or the end.
    fn or(&mut self, depth: usize) -> Result<Option<Expr>, QueryError> {
        let mut parts = Vec::new();
        loop {
            if let Some(e) = self.and(depth)? {
                parts.push(e);
            }
            match self.peek() {
                Some(Token::Or) => {
                    self.bump();
                }
                _ => break,
            }
        }
        Ok(match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Expr::Or(parts)),
        })
    }

    /// `unary ([AND] unary)*`, up to `OR`, a `)` or the end.
    fn and(&mut self, depth: usize) -> Result<Option<Expr>, QueryError> {
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                None | Some(Token::Or) => break,
                Some(Token::Close) if depth > 0 => break,
                Some(Token::Close) | Some(Token::And) => {
                    // A stray `)` at the top, or `AND` (implied anyway).
                    self.bump();
                }
                _ => {
                    if let Some(e) = self.unary(depth)? {
                        parts.push(e);
                    }
                }
            }
        }
        Ok(match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Expr::And(parts)),
        })
    }

    fn unary(&mut self, depth: usize) -> Result<Option<Expr>, QueryError> {
        match self.peek() {
            Some(Token::Not) | Some(Token::Minus) => {
                self.bump();
                if let Some(Token::Filter { key, .. }) = self.peek() {
                    return Err(QueryError::NegatedFilter { key: key.name() });
                }
                // `NOT` before nothing (or before an operator) is dropped.
                if matches!(self.peek(), None | Some(Token::Or) | Some(Token::Close)) {
                    return Ok(None);
                }
                Ok(self.unary(depth)?.map(|e| match e {
                    Expr::Not(inner) => *inner,
                    e => Expr::Not(Box::new(e)),
                }))
            }
            _ => self.primary(depth),
        }
    }

    fn primary(&mut self, depth: usize) -> Result<Option<Expr>, QueryError> {
        match self.bump() {
            Some(Token::Open) => {
                if depth + 1 > MAX_DEPTH {
                    return Err(QueryError::TooDeep { max: MAX_DEPTH });
                }
                let inner = self.or(depth + 1)?;
                // A missing `)` closes at the end.
                if self.peek() == Some(&Token::Close) {
                    self.bump();
                }
                Ok(inner)
            }
            Some(Token::Text { text, quoted }) => self.term(&text, quoted),
            Some(Token::Filter { key, value }) => {
                self.filter(key, &value)?;
                Ok(None)
            }
            // Operators where a term was due are dropped.
            _ => Ok(None),
        }
    }

    fn term(&mut self, text: &str, quoted: bool) -> Result<Option<Expr>, QueryError> {
        let (text, star) = match text.strip_suffix('*') {
            Some(rest) if !quoted => (rest.trim_end_matches('*'), true),
            _ => (text, false),
        };
        let folded: Vec<String> = words(text).into_iter().map(|w| w.folded).collect();
        if folded.is_empty() {
            return Ok(None);
        }
        // A star glued to a word makes that (last) word a prefix.
        let prefix = star && text.chars().next_back().is_some_and(is_word_char);
        if prefix {
            let last = folded.last().map_or(0, |w| w.chars().count());
            if last < MIN_PREFIX_CHARS {
                return Err(QueryError::ShortPrefix {
                    min: MIN_PREFIX_CHARS,
                });
            }
        }
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(QueryError::TooManyTerms { max: MAX_TERMS });
        }
        Ok(Some(Expr::Term(Term {
            words: folded,
            prefix,
        })))
    }

    fn filter(&mut self, key: FilterKey, value: &str) -> Result<(), QueryError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(QueryError::EmptyFilter { key: key.name() });
        }
        match key {
            FilterKey::Topic => {
                let slug = value.to_ascii_lowercase();
                if !self.cx.topics.contains(&slug.as_str()) {
                    return Err(QueryError::UnknownTopic {
                        slug: shorten(value),
                        known: self.cx.topics.join(", "),
                    });
                }
                push_value(&mut self.filters.topics, slug, key)
            }
            FilterKey::Outlet => push_value(&mut self.filters.outlets, value.to_lowercase(), key),
            FilterKey::Since => {
                let day = date(value, self.cx.now).ok_or_else(|| bad_date(key, value))?;
                self.filters.since = Some(day);
                Ok(())
            }
            FilterKey::Until => {
                let day = date(value, self.cx.now).ok_or_else(|| bad_date(key, value))?;
                // A date names a whole day: until its last second.
                let end = if is_day(value) {
                    day + Duration::days(1) - Duration::seconds(1)
                } else {
                    day
                };
                self.filters.until = Some(end);
                Ok(())
            }
        }
    }
}

fn push_value(values: &mut Vec<String>, value: String, key: FilterKey) -> Result<(), QueryError> {
    if !values.contains(&value) {
        if values.len() == MAX_FILTER_VALUES {
            return Err(QueryError::TooManyFilters {
                key: key.name(),
                max: MAX_FILTER_VALUES,
            });
        }
        values.push(value);
    }
    Ok(())
}

fn bad_date(key: FilterKey, value: &str) -> QueryError {
    QueryError::BadDate {
        key: key.name(),
        value: shorten(value),
    }
}

/// A user's text echoed in an error, cut to a readable length.
fn shorten(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_string()
    } else {
        format!("{}…", value.chars().take(MAX).collect::<String>())
    }
}

fn is_day(value: &str) -> bool {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok()
}

/// A date as filters take it: `2025-07-13` (the day's start, UTC), an RFC
/// 3339 time, or a span back from `now`: `36h`, `7d`, `2w`.
pub fn date(value: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Some(Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN)));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    let unit = value.chars().last()?;
    let n: i64 = value[..value.len() - unit.len_utf8()].parse().ok()?;
    let span = match unit {
        'h' => Duration::try_hours(n)?,
        'd' => Duration::try_days(n)?,
        'w' => Duration::try_weeks(n)?,
        _ => return None,
    };
    (n >= 0).then(|| now.checked_sub_signed(span)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPICS: &[&str] = &["russia-north-korea", "cricket"];

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-07-20T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn parse(text: &str) -> Result<Query, QueryError> {
        Query::parse(
            text,
            Context {
                topics: TOPICS,
                now: now(),
            },
        )
    }

    fn term(words: &[&str]) -> Expr {
        Expr::Term(Term {
            words: words.iter().map(|w| w.to_string()).collect(),
            prefix: false,
        })
    }

    #[test]
    fn words_phrases_and_operators() {
        let cases: Vec<(&str, Expr)> = vec![
            ("Lavrov", term(&["lavrov"])),
            (
                "लावरोव किम",
                Expr::And(vec![term(&["लावरोव"]), term(&["किम"])]),
            ),
            ("\"किम जोंग उन\"", term(&["किम", "जोंग", "उन"])),
            ("a AND b", Expr::And(vec![term(&["a"]), term(&["b"])])),
            ("a OR b", Expr::Or(vec![term(&["a"]), term(&["b"])])),
            (
                "a b OR c",
                Expr::Or(vec![
                    Expr::And(vec![term(&["a"]), term(&["b"])]),
                    term(&["c"]),
                ]),
            ),
            (
                "a (b OR c)",
                Expr::And(vec![
                    term(&["a"]),
                    Expr::Or(vec![term(&["b"]), term(&["c"])]),
                ]),
            ),
            (
                "a NOT b",
                Expr::And(vec![term(&["a"]), Expr::Not(Box::new(term(&["b"])))]),
            ),
            (
                "a -b",
                Expr::And(vec![term(&["a"]), Expr::Not(Box::new(term(&["b"])))]),
            ),
            ("Korea's", term(&["korea", "s"])),
            ("NOT NOT a", term(&["a"])),
            (
                "Kim Jong-un",
                Expr::And(vec![term(&["kim"]), term(&["jong", "un"])]),
            ),
            ("“किम जोंग”", term(&["किम", "जोंग"])),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).unwrap().expr, Some(want), "{text}");
        }
    }

    #[test]
    fn prefixes() {
        let q = parse("लाव*").unwrap();
        assert_eq!(
            q.expr,
            Some(Expr::Term(Term {
                words: vec!["लाव".into()],
                prefix: true
            }))
        );
        assert_eq!(parse("l*"), Err(QueryError::ShortPrefix { min: 2 }));
        assert_eq!(parse("\"lav*\"").unwrap().expr, Some(term(&["lav"])));
    }

    #[test]
    fn filters() {
        let q = parse("Lavrov topic:russia-north-korea outlet:\"Dainik Samvad\" since:2025-07-01 until:2025-07-13")
            .unwrap();
        assert_eq!(q.expr, Some(term(&["lavrov"])));
        assert_eq!(q.filters.topics, ["russia-north-korea"]);
        assert_eq!(q.filters.outlets, ["dainik samvad"]);
        assert_eq!(
            q.filters.since.unwrap().to_rfc3339(),
            "2025-07-01T00:00:00+00:00"
        );
        assert_eq!(
            q.filters.until.unwrap().to_rfc3339(),
            "2025-07-13T23:59:59+00:00"
        );
        let q = parse("since:7d topic:cricket").unwrap();
        assert_eq!(q.expr, None);
        assert_eq!(q.filters.since, Some(now() - Duration::days(7)));
        assert_eq!(
            parse("outlet:").unwrap_err(),
            QueryError::EmptyFilter { key: "outlet" }
        );
    }

    #[test]
    fn bad_queries_get_a_clear_error() {
        let cases: Vec<(String, &str)> = vec![
            ("".into(), "type a word"),
            ("   ".into(), "type a word"),
            ("AND OR NOT".into(), "type a word"),
            ("((( )))".into(), "type a word"),
            ("!!! ... ???".into(), "type a word"),
            ("\0\0\0".into(), "type a word"),
            ("ख़बर ".repeat(200), "too long"),
            ("a ".repeat(17), "too many"),
            ("(".repeat(9) + "a", "nested"),
            ("topic:nope".into(), "unknown topic"),
            ("since:yesterday".into(), "since:"),
            ("until:2025-13-45".into(), "until:"),
            ("-topic:cricket a".into(), "cannot be excluded"),
        ];
        for (text, want) in cases {
            let err = parse(&text).expect_err(&text).to_string();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn sloppy_syntax_is_forgiven() {
        let cases = [
            ("\"किम जोंग", term(&["किम", "जोंग"])),
            ("(a", term(&["a"])),
            ("a)", term(&["a"])),
            ("a OR", term(&["a"])),
            ("OR a", term(&["a"])),
            ("a NOT", term(&["a"])),
            ("a\0b", Expr::And(vec![term(&["a"]), term(&["b"])])),
            ("a AND AND b", Expr::And(vec![term(&["a"]), term(&["b"])])),
            (
                "NEAR(a b)",
                Expr::And(vec![
                    term(&["near"]),
                    Expr::And(vec![term(&["a"]), term(&["b"])]),
                ]),
            ),
            ("a:b", term(&["a", "b"])),
            (
                "{title}: x",
                Expr::And(vec![term(&["title"]), term(&["x"])]),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).unwrap().expr, Some(want), "{text}");
        }
    }

    #[test]
    fn dates() {
        let n = now();
        assert_eq!(date("36h", n), Some(n - Duration::hours(36)));
        assert_eq!(date("2w", n), Some(n - Duration::weeks(2)));
        assert_eq!(date("-1d", n), None);
        assert_eq!(date("99999999999999d", n), None);
        assert_eq!(date("d", n), None);
        assert_eq!(date("७d", n), None);
        assert!(date("2025-07-13T10:00:00+05:30", n).is_some());
    }
}
