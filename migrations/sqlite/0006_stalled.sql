-- When the gateway last announced that a shipment stalled (no carrier update for too long).
-- A shipment stalls again only after it changed since (stalled_at < updated_at).
ALTER TABLE shipments ADD COLUMN stalled_at INTEGER;
