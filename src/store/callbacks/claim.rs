//! How a claim of due deliveries is shared out between subscriptions: the rule both
//! backends apply before they lease rows, one subscription at a time.
//!
//! Why per subscription and not one ranked query over every due row: a dead endpoint keeps a
//! backlog of due deliveries, and a query that ranks all due rows pays for that backlog on
//! every claim, which slowed a healthy endpoint by a third. Here a subscription that is at its
//! in-flight cap is never queried, and each query walks one subscription's due index and
//! stops at its limit, so a claim costs what it returns, not what is waiting.

use chrono::{DateTime, Utc};

/// One claim, as [`OutboxStore::claim_deliveries`](crate::store::OutboxStore::claim_deliveries)
/// takes it: what each backend's lease statement needs.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// Due at or before this instant.
    pub now: DateTime<Utc>,
    /// Leased until this instant.
    pub lease_until: DateTime<Utc>,
    /// At most this many in all.
    pub limit: u32,
    /// At most this many in flight per subscription.
    pub per_subscription: u32,
    /// What each subscription already has in flight here.
    pub in_flight: &'a [(String, u32)],
}

impl Claim<'_> {
    /// This claim's share of each subscription with due work ([`share_claim`]).
    pub fn share<T: Ord + Clone>(&self, due: Vec<DueSubscription<T>>) -> Vec<(String, u32)> {
        share_claim(due, self.in_flight, self.per_subscription, self.limit)
    }
}

/// A subscription with due work: its id and its oldest due delivery (microseconds or any
/// order-preserving instant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSubscription<T> {
    /// Subscription id.
    pub id: String,
    /// Its oldest pending delivery's `next_attempt_at`.
    pub oldest_due: T,
}

/// How many deliveries to claim from each subscription: oldest backlog first, each at most
/// `per_subscription` minus what it already has in flight here, all together at most `limit`.
/// Subscriptions at their cap are left out (their rows are not even read).
pub fn share_claim<T: Ord + Clone>(
    mut due: Vec<DueSubscription<T>>,
    in_flight: &[(String, u32)],
    per_subscription: u32,
    limit: u32,
) -> Vec<(String, u32)> {
    due.sort_by(|a, b| a.oldest_due.cmp(&b.oldest_due).then(a.id.cmp(&b.id)));
    let mut left = limit;
    let mut out = Vec::new();
    for d in due {
        if left == 0 {
            break;
        }
        let busy = in_flight
            .iter()
            .find(|(id, _)| *id == d.id)
            .map_or(0, |(_, n)| *n);
        let room = per_subscription.saturating_sub(busy).min(left);
        if room > 0 {
            left -= room;
            out.push((d.id, room));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(id: &str, at: i64) -> DueSubscription<i64> {
        DueSubscription {
            id: id.into(),
            oldest_due: at,
        }
    }

    #[test]
    fn a_subscription_at_its_cap_is_not_queried() {
        let plan = share_claim(
            vec![due("dead", 1), due("ok", 2)],
            &[("dead".into(), 64), ("ok".into(), 10)],
            64,
            500,
        );
        assert_eq!(plan, vec![("ok".to_string(), 54)]);
    }

    #[test]
    fn oldest_backlog_first_within_the_overall_limit() {
        let plan = share_claim(
            vec![due("b", 5), due("a", 3), due("c", 9)],
            &[("a".into(), 60)],
            64,
            70,
        );
        assert_eq!(
            plan,
            vec![
                ("a".to_string(), 4),
                ("b".to_string(), 64),
                ("c".to_string(), 2)
            ]
        );
        assert!(share_claim(vec![due("a", 1)], &[], 64, 0).is_empty());
    }
}
