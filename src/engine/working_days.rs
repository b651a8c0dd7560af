//! Working-day arithmetic for a lane: Monday to Friday, minus the public holidays of the
//! origin and destination countries (a day off at either end stops the parcel), in the
//! destination's local time.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::holidays::{is_public_holiday, Country};

/// Longest span, in days, any loop here walks (a safety bound, far above real transits).
const MAX_SPAN_DAYS: i64 = 400;

/// The working-day calendar of a lane.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    countries: Vec<Country>,
}

impl Calendar {
    /// Weekends only: no country calendar applies.
    pub fn weekends_only() -> Self {
        Calendar::default()
    }

    /// The calendar of a lane: holidays of both ends that have a known calendar.
    pub fn for_lane(origin: Option<&str>, destination: Option<&str>) -> Self {
        let mut countries = Vec::new();
        for c in [origin, destination].into_iter().flatten() {
            if let Some(c) = Country::from_code(c) {
                if !countries.contains(&c) {
                    countries.push(c);
                }
            }
        }
        Calendar { countries }
    }

    /// Whether parcels move on this date.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            && !self.countries.iter().any(|c| is_public_holiday(*c, date))
    }

    /// The `n`-th working day after `date` (`n = 0` is `date` itself, working day or not).
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        let mut walked = 0;
        while left > 0 && walked < MAX_SPAN_DAYS {
            let Some(next) = day.succ_opt() else { break };
            day = next;
            walked += 1;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The first working day on or after `date`.
    pub fn next_working_day_from(&self, date: NaiveDate) -> NaiveDate {
        if self.is_working_day(date) {
            date
        } else {
            self.add_working_days(date, 1)
        }
    }

    /// Working days in `(from, to]`: 1 for next-working-day delivery, 0 on the same day (or
    /// when `to` is not after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut day = from;
        let mut walked = 0;
        while day < to && walked < MAX_SPAN_DAYS {
            let Some(next) = day.succ_opt() else { break };
            day = next;
            walked += 1;
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }
}

/// The local time zone used for a destination country's calendar dates (Warsaw by default:
/// the gateway's home market).
pub fn zone_for(country: Option<&str>) -> Tz {
    match country.map(|c| c.trim().to_ascii_uppercase()).as_deref() {
        Some("DE") => chrono_tz::Europe::Berlin,
        Some("AT") => chrono_tz::Europe::Vienna,
        Some("CZ") => chrono_tz::Europe::Prague,
        Some("SK") => chrono_tz::Europe::Bratislava,
        Some("NL") => chrono_tz::Europe::Amsterdam,
        Some("FR") => chrono_tz::Europe::Paris,
        Some("GB") => chrono_tz::Europe::London,
        Some("LT") => chrono_tz::Europe::Vilnius,
        _ => chrono_tz::Europe::Warsaw,
    }
}

/// The local calendar date of an instant in a zone.
pub fn local_date(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// The first instant of a local date, in UTC (the earliest valid local time on DST days).
pub fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// The last second of a local date, in UTC.
pub fn end_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    match date.succ_opt() {
        Some(next) => start_of_day(next, tz) - chrono::Duration::seconds(1),
        None => start_of_day(date, tz),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weekends_and_holidays_are_skipped() {
        let pl = Calendar::for_lane(Some("PL"), Some("pl"));
        // Friday 2 May 2025 → next working day is Monday 5 May (3 May is a Saturday holiday anyway).
        assert_eq!(pl.add_working_days(d(2025, 5, 2), 1), d(2025, 5, 5));
        // Thursday 17 Apr 2025 + 2: Fri 18 (working in PL), Mon 21 is Easter Monday → Tue 22.
        assert_eq!(pl.add_working_days(d(2025, 4, 17), 2), d(2025, 4, 22));
        let de = Calendar::for_lane(Some("DE"), Some("DE"));
        // In Germany Good Friday is off too: Thu 17 Apr + 1 → Tue 22 Apr.
        assert_eq!(de.add_working_days(d(2025, 4, 17), 1), d(2025, 4, 22));
        // Corpus Christi 2026 (4 Jun) stops Polish parcels, not German ones.
        assert!(!pl.is_working_day(d(2026, 6, 4)));
        assert!(de.is_working_day(d(2026, 6, 4)));
    }

    #[test]
    fn a_cross_border_lane_uses_both_calendars() {
        let pl_de = Calendar::for_lane(Some("PL"), Some("DE"));
        assert!(!pl_de.is_working_day(d(2026, 6, 4)), "PL Corpus Christi");
        assert!(!pl_de.is_working_day(d(2026, 5, 25)), "DE Whit Monday");
        assert!(!pl_de.is_working_day(d(2026, 10, 3)), "a Saturday anyway");
        assert!(pl_de.is_working_day(d(2026, 6, 5)));
        assert!(Calendar::for_lane(Some("FR"), None) == Calendar::weekends_only());
    }

    #[test]
    fn counting_is_the_inverse_of_adding() {
        let cal = Calendar::for_lane(Some("PL"), Some("DE"));
        let mut start = d(2024, 12, 1);
        for _ in 0..500 {
            for n in 0..8 {
                let end = cal.add_working_days(start, n);
                assert_eq!(cal.working_days_between(start, end), n, "{start} + {n}");
            }
            start = start.succ_opt().unwrap();
        }
        assert_eq!(cal.working_days_between(d(2026, 1, 9), d(2026, 1, 9)), 0);
        assert_eq!(cal.working_days_between(d(2026, 1, 9), d(2026, 1, 5)), 0);
        // Christmas 2025 in Poland: Tue 23 → Mon 29 Dec is 1 working day (24, 25, 26 off, weekend).
        let pl = Calendar::for_lane(Some("PL"), None);
        assert_eq!(pl.working_days_between(d(2025, 12, 23), d(2025, 12, 29)), 1);
    }

    #[test]
    fn local_days_follow_the_destination_zone() {
        let t = Utc.with_ymd_and_hms(2026, 3, 28, 23, 30, 0).unwrap();
        assert_eq!(local_date(t, zone_for(Some("PL"))), d(2026, 3, 29));
        assert_eq!(local_date(t, zone_for(Some("GB"))), d(2026, 3, 28));
        // 29 Mar 2026 is the spring DST change: the day is 23 hours long.
        let tz = zone_for(Some("PL"));
        let day = end_of_day(d(2026, 3, 29), tz) - start_of_day(d(2026, 3, 29), tz);
        assert_eq!(day.num_seconds(), 23 * 3600 - 1);
        assert_eq!(
            start_of_day(d(2026, 7, 1), tz),
            Utc.with_ymd_and_hms(2026, 6, 30, 22, 0, 0).unwrap()
        );
    }
}
