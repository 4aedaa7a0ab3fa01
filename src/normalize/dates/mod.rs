//! Feed dates → UTC. Strict RFC 3339 and RFC 2822 first, then W3C-DTF with
//! reduced precision (`2003`, `2003-12-31`, a space for `T`), then a
//! lenient reader for the dates outlets really send ([`lenient`]): no
//! weekday or a spelt-out one, one- or two-digit days and years, month
//! names in full or abbreviated (English, Hindi and the common European
//! languages), numeric and `+05:30` offsets, named zones (`IST`, `EST`),
//! fields glued together (`31 Mar 202510:50:41 +0530`), `AM`/`PM`, and
//! numeric dates (`31/03/2025`, `31.03.2025`) when they are unambiguous,
//! Devanagari digits (`३१ मार्च २०२५`).
//!
//! A date after `now` is clamped to `now`; one before
//! [`EARLIEST_PLAUSIBLE`] is a misreading or a placeholder (`1970-01-01`)
//! and counts as absent, so the item falls back to its first-seen time.

mod lenient;
mod words;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// The earliest date a feed item plausibly carries, as `YYYY-MM-DD`: web
/// feeds date from 1999, and anything earlier is a parser's or a CMS's
/// mistake (a year read from an offset, an epoch-zero default).
pub const EARLIEST_PLAUSIBLE: &str = "1995-01-01";

/// Longest date string read: dates are short, and the lenient reader should
/// not walk a megabyte of text an attacker put in `<pubDate>`.
const MAX_DATE_CHARS: usize = 128;

/// Parses a feed date and clamps it to `now`; `None` when it cannot be read
/// or is implausibly early.
pub fn parse_date(raw: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().nth(MAX_DATE_CHARS).is_some() {
        return None;
    }
    let ascii;
    let raw = if raw.contains(is_devanagari_digit) {
        ascii = ascii_digits(raw);
        ascii.as_str()
    } else {
        raw
    };
    let parsed = DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_rfc2822(raw))
        .ok()
        .map(|d| d.with_timezone(&Utc))
        .or_else(|| w3cdtf(raw))
        .or_else(|| lenient::parse(raw))?;
    (parsed >= earliest()).then(|| parsed.min(now))
}

fn is_devanagari_digit(c: char) -> bool {
    ('\u{0966}'..='\u{096F}').contains(&c)
}

/// Devanagari digits (`२०२५`), which Hindi outlets may write, as ASCII.
fn ascii_digits(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '\u{0966}'..='\u{096F}' => char::from_digit(u32::from(c) - 0x0966, 10).unwrap_or(c),
            c => c,
        })
        .collect()
}

fn earliest() -> DateTime<Utc> {
    let day = NaiveDate::parse_from_str(EARLIEST_PLAUSIBLE, "%Y-%m-%d").unwrap_or(NaiveDate::MIN);
    Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN))
}

/// W3C-DTF with reduced precision or a space for `T`: `2003`, `2003-12`,
/// `2003-12-31`, `2003-12-31T10:14Z`, `2003-12-31 10:14:55+05:30`. The year
/// must have four digits, so that `31 March 2025` is left to [`lenient`].
fn w3cdtf(raw: &str) -> Option<DateTime<Utc>> {
    let (date, time) = match raw.split_once(['T', 't', ' ']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (raw, None),
    };
    let mut parts = date.split('-');
    let year = parts.next().filter(|y| y.len() == 4)?.parse().ok()?;
    let month: u32 = parts.next().map_or(Some(1), |m| m.parse().ok())?;
    let day: u32 = parts.next().map_or(Some(1), |d| d.parse().ok())?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let Some(time) = time else {
        return Some(Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)));
    };
    let zone_at = time.find(['Z', 'z', '+', '-']).unwrap_or(time.len());
    let zone = time[zone_at..].trim();
    let offset = match zone {
        "" | "Z" | "z" => 0,
        zone => numeric_offset(zone)?,
    };
    let clock = parse_clock(&time[..zone_at])?;
    local_to_utc(date.and_time(clock), offset)
}

/// `hh:mm`, `hh:mm:ss`, `hh:mm:ss.fff` (a comma for the dot too).
fn parse_clock(text: &str) -> Option<NaiveTime> {
    let mut parts = text.trim().split(':');
    let hour = parts.next()?.parse().ok()?;
    let minute = parts.next()?.parse().ok()?;
    let (seconds, fraction) = match parts.next() {
        None => ("0", ""),
        Some(s) => s.split_once(['.', ',']).unwrap_or((s, "")),
    };
    if parts.next().is_some() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Nanoseconds from the first nine digits of the fraction.
    let nanos = format!("{:0<9}", &fraction[..fraction.len().min(9)])
        .parse()
        .ok()?;
    NaiveTime::from_hms_nano_opt(hour, minute, seconds.parse().ok()?, nanos)
}

/// `+0530`, `+05:30`, `+5:30`, `+05`, `-3`: seconds east of UTC. Offsets
/// beyond ±14 hours (the widest real zones) are not offsets.
fn numeric_offset(zone: &str) -> Option<i32> {
    let sign = match zone.chars().next()? {
        '+' => 1,
        '-' | '\u{2212}' => -1,
        _ => return None,
    };
    let rest = zone.trim_start_matches(['+', '-', '\u{2212}']);
    // Digits and a colon only: byte lengths below are then character counts
    // (a feed's "+0\u{FFFD}" is 4 bytes, and splitting it at 2 would panic).
    if !rest.is_ascii() {
        return None;
    }
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) if (1..=2).contains(&h.len()) && m.len() == 2 => (h, m),
        Some(_) => return None,
        None if rest.len() == 4 => rest.split_at(2),
        None if (1..=2).contains(&rest.len()) => (rest, "0"),
        None => return None,
    };
    if !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

fn local_to_utc(local: NaiveDateTime, offset_seconds: i32) -> Option<DateTime<Utc>> {
    FixedOffset::east_opt(offset_seconds)?
        .from_local_datetime(&local)
        .single()
        .map(|d| d.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .map(|d| d.with_timezone(&Utc))
            .unwrap()
    }

    #[test]
    fn dates_parse_to_utc() {
        let now = at("2025-07-13T03:00:00Z");
        let cases = [
            (
                "rfc 822",
                "Thu, 01 Jan 2004 19:48:21 GMT",
                Some("2004-01-01T19:48:21Z"),
            ),
            (
                "rfc 822 india",
                "Sun, 13 Jul 2025 08:00:00 +0530",
                Some("2025-07-13T02:30:00Z"),
            ),
            (
                "no weekday, one-digit day, no seconds",
                "1 Jan 2004 19:48 EST",
                Some("2004-01-02T00:48:00Z"),
            ),
            (
                "two-digit year",
                "Wed, 31 Dec 03 10:14:55 GMT",
                Some("2003-12-31T10:14:55Z"),
            ),
            (
                "rfc 3339",
                "2003-12-31T10:14:55Z",
                Some("2003-12-31T10:14:55Z"),
            ),
            (
                "w3cdtf offset",
                "2003-12-31T15:44:55+05:30",
                Some("2003-12-31T10:14:55Z"),
            ),
            (
                "w3cdtf no seconds",
                "2003-12-31T10:14Z",
                Some("2003-12-31T10:14:00Z"),
            ),
            (
                "w3cdtf space and numeric offset",
                "2025-03-31 10:50:41 +0530",
                Some("2025-03-31T05:20:41Z"),
            ),
            (
                "w3cdtf fraction",
                "2025-03-31T10:50:41.123456+05:30",
                Some("2025-03-31T05:20:41.123456Z"),
            ),
            ("date only", "2003-12-31", Some("2003-12-31T00:00:00Z")),
            (
                "devanagari digits",
                "३१ मार्च २०२५ १०:५० IST",
                Some("2025-03-31T05:20:00Z"),
            ),
            (
                "javascript date",
                "Tue Apr 01 2025 10:50:41 GMT+0530 (India Standard Time)",
                Some("2025-04-01T05:20:41Z"),
            ),
            (
                "unix date",
                "Tue Apr 1 10:50:41 IST 2025",
                Some("2025-04-01T05:20:41Z"),
            ),
            (
                "future clamped to now",
                "2999-01-01T00:00:00Z",
                Some("2025-07-13T03:00:00Z"),
            ),
            (
                "epoch zero is no date",
                "Thu, 01 Jan 1970 00:00:00 GMT",
                None,
            ),
            ("year 0530 is no date", "0530-03-31T00:00:00Z", None),
            ("garbage", "yesterday-ish", None),
            ("empty", "  ", None),
        ];
        for (name, raw, want) in cases {
            assert_eq!(parse_date(raw, now), want.map(at), "{name}: {raw:?}");
        }
    }

    #[test]
    fn offsets_are_read_in_every_spelling() {
        let cases = [
            ("+0530", Some(19_800)),
            ("+05:30", Some(19_800)),
            ("+5:30", Some(19_800)),
            ("-03", Some(-10_800)),
            ("-3", Some(-10_800)),
            ("\u{2212}0500", Some(-18_000)),
            ("+2500", None),
            ("+05:3", None),
            ("+053", None),
            ("0530", None),
            // Four bytes but two characters: found by the fuzzer in a
            // w3cdtf date, where splitting at byte 2 panicked.
            ("+0\u{FFFD}", None),
            ("-\u{0966}\u{0967}", None),
            ("+\u{0966}\u{096B}:\u{0969}\u{0966}", None),
        ];
        for (raw, want) in cases {
            assert_eq!(numeric_offset(raw), want, "{raw}");
        }
    }

    #[test]
    fn a_minus_sign_before_a_number_is_not_cut_inside_it() {
        for raw in [
            "31 Mar \u{2212}2025",
            "\u{2212}31 Mar 2025 10:50",
            "Mar 31 \u{2212}5 2025",
        ] {
            let _ = parse_date(raw, Utc::now());
        }
    }

    #[test]
    fn huge_dates_are_not_read() {
        let raw = format!("31 Mar 2025 {}", "x ".repeat(10_000));
        assert_eq!(parse_date(&raw, Utc::now()), None);
    }
}
