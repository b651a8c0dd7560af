//! Quiet hours: a daily window in the shopper's local time (`21:00-08:00`) in which messages
//! wait for the morning, and the time zone a destination country puts the shopper in.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A daily window `[start, end)` in local time; it may wrap past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// Local time the window opens.
    pub start: NaiveTime,
    /// Local time the window closes.
    pub end: NaiveTime,
}

impl QuietHours {
    /// Parses `HH:MM-HH:MM`; None when malformed or empty-length (`08:00-08:00`).
    pub fn parse(s: &str) -> Option<QuietHours> {
        let (a, b) = s.trim().split_once('-')?;
        let start = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
        let end = NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?;
        (start != end).then_some(QuietHours { start, end })
    }

    /// Whether a local time of day is inside the window.
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start < self.end {
            t >= self.start && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// When a message due at `at` may go out in zone `tz`: `at` itself outside the window,
    /// else the window's end (the next local `end` after `at`).
    pub fn release_at(&self, at: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        let local = at.with_timezone(&tz);
        if !self.contains(local.time()) {
            return at;
        }
        let mut day = local.date_naive();
        if local.time() >= self.end {
            day = day.succ_opt().unwrap_or(day);
        }
        // A local time skipped by a DST change resolves to the hour after.
        let end = day.and_time(self.end);
        tz.from_local_datetime(&end)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(end + Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(at)
    }
}

/// The shopper's time zone from the destination country (Europe/Warsaw when unknown).
pub fn zone_of(country: Option<&str>) -> Tz {
    match country.map(str::to_ascii_uppercase).as_deref() {
        Some("DE") => chrono_tz::Europe::Berlin,
        Some("AT") => chrono_tz::Europe::Vienna,
        Some("CZ") => chrono_tz::Europe::Prague,
        Some("SK") => chrono_tz::Europe::Bratislava,
        Some("NL") => chrono_tz::Europe::Amsterdam,
        Some("BE") => chrono_tz::Europe::Brussels,
        Some("FR") => chrono_tz::Europe::Paris,
        Some("GB") => chrono_tz::Europe::London,
        Some("LT") => chrono_tz::Europe::Vilnius,
        Some("LV") => chrono_tz::Europe::Riga,
        Some("EE") => chrono_tz::Europe::Tallinn,
        Some("HU") => chrono_tz::Europe::Budapest,
        Some("IT") => chrono_tz::Europe::Rome,
        Some("ES") => chrono_tz::Europe::Madrid,
        Some("DK") => chrono_tz::Europe::Copenhagen,
        Some("SE") => chrono_tz::Europe::Stockholm,
        _ => chrono_tz::Europe::Warsaw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_window_wraps_midnight_and_releases_at_its_end() {
        let q = QuietHours::parse("21:00-08:00").expect("parses");
        let waw = zone_of(Some("PL"));
        // 22:30 in Warsaw (CET, UTC+1) waits for 08:00 the next morning.
        assert_eq!(
            q.release_at(utc("2026-12-02T21:30:00Z"), waw),
            utc("2026-12-03T07:00:00Z")
        );
        // 03:00 in Warsaw waits for 08:00 the same day.
        assert_eq!(
            q.release_at(utc("2026-12-03T02:00:00Z"), waw),
            utc("2026-12-03T07:00:00Z")
        );
        // 12:00 goes at once.
        let noon = utc("2026-12-03T11:00:00Z");
        assert_eq!(q.release_at(noon, waw), noon);
        assert!(QuietHours::parse("8:00").is_none());
        assert!(QuietHours::parse("08:00-08:00").is_none());
        assert!(QuietHours::parse("25:00-08:00").is_none());
    }

    #[test]
    fn the_shoppers_zone_follows_the_destination_country() {
        let q = QuietHours::parse("21:00-08:00").expect("parses");
        // 20:30 UTC in July is 22:30 in Berlin (CEST): quiet, until 06:00 UTC.
        assert_eq!(
            q.release_at(utc("2026-07-01T20:30:00Z"), zone_of(Some("de"))),
            utc("2026-07-02T06:00:00Z")
        );
        assert_eq!(zone_of(None), chrono_tz::Europe::Warsaw);
    }
}
