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
  # The crash bench's own executable: the build also reports the gateway binary it drives,
  # in no fixed order, so pick the artifact whose target is named "crash".
  helper=$(cargo build --bench crash --message-format=json 2>/dev/null \
    | grep '"kind":\["bench"\]' | grep '"name":"crash"' \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
  if [[ -z "$helper" ]]; then
    echo "crash-test: could not find the crash bench executable" >&2
    exit 1
  fi
  exec "$helper" "${args[@]}"
else
  exec cargo bench --bench crash -- "${args[@]}"
fi
