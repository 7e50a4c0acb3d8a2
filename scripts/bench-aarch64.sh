#!/usr/bin/env bash
# Instruction counts of the check-in engine: the same program
# (kiosk/examples/engine_scans.rs: N scans through the engine and its
# durable write) counted
#  - for aarch64 under qemu-user: every guest instruction executed
#    (qemu's one-instruction-per-block exec trace, counted as it streams by);
#  - for x86_64 natively under valgrind (callgrind's instruction total).
# The count at 0 scans is subtracted, so the figure is per scan. Counts do
# not depend on how busy the machine is: a change that makes the board
# slower shows up here. Prints table rows; takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
N=${N:-100}

echo "building the aarch64 and x86_64 programs…" >&2
./scripts/cross-aarch64.sh build --release --locked -p kiosk --example engine_scans >&2
cargo build --release --locked -p kiosk --example engine_scans >&2
arm=target/aarch64-unknown-linux-gnu/release/examples/engine_scans
x86=target/release/examples/engine_scans
command -v valgrind >/dev/null || {
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq valgrind >&2
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BENCH_DIR=$work

# Guest instructions: with one instruction per translation block and no
# chaining, qemu logs one "Trace" line per instruction executed.
arm_count() {
  qemu-aarch64-static -singlestep -d exec,nochain -D /dev/stdout "$arm" "$1" \
    | grep -c '^Trace' || true
}
x86_count() {
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.$1" "$x86" "$1" >/dev/null 2>&1
  awk '/^(summary|totals):/ {print $2; exit}' "$work/cg.$1"
}

a0=$(arm_count 0); aN=$(arm_count "$N")
x0=$(x86_count 0); xN=$(x86_count "$N")
per() { awk -v a="$1" -v b="$2" -v n="$N" 'BEGIN {printf "%d", (b - a) / n}'; }
echo "| engine + durable write, aarch64 under qemu-user | $N scans | $(per "$a0" "$aN") instructions/scan | guest instructions ($a0 at 0 scans, $aN at $N) |"
echo "| engine + durable write, x86_64 under valgrind | $N scans | $(per "$x0" "$xN") instructions/scan | callgrind Ir ($x0 at 0 scans, $xN at $N) |"
