-- Analytics: per-shipment facts (rewritten by every apply that changes a shipment) and the
-- lane transit rollup feeding ETA predictions. Instants are microseconds since the epoch,
-- flags 0/1, as elsewhere in the SQLite schema.

CREATE TABLE shipment_facts (
    shipment_id         TEXT PRIMARY KEY REFERENCES shipments(id) ON DELETE CASCADE,
    merchant_id         TEXT NOT NULL,
    carrier             TEXT NOT NULL,
    service             TEXT NOT NULL,
    lane                TEXT NOT NULL,
    week                TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    first_scan_at       INTEGER,
    delivered_at        INTEGER,
    status              TEXT NOT NULL,
    transit_minutes     INTEGER,
    transit_wd          INTEGER,
    first_scan_minutes  INTEGER,
    delivered           INTEGER NOT NULL,
    first_attempt       INTEGER NOT NULL,
    exception           INTEGER NOT NULL,
    returned            INTEGER NOT NULL,
    eta_source          TEXT,
    eta_from            INTEGER,
    eta_to              INTEGER,
    carrier_eta_from    INTEGER,
    carrier_eta_to      INTEGER,
    on_time             INTEGER,
    eta_in_window       INTEGER,
    eta_error_days      INTEGER
);
CREATE INDEX shipment_facts_report ON shipment_facts(merchant_id, created_at);
CREATE INDEX shipment_facts_delivered ON shipment_facts(delivered_at) WHERE delivered_at IS NOT NULL;

-- Deliveries per history scope (see engine::eta::LaneKey::scopes), month of delivery and
-- transit working days.
CREATE TABLE lane_transit (
    scope_key  TEXT NOT NULL,
    month      TEXT NOT NULL,
    wd         INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (scope_key, month, wd)
);
