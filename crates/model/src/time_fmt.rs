//! Timestamp parsing for every platform's format, with a plausibility window.

use time::{format_description::well_known::Rfc3339, OffsetDateTime, PrimitiveDateTime};

/// Nothing vigil ingests predates 2004-01-01 (before any of the supported platforms existed).
pub const MIN_PLAUSIBLE_MS: i64 = 1_072_915_200_000;
/// How far past the wall clock a timestamp may lie before it is absurd: one day of clock skew.
pub const MAX_FUTURE_SKEW_MS: i64 = 86_400_000;

/// Why a timestamp was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TimeError {
    /// Not in any timestamp form vigil knows.
    #[error("unparseable timestamp {0:?}")]
    Unparseable(String),
    /// Parsed, but before 2004 or more than a day in the future.
    #[error("absurd timestamp {0:?}: before 2004 or in the future")]
    Absurd(String),
}

/// Parse RFC 3339 (`2014-06-14T10:00:00.000Z`), Facebook's `+0000` offsets, Telegram's
/// naive local `2014-06-14T10:00:00` (taken as UTC), or Unix seconds as a string.
/// The result is checked for plausibility.
pub fn parse_timestamp(s: &str) -> Result<i64, TimeError> {
    let ms = parse_unchecked(s)
        .ok_or_else(|| TimeError::Unparseable(crate::truncate_for_message(s, 40)))?;
    check_plausible(ms).map_err(|_| TimeError::Absurd(crate::truncate_for_message(s, 40)))
}

/// Check a millisecond timestamp against the plausibility window.
pub fn check_plausible(ms: i64) -> Result<i64, TimeError> {
    let now = OffsetDateTime::now_utc().unix_timestamp() * 1000;
    if ms < MIN_PLAUSIBLE_MS || ms > now.saturating_add(MAX_FUTURE_SKEW_MS) {
        return Err(TimeError::Absurd(format!("{ms} ms")));
    }
    Ok(ms)
}

/// Unix seconds (as VK's `date` gives them) to checked milliseconds.
pub fn from_unix_seconds(secs: i64) -> Result<i64, TimeError> {
    check_plausible(secs.saturating_mul(1000)).map_err(|_| TimeError::Absurd(secs.to_string()))
}

fn parse_unchecked(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() > 40 {
        return None;
    }
    if !b.is_empty() && b.len() <= 12 && b.iter().all(|c| c.is_ascii_digit()) {
        return s.parse::<i64>().ok().map(|v| v * 1000);
    }
    // Fast path for the overwhelmingly common `YYYY-MM-DDTHH:MM:SS[.mmm]Z`.
    if let Some(ms) = fast_utc(b) {
        return Some(ms);
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    // Facebook: `2014-06-14T10:00:00+0000` (offset without a colon).
    if b.len() == 24
        && (b[19] == b'+' || b[19] == b'-')
        && b[20..].iter().all(|c| c.is_ascii_digit())
    {
        let fixed = format!("{}{}:{}", &s[..22], "", &s[22..]);
        if let Ok(t) = OffsetDateTime::parse(&fixed, &Rfc3339) {
            return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
        }
    }
    // Telegram Desktop: naive `2014-06-14T10:00:00`.
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    if let Ok(t) = PrimitiveDateTime::parse(s, &fmt) {
        return Some((t.assume_utc().unix_timestamp_nanos() / 1_000_000) as i64);
    }
    None
}

fn digits(b: &[u8]) -> Option<i64> {
    let mut v = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as i64;
    }
    Some(v)
}

fn fast_utc(b: &[u8]) -> Option<i64> {
    if !(b.len() == 20 || b.len() == 24)
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    if *b.last()? != b'Z' {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, mi, s) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    let ms = if b.len() == 24 {
        if b[19] != b'.' {
            return None;
        }
        digits(&b[20..23])?
    } else {
        0
    };
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(((days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s.min(59)) * 1000) + ms)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Format milliseconds as RFC 3339 UTC with milliseconds, the form native NDJSON uses.
pub fn format_rfc3339_ms(ms: i64) -> String {
    let mut buf = [0u8; 24];
    let n = write_rfc3339_ms(ms, &mut buf);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Write `YYYY-MM-DDTHH:MM:SS.mmmZ` into `buf` without allocating; returns the length (24
/// for years 0..=9999; other years are clamped into that range, which plausibility checks
/// make unreachable for stored data).
pub fn write_rfc3339_ms(ms: i64, buf: &mut [u8; 24]) -> usize {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let y = y.clamp(0, 9999);
    let put = |buf: &mut [u8; 24], at: usize, v: i64, width: usize| {
        let mut v = v;
        for i in (0..width).rev() {
            buf[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(buf, 0, y, 4);
    buf[4] = b'-';
    put(buf, 5, m, 2);
    buf[7] = b'-';
    put(buf, 8, d, 2);
    buf[10] = b'T';
    put(buf, 11, sod / 3600, 2);
    buf[13] = b':';
    put(buf, 14, (sod / 60) % 60, 2);
    buf[16] = b':';
    put(buf, 17, sod % 60, 2);
    buf[19] = b'.';
    put(buf, 20, milli, 3);
    buf[23] = b'Z';
    24
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_platform_form() {
        let want = 1_402_740_000_000;
        assert_eq!(parse_timestamp("2014-06-14T10:00:00.000Z"), Ok(want));
        assert_eq!(parse_timestamp("2014-06-14T10:00:00Z"), Ok(want));
        assert_eq!(parse_timestamp("2014-06-14T10:00:00+0000"), Ok(want));
        assert_eq!(parse_timestamp("2014-06-14T12:00:00+02:00"), Ok(want));
        assert_eq!(parse_timestamp("2014-06-14T10:00:00"), Ok(want));
        assert_eq!(parse_timestamp("1402740000"), Ok(want));
    }

    #[test]
    fn refuses_absurd_and_garbage() {
        assert!(matches!(
            parse_timestamp("1999-01-01T00:00:00Z"),
            Err(TimeError::Absurd(_))
        ));
        assert!(matches!(
            parse_timestamp("2999-01-01T00:00:00Z"),
            Err(TimeError::Absurd(_))
        ));
        assert!(matches!(
            parse_timestamp("yesterday"),
            Err(TimeError::Unparseable(_))
        ));
        assert!(matches!(
            parse_timestamp("2014-02-30T00:00:00Z"),
            Err(TimeError::Unparseable(_))
        ));
        assert!(matches!(
            parse_timestamp(""),
            Err(TimeError::Unparseable(_))
        ));
    }

    #[test]
    fn format_round_trips() {
        for ms in [
            MIN_PLAUSIBLE_MS,
            1_402_740_000_123,
            1_709_251_199_999,
            951_782_400_000,
        ] {
            let s = format_rfc3339_ms(ms);
            assert_eq!(parse_unchecked(&s), Some(ms), "{s}");
            let t = OffsetDateTime::parse(&s, &Rfc3339).unwrap();
            assert_eq!((t.unix_timestamp_nanos() / 1_000_000) as i64, ms);
        }
    }
}
