-- Analytics: per-shipment facts (rewritten by every apply that changes a shipment) and the
-- lane transit rollup feeding ETA predictions. Same tables as migrations/sqlite, native types.

CREATE TABLE shipment_facts (
    shipment_id         TEXT PRIMARY KEY REFERENCES shipments(id) ON DELETE CASCADE,
    merchant_id         TEXT NOT NULL,
    carrier             TEXT NOT NULL,
    service             TEXT NOT NULL,
    lane                TEXT NOT NULL,
    week                TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    first_scan_at       TIMESTAMPTZ,
    delivered_at        TIMESTAMPTZ,
    status              TEXT NOT NULL,
    transit_minutes     INTEGER,
    transit_wd          INTEGER,
    first_scan_minutes  INTEGER,
    delivered           INTEGER NOT NULL,
    first_attempt       INTEGER NOT NULL,
    exception           INTEGER NOT NULL,
    returned            INTEGER NOT NULL,
    eta_source          TEXT,
    eta_from            TIMESTAMPTZ,
    eta_to              TIMESTAMPTZ,
    carrier_eta_from    TIMESTAMPTZ,
    carrier_eta_to      TIMESTAMPTZ,
    on_time             INTEGER,
    eta_in_window       INTEGER,
    eta_error_days      INTEGER
);
-- The report scans one merchant's registration range; the included columns let it run as
-- an index-only scan on a vacuumed table.
CREATE INDEX shipment_facts_report ON shipment_facts(merchant_id, created_at)
    INCLUDE (carrier, service, lane, week, transit_minutes, transit_wd, first_scan_minutes,
             delivered, first_attempt, exception, returned, on_time, eta_in_window, eta_error_days);
CREATE INDEX shipment_facts_delivered ON shipment_facts(delivered_at) WHERE delivered_at IS NOT NULL;

-- Deliveries per history scope (see engine::eta::LaneKey::scopes), month of delivery and
-- transit working days.
CREATE TABLE lane_transit (
    scope_key  TEXT NOT NULL,
    month      TEXT NOT NULL,
    wd         INTEGER NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (scope_key, month, wd)
);
