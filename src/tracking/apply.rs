//! "Apply a carrier update", written once: every poll, webhook, feed batch and gateway
//! decision (expiry) goes through [`apply_update`], over the store's object-safe
//! [`UpdateTx`], so both backends run exactly the same steps in one transaction:
//!
//! 1. load the shipment locked; 2. merge (engine); 3. upsert events, the status change and
//!    the shipment; 4. plan the callback outbox; 5. lane history and ETA; 6. facts and
//!    rollups; 7. the poll record; 8. publish cache invalidations (inside the transaction);
//!    9. commit. After-commit work (local cache eviction, metrics) is
//!    `tracking::after_apply`, run by the caller that holds the application state.
//!
//! Shopper notifications are planned between 4 and 5 (`domain::notify_plan`: the change's
//! trigger on each channel the shipment has a contact for and the merchant's settings, read
//! in this transaction, have on (`domain::notify_settings`), enqueued in this transaction);
//! order roll-ups are a further planning step there, reading the same inputs (`before`,
//! `written`, the timeline, the change).

use async_trait::async_trait;
use carriers::TrackingSnapshot;
use chrono::{DateTime, Utc};

use super::plan::{change_and_latest, current_state, facts_after, history_need, shipment_after};
use super::schedule::PollDone;
use crate::domain::notification::{Channel, Trigger};
use crate::domain::notify_plan::{plan_messages, plan_timed};
use crate::domain::notify_timing::{moot_after, timed_messages, REVIEW_AFTER_WORKING_DAYS};
use crate::domain::outbox::{plan_outbox, plan_stalled, AppliedChange};
use crate::domain::report::history_since;
use crate::domain::{Shipment, StatusChange, Written};
use crate::engine::eta::timeline_after;
use crate::engine::working_days::{local_date, start_of_day, zone_for, Calendar};
use crate::engine::{merge_snapshot, MergePlan};
use crate::store::{Store, StoreError, StoreResult, UpdateSource};

/// What an apply did.
#[derive(Debug, Clone, Default)]
pub struct ApplyOutcome {
    /// New events stored.
    pub inserted: usize,
    /// Events enriched.
    pub enriched: usize,
    /// The status change recorded, if any.
    pub status_change: Option<StatusChange>,
    /// Unknown carrier codes seen.
    pub unmapped_codes: Vec<String>,
    /// Whether anything was written.
    pub changed: bool,
    /// Whether the shown ETA changed.
    pub eta_changed: bool,
}

/// Merges `snapshot` into a shipment in one transaction: new events, the status change, its
/// callbacks, facts and rollups commit together or not at all; with `poll`, the poll is
/// recorded (next poll from the status after the apply, failures cleared, lease released)
/// in that same transaction.
pub async fn apply_update(
    store: &dyn Store,
    shipment_id: &str,
    snapshot: &TrackingSnapshot,
    source: UpdateSource,
    now: DateTime<Utc>,
    poll: Option<&PollDone>,
) -> StoreResult<ApplyOutcome> {
    let mut tx = store.begin_update().await?;
    let (before, events) = tx
        .lock_shipment(shipment_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let state = current_state(&before, events);
    let plan = merge_snapshot(&state, snapshot);
    let push_at = (source == UpdateSource::Push).then_some(now);
    let last_push_at = push_at.or(before.last_push_at);
    if plan.is_noop() {
        if let Some(at) = push_at {
            tx.touch_push(shipment_id, at).await?;
        }
        if let Some(done) = poll {
            let record = done.record(before.status, last_push_at);
            tx.write_poll(shipment_id, &record).await?;
        }
        tx.commit().await?;
        return Ok(ApplyOutcome {
            unmapped_codes: plan.unmapped_codes,
            ..Default::default()
        });
    }
    tx.upsert_events(shipment_id, &plan.inserted, now).await?;
    tx.upsert_events(shipment_id, &plan.enriched, now).await?;
    let timeline = timeline_after(&state.events, &plan);
    let history = match history_need(&before, &plan) {
        Some(key) => tx.lane_history(&key, &history_since(now)).await?,
        None => Default::default(),
    };
    let written = shipment_after(&before, &plan, now, &timeline, &history, push_at);
    let change_id = match &plan.status_change {
        Some(c) => Some(tx.insert_status_change(shipment_id, c, now).await?),
        None => None,
    };
    tx.write_shipment(shipment_id, &written, push_at, now)
        .await?;
    let applied = AppliedChange {
        before: &before,
        written: &written,
        change: plan.status_change.as_ref(),
    };
    if applied.fires() {
        let subs = tx.enabled_subscriptions(&before.merchant_id).await?;
        if !subs.is_empty() {
            let change_event = plan.status_change.as_ref().map(|c| c.event_id.as_str());
            let (change_event, latest) = change_and_latest(&timeline, change_event);
            let latest = latest.filter(|_| applied.eta_changed());
            let rows = plan_outbox(&subs, &applied, change_id, change_event, latest, now);
            tx.insert_outbox(shipment_id, &rows, now).await?;
        }
    }
    // Shopper messages, in the same transaction as the change they announce; the timed
    // ones (reminder, review request, "delayed") are planned now for later.
    if plan.status_change.is_some() || written.eta != before.eta {
        let channels = tx.contact_channels(shipment_id).await?;
        if !channels.is_empty() {
            let change = plan.status_change.as_ref();
            let settings = tx.merchant_settings(&before.merchant_id).await?;
            let enabled = |t: Trigger, c: Channel| settings.notifications.enabled(t, c);
            let mut planned = change
                .map(|c| plan_messages(c, &channels, enabled))
                .unwrap_or_default();
            let timed = timed_messages(change, &before, &written, |at| review_at(&before, at), now);
            planned.extend(plan_timed(&timed, &channels, enabled));
            if let Some(moot) = change.map(moot_after).filter(|m| !m.is_empty()) {
                tx.drop_queued_messages(shipment_id, &moot).await?;
            }
            if !planned.is_empty() {
                tx.insert_messages(&before, &planned, change_id, now)
                    .await?;
            }
        }
    }
    let (facts, bumps) = facts_after(&before, &written, &timeline);
    tx.write_facts(&facts, &bumps).await?;
    if let Some(done) = poll {
        let record = done.record(written.status, last_push_at);
        tx.write_poll(shipment_id, &record).await?;
    }
    tx.publish_invalidation(shipment_id).await?;
    tx.commit().await?;
    Ok(outcome(plan, &before, &written))
}

/// When a review request for a delivery at `delivered` is due: a few working days later on
/// the lane's calendar, at 10:00 in the shopper's zone.
fn review_at(s: &Shipment, delivered: DateTime<Utc>) -> DateTime<Utc> {
    let dest = s.destination_country.as_deref();
    let days = Calendar::for_lane(s.origin_country.as_deref(), dest);
    let tz = zone_for(dest);
    let day = days.add_working_days(local_date(delivered, tz), REVIEW_AFTER_WORKING_DAYS);
    start_of_day(day, tz) + chrono::Duration::hours(10)
}

/// The outcome reported to callers.
fn outcome(plan: MergePlan, before: &Shipment, written: &Written) -> ApplyOutcome {
    ApplyOutcome {
        inserted: plan.inserted.len(),
        enriched: plan.enriched.len(),
        eta_changed: written.eta != before.eta,
        status_change: plan.status_change,
        unmapped_codes: plan.unmapped_codes,
        changed: true,
    }
}

/// Marks a silent shipment stalled and writes its `shipment.stalled` deliveries in the same
/// transaction; false when it was already marked (another process got there first).
pub async fn mark_stalled(
    store: &dyn Store,
    shipment_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut tx = store.begin_update().await?;
    let Some((shipment, latest)) = tx.mark_stalled(shipment_id, now).await? else {
        return Ok(false);
    };
    let subs = tx.enabled_subscriptions(&shipment.merchant_id).await?;
    let rows = plan_stalled(&subs, &shipment, latest.as_ref(), now);
    tx.insert_outbox(shipment_id, &rows, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The pipeline as methods of any store (`store.apply_snapshot(…)`), for callers that hold
/// a store rather than the application state.
#[async_trait]
pub trait ApplyUpdates {
    /// Merges a carrier update (webhook, feed, history, gateway event) into a shipment.
    async fn apply_snapshot(
        &self,
        shipment_id: &str,
        snapshot: &TrackingSnapshot,
        source: UpdateSource,
        now: DateTime<Utc>,
    ) -> StoreResult<ApplyOutcome>;

    /// Merges a successful poll's snapshot and records the poll, one commit for both.
    async fn apply_poll(
        &self,
        shipment_id: &str,
        snapshot: &TrackingSnapshot,
        done: &PollDone,
    ) -> StoreResult<ApplyOutcome>;
}

#[async_trait]
impl<S: Store + ?Sized> ApplyUpdates for S {
    async fn apply_snapshot(
        &self,
        shipment_id: &str,
        snapshot: &TrackingSnapshot,
        source: UpdateSource,
        now: DateTime<Utc>,
    ) -> StoreResult<ApplyOutcome> {
        apply_update(self.as_dyn(), shipment_id, snapshot, source, now, None).await
    }

    async fn apply_poll(
        &self,
        shipment_id: &str,
        snapshot: &TrackingSnapshot,
        done: &PollDone,
    ) -> StoreResult<ApplyOutcome> {
        let source = UpdateSource::Poll;
        apply_update(
            self.as_dyn(),
            shipment_id,
            snapshot,
            source,
            done.now,
            Some(done),
        )
        .await
    }
}
