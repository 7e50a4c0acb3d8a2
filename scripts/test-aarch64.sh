#!/usr/bin/env bash
# The project's non-UI tests built for aarch64 (a Raspberry Pi's CPU) and run
# under qemu-user: the member token, the board profiles, the hub (store,
# reports, the HTTP API through its router) and the kiosk's library (engine,
# SQLite store, sync, signals, content, config, input decoders). Left out:
# the UI tests (they render through Slint here already) and the tests that
# start other binaries (qemu-user runs one program, not the ones it spawns).
# Not part of the README's test command: it takes long (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
./scripts/cross-aarch64.sh test --locked \
  -p yc-protocol -p firmware-config -p hub -p kiosk --features kiosk/gpio \
  --lib --test api --test profiles
echo "aarch64 tests under qemu-user: all passed in $(( $(date +%s) - start )) s"
