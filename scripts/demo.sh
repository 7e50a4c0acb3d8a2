#!/usr/bin/env bash
# One step to see it working: builds the hub and the kiosk, starts a hub with a
# sample center and members, enrolls a kiosk and opens its window.
# Without a display it runs the same scans through the screenless kiosk instead.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-debian.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

echo "building (the first build takes several minutes)…"
cargo build --release --locked -p kiosk -p hub

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "${CARGO_TARGET_DIR:-target}/release/kiosk" demo "$@"
else
  echo "no display found (DISPLAY / WAYLAND_DISPLAY): running the screenless demo."
  echo "On a desktop, run this script again to get the kiosk window."
  exec "${CARGO_TARGET_DIR:-target}/release/kiosk" demo --headless "$@"
fi
