#!/usr/bin/env bash
# Callback delivery benchmark (issue 5): deliveries/s to a local receiver with delivery
# state committed on SQLite, and a healthy endpoint's throughput with and without a dead
# (timing-out) endpoint, side by side: BENCH_ROUNDS rounds (3) alternating which scenario goes
# first, medians reported. Release build. BENCH_DELIVERIES=N to change the size.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench callbacks
