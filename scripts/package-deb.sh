#!/usr/bin/env bash
# Debian packages for the kiosk and the hub: `./scripts/package-deb.sh
# [amd64] [arm64]` (default both) builds the release binaries (arm64 through
# scripts/cross-aarch64.sh, the kiosk with GPIO support) and writes
# target/deb/youth-kiosk_VERSION_ARCH.deb and youth-hub_VERSION_ARCH.deb,
# with their systemd units, default settings in /etc/default and the
# maintainer scripts in deploy/debian. Each package's Depends is checked
# against the libraries its binaries really load.
#
# `--test-build amd64` packages the kiosk from the unoptimised test build
# instead (target/debug, what `cargo test` builds anyway), into
# target/deb-test: for the image tests, never for a board.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
test_build=""
if [ "${1:-}" = --test-build ]; then
  test_build=1
  shift
fi
arches=("$@")
[ "${#arches[@]}" -gt 0 ] || arches=(amd64 arm64)
version=$(sed -nE 's/^version = "([^"]+)"/\1/p' Cargo.toml | head -1)
out=target/deb
[ -n "$test_build" ] && out=target/deb-test && compress=none
mkdir -p "$out"

# Debian package of each shared library the binaries may load, per arch.
declare -A lib_pkg=(
  [libc.so.6]=libc6 [libm.so.6]=libc6 [ld-linux-x86-64.so.2]=libc6 [ld-linux-aarch64.so.1]=libc6
  [libgcc_s.so.1]=libgcc-s1 [libpcsclite.so.1]=libpcsclite1 [libfontconfig.so.1]=libfontconfig1
  [libinput.so.10]=libinput10 [libudev.so.1]=libudev1 [libxkbcommon.so.0]=libxkbcommon0
)

build() {
  local arch=$1
  # The kiosk in the board profile (small, whole-program optimised; no
  # desktop window: it draws through linuxkms), the hub in release.
  local board=(--profile board --locked -p kiosk -p firmware-config --no-default-features)
  # Its relocations packed (DT_RELR, glibc 2.36: Debian 12 and later): a
  # position-independent binary's table of pointers to fix up at load was
  # 3 MB of the kiosk, and stays randomised in memory all the same.
  local relr="-C link-arg=-Wl,-z,pack-relative-relocs"
  if [ -n "$test_build" ]; then
    [ "$arch" = amd64 ] || { echo "--test-build is for amd64" >&2; exit 2; }
    # The board's fonts (the system's), a desktop window kept so the
    # workspace's Slint is not built a second time.
    cargo build --locked -p kiosk -p firmware-config --no-default-features --features kiosk/desktop >&2
    kiosk_bindir=target/debug
    strip=strip
  elif [ "$arch" = arm64 ]; then
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS=$relr \
      ./scripts/cross-aarch64.sh build "${board[@]}" --features kiosk/gpio >&2
    ./scripts/cross-aarch64.sh build --release --locked -p hub >&2
    kiosk_bindir=target/aarch64-unknown-linux-gnu/board
    hub_bindir=target/aarch64-unknown-linux-gnu/release
    strip=aarch64-linux-gnu-strip
  else
    ./scripts/setup-debian.sh >&2
    CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS=$relr cargo build "${board[@]}" >&2
    cargo build --release --locked -p hub >&2
    kiosk_bindir=target/board
    hub_bindir=target/release
    strip=strip
  fi
}

# package NAME ARCH DESCRIPTION DEPENDS BINARIES... (units and scripts by NAME)
package() {
  local name=$1 arch=$2 desc=$3 depends=$4
  # The kiosk's spoken prompts (off by default) play through ALSA's aplay.
  local recommends=""
  [ "$name" = youth-kiosk ] && recommends="alsa-utils"
  shift 4
  local root
  root=$(mktemp -d)
  install -d "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" \
    "$root/etc/default" "$root/usr/share/doc/$name"
  for b in "$@"; do
    install -m 0755 "$bindir/$b" "$root/usr/bin/$b"
    $strip "$root/usr/bin/$b"
    # Every library the binary loads must come from a package it depends on.
    for lib in $(readelf -d "$root/usr/bin/$b" | sed -nE 's/.*Shared library: \[(.*)\]/\1/p'); do
      pkg=${lib_pkg[$lib]:-}
      [ -n "$pkg" ] || { echo "$b loads $lib: add its package to lib_pkg and Depends" >&2; exit 1; }
      case ", $depends," in *", $pkg"[,\ ]*) ;; *) echo "$b loads $lib but Depends lacks $pkg" >&2; exit 1 ;; esac
    done
  done
  for unit in deploy/systemd/"$name"*.service; do
    install -m 0644 "$unit" "$root/lib/systemd/system/"
  done
  install -m 0644 "deploy/debian/$name.default" "$root/etc/default/$name"
  echo "/etc/default/$name" >"$root/DEBIAN/conffiles"
  for s in postinst prerm postrm; do
    [ -f "deploy/debian/$name.$s" ] && install -m 0755 "deploy/debian/$name.$s" "$root/DEBIAN/$s"
  done
  install -m 0644 LICENSE "$root/usr/share/doc/$name/copyright"
  if [ "$name" = youth-kiosk ]; then
    # The kiosk's cut of Noto Sans CJK SC as a system font (fontconfig's
    # trigger caches it): the screens' glyphs in 3.5 MB, where drawing them
    # from the complete collections kept 11 MB of those mapped.
    install -d "$root/usr/share/fonts/opentype/youth-kiosk"
    install -m 0644 assets/fonts/NotoSansSC-Regular-Subset.otf assets/fonts/NotoSansSC-Bold-Subset.otf \
      assets/fonts/OFL.txt "$root/usr/share/fonts/opentype/youth-kiosk/"
  fi
  local size
  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  cat >"$root/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: $arch
Maintainer: Youth center kiosk project <kiosk@example.invalid>
Section: misc
Priority: optional
Installed-Size: $size
Depends: $depends
${recommends:+Recommends: $recommends
}Description: $desc
CONTROL
  dpkg-deb --root-owner-group "-Z${compress:-xz}" --build "$root" "$out/${name}_${version}_${arch}.deb" >&2
  rm -rf "$root"
  echo "$out/${name}_${version}_${arch}.deb"
}

for arch in "${arches[@]}"; do
  case "$arch" in amd64 | arm64) ;; *) echo "unknown arch $arch (amd64, arm64)" >&2; exit 2 ;; esac
  build "$arch"
  # udev: libinput finds the touchscreen and keys through it, and it makes
  # the input and render groups the postinst puts the kiosk's user in (so it
  # must be configured first, as in a freshly built image). fonts-noto-cjk:
  # the board's build draws with its own Kiosk Sans SC (installed above) and
  # any character that lacks with the system's Noto Sans CJK SC.
  bindir=$kiosk_bindir
  package youth-kiosk "$arch" \
    "Youth center kiosk: touchscreen check-in terminal
 Checks members in by QR code or card, counts visitors, keeps every
 check-in offline and uploads them to the hub; buzzer, lights and door
 relay on a Raspberry Pi. Includes firmware-config for board profiles." \
    "libc6 (>= 2.36), libgcc-s1, libpcsclite1, libfontconfig1, libinput10, libudev1, libxkbcommon0, adduser, udev, fonts-noto-cjk" \
    kiosk firmware-config
  [ -n "$test_build" ] && continue
  bindir=$hub_bindir
  package youth-hub "$arch" \
    "Youth center hub: the cloud side of the kiosks
 Enrollment, check-in ingest, rosters, reports and the dashboard for the
 youth centers of a region." \
    "libc6, libgcc-s1" \
    hub
done
