-- Carrier report rollups (issue 7): sums of shipment_facts, kept in the same transaction as
-- every facts write (apply, bulk import, delete; see src/store/rollup.rs), so the report sums
-- these rows instead of scanning one row per shipment.
-- Instants in shipment_facts are microseconds since the epoch; keys are UTC dates.

-- Counters per merchant, UTC registration day and the finest group (carrier, service, lane,
-- week): every grouping sums them exactly.
CREATE TABLE report_days (
    merchant_id   TEXT NOT NULL,
    day           TEXT NOT NULL,
    carrier       TEXT NOT NULL,
    service       TEXT NOT NULL,
    lane          TEXT NOT NULL,
    week          TEXT NOT NULL,
    shipments     INTEGER NOT NULL,
    delivered     INTEGER NOT NULL,
    first_attempt INTEGER NOT NULL,
    exceptions    INTEGER NOT NULL,
    returned      INTEGER NOT NULL,
    with_eta      INTEGER NOT NULL,
    on_time       INTEGER NOT NULL,
    in_window     INTEGER NOT NULL,
    abs_err       INTEGER NOT NULL,
    err           INTEGER NOT NULL,
    scanned       INTEGER NOT NULL,
    fsm           INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, day, carrier, service, lane, week)
) WITHOUT ROWID;

-- Distributions per merchant, grouping dimension (s service, l lane, w week; carrier sums
-- the service rows), UTC registration month, carrier, group value, metric (h transit
-- minutes, w transit working days, s registration -> first scan minutes) and bucket
-- (working days as they are; minutes in the relative-error buckets of
-- src/analytics/buckets.rs, which the CASE below spells out).
CREATE TABLE report_hist (
    merchant_id  TEXT NOT NULL,
    dim          TEXT NOT NULL,
    month        TEXT NOT NULL,
    carrier      TEXT NOT NULL,
    grp          TEXT NOT NULL,
    metric       TEXT NOT NULL,
    bucket       INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, dim, month, carrier, grp, metric, bucket)
) WITHOUT ROWID;

-- Backfill from the facts already stored.
INSERT INTO report_days (merchant_id, day, carrier, service, lane, week, shipments, delivered,
    first_attempt, exceptions, returned, with_eta, on_time, in_window, abs_err, err, scanned, fsm)
SELECT merchant_id, strftime('%Y-%m-%d', created_at / 1000000, 'unixepoch'), carrier, service, lane, week,
       COUNT(*), SUM(delivered), SUM(first_attempt), SUM(exception), SUM(returned),
       COUNT(on_time), COALESCE(SUM(on_time), 0), COALESCE(SUM(eta_in_window), 0),
       COALESCE(SUM(ABS(eta_error_days)), 0), COALESCE(SUM(eta_error_days), 0),
       COUNT(first_scan_minutes), COALESCE(SUM(first_scan_minutes), 0)
FROM shipment_facts GROUP BY 1, 2, 3, 4, 5, 6;

CREATE TEMP VIEW report_backfill AS
SELECT merchant_id, strftime('%Y-%m', created_at / 1000000, 'unixepoch') AS month, carrier, service, lane, week,
    CASE WHEN transit_minutes < 0 THEN 0 WHEN transit_minutes < 64 THEN transit_minutes
      WHEN transit_minutes < 128 THEN 32 + transit_minutes / 2
      WHEN transit_minutes < 256 THEN 64 + transit_minutes / 4
      WHEN transit_minutes < 512 THEN 96 + transit_minutes / 8
      WHEN transit_minutes < 1024 THEN 128 + transit_minutes / 16
      WHEN transit_minutes < 2048 THEN 160 + transit_minutes / 32
      WHEN transit_minutes < 4096 THEN 192 + transit_minutes / 64
      WHEN transit_minutes < 8192 THEN 224 + transit_minutes / 128
      WHEN transit_minutes < 16384 THEN 256 + transit_minutes / 256
      WHEN transit_minutes < 32768 THEN 288 + transit_minutes / 512
      WHEN transit_minutes < 65536 THEN 320 + transit_minutes / 1024
      WHEN transit_minutes < 131072 THEN 352 + transit_minutes / 2048
      WHEN transit_minutes < 262144 THEN 384 + transit_minutes / 4096
      WHEN transit_minutes < 524288 THEN 416 + transit_minutes / 8192
      WHEN transit_minutes < 1048576 THEN 448 + transit_minutes / 16384
      WHEN transit_minutes < 2097152 THEN 480 + transit_minutes / 32768
      WHEN transit_minutes < 4194304 THEN 512 + transit_minutes / 65536
      WHEN transit_minutes < 8388608 THEN 544 + transit_minutes / 131072
      WHEN transit_minutes < 16777216 THEN 576 + transit_minutes / 262144
      WHEN transit_minutes < 33554432 THEN 608 + transit_minutes / 524288
      WHEN transit_minutes < 67108864 THEN 640 + transit_minutes / 1048576
      WHEN transit_minutes < 134217728 THEN 672 + transit_minutes / 2097152
      WHEN transit_minutes < 268435456 THEN 704 + transit_minutes / 4194304
      WHEN transit_minutes < 536870912 THEN 736 + transit_minutes / 8388608
      WHEN transit_minutes < 1073741824 THEN 768 + transit_minutes / 16777216
      WHEN transit_minutes < 2147483648 THEN 800 + transit_minutes / 33554432
      ELSE 832 + transit_minutes / 67108864 END AS h,
  transit_wd AS w,
    CASE WHEN first_scan_minutes < 0 THEN 0 WHEN first_scan_minutes < 64 THEN first_scan_minutes
      WHEN first_scan_minutes < 128 THEN 32 + first_scan_minutes / 2
      WHEN first_scan_minutes < 256 THEN 64 + first_scan_minutes / 4
      WHEN first_scan_minutes < 512 THEN 96 + first_scan_minutes / 8
      WHEN first_scan_minutes < 1024 THEN 128 + first_scan_minutes / 16
      WHEN first_scan_minutes < 2048 THEN 160 + first_scan_minutes / 32
      WHEN first_scan_minutes < 4096 THEN 192 + first_scan_minutes / 64
      WHEN first_scan_minutes < 8192 THEN 224 + first_scan_minutes / 128
      WHEN first_scan_minutes < 16384 THEN 256 + first_scan_minutes / 256
      WHEN first_scan_minutes < 32768 THEN 288 + first_scan_minutes / 512
      WHEN first_scan_minutes < 65536 THEN 320 + first_scan_minutes / 1024
      WHEN first_scan_minutes < 131072 THEN 352 + first_scan_minutes / 2048
      WHEN first_scan_minutes < 262144 THEN 384 + first_scan_minutes / 4096
      WHEN first_scan_minutes < 524288 THEN 416 + first_scan_minutes / 8192
      WHEN first_scan_minutes < 1048576 THEN 448 + first_scan_minutes / 16384
      WHEN first_scan_minutes < 2097152 THEN 480 + first_scan_minutes / 32768
      WHEN first_scan_minutes < 4194304 THEN 512 + first_scan_minutes / 65536
      WHEN first_scan_minutes < 8388608 THEN 544 + first_scan_minutes / 131072
      WHEN first_scan_minutes < 16777216 THEN 576 + first_scan_minutes / 262144
      WHEN first_scan_minutes < 33554432 THEN 608 + first_scan_minutes / 524288
      WHEN first_scan_minutes < 67108864 THEN 640 + first_scan_minutes / 1048576
      WHEN first_scan_minutes < 134217728 THEN 672 + first_scan_minutes / 2097152
      WHEN first_scan_minutes < 268435456 THEN 704 + first_scan_minutes / 4194304
      WHEN first_scan_minutes < 536870912 THEN 736 + first_scan_minutes / 8388608
      WHEN first_scan_minutes < 1073741824 THEN 768 + first_scan_minutes / 16777216
      WHEN first_scan_minutes < 2147483648 THEN 800 + first_scan_minutes / 33554432
      ELSE 832 + first_scan_minutes / 67108864 END AS s
FROM shipment_facts;
INSERT INTO report_hist (merchant_id, dim, month, carrier, grp, metric, bucket, n)
SELECT merchant_id, 's', month, carrier, service, 'h', h, COUNT(*) FROM report_backfill
WHERE h IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO report_hist (merchant_id, dim, month, carrier, grp, metric, bucket, n)
SELECT merchant_id, 's', month, carrier, service, 'w', w, COUNT(*) FROM report_backfill
WHERE w IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO report_hist (merchant_id, dim, month, carrier, grp, metric, bucket, n)
SELECT merchant_id, 's', month, carrier, service, 's', s, COUNT(*) FROM report_backfill
WHERE s IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO report_hist (merchant_id, dim, month, carrier, grp, metric, bucket, n)
SELECT merchant_id, 'l', month, carrier, lane, 'h', h, COUNT(*) FROM report_backfill
WHERE h IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO report_hist (merchant_id, dim, month, carrier, grp, metric, bucket, n)
SELECT merchant_id, 'l', month, carrier, lane, 'w', w, COUNT(*) FROM report_backfill
WHERE w IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO report_hist (merchant_id, dim, month, carrier, grp, metric, bucket, n)
SELECT merchant_id, 'l', month, carrier, lane, 's', s, COUNT(*) FROM report_backfill
WHERE s IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO report_hist (merchant_id, dim, month, carrier, grp, metric, bucket, n)
SELECT merchant_id, 'w', month, carrier, week, 'h', h, COUNT(*) FROM report_backfill
WHERE h IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO report_hist (merchant_id, dim, month, carrier, grp, metric, bucket, n)
SELECT merchant_id, 'w', month, carrier, week, 'w', w, COUNT(*) FROM report_backfill
WHERE w IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO report_hist (merchant_id, dim, month, carrier, grp, metric, bucket, n)
SELECT merchant_id, 'w', month, carrier, week, 's', s, COUNT(*) FROM report_backfill
WHERE s IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7;
DROP VIEW report_backfill;
