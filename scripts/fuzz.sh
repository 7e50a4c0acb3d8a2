#!/usr/bin/env bash
# Fuzzes the parsers that meet outside input, each for a bounded time:
# member tokens and scans, scanner byte streams (evdev, serial, typed keys),
# upload pages, content bundles and pictures. `FUZZ_SECONDS` per target
# (default 60). Needs nightly Rust and cargo-fuzz; installs both when
# missing. A crash stops the script and leaves its input in
# fuzz/artifacts/TARGET/ (replay: cargo +nightly fuzz run TARGET FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
./scripts/setup-debian.sh >/dev/null
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
secs=${FUZZ_SECONDS:-60}
for target in member_token scanner_input upload_page content_bundle; do
  mkdir -p "fuzz/corpus/$target"
  seeds=()
  [ -d "fuzz/seeds/$target" ] && seeds=("fuzz/seeds/$target")
  echo "== $target, ${secs} s" >&2
  cargo +nightly fuzz run "$target" "fuzz/corpus/$target" "${seeds[@]}" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 2>&1 \
    | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)|ERROR|panicked' >&2
  echo "| fuzz $target | ${secs} s | $(ls "fuzz/corpus/$target" | wc -l) inputs in the corpus | no crash |"
done
