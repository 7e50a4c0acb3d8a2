#!/usr/bin/env bash
# Instruction counts of the check-in engine and of the staff screen: the
# same programs (kiosk/examples/engine_scans.rs: N scans through the engine
# and its durable write; kiosk/examples/staff_opens.rs: the staff screen
# opened N_STAFF times over 90 days of check-ins, drawn at 800x480 by the
# software renderer) counted
#  - for aarch64 under qemu-user: every guest instruction executed
#    (qemu's one-instruction-per-block exec trace, counted as it streams by);
#  - for x86_64 natively under valgrind (callgrind's instruction total).
# The count at 0 is subtracted, so the figure is per scan or per open. Counts do
# not depend on how busy the machine is: a change that makes the board
# slower shows up here. Prints table rows; takes about 13 minutes once built.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
N=${N:-100}
N_STAFF=${N_STAFF:-2}

echo "building the aarch64 and x86_64 programs…" >&2
examples=(--example engine_scans --example staff_opens)
./scripts/cross-aarch64.sh build --release --locked -p kiosk "${examples[@]}" >&2
cargo build --release --locked -p kiosk "${examples[@]}" >&2
arm=target/aarch64-unknown-linux-gnu/release/examples/engine_scans
x86=target/release/examples/engine_scans
arm_staff=target/aarch64-unknown-linux-gnu/release/examples/staff_opens
x86_staff=target/release/examples/staff_opens
command -v valgrind >/dev/null || {
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq valgrind >&2
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BENCH_DIR=$work

# Guest instructions: with one instruction per translation block and no
# chaining, qemu logs one "Trace" line per instruction executed.
# arm_count PROGRAM ARGS…, x86_count PROGRAM ARGS…
# (QEMU 8.1 named the option -one-insn-per-tb; 10 removed -singlestep.)
one_insn=-one-insn-per-tb
qemu-aarch64-static -help | grep -q -- "$one_insn" || one_insn=-singlestep
arm_count() {
  qemu-aarch64-static "$one_insn" -d exec,nochain -D /dev/stdout "$@" \
    | grep -c '^Trace' || true
}
x86_count() {
  valgrind --tool=callgrind --callgrind-out-file="$work/cg" "$@" >/dev/null 2>&1
  awk '/^(summary|totals):/ {print $2; exit}' "$work/cg"
}
# The staff screen's database, written natively once (27,000 scans), and
# a fresh copy of it for each count.
echo "writing 90 days of check-ins for the staff screen…" >&2
"$x86_staff" prepare "$work/staff" >&2
staff_copy() { rm -rf "$work/s"; cp -r "$work/staff" "$work/s"; echo "$work/s"; }

per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {printf "%d", (b - a) / n}'; }
a0=$(arm_count "$arm" 0); aN=$(arm_count "$arm" "$N")
x0=$(x86_count "$x86" 0); xN=$(x86_count "$x86" "$N")
echo "| engine + durable write, aarch64 under qemu-user | $N scans | $(per "$a0" "$aN" "$N") instructions/scan | guest instructions ($a0 at 0 scans, $aN at $N) |"
echo "| engine + durable write, x86_64 under valgrind | $N scans | $(per "$x0" "$xN" "$N") instructions/scan | callgrind Ir ($x0 at 0 scans, $xN at $N) |"
echo "counting the staff screen's opens…" >&2
s0=$(arm_count "$arm_staff" "$(staff_copy)" 0); sN=$(arm_count "$arm_staff" "$(staff_copy)" "$N_STAFF")
t0=$(x86_count "$x86_staff" "$(staff_copy)" 0); tN=$(x86_count "$x86_staff" "$(staff_copy)" "$N_STAFF")
echo "| staff screen open (PIN typed, OK, first frame, closed; 90 days of check-ins; 800x480), aarch64 under qemu-user | $N_STAFF opens | $(per "$s0" "$sN" "$N_STAFF") instructions/open | guest instructions ($s0 at 0 opens, $sN at $N_STAFF) |"
echo "| the same, x86_64 under valgrind | $N_STAFF opens | $(per "$t0" "$tN" "$N_STAFF") instructions/open | callgrind Ir ($t0 at 0 opens, $tN at $N_STAFF) |"
