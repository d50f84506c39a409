//! The request timestamp (`Timestamp` / `x-acs-date`): exactly `YYYY-MM-DDThh:mm:ssZ`, UTC.
//!
//! Written by hand so that no clock is read and no input can panic.

use crate::error::WireError;

/// The window either side of server time within which a request timestamp is accepted (15 min).
pub const TIMESTAMP_WINDOW_SECS: i64 = 15 * 60;

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(bytes: &[u8], from: usize, len: usize) -> Option<i64> {
    let part = bytes.get(from..from + len)?;
    part.iter().try_fold(0i64, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

/// Parses `YYYY-MM-DDThh:mm:ssZ` into unix seconds; anything else (fractions, offsets, lower
/// case `t`/`z`, impossible dates) is `InvalidTimeStamp.Format`.
///
/// ```
/// assert_eq!(crossram_wire::parse_timestamp("2015-08-18T03:15:45Z").unwrap(), 1_439_867_745);
/// assert_eq!(crossram_wire::parse_timestamp("2015-08-18 03:15:45").unwrap_err().code(), "InvalidTimeStamp.Format");
/// ```
pub fn parse_timestamp(value: &str) -> Result<i64, WireError> {
    let bad = || WireError::InvalidTimestampFormat {
        value: value.to_owned(),
    };
    let b = value.as_bytes();
    if b.len() != 20 {
        return Err(bad());
    }
    let seps = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'Z'),
    ];
    if seps.iter().any(|&(i, c)| b.get(i) != Some(&c)) {
        return Err(bad());
    }
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(b, 0, 4),
        digits(b, 5, 2),
        digits(b, 8, 2),
        digits(b, 11, 2),
        digits(b, 14, 2),
        digits(b, 17, 2),
    ) else {
        return Err(bad());
    };
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(bad());
    }
    Ok(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Formats unix seconds as `YYYY-MM-DDThh:mm:ssZ` (for clients building a `Timestamp`).
///
/// ```
/// assert_eq!(crossram_wire::format_timestamp(1_439_867_745), "2015-08-18T03:15:45Z");
/// ```
pub fn format_timestamp(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let secs = unix_seconds.rem_euclid(86_400);
    // Inverse of days_from_civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Checks a raw timestamp against the server's `now` (unix seconds): `InvalidTimeStamp.Format`
/// when malformed, `InvalidTimeStamp.Expired` when more than `window_secs` away in either
/// direction. Returns the parsed unix seconds.
pub fn check_timestamp(value: &str, now: i64, window_secs: i64) -> Result<i64, WireError> {
    let ts = parse_timestamp(value)?;
    // A negative window accepts nothing but the exact instant.
    if ts.abs_diff(now) > u64::try_from(window_secs).unwrap_or(0) {
        return Err(WireError::TimestampExpired {
            value: value.to_owned(),
        });
    }
    Ok(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_values() {
        let cases = [
            ("1970-01-01T00:00:00Z", 0),
            ("2000-02-29T12:00:00Z", 951_825_600),
            ("2026-11-29T05:52:50Z", 1_795_931_570),
            ("1969-12-31T23:59:59Z", -1),
        ];
        for (s, want) in cases {
            assert_eq!(parse_timestamp(s).unwrap(), want, "{s}");
            assert_eq!(format_timestamp(want), s);
        }
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "",
            "2026-11-29T05:52:50",
            "2026-11-29T05:52:50.000Z",
            "2026-11-29t05:52:50Z",
            "2026-02-29T05:52:50Z",
            "1900-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-11-31T00:00:00Z",
            "2026-11-29T24:00:00Z",
            "2026-11-29T23:60:00Z",
            "2026-11-29T23:59:60Z",
            "+026-11-29T23:59:59Z",
            "2026-11-29T05:52:5éZ",
        ] {
            assert_eq!(
                parse_timestamp(s).unwrap_err().code(),
                "InvalidTimeStamp.Format",
                "{s:?}"
            );
        }
    }

    #[test]
    fn window() {
        let now = 1_795_931_570;
        assert!(check_timestamp("2026-11-29T05:52:50Z", now + 900, 900).is_ok());
        assert_eq!(
            check_timestamp("2026-11-29T05:52:50Z", now + 901, 900)
                .unwrap_err()
                .code(),
            "InvalidTimeStamp.Expired"
        );
        assert!(check_timestamp("2026-11-29T05:52:50Z", now - 900, 900).is_ok());
        assert!(check_timestamp("2026-11-29T05:52:50Z", now - 901, 900).is_err());
        assert!(check_timestamp("2026-11-29T05:52:50Z", i64::MIN, 900).is_err());
        assert!(check_timestamp("2026-11-29T05:52:50Z", i64::MAX, i64::MIN).is_err());
    }
}
