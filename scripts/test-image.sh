#!/usr/bin/env bash
# Builds the kiosk image for an emulated board and boots it in QEMU
# (tests/tests/image.rs): home screen, enrollment from the boot partition
# against a hub on this machine, a member typed and welcomed, a power cut
# in a burst of check-ins, nothing lost.
#
#   ./scripts/test-image.sh                # the x86 PC (UEFI, systemd-boot)
#   ./scripts/test-image.sh arm64          # the Raspberry Pi 4 root on QEMU's virt
#   ./scripts/test-image.sh --release x86  # with the release .deb (target/deb)
#
# KIOSK_IMAGE_SCREEN=1920x1080 gives the emulated board that screen instead
# of 1280x800 (the UI tests draw the home screen it is compared with at
# both sizes).
#
# By default the x86 image carries the kiosk of the test build (target/debug,
# which `cargo test` builds anyway; scripts/package-deb.sh --test-build):
# the image, its boot and its data are the same, at a fraction of the time.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export CARGO_INCREMENTAL=0
release=""
if [ "${1:-}" = --release ]; then
  release=1
  shift
fi
machine=${1:-x86}
case $machine in x86 | arm64) ;; *) echo "usage: $0 [--release] [x86|arm64]" >&2; exit 2 ;; esac
[ "$machine" = arm64 ] && release=1
started=$(date +%s)
# (scripts/build-image.sh installs the image tools and QEMU.)
# The hub and firmware-config the test runs, and the headless home screen
# the booted one is compared with, built as the workspace's tests build
# them (after scripts/test.sh's build, nothing to do): `-p hub` alone
# unifies other features and would compile about a hundred crates again.
cargo test -q --locked --workspace --no-run
[ -f "target/screenshots/home-zh-${KIOSK_IMAGE_SCREEN:-1280x800}.png" ] ||
  cargo test -q --locked --workspace --test ui screenshots_of_the_
image=target/image/test-$machine.img
deb=()
if [ -z "$release" ]; then
  kiosk_deb=$(./scripts/package-deb.sh --test-build amd64)
  deb=(--deb "$kiosk_deb")
else
  debarch=amd64
  [ "$machine" = arm64 ] && debarch=arm64
  kiosk_deb=$(ls target/deb/youth-kiosk_*_"$debarch".deb 2>/dev/null | head -n1 || true)
fi
./scripts/build-image.sh --profile "tests/image/$machine-virtual.toml" --serial-console --out "$image" "${deb[@]}"
built=$(date +%s)
# The release .deb the image carries, when it was built before the image:
# the test publishes new versions of it (build-image.sh builds a missing one).
[ -n "${kiosk_deb:-}" ] || kiosk_deb=$(ls target/deb/youth-kiosk_*_"${debarch:-amd64}".deb | head -n1)
KIOSK_IMAGE=$PWD/$image KIOSK_IMAGE_MACHINE=$machine KIOSK_DEB=$PWD/$kiosk_deb \
  cargo test -q --locked --workspace --test image -- --ignored --nocapture
echo "image test ($machine): built in $((built - started)) s, booted and tested in $(($(date +%s) - built)) s"
