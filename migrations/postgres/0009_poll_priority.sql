-- The poller claims nearest-to-delivery first (out for delivery, failed attempt, waiting at a
-- pickup point, then the rest), oldest due first within a class. Indexing that exact order
-- lets a claim read only the rows it returns; without it every claim sorted every due
-- shipment (100,000 in the polling benchmark) to pick a handful. The CASE must stay
-- identical to `poll_priority!()` in src/store/mod.rs.
CREATE INDEX shipments_poll_order ON shipments(
    (CASE status WHEN 'out_for_delivery' THEN 0 WHEN 'failed_attempt' THEN 1
                 WHEN 'available_for_pickup' THEN 2 ELSE 3 END),
    next_poll_at)
    WHERE next_poll_at IS NOT NULL;
DROP INDEX shipments_due;
