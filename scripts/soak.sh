#!/usr/bin/env bash
# A soak of a hub and two headless kiosks under steady traffic (scripts/soak.py):
# builds the release binaries, then runs for SOAK_MINUTES (default 60) at
# SOAK_RATE scans per second per kiosk (default 20), and fails if a welcomed
# check-in is missing or counted twice at the hub, or if memory or open
# files grow. Not part of the test command: it is an hour.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo build --release --locked -p kiosk -p hub >&2
exec python3 scripts/soak.py --minutes "${SOAK_MINUTES:-60}" --rate "${SOAK_RATE:-20}" "$@"
