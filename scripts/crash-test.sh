#!/usr/bin/env bash
# Crash test (issue 6): senders post uniquely numbered InPost webhooks while the real
# `parcelgate serve` binary (SQLite file, PARCELGATE_* config) is killed with SIGKILL and
# restarted; afterwards every webhook that got a 2xx must be in webhook_inbox exactly once.
#
#   scripts/crash-test.sh            # release build (target/release/parcelgate), 20 kills
#   scripts/crash-test.sh --dev      # dev build (target/debug/parcelgate): what CI runs
#   scripts/crash-test.sh --kills 50 --senders 32
#
# Exits 1 when a webhook that got a 2xx is missing, stored under another id, or stored twice.
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
dev=false
for a in "$@"; do
  if [[ "$a" == "--dev" ]]; then dev=true; else args+=("$a"); fi
done

if $dev; then
  # The dev profile: `cargo test` has already built most of it, so CI pays seconds, not minutes.
  cargo build --bench crash
  helper=$(cargo build --bench crash --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
  exec "$helper" "${args[@]}"
else
  exec cargo bench --bench crash -- "${args[@]}"
fi
