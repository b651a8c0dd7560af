//! Exact percentiles over histograms (value → count), the form both the ETA engine and the
//! carrier report aggregate into.
//!
//! Definition: nearest rank. The `q`-percentile of `n` samples is the smallest value whose
//! cumulative count reaches `ceil(q · n)` (at least 1). It is always a value that occurred,
//! so on integer working days it is exact; on the report's hour figures the only error is
//! the bucketing (see `analytics::report`).

/// The nearest-rank `q`-percentile (`0 < q ≤ 1`) of `(value, count)` pairs sorted by value;
/// None when there are no samples.
pub fn nearest_rank(sorted: &[(i64, u64)], q: f64) -> Option<i64> {
    let total: u64 = sorted.iter().map(|(_, c)| c).sum();
    if total == 0 {
        return None;
    }
    let q = if q.is_finite() {
        q.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
    let mut seen = 0;
    for (value, count) in sorted {
        seen += count;
        if seen >= rank {
            return Some(*value);
        }
    }
    sorted.last().map(|(v, _)| *v)
}

/// Sorts and merges `(value, count)` pairs in place (equal values summed).
pub fn normalize(pairs: &mut Vec<(i64, u64)>) {
    pairs.sort_unstable_by_key(|(v, _)| *v);
    pairs.dedup_by(|next, kept| {
        if next.0 == kept.0 {
            kept.1 += next.1;
            true
        } else {
            false
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook definition on the raw samples, to check the histogram version against.
    fn naive(samples: &[i64], q: f64) -> Option<i64> {
        let mut s = samples.to_vec();
        s.sort_unstable();
        if s.is_empty() {
            return None;
        }
        let rank = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len());
        Some(s[rank - 1])
    }

    #[test]
    fn matches_the_definition_on_raw_samples() {
        let samples: Vec<i64> = (0..997).map(|i| (i * 7919 % 113) as i64 - 20).collect();
        let mut pairs: Vec<(i64, u64)> = samples.iter().map(|v| (*v, 1)).collect();
        normalize(&mut pairs);
        assert!(pairs.len() < samples.len());
        for q in [0.01, 0.2, 0.5, 0.8, 0.9, 0.99, 1.0] {
            assert_eq!(nearest_rank(&pairs, q), naive(&samples, q), "q={q}");
        }
    }

    #[test]
    fn small_and_empty_inputs() {
        assert_eq!(nearest_rank(&[], 0.5), None);
        assert_eq!(nearest_rank(&[(3, 0)], 0.5), None);
        assert_eq!(nearest_rank(&[(3, 1)], 0.9), Some(3));
        // 1,2,3,4: p50 = 2 (rank 2), p90 = 4 (rank ceil(3.6) = 4), p0 = first.
        let four = [(1, 1), (2, 1), (3, 1), (4, 1)];
        assert_eq!(nearest_rank(&four, 0.5), Some(2));
        assert_eq!(nearest_rank(&four, 0.9), Some(4));
        assert_eq!(nearest_rank(&four, 0.0), Some(1));
        assert_eq!(nearest_rank(&four, f64::NAN), Some(2));
    }
}
