#!/usr/bin/env bash
# What a cross-build for aarch64 needs on Debian: the cross compiler,
# qemu-user to run the result, and the arm64 (multiarch) libraries the kiosk
# links: PC/SC for card readers, and what Slint's backends load.
set -euo pipefail
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
pkgs=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
  libc6:arm64 libpcsclite1:arm64 libpcsclite-dev:arm64
  libfontconfig-dev:arm64 libxkbcommon-dev:arm64 libudev-dev:arm64
  libinput-dev:arm64)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing for aarch64: ${missing[*]}" >&2
  dpkg --print-foreign-architectures | grep -qx arm64 || $sudo dpkg --add-architecture arm64
  $sudo apt-get update -qq
  # No recommends: libpcsclite-dev recommends an arm64 python3, which cannot
  # sit beside the machine's own.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
rustup target list --installed | grep -qx aarch64-unknown-linux-gnu \
  || rustup target add aarch64-unknown-linux-gnu >&2
