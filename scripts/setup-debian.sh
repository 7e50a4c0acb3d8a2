#!/usr/bin/env bash
# Installs what building and running the kiosk and hub need on Debian 12 or later:
# a C toolchain, the libraries Slint's window backends load, and Rust (via rustup
# when no recent cargo is on the PATH). Safe to run again: it skips what is there.
set -euo pipefail

packages=(
  build-essential pkg-config ca-certificates curl procps
  # Slint's desktop backend (winit) finds fonts through fontconfig and
  # opens X11 or Wayland windows with these libraries.
  libfontconfig1-dev libxkbcommon-dev libxkbcommon-x11-0 libx11-xcb1
  libxcursor1 libxrandr2 libxi6 libwayland-client0
  # Slint's board backend (linuxkms): touch and keys through libinput.
  libinput-dev libudev-dev
  # Card readers go through PC/SC; the tests use pcscd's virtual reader.
  libpcsclite-dev pcscd vsmartcard-vpcd
  # A virtual display, for machines without one (the demo falls back to it).
  xvfb
  # A real QR decoder: the tests read back the codes the hub prints.
  zbar-tools
  # ALSA's player of the kiosk's spoken prompts; the tests play every
  # prompt into its null device.
  alsa-utils
  # poppler's pdftoppm: the tests turn the hub's A4 poster into a picture.
  poppler-utils
  # libfaketime: a hub run with its clock set forward, for the test of
  # overdue messages.
  faketime
  # systemd-analyze, for the test that verifies the units in deploy/systemd.
  systemd
  # Python's openpyxl, for the test that opens the hub's XLSX ledger; and
  # venv, for the API conformance tester scripts/test.sh installs from PyPI.
  python3-openpyxl python3-venv
  # PostgreSQL, for the hub's tests on it and the replicas test (the tests
  # start a throwaway server of their own: scripts/pg-test.sh).
  postgresql
  # A real browser, headless, for the tests of the hub's web pages (driven
  # by playwright-core under Node.js, added below when missing).
  chromium
)
# Node.js may come from elsewhere than Debian (e.g. NodeSource, with npm
# inside); install Debian's only when there is none.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Rust 1.85 or later (edition 2024).
need_rust=1
if command -v cargo >/dev/null 2>&1; then
  minor=$(cargo --version | sed -E 's/^cargo 1\.([0-9]+).*/\1/')
  [ "${minor:-0}" -ge 85 ] && need_rust=0
fi
if [ "$need_rust" -eq 1 ]; then
  if ! command -v rustup >/dev/null 2>&1; then
    echo "installing Rust with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
  fi
  rustup toolchain install stable --profile minimal
  rustup default stable
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true
