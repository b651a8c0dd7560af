#!/usr/bin/env bash
# The benchmark suite (issue 6): cached reads, durable webhook ingest (SQLite and
# PostgreSQL), polling under a carrier rate limit, and resident memory — every figure
# measured in the same run as an axum hello-world handler. Loopback only.
#
#   scripts/bench.sh                 # everything (about 3 minutes after the release build)
#   scripts/bench.sh read ingest     # some scenarios: read, ingest, poll (poll includes memory)
#
# Settings (environment): BENCH_SECS=10 BENCH_WARMUP=2 BENCH_CONNS=64 BENCH_SHIPMENTS=100000
# BENCH_POLL_RATE=200 BENCH_POLL_WINDOW=30 BENCH_POLL_BURST=0 (0: the fake carrier allows N calls
# in any one-second window; >0: a token bucket of that size instead)
# BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres (empty: skip PostgreSQL;
# a fresh database is created there and dropped afterwards)
# BENCH_GATEWAY_ENV='PARCELGATE_POLLER__BATCH=200,…' (extra settings for the polled gateway).
# Exits 1 when a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo bench --bench gateway -- "$@"
