#!/usr/bin/env bash
# Every dependency check cargo-deny has (deny.toml): known vulnerabilities
# and yanked or unmaintained crates from the RustSec advisory database,
# licenses, banned crates (no OpenSSL) and sources. The advisories need the
# database from github.com; the test command runs the other checks offline.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
CARGO_DENY_VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -qF "$CARGO_DENY_VERSION"; then
  cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked
fi
cargo fetch --locked --quiet
if ! cargo deny check advisories; then
  echo "advisories: failed (above). If the database could not be fetched, this machine cannot reach github.com; run this script where it can." >&2
  cargo deny --offline check licenses bans sources
  exit 1
fi
cargo deny --offline check licenses bans sources
