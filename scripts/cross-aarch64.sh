#!/usr/bin/env bash
# Cargo for a 64-bit Raspberry Pi (aarch64): `./scripts/cross-aarch64.sh build
# --release -p kiosk` and so on; `test` runs the tests under qemu-user.
# Installs what it needs on Debian first (the cross compiler, qemu-user-static,
# the arm64 libraries the kiosk links, the Rust target).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
./scripts/setup-aarch64.sh >&2

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
# The arm64 libraries come from Debian's multiarch packages, so their loader
# and libraries sit where qemu-user finds them without a prefix.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64-static
export PKG_CONFIG_ALLOW_CROSS=1
export PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
exec cargo "$@" --target aarch64-unknown-linux-gnu
