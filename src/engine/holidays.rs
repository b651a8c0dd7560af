//! Public holidays of the countries whose working days the ETA engine knows: Poland and
//! Germany, fixed and movable (Easter-based) ones, computed for any year.
//!
//! Germany: the nine nationwide holidays only. Regional ones (Epiphany in BY/BW/ST, Corpus
//! Christi in six states, Reformation Day, …) are not counted: a parcel crosses states, and
//! the carriers' hubs keep working on most of them.

use chrono::{Datelike, Duration, NaiveDate};

/// A country with a holiday calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Country {
    /// Poland.
    Pl,
    /// Germany (nationwide holidays).
    De,
}

impl Country {
    /// From an ISO 3166-1 alpha-2 code (case-insensitive); None for countries without a calendar here.
    pub fn from_code(code: &str) -> Option<Country> {
        match code.trim().to_ascii_uppercase().as_str() {
            "PL" => Some(Country::Pl),
            "DE" => Some(Country::De),
            _ => None,
        }
    }
}

/// Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, "Meeus/Jones/Butcher").
/// None only for years chrono cannot represent.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

/// Every public holiday of `country` in `year`, with its name, in date order.
pub fn holidays(country: Country, year: i32) -> Vec<(NaiveDate, &'static str)> {
    let fixed = |m: u32, d: u32, name: &'static str| {
        NaiveDate::from_ymd_opt(year, m, d).map(|date| (date, name))
    };
    let easter = easter_sunday(year);
    let movable =
        |offset: i64, name: &'static str| easter.map(|e| (e + Duration::days(offset), name));
    let mut days: Vec<(NaiveDate, &'static str)> = match country {
        Country::Pl => vec![
            fixed(1, 1, "Nowy Rok"),
            fixed(1, 6, "Święto Trzech Króli"),
            movable(0, "Wielkanoc"),
            movable(1, "Poniedziałek Wielkanocny"),
            fixed(5, 1, "Święto Pracy"),
            fixed(5, 3, "Święto Konstytucji 3 Maja"),
            movable(49, "Zielone Świątki"),
            movable(60, "Boże Ciało"),
            fixed(8, 15, "Wniebowzięcie NMP"),
            fixed(11, 1, "Wszystkich Świętych"),
            fixed(11, 11, "Narodowe Święto Niepodległości"),
            // A public holiday since 2025 (Dz.U. 2024 poz. 1965).
            if year >= 2025 {
                fixed(12, 24, "Wigilia")
            } else {
                None
            },
            fixed(12, 25, "Boże Narodzenie"),
            fixed(12, 26, "Drugi dzień Bożego Narodzenia"),
        ],
        Country::De => vec![
            fixed(1, 1, "Neujahr"),
            movable(-2, "Karfreitag"),
            movable(1, "Ostermontag"),
            fixed(5, 1, "Tag der Arbeit"),
            movable(39, "Christi Himmelfahrt"),
            movable(50, "Pfingstmontag"),
            fixed(10, 3, "Tag der Deutschen Einheit"),
            fixed(12, 25, "1. Weihnachtstag"),
            fixed(12, 26, "2. Weihnachtstag"),
        ],
    }
    .into_iter()
    .flatten()
    .collect();
    days.sort();
    days
}

/// Whether `date` is a public holiday in `country`.
pub fn is_public_holiday(country: Country, date: NaiveDate) -> bool {
    let (m, d) = (date.month(), date.day());
    let fixed = match country {
        Country::Pl => {
            matches!(
                (m, d),
                (1, 1)
                    | (1, 6)
                    | (5, 1)
                    | (5, 3)
                    | (8, 15)
                    | (11, 1)
                    | (11, 11)
                    | (12, 25)
                    | (12, 26)
            ) || (m == 12 && d == 24 && date.year() >= 2025)
        }
        Country::De => matches!((m, d), (1, 1) | (5, 1) | (10, 3) | (12, 25) | (12, 26)),
    };
    if fixed {
        return true;
    }
    let Some(easter) = easter_sunday(date.year()) else {
        return false;
    };
    let offset = (date - easter).num_days();
    match country {
        Country::Pl => matches!(offset, 0 | 1 | 49 | 60),
        Country::De => matches!(offset, -2 | 1 | 39 | 50),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_dates_match_the_published_tables() {
        for (y, m, day) in [
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2038, 4, 25),
        ] {
            assert_eq!(easter_sunday(y), Some(d(y, m, day)), "{y}");
        }
    }

    #[test]
    fn polish_movable_holidays() {
        // 2024: Easter 31 Mar; 2025: 20 Apr; 2026: 5 Apr.
        for (date, name) in [
            (d(2024, 4, 1), "Easter Monday"),
            (d(2024, 5, 19), "Pentecost"),
            (d(2024, 5, 30), "Corpus Christi"),
            (d(2025, 4, 21), "Easter Monday"),
            (d(2025, 6, 8), "Pentecost"),
            (d(2025, 6, 19), "Corpus Christi"),
            (d(2026, 4, 6), "Easter Monday"),
            (d(2026, 6, 4), "Corpus Christi"),
        ] {
            assert!(is_public_holiday(Country::Pl, date), "{name} {date}");
        }
        assert!(
            !is_public_holiday(Country::Pl, d(2025, 4, 18)),
            "Good Friday is a working day in Poland"
        );
    }

    #[test]
    fn german_movable_holidays() {
        for (date, name) in [
            (d(2024, 3, 29), "Karfreitag"),
            (d(2024, 5, 9), "Himmelfahrt"),
            (d(2024, 5, 20), "Pfingstmontag"),
            (d(2025, 4, 18), "Karfreitag"),
            (d(2025, 5, 29), "Himmelfahrt"),
            (d(2025, 6, 9), "Pfingstmontag"),
            (d(2026, 4, 3), "Karfreitag"),
            (d(2026, 5, 14), "Himmelfahrt"),
            (d(2026, 5, 25), "Pfingstmontag"),
        ] {
            assert!(is_public_holiday(Country::De, date), "{name} {date}");
        }
        assert!(
            !is_public_holiday(Country::De, d(2025, 6, 19)),
            "Corpus Christi is regional only"
        );
        assert!(!is_public_holiday(Country::De, d(2025, 11, 11)));
    }

    #[test]
    fn fixed_holidays_and_wigilia_from_2025() {
        assert!(is_public_holiday(Country::Pl, d(2026, 11, 11)));
        assert!(is_public_holiday(Country::Pl, d(2026, 5, 3)));
        assert!(is_public_holiday(Country::De, d(2026, 10, 3)));
        assert!(!is_public_holiday(Country::Pl, d(2024, 12, 24)));
        assert!(is_public_holiday(Country::Pl, d(2025, 12, 24)));
    }

    #[test]
    fn the_list_and_the_predicate_agree() {
        for year in 2020..=2035 {
            for country in [Country::Pl, Country::De] {
                let list = holidays(country, year);
                let mut day = d(year, 1, 1);
                while day.year() == year {
                    let listed = list.iter().any(|(h, _)| *h == day);
                    assert_eq!(listed, is_public_holiday(country, day), "{country:?} {day}");
                    day = day.succ_opt().unwrap();
                }
            }
        }
    }
}
