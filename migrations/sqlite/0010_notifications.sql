-- Shopper notifications (issue 14).

-- A shipment's shopper contact data, sealed to its row (XChaCha20-Poly1305, the shipment id
-- as associated data). Erasing it is deleting the row: at once on a GDPR request, and by the
-- retention sweep once the shipment has been final long enough.
CREATE TABLE shipment_contacts (
    shipment_id  TEXT PRIMARY KEY REFERENCES shipments(id) ON DELETE CASCADE,
    sealed       TEXT NOT NULL,
    has_email    INTEGER NOT NULL,
    has_phone    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);

-- The notification outbox: one row per message, planned in the status change's transaction,
-- sent by the notification worker with leases like callback deliveries.
CREATE TABLE notifications (
    id                TEXT PRIMARY KEY,
    shipment_id       TEXT NOT NULL REFERENCES shipments(id) ON DELETE CASCADE,
    merchant_id       TEXT NOT NULL,
    trigger_name      TEXT NOT NULL,
    channel           TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'queued',
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    locked_until      INTEGER,
    message_id        TEXT NOT NULL,
    answer            TEXT,
    status_change_id  BIGINT,
    created_at        INTEGER NOT NULL,
    sent_at           INTEGER,
    -- Once per trigger per status change: a replayed change plans nothing twice.
    UNIQUE (shipment_id, trigger_name, channel, status_change_id)
);
CREATE INDEX notifications_due ON notifications(next_attempt_at) WHERE status = 'queued';
CREATE INDEX notifications_shipment ON notifications(shipment_id, created_at);

-- Contacts that get nothing more from a merchant: the SHA-256 of the normalized address or
-- number, per message class (transactional and marketing are suppressed separately).
CREATE TABLE suppressions (
    merchant_id   TEXT NOT NULL,
    contact_hash  TEXT NOT NULL,
    class         TEXT NOT NULL,
    masked        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, contact_hash, class)
);

-- A merchant's own templates, one per trigger, channel and language.
CREATE TABLE notification_templates (
    merchant_id   TEXT NOT NULL,
    trigger_name  TEXT NOT NULL,
    channel       TEXT NOT NULL,
    lang          TEXT NOT NULL,
    source        TEXT NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, trigger_name, channel, lang)
);
