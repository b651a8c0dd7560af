//! Unit tests of the rollup planner and deltas.

use chrono::{DateTime, TimeZone, Utc};

use super::*;

fn t(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("valid")
}

fn piece(from: DateTime<Utc>, to: DateTime<Utc>, sign: i64) -> Piece {
    Piece { from, to, sign }
}

fn span(a: &str, b: &str) -> Option<(String, String)> {
    Some((a.to_string(), b.to_string()))
}

#[test]
fn an_aligned_quarter_is_all_rollup() {
    let p = plan(t(2026, 1, 1, 0), t(2026, 4, 1, 0), Grain::Month);
    assert_eq!(p.span, span("2026-01", "2026-04"));
    assert!(p.raw.is_empty());
    let p = plan(t(2026, 1, 1, 0), t(2026, 4, 1, 0), Grain::Day);
    assert_eq!(p.span, span("2026-01-01", "2026-04-01"));
    assert!(p.raw.is_empty());
}

#[test]
fn edges_are_added_or_subtracted_whichever_is_smaller() {
    // Starts on the 7th (most of January inside: whole month minus 1–7), ends 2 March 05:00
    // (little of March inside: added raw).
    let p = plan(t(2026, 1, 7, 0), t(2026, 3, 2, 5), Grain::Month);
    assert_eq!(p.span, span("2026-01", "2026-03"));
    assert_eq!(
        p.raw,
        vec![
            piece(t(2026, 1, 1, 0), t(2026, 1, 7, 0), -1),
            piece(t(2026, 3, 1, 0), t(2026, 3, 2, 5), 1),
        ]
    );
    // Inside one month, both sides cut off.
    let p = plan(t(2026, 1, 3, 0), t(2026, 1, 29, 0), Grain::Month);
    assert_eq!(p.span, span("2026-01", "2026-02"));
    assert_eq!(
        p.raw,
        vec![
            piece(t(2026, 1, 1, 0), t(2026, 1, 3, 0), -1),
            piece(t(2026, 1, 29, 0), t(2026, 2, 1, 0), -1),
        ]
    );
    // A short range: raw only.
    let p = plan(t(2026, 1, 3, 10), t(2026, 1, 3, 12), Grain::Day);
    assert_eq!(p.span, None);
    assert_eq!(p.raw, vec![piece(t(2026, 1, 3, 10), t(2026, 1, 3, 12), 1)]);
    // Across December.
    let p = plan(t(2025, 12, 1, 0), t(2026, 2, 1, 0), Grain::Month);
    assert_eq!(p.span, span("2025-12", "2026-02"));
    assert!(p.raw.is_empty());
    assert_eq!(
        plan(t(2026, 2, 1, 0), t(2026, 1, 1, 0), Grain::Day),
        Plan::default()
    );
}

#[test]
fn the_plan_covers_the_range_exactly() {
    // Sum, hour by hour over three months, of rollup periods and signed raw pieces: every
    // hour inside the range counted once, every hour outside zero times.
    let ranges = [
        (t(2026, 1, 7, 13), t(2026, 3, 2, 5)),
        (t(2026, 1, 20, 0), t(2026, 2, 3, 10)),
        (t(2026, 1, 10, 0), t(2026, 2, 25, 0)),
        (t(2026, 2, 27, 23), t(2026, 3, 1, 1)),
    ];
    for (from, to) in ranges {
        for grain in [Grain::Day, Grain::Month] {
            let p = plan(from, to, grain);
            let mut h = t(2025, 12, 1, 0);
            while h < t(2026, 4, 1, 0) {
                let key = grain.key(grain.floor(h));
                let mut n = p
                    .span
                    .as_ref()
                    .map_or(0, |(a, b)| i64::from(key >= *a && key < *b));
                for r in &p.raw {
                    if r.from <= h && h < r.to {
                        n += r.sign;
                    }
                }
                assert_eq!(
                    n,
                    i64::from(from <= h && h < to),
                    "{from}..{to} {grain:?} {h}"
                );
                h += Duration::hours(1);
            }
        }
    }
}
