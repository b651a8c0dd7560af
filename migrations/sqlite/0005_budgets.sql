-- Carrier call budgets shared by every gateway process on this database: the next free call
-- slot (rate), today's count (daily quota) and a pause imposed by a 429's Retry-After.
CREATE TABLE carrier_budgets (
    carrier       TEXT PRIMARY KEY,
    next_slot_at  INTEGER NOT NULL,
    day           TEXT NOT NULL,
    used_today    INTEGER NOT NULL DEFAULT 0,
    paused_until  INTEGER
);
