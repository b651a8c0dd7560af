#!/usr/bin/env bash
# Analytics benchmark (issue 7): 1,000,000 synthetic shipments in PostgreSQL, then the
# quarter's carrier report timed per grouping, and the ETA lookup on the apply path.
#
#   scripts/bench-analytics.sh                      # server postgres://postgres@127.0.0.1:5432
#   PG_SERVER=postgres://user@host:5432 SHIPMENTS=200000 scripts/bench-analytics.sh
#   KEEP=1 scripts/bench-analytics.sh               # keep (and on the next run reuse) the data
#
# It creates its own database (parcelgate_bench_analytics) through the server's `postgres`
# database and drops it afterwards unless KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
DB="${BENCH_DB:-parcelgate_bench_analytics}"
export BENCH_SHIPMENTS="${SHIPMENTS:-1000000}"
export BENCH_RUNS="${RUNS:-5}"
export BENCH_DATABASE_URL="$PG_SERVER/$DB"

if ! psql "$PG_SERVER/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  psql "$PG_SERVER/postgres" -qc "CREATE DATABASE \"$DB\""
fi
cleanup() {
  if [ "${KEEP:-0}" != "1" ]; then
    psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" || true
  fi
}
trap cleanup EXIT

echo "machine: $(nproc) CPUs, $(free -g | awk '/Mem:/{print $2}') GB RAM; $(psql "$BENCH_DATABASE_URL" -tAc 'SHOW server_version') PostgreSQL"
cargo bench --bench analytics
