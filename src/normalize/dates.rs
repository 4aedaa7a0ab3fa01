//! Feed dates → UTC. RFC 3339 / W3C-DTF (also partial: `2003-12-31`), RFC 822 /
//! 2822 as feeds really write it (no weekday, two-digit years, named zones,
//! missing seconds). A date after `now` is clamped to `now`.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Parses a feed date and clamps it to `now`; `None` when it cannot be read.
pub fn parse_date(raw: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    let parsed = DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_rfc2822(raw))
        .ok()
        .map(|d| d.with_timezone(&Utc))
        .or_else(|| w3cdtf(raw))
        .or_else(|| rfc822_lenient(raw))?;
    Some(parsed.min(now))
}

/// W3C-DTF with reduced precision or a space for `T`: `2003`, `2003-12`,
/// `2003-12-31`, `2003-12-31T10:14Z`, `2003-12-31 10:14:55+05:30`.
fn w3cdtf(raw: &str) -> Option<DateTime<Utc>> {
    let (date, time) = match raw.split_once(['T', 't', ' ']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (raw, None),
    };
    let mut parts = date.split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next().map_or(Some(1), |m| m.parse().ok())?;
    let day: u32 = parts.next().map_or(Some(1), |d| d.parse().ok())?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let Some(time) = time else {
        return Some(Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)));
    };
    let zone_at = time.find(['Z', 'z', '+', '-']).unwrap_or(time.len());
    let offset = zone_offset(&time[zone_at..])?;
    let clock = parse_clock(&time[..zone_at])?;
    local_to_utc(date.and_time(clock), offset)
}

/// RFC 822 read leniently, token by token.
fn rfc822_lenient(raw: &str) -> Option<DateTime<Utc>> {
    let tokens: Vec<&str> = raw
        .split([' ', ',', '\t'])
        .filter(|t| !t.is_empty())
        .collect();
    let (mut day, mut month, mut year, mut clock, mut offset) = (None, None, None, None, None);
    for token in tokens {
        if let Some(m) = month_number(token) {
            month = month.or(Some(m));
        } else if token.contains(':') {
            clock = clock.or_else(|| parse_clock(token));
        } else if let Ok(n) = token.parse::<i32>() {
            match (day, n) {
                (None, 1..=31) => day = Some(n as u32),
                (_, 0..=49) => year = Some(2000 + n),
                (_, 50..=99) => year = Some(1900 + n),
                _ => year = Some(n),
            }
        } else if let Some(o) = zone_offset(token) {
            offset = Some(o);
        }
    }
    let date = NaiveDate::from_ymd_opt(year?, month?, day?)?;
    local_to_utc(
        date.and_time(clock.unwrap_or(NaiveTime::MIN)),
        offset.unwrap_or(0),
    )
}

/// `hh:mm`, `hh:mm:ss`, `hh:mm:ss.fff`.
fn parse_clock(text: &str) -> Option<NaiveTime> {
    let mut parts = text.trim().split(':');
    let hour = parts.next()?.parse().ok()?;
    let minute = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next().map_or(Some(0.0), |s| s.parse().ok())?;
    let nanos = (seconds.fract() * 1e9) as u32;
    NaiveTime::from_hms_nano_opt(hour, minute, seconds.trunc() as u32, nanos)
}

/// A zone as an offset east of UTC in seconds: `Z`, `GMT`, `+0530`, `-05:00`, `EST`.
fn zone_offset(zone: &str) -> Option<i32> {
    let zone = zone.trim();
    let hours = match zone.to_ascii_uppercase().as_str() {
        "" | "Z" | "UT" | "UTC" | "GMT" => 0,
        "EDT" => -4,
        "EST" | "CDT" => -5,
        "CST" | "MDT" => -6,
        "MST" | "PDT" => -7,
        "PST" => -8,
        "IST" => return Some(5 * 3600 + 1800),
        _ => return numeric_offset(zone),
    };
    Some(hours * 3600)
}

fn numeric_offset(zone: &str) -> Option<i32> {
    let sign = match zone.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    Some(sign * (h * 3600 + m * 60))
}

fn local_to_utc(local: NaiveDateTime, offset_seconds: i32) -> Option<DateTime<Utc>> {
    let offset = FixedOffset::east_opt(offset_seconds)?;
    offset
        .from_local_datetime(&local)
        .single()
        .map(|d| d.with_timezone(&Utc))
}

fn month_number(token: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = token.get(..3)?.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == prefix)
        .map(|i| i as u32 + 1)
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
            ("date only", "2003-12-31", Some("2003-12-31T00:00:00Z")),
            (
                "future clamped to now",
                "2999-01-01T00:00:00Z",
                Some("2025-07-13T03:00:00Z"),
            ),
            ("garbage", "yesterday-ish", None),
        ];
        for (name, raw, want) in cases {
            assert_eq!(parse_date(raw, now), want.map(at), "{name}");
        }
    }
}
