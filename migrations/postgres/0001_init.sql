-- parcelgate schema, PostgreSQL flavour. Same tables as migrations/sqlite, native types.

CREATE TABLE merchants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_keys (
    key_hash     TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    prefix       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_keys_merchant ON api_keys(merchant_id);

CREATE TABLE shipments (
    id                       TEXT PRIMARY KEY,
    merchant_id              TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    carrier                  TEXT NOT NULL,
    tracking_number          TEXT NOT NULL,
    order_ref                TEXT,
    service                  TEXT,
    origin_country           TEXT,
    destination_country      TEXT,
    destination_postal_code  TEXT,
    language                 TEXT,
    email_hash               TEXT,
    public_token             TEXT NOT NULL UNIQUE,
    status                   TEXT NOT NULL DEFAULT 'pending',
    substatus                TEXT NOT NULL DEFAULT 'pending',
    status_changed_at        TIMESTAMPTZ,
    last_event_at            TIMESTAMPTZ,
    details                  TEXT NOT NULL DEFAULT '{}',
    eta                      TEXT,
    original_eta             TEXT,
    next_poll_at             TIMESTAMPTZ,
    lease_until              TIMESTAMPTZ,
    poll_failures            INTEGER NOT NULL DEFAULT 0,
    last_error               TEXT,
    last_polled_at           TIMESTAMPTZ,
    last_push_at             TIMESTAMPTZ,
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
    version                  BIGINT NOT NULL DEFAULT 1,
    UNIQUE (merchant_id, carrier, tracking_number)
);
CREATE INDEX shipments_number ON shipments(carrier, tracking_number);
CREATE INDEX shipments_due ON shipments(next_poll_at) WHERE next_poll_at IS NOT NULL;
CREATE INDEX shipments_merchant_status ON shipments(merchant_id, status, id);
CREATE INDEX shipments_order ON shipments(merchant_id, order_ref);

CREATE TABLE events (
    shipment_id         TEXT NOT NULL REFERENCES shipments(id) ON DELETE CASCADE,
    event_id            TEXT NOT NULL,
    status              TEXT NOT NULL,
    substatus           TEXT NOT NULL,
    raw_code            TEXT NOT NULL,
    raw_text            TEXT,
    occurred_at         TIMESTAMPTZ NOT NULL,
    utc_offset_seconds  INTEGER NOT NULL,
    tz_source           TEXT NOT NULL,
    location_text       TEXT,
    postal_code         TEXT,
    country             TEXT,
    received_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shipment_id, event_id)
);
CREATE INDEX events_timeline ON events(shipment_id, occurred_at);

CREATE TABLE status_changes (
    id             BIGSERIAL PRIMARY KEY,
    shipment_id    TEXT NOT NULL REFERENCES shipments(id) ON DELETE CASCADE,
    from_status    TEXT NOT NULL,
    from_substatus TEXT NOT NULL,
    to_status      TEXT NOT NULL,
    to_substatus   TEXT NOT NULL,
    event_id       TEXT NOT NULL,
    occurred_at    TIMESTAMPTZ NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX status_changes_shipment ON status_changes(shipment_id, id);

CREATE TABLE webhook_inbox (
    id            BIGSERIAL PRIMARY KEY,
    carrier       TEXT NOT NULL,
    body          BYTEA NOT NULL,
    remote_addr   TEXT,
    received_at   TIMESTAMPTZ NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending',
    attempts      INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    locked_until  TIMESTAMPTZ,
    processed_at  TIMESTAMPTZ
);
CREATE INDEX webhook_inbox_pending ON webhook_inbox(state, id) WHERE state = 'pending';
