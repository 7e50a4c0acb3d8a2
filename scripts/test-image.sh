#!/usr/bin/env bash
# Builds the kiosk image for an emulated board and boots it in QEMU
# (tests/tests/image.rs): home screen, enrollment from the boot partition
# against a hub on this machine, a member typed and welcomed, a power cut
# in a burst of check-ins, nothing lost.
#
#   ./scripts/test-image.sh          # the x86 PC (UEFI, systemd-boot)
#   ./scripts/test-image.sh arm64    # the Raspberry Pi 4 root on QEMU's virt
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export CARGO_INCREMENTAL=0
machine=${1:-x86}
case $machine in x86 | arm64) ;; *) echo "usage: $0 [x86|arm64]" >&2; exit 2 ;; esac
started=$(date +%s)
./scripts/setup-image.sh
# The headless home screen the booted one is compared with, and the hub and
# firmware-config the test runs.
[ -f target/screenshots/home-zh-1280x800.png ] ||
  cargo test -q --locked -p kiosk --test ui screenshots_of_the_main_screens_in_both_languages_and_sizes
cargo build -q --locked -p hub -p firmware-config
image=target/image/test-$machine.img
./scripts/build-image.sh --profile "tests/image/$machine-virtual.toml" --serial-console --out "$image"
built=$(date +%s)
KIOSK_IMAGE=$PWD/$image KIOSK_IMAGE_MACHINE=$machine \
  cargo test -q --locked -p e2e --test image -- --ignored --nocapture
echo "image test ($machine): built in $((built - started)) s, booted and tested in $(($(date +%s) - built)) s"
