#!/usr/bin/env bash
# The benchmark suite: builds the release binaries and prints one table of
# figures measured on this machine (see docs/PERFORMANCE.md for the budgets).
# Takes a few minutes after the build; nothing here is part of the test run.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-debian.sh >/dev/null
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

echo "building release binaries and benches…" >&2
cargo build --release --locked -p kiosk -p hub >&2
cargo bench --locked --no-run -p hub -p e2e -p kiosk >&2 2>&1 | tail -1 >&2

echo "| measure | size | time | figure |"
echo "|---|---|---|---|"
cargo bench --locked -q -p hub --bench ingest 2>/dev/null | grep '^|'
cargo bench --locked -q -p e2e --bench sync_backlog 2>/dev/null | grep '^|'
cargo bench --locked -q -p kiosk --bench scan_to_frame 2>/dev/null | grep '^|'
cargo bench --locked -q -p hub --bench dashboard 2>/dev/null | grep '^| c' \
  | sed -E 's/^\| ([^|]+) \| ([0-9]+) \| ([^|]+) \| ([^|]+) \|$/| dashboard: \1 | \2 centers, a year (2.9M events) | \3 median | \4 slowest of 10 |/'
echo
echo "kiosk, scan to welcome (engine + durable write) beside a bare durable insert:"
cargo bench --locked -q -p kiosk --bench scan_to_welcome 2>/dev/null | grep -E 'p50=' || true
