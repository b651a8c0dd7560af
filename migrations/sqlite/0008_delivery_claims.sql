-- Deliveries are claimed one subscription at a time (store/callbacks/claim.rs): each
-- subscription's due rows in order, so a dead endpoint's backlog is never scanned while it is
-- at its in-flight cap.
CREATE INDEX deliveries_subscription_due ON deliveries(subscription_id, next_attempt_at, id)
    WHERE state = 'pending';
