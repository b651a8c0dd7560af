//! Relative-error buckets for the report's hour figures (transit hours, time to first scan),
//! the form the `report_hist` rollup stores them in.
//!
//! Log-linear buckets over whole minutes, as in HdrHistogram with 32 sub-buckets per power of
//! two: minutes 0–63 are one bucket each (exact); from 64 on, each octave `[2^k, 2^(k+1))` is
//! split into 32 equal buckets, so a bucket is at most 1/32 of its lower bound wide. A value
//! is reported as the middle of its bucket, which is at most `max_error_minutes(m)` =
//! `(width − 1) / 2 ≤ m / 64` minutes away, i.e. within 1.6 % of the exact value (and exact
//! below 64 minutes). Nearest-rank percentiles commute with any monotone bucketing (the
//! percentile's bucket is the bucket of the exact percentile), so that bound holds for every
//! reported percentile too. Transit times of 12 h – 150 h fall into ~120 buckets, where
//! 6-minute buckets needed ~1,400: what makes the per-lane histograms smaller than the rows.

/// Sub-buckets per power of two (the relative resolution is 1 / this).
pub const SUB_BUCKETS: i64 = 32;

/// Minutes below this are their own bucket.
const LINEAR: i64 = 2 * SUB_BUCKETS;

/// The bucket of a whole number of minutes (negative values count as 0).
pub fn bucket_of(minutes: i64) -> i64 {
    let m = minutes.max(0);
    if m < LINEAR {
        return m;
    }
    // m in [2^(e+6), 2^(e+7)) with e ≥ 0: index 32·e + (m >> e), continuous with the linear
    // part (e = 0 would give m itself).
    let e = i64::from(63 - m.leading_zeros() as i32) - 5;
    SUB_BUCKETS * e + (m >> e)
}

/// The whole minutes `[lo, hi]` a bucket holds.
pub fn bounds(bucket: i64) -> (i64, i64) {
    let b = bucket.max(0);
    if b < LINEAR {
        return (b, b);
    }
    let e = b / SUB_BUCKETS - 1;
    let lo = (b - SUB_BUCKETS * e) << e;
    (lo, lo + (1 << e) - 1)
}

/// The value a bucket is reported as: the middle of its minutes.
pub fn representative_minutes(bucket: i64) -> f64 {
    let (lo, hi) = bounds(bucket);
    (lo + hi) as f64 / 2.0
}

/// The largest distance between `minutes` and its bucket's reported value.
pub fn max_error_minutes(minutes: i64) -> f64 {
    let (lo, hi) = bounds(bucket_of(minutes));
    (hi - lo) as f64 / 2.0
}

/// The same bucketing as an SQL expression over an integer column (the CASE ladder the
/// migration's backfill spells out), for stores that bucket raw facts server-side.
pub fn bucket_sql(column: &str) -> String {
    let mut sql = format!("CASE WHEN {column} < 0 THEN 0 WHEN {column} < {LINEAR} THEN {column}");
    for e in 1..=40 {
        sql.push_str(&format!(
            " WHEN {column} < {} THEN {} + {column} / {}",
            1i64 << (e + 6),
            SUB_BUCKETS * e,
            1i64 << e
        ));
    }
    sql.push_str(" END");
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_monotone_and_within_the_bound() {
        let mut previous = -1;
        for m in 0..200_000 {
            let b = bucket_of(m);
            assert!(b == previous || b == previous + 1, "m={m} b={b}");
            let (lo, hi) = bounds(b);
            assert!(lo <= m && m <= hi, "m={m} b={b} {lo}..{hi}");
            let err = (representative_minutes(b) - m as f64).abs();
            assert!(err <= max_error_minutes(m), "m={m}");
            assert!(err <= m as f64 / 64.0, "m={m} err={err}");
            previous = b;
        }
        assert_eq!(bucket_of(63), 63);
        assert_eq!(bucket_of(64), 64);
        assert_eq!(bounds(64), (64, 65));
        assert_eq!(bucket_of(-5), 0);
        // A day-long transit: 1440 min sits in a 32-minute bucket.
        assert_eq!(bounds(bucket_of(1440)), (1440, 1471));
    }

    #[test]
    fn a_quarter_of_transit_times_needs_few_buckets() {
        assert!(bucket_of(150 * 60) - bucket_of(12 * 60) < 130);
    }
}
