//! The lenient date reader: the string is cut into tokens (words, numbers,
//! clocks, signed offsets, numeric dates), and each token fills the field
//! it can be. Order barely matters, so `31 March 2025`, `March 31, 2025`,
//! `Mon,31 Mar 2025` and `Monday, 31-Mar-25` read alike, and fields glued
//! together by broken templates (`30Mar`, `202510:50:41`) are cut apart.
//!
//! Written by hand rather than with a date-guessing crate: what a feed
//! date may contain is small and known (RFC 822 as outlets mistype it), the
//! rules are few (an offset only after the time; an ambiguous `03/04` is
//! no date), and every string is read in one pass of at most
//! `MAX_DATE_CHARS` characters.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::{local_to_utc, numeric_offset, parse_clock, words};

/// One piece of a date string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// Letters: a month, weekday, zone, `AM`/`PM`, or noise.
    Word(&'a str),
    /// Digits alone: a day, a year, or `hhmm`.
    Number(&'a str),
    /// `hh:mm`, `hh:mm:ss`, `hh:mm:ss.fff`.
    Clock(&'a str),
    /// A sign and digits: an offset after the time, a number before it.
    Signed(&'a str),
    /// Three numbers joined by `/`, `.` or `-`.
    NumericDate(&'a str),
}

/// Reads a date the strict formats rejected.
pub(super) fn parse(raw: &str) -> Option<DateTime<Utc>> {
    let mut fields = Fields::default();
    for token in tokens(raw) {
        fields.take(token);
    }
    fields.finish()
}

#[derive(Default)]
struct Fields {
    day: Option<u32>,
    month: Option<u32>,
    year: Option<i32>,
    clock: Option<NaiveTime>,
    /// `Some(true)` for PM.
    pm: Option<bool>,
    offset: Option<i32>,
    zone: Option<i32>,
}

impl Fields {
    fn take(&mut self, token: Token<'_>) {
        match token {
            Token::Word(word) => self.word(word),
            Token::Number(digits) => self.number(digits),
            Token::Clock(text) => {
                if self.clock.is_none() {
                    self.clock = parse_clock(text);
                }
            }
            // Zones follow the time; before it, `-2018` in `Sep-2018` is a year.
            Token::Signed(text) if self.clock.is_some() => {
                if self.offset.is_none() {
                    self.offset = numeric_offset(text);
                }
            }
            // The sign may be U+2212, three bytes: skip it by character.
            Token::Signed(text) => self.number(text.trim_start_matches(['+', '-', '\u{2212}'])),
            Token::NumericDate(text) => {
                if self.day.is_none() && self.month.is_none() && self.year.is_none() {
                    if let Some((y, m, d)) = numeric_date(text) {
                        (self.year, self.month, self.day) = (Some(y), Some(m), Some(d));
                    }
                }
            }
        }
    }

    fn word(&mut self, word: &str) {
        match word.to_ascii_lowercase().as_str() {
            "am" | "a.m." => self.pm = Some(false),
            "pm" | "p.m." => self.pm = Some(true),
            _ => {
                if let Some(month) = words::month(word) {
                    // The last month word wins: in Spanish, French and
                    // Italian "mar" is also Tuesday, written first.
                    self.month = Some(month);
                } else if let Some(zone) = words::zone(word) {
                    self.zone = self.zone.or(Some(zone));
                }
            }
        }
    }

    fn number(&mut self, digits: &str) {
        let Ok(n) = digits.parse::<u32>() else { return };
        match digits.len() {
            4 if self.year.is_none() => self.year = i32::try_from(n).ok(),
            // `03 Apr 02 1500 GMT`: RFC 822's time without a colon.
            4 if self.clock.is_none() => {
                self.clock = NaiveTime::from_hms_opt(n / 100, n % 100, 0);
            }
            1 | 2 if self.day.is_none() && (1..=31).contains(&n) => self.day = Some(n),
            1 | 2 if self.year.is_none() => {
                let n = i32::try_from(n).unwrap_or_default();
                self.year = Some(if n < 50 { 2000 + n } else { 1900 + n });
            }
            _ => {}
        }
    }

    fn finish(self) -> Option<DateTime<Utc>> {
        let date = NaiveDate::from_ymd_opt(self.year?, self.month?, self.day?)?;
        let mut clock = self.clock.unwrap_or(NaiveTime::MIN);
        if let Some(pm) = self.pm {
            use chrono::Timelike;
            let hour = match (pm, clock.hour()) {
                (true, h @ 1..=11) => h + 12,
                (false, 12) => 0,
                (_, h) => h,
            };
            clock = clock.with_hour(hour)?;
        }
        local_to_utc(date.and_time(clock), self.offset.or(self.zone).unwrap_or(0))
    }
}

/// `31/03/2025`, `31.03.2025`, `31-03-2025`, `2025-03-31` → (year, month,
/// day). Dots and dashes are day first (as Europe and India write them);
/// with slashes a day above 12 tells day from month, and `03/04/2025` —
/// March or April — is no date at all.
fn numeric_date(text: &str) -> Option<(i32, u32, u32)> {
    let parts: Vec<&str> = text.split(['/', '.', '-']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let num = |s: &str| s.parse::<u32>().ok();
    let year = |s: &str| {
        let n = i32::try_from(num(s)?).ok()?;
        match s.len() {
            4 => Some(n),
            2 => Some(if n < 50 { 2000 + n } else { 1900 + n }),
            _ => None,
        }
    };
    if a.len() == 4 {
        return Some((year(a)?, num(b)?, num(c)?));
    }
    let (first, second, y) = (num(a)?, num(b)?, year(c)?);
    if !text.contains('/') || first > 12 {
        Some((y, second, first))
    } else if second > 12 {
        Some((y, first, second))
    } else {
        None
    }
}

/// Cuts `raw` into tokens; anything that is not a letter, a digit or part
/// of a clock, offset or numeric date separates them.
fn tokens(raw: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        let (token, len) = if c.is_alphabetic() {
            let len = rest
                .find(|c: char| !c.is_alphabetic() && !is_mark(c))
                .unwrap_or(rest.len());
            (Some(Token::Word(&rest[..len])), len)
        } else if c.is_ascii_digit() {
            digits_token(rest, &mut out)
        } else if matches!(c, '+' | '-' | '\u{2212}') && starts_with_digit(&rest[c.len_utf8()..]) {
            let len = c.len_utf8() + clock_len(&rest[c.len_utf8()..]);
            (Some(Token::Signed(&rest[..len])), len)
        } else {
            (None, c.len_utf8())
        };
        out.extend(token);
        rest = &rest[len..];
    }
    out
}

/// A token starting with a digit: a numeric date, a clock (cutting a glued
/// year off its front), or a number. Returns the token and its length.
fn digits_token<'a>(text: &'a str, out: &mut Vec<Token<'a>>) -> (Option<Token<'a>>, usize) {
    let run = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let after = &text[run..];
    let next = after.chars().next();
    if matches!(next, Some('/' | '.' | '-')) && starts_with_digit(&after[1..]) {
        let len = text
            .find(|c: char| !c.is_ascii_digit() && !matches!(c, '/' | '.' | '-'))
            .unwrap_or(text.len());
        return (Some(Token::NumericDate(&text[..len])), len);
    }
    if next == Some(':') && starts_with_digit(&after[1..]) {
        if run > 2 {
            // `202510:50:41`: a year glued to the hour.
            out.push(Token::Number(&text[..run - 2]));
            return (None, run - 2);
        }
        let len = clock_len(text);
        return (Some(Token::Clock(&text[..len])), len);
    }
    (Some(Token::Number(&text[..run])), run)
}

/// Length of the digits, colons and fraction at the start of `text`.
fn clock_len(text: &str) -> usize {
    let mut len = 0;
    let mut seen_colon = false;
    for (i, c) in text.char_indices() {
        let fraction = matches!(c, '.' | ',') && seen_colon && starts_with_digit(&text[i + 1..]);
        if c == ':' {
            seen_colon = true;
        } else if !c.is_ascii_digit() && !fraction {
            break;
        }
        len = i + c.len_utf8();
    }
    len
}

fn starts_with_digit(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// Combining marks (Devanagari vowel signs, the nukta) are part of a word.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}' | '\u{0951}'..='\u{0957}' | '\u{0962}'..='\u{0963}' | '\u{0300}'..='\u{036F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(raw: &str) -> Option<String> {
        parse(raw).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    }

    #[test]
    fn dates_outlets_really_send_are_read() {
        let cases = [
            (
                "toi: year glued to the hour",
                "Mon, 31 Mar 202510:50:41 +0530",
                Some("2025-03-31T05:20:41Z"),
            ),
            (
                "toi: no space after the comma",
                "Mon,31 Mar 2025 11:34:52 +0530",
                Some("2025-03-31T06:04:52Z"),
            ),
            (
                "toi: day glued to the month",
                "Sun, 30Mar 2025 12:41:13 +0530",
                Some("2025-03-30T07:11:13Z"),
            ),
            (
                "spelt-out month",
                "31 March 2025 10:50:41 +0530",
                Some("2025-03-31T05:20:41Z"),
            ),
            (
                "spelt-out weekday",
                "Monday, 31 March 2025 10:50:41 +0530",
                Some("2025-03-31T05:20:41Z"),
            ),
            (
                "colon offset",
                "Mon, 31 Mar 2025 10:50:41 +05:30",
                Some("2025-03-31T05:20:41Z"),
            ),
            (
                "named zone",
                "31 Mar 2025 10:50:41 IST",
                Some("2025-03-31T05:20:41Z"),
            ),
            (
                "zone then offset",
                "31 Mar 2025 10:50 GMT+5:30",
                Some("2025-03-31T05:20:00Z"),
            ),
            (
                "american order",
                "March 31, 2025 10:50 AM EDT",
                Some("2025-03-31T14:50:00Z"),
            ),
            ("pm", "Mar 31, 2025 3:05 PM", Some("2025-03-31T15:05:00Z")),
            (
                "twelve am",
                "31 Mar 2025 12:10 AM",
                Some("2025-03-31T00:10:00Z"),
            ),
            (
                "us numeric with am/pm (dw)",
                "2/17/2023 9:53:56 AM",
                Some("2023-02-17T09:53:56Z"),
            ),
            (
                "indian numeric",
                "31/03/2025 10:50",
                Some("2025-03-31T10:50:00Z"),
            ),
            ("ambiguous numeric", "03/04/2025 10:50", None),
            (
                "german",
                "Mo, 31.03.2025 10:50 MESZ",
                Some("2025-03-31T08:50:00Z"),
            ),
            (
                "german month name",
                "31. März 2025, 10:50 Uhr",
                Some("2025-03-31T10:50:00Z"),
            ),
            (
                "portuguese (uol)",
                "Seg, 24 Set 2018 19:42:40 -0300",
                Some("2018-09-24T22:42:40Z"),
            ),
            (
                "spanish tuesday first",
                "Mar, 24 Sep 2018 19:42:40 -0300",
                Some("2018-09-24T22:42:40Z"),
            ),
            (
                "hindi month",
                "31 मार्च 2025 10:50 IST",
                Some("2025-03-31T05:20:00Z"),
            ),
            (
                "dashes",
                "24-Sep-2018 19:42:40 GMT",
                Some("2018-09-24T19:42:40Z"),
            ),
            (
                "rfc 822 hhmm",
                "03 Apr 02 1500 GMT",
                Some("2002-04-03T15:00:00Z"),
            ),
            (
                "ordinal day",
                "March 31st, 2025",
                Some("2025-03-31T00:00:00Z"),
            ),
            (
                "wrong weekday is ignored",
                "Fri, 31 Mar 2025 10:50:41 +0530",
                Some("2025-03-31T05:20:41Z"),
            ),
            (
                "iso with named zone",
                "2025-03-31 10:50:41 IST",
                Some("2025-03-31T05:20:41Z"),
            ),
            ("no year", "31 Mar 10:50", None),
            ("not a date", "yesterday-ish", None),
            ("impossible day", "31 Feb 2025", None),
        ];
        for (name, raw, want) in cases {
            assert_eq!(utc(raw).as_deref(), want, "{name}: {raw:?}");
        }
    }

    #[test]
    fn glued_fields_are_cut_apart() {
        use Token::*;
        assert_eq!(
            tokens("Mon, 31 Mar 202510:50:41 +0530"),
            [
                Word("Mon"),
                Number("31"),
                Word("Mar"),
                Number("2025"),
                Clock("10:50:41"),
                Signed("+0530")
            ]
        );
        assert_eq!(tokens("30Mar"), [Number("30"), Word("Mar")]);
    }
}
