#!/usr/bin/env bash
# Shopper e-mail benchmark (issue 14, section 11): 10,000 notifications queued on SQLite,
# claimed, sent through the pooled mailer to a local SMTP sink and finished, then the same
# sink's raw lettre throughput (a pooled AsyncSmtpTransport, same messages, same concurrency)
# in the same run, and the ratio. Release build. Exits 1 below 500 e-mails/s.
#   BENCH_NOTIFICATIONS=N   how many (10000)
#   BENCH_POOL=N            SMTP pool size = concurrency (8)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench notify
