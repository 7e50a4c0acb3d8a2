#!/usr/bin/env bash
# Runs every check and test of the project, after installing what they need.
# This is the command CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# CI builds from a clean checkout once: incremental caches would only take
# disk (they doubled the size of target/).
export CARGO_INCREMENTAL=0

# The end lists how long each step took (CI's time limit is on the whole
# run: this says where it goes).
timings=()
step_name=""
step_start=$SECONDS
end_step() {
  [ -n "$step_name" ] && timings+=("$(printf '%5d s  %s' $((SECONDS - step_start)) "$step_name")")
  step_start=$SECONDS
}
step() {
  end_step
  step_name=$*
  printf '\n== %s\n' "$*"
}
summary() {
  end_step
  step_name=""
  printf '\n== time taken\n'
  printf '%s\n' "${timings[@]}"
  printf '%5d s  in all\n' "$SECONDS"
}

step "packages and the Rust toolchain (scripts/setup-debian.sh)"
./scripts/setup-debian.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

# The card reader tests play a card on pcscd's virtual reader (vsmartcard-vpcd).
if ! pgrep -x pcscd >/dev/null; then
  step "starting pcscd for the card reader tests"
  if [ "$(id -u)" -eq 0 ]; then pcscd || true; else sudo pcscd || true; fi
  sleep 1
fi

step "browser driver for the dashboard tests (playwright-core, from npm)"
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error

step "API conformance tester (schemathesis, pinned in tests/api/requirements.txt, from PyPI)"
venv=target/schemathesis
if ! cmp -s tests/api/requirements.txt "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/api/requirements.txt
  cp tests/api/requirements.txt "$venv/requirements.txt"
fi
export SCHEMATHESIS="$PWD/$venv/bin/schemathesis"

step "dependencies: licenses, banned crates (no OpenSSL), sources (cargo-deny, offline)"
CARGO_DENY_VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -qF "$CARGO_DENY_VERSION"; then
  # Its release profile is fat LTO in one codegen unit (5 min on 2 cores);
  # without it 3.7 min, and its three offline checks take 2 s either way.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked --quiet
fi
cargo fetch --locked --quiet
cargo deny --offline check licenses bans sources

step "format"
cargo fmt --all -- --check
step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings
# The kiosk as a board builds it: no desktop window (package-deb.sh).
cargo clippy -p kiosk --no-default-features --locked -- -D warnings
step "build (tests, and the binaries the end-to-end tests run)"
cargo test --workspace --locked --no-run
step "PostgreSQL for the hub's tests (a throwaway server on 127.0.0.1: scripts/pg-test.sh)"
pg_url=$(./scripts/pg-test.sh clean)
failed=0
step "tests: unit, UI (headless, with screenshots in target/screenshots), hub API, end-to-end"
HUB_TEST_POSTGRES_URL=$pg_url cargo test --workspace --locked --no-fail-fast || failed=1
step "the hub's store and API tests again, on PostgreSQL"
# The hub's test programs the build above made: `cargo test -p hub` would
# compile about a hundred crates again (the hub alone unifies other
# features than the workspace does).
hub_tests=$(cargo test --workspace --locked --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if (m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]
            and m["manifest_path"].endswith("/hub/Cargo.toml")):
        print(m["executable"])')
[ -n "$hub_tests" ] || { echo "no test programs of the hub were built" >&2; failed=1; }
for t in $hub_tests; do
  (cd hub && HUB_TEST_DATABASE_URL=$pg_url "$t") || failed=1
done
step "the kiosk image: built from Debian's packages, booted in QEMU, power cut (scripts/test-image.sh)"
./scripts/test-image.sh || failed=1
summary
if [ "$failed" -ne 0 ]; then
  printf '\n== some tests failed (see above)\n'
  exit 1
fi
printf '\n== all checks passed\n'
