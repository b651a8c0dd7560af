-- Status-change callbacks: subscriptions, the delivery outbox, and every attempt.
-- Times are INTEGER microseconds since the Unix epoch, like 0001; JSON arrays are TEXT.

CREATE TABLE subscriptions (
    id                          TEXT PRIMARY KEY,
    merchant_id                 TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    url                         TEXT NOT NULL,
    description                 TEXT,
    event_types                 TEXT NOT NULL DEFAULT '[]',
    carriers                    TEXT NOT NULL DEFAULT '[]',
    statuses                    TEXT NOT NULL DEFAULT '[]',
    enabled                     INTEGER NOT NULL DEFAULT 1,
    disabled_reason             TEXT,
    secret                      TEXT NOT NULL,
    previous_secret             TEXT,
    previous_secret_expires_at  INTEGER,
    last_success_at             INTEGER,
    failing_since               INTEGER,
    created_at                  INTEGER NOT NULL,
    updated_at                  INTEGER NOT NULL
);
CREATE INDEX subscriptions_merchant ON subscriptions(merchant_id, enabled);

-- The outbox: one row per (change, subscription), written in the transaction of the change.
-- `seq` orders the rows of one shipment + subscription: a row is sent only when no row with a
-- smaller seq of the same pair is still pending.
CREATE TABLE deliveries (
    id                TEXT PRIMARY KEY,
    subscription_id   TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    shipment_id       TEXT NOT NULL REFERENCES shipments(id) ON DELETE CASCADE,
    seq               INTEGER NOT NULL,
    status_change_id  INTEGER,
    event_type        TEXT NOT NULL,
    webhook_id        TEXT NOT NULL UNIQUE,
    payload           TEXT NOT NULL,
    state             TEXT NOT NULL DEFAULT 'pending',
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    locked_until      INTEGER,
    last_status       INTEGER,
    last_error        TEXT,
    created_at        INTEGER NOT NULL,
    finished_at       INTEGER,
    UNIQUE (subscription_id, shipment_id, seq)
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_chain ON deliveries(subscription_id, shipment_id, seq) WHERE state = 'pending';
CREATE INDEX deliveries_log ON deliveries(subscription_id, id);

CREATE TABLE delivery_attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id   TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    attempted_at  INTEGER NOT NULL,
    status_code   INTEGER,
    latency_ms    INTEGER NOT NULL,
    error         TEXT
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id, id);
