//! Calendar arithmetic and the exact timestamp formats of each platform (no time-zone database needed: all UTC).

pub const MS_PER_HOUR: i64 = 3_600_000;
pub const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Broken-down UTC time of a unix millisecond instant.
pub struct Tm {
    pub y: i64,
    pub mo: u32,
    pub d: u32,
    pub h: u32,
    pub mi: u32,
    pub s: u32,
    pub ms: u32,
}

pub fn tm(ms: i64) -> Tm {
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    let (y, mo, d) = civil_from_days(days);
    let secs = rem / 1000;
    Tm {
        y,
        mo,
        d,
        h: (secs / 3600) as u32,
        mi: ((secs / 60) % 60) as u32,
        s: (secs % 60) as u32,
        ms: (rem % 1000) as u32,
    }
}

/// `2014-06-14T10:00:00.000Z` (Twitter API v2 and vigil's native format).
pub fn rfc3339_ms(ms: i64) -> String {
    let t = tm(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.y, t.mo, t.d, t.h, t.mi, t.s, t.ms
    )
}

/// `2014-06-14T10:00:00+0000` (Facebook Graph API).
pub fn graph_time(ms: i64) -> String {
    let t = tm(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
        t.y, t.mo, t.d, t.h, t.mi, t.s
    )
}

/// `2014-06-14T10:00:00` (Telegram Desktop export, local time; the simulator exports in UTC).
pub fn telegram_time(ms: i64) -> String {
    let t = tm(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.y, t.mo, t.d, t.h, t.mi, t.s
    )
}

/// `14-06-2014_10-00-00`, the date part of Telegram export photo file names.
pub fn telegram_file_time(ms: i64) -> String {
    let t = tm(ms);
    format!(
        "{:02}-{:02}-{:04}_{:02}-{:02}-{:02}",
        t.d, t.mo, t.y, t.h, t.mi, t.s
    )
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (optionally with `.mmm`) into unix milliseconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if !t.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut ms = 0;
    let rest = &s[19..];
    let rest = if let Some(frac) = rest.strip_prefix('.') {
        let digits: String = frac.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            return None;
        }
        let padded = format!("{:0<3}", &digits[..digits.len().min(3)]);
        ms = padded.parse::<i64>().ok()?;
        &frac[digits.len()..]
    } else {
        rest
    };
    if rest != "Z" {
        return None;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    Some(days * MS_PER_DAY + h * MS_PER_HOUR + mi * 60_000 + se * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_known_instants() {
        let ms = parse_rfc3339("2014-06-14T10:00:00Z").unwrap();
        assert_eq!(ms, 1_402_740_000_000);
        assert_eq!(rfc3339_ms(ms), "2014-06-14T10:00:00.000Z");
        assert_eq!(graph_time(ms), "2014-06-14T10:00:00+0000");
        assert_eq!(telegram_time(ms), "2014-06-14T10:00:00");
        assert_eq!(telegram_file_time(ms), "14-06-2014_10-00-00");
        assert_eq!(
            parse_rfc3339("2000-02-29T23:59:59.5Z"),
            Some(951_868_799_500)
        );
        assert_eq!(rfc3339_ms(951_868_799_500), "2000-02-29T23:59:59.500Z");
        assert_eq!(parse_rfc3339("2014-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("nonsense"), None);
    }
}
