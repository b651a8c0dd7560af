//! Carrier time parsing: explicit offsets, and local times read in a carrier's home zone.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::model::TzSource;

/// An instant with the local offset it was reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// The instant.
    pub utc: DateTime<Utc>,
    /// Seconds east of UTC at the place and time of the event.
    pub offset_seconds: i32,
    /// Where the offset came from.
    pub source: TzSource,
}

impl LocalTime {
    /// From a timestamp that carried its own offset.
    pub fn from_fixed(t: DateTime<FixedOffset>) -> Self {
        LocalTime {
            utc: t.with_timezone(&Utc),
            offset_seconds: t.offset().local_minus_utc(),
            source: TzSource::Carrier,
        }
    }

    /// Reads a wall-clock time in `zone`, marked as assumed.
    ///
    /// In the autumn overlap (02:00-03:00 happens twice) the earlier instant is taken:
    /// carriers that omit offsets also omit the hint, and a scan reported an hour early is
    /// less harmful than one reported in the future. In the spring gap the time is moved
    /// forward by the gap, as clocks do.
    pub fn assume_zone(naive: NaiveDateTime, zone: Tz) -> Self {
        let resolved = match zone.from_local_datetime(&naive) {
            LocalResult::Single(t) => t,
            LocalResult::Ambiguous(earliest, _) => earliest,
            LocalResult::None => {
                let shifted = naive + chrono::Duration::hours(1);
                match zone.from_local_datetime(&shifted) {
                    LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t,
                    LocalResult::None => zone.from_utc_datetime(&naive),
                }
            }
        };
        LocalTime {
            utc: resolved.with_timezone(&Utc),
            offset_seconds: resolved.offset().fix().local_minus_utc(),
            source: TzSource::Assumed,
        }
    }
}

/// Parses a timestamp that may or may not carry an offset. With one, the offset is the
/// carrier's; without, the wall time is read in `home` and marked assumed. Accepts
/// RFC 3339 (`2026-05-17T12:15:30+02:00`, `…Z`, fractional seconds), a space instead of `T`,
/// offsets written `+0200`, and offset-less `2026-05-17T12:15:30(.123)` / `2026-05-17 12:15`.
pub fn parse_flexible(s: &str, home: Tz) -> Option<LocalTime> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(LocalTime::from_fixed(t));
    }
    const WITH_OFFSET: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ];
    for f in WITH_OFFSET {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(LocalTime::from_fixed(t));
        }
    }
    const NAIVE: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ];
    for f in NAIVE {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return Some(LocalTime::assume_zone(n, home));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Warsaw;

    fn parse(s: &str) -> LocalTime {
        match parse_flexible(s, Warsaw) {
            Some(t) => t,
            None => panic!("did not parse {s}"),
        }
    }

    #[test]
    fn explicit_offsets_are_the_carriers() {
        let t = parse("2020-03-20 15:08:06 +0100");
        assert_eq!(t.utc.to_rfc3339(), "2020-03-20T14:08:06+00:00");
        assert_eq!((t.offset_seconds, t.source), (3600, TzSource::Carrier));
        let t = parse("2026-05-17T10:00:00.000+02:00");
        assert_eq!(t.utc.to_rfc3339(), "2026-05-17T08:00:00+00:00");
        assert_eq!(parse("2026-05-17T10:00:00Z").offset_seconds, 0);
    }

    #[test]
    fn naive_times_are_read_in_the_home_zone_across_dst() {
        // Summer: UTC+2.
        let t = parse("2026-05-17T12:15:30.123");
        assert_eq!(t.utc.to_rfc3339(), "2026-05-17T10:15:30.123+00:00");
        assert_eq!((t.offset_seconds, t.source), (7200, TzSource::Assumed));
        // Last Sunday of October 2026 is the 25th: 01:30 is still CEST, 03:30 is CET.
        assert_eq!(parse("2026-10-25 01:30:00").offset_seconds, 7200);
        assert_eq!(parse("2026-10-25 03:30:00").offset_seconds, 3600);
        // 02:30 happens twice; the earlier (CEST) instant is taken.
        assert_eq!(
            parse("2026-10-25 02:30:00").utc.to_rfc3339(),
            "2026-10-25T00:30:00+00:00"
        );
        // Spring gap: 02:30 on 29 March 2026 does not exist; moved to 03:30 CEST.
        assert_eq!(
            parse("2026-03-29 02:30:00").utc.to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
    }

    #[test]
    fn garbage_is_none() {
        assert!(parse_flexible("yesterday", Warsaw).is_none());
        assert!(parse_flexible("", Warsaw).is_none());
    }
}
