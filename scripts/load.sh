#!/usr/bin/env bash
# The hub under a fleet (tests/benches/fleet_load.rs): for each size in
# FLEET_KIOSKS (default 100,1000,5000), a fresh hub with that many enrolled
# kiosks, a backlog each arriving at once (FLEET_BACKLOG, default 200
# events), then a morning rush (FLEET_RUSH_SECONDS, default 30). Prints a
# table: events a second, upload latency p50/p99, the hub's memory.
# FLEET_HUB_URL and FLEET_CODES load a hub that is already running instead.
# Not part of the test command: the largest size takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo build --release --locked -p hub >&2
exec cargo bench --locked -p e2e --bench fleet_load
