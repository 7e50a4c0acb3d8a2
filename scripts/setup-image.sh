#!/usr/bin/env bash
# Installs what building a kiosk image and booting it in QEMU need:
# mmdebstrap, the file system tools, QEMU (x86 and arm64, with UEFI firmware
# for the PC) and qemu-user for building an arm64 root on an x86 machine.
# Safe to run again: it skips what is there.
set -euo pipefail
packages=(mmdebstrap dosfstools mtools fdisk e2fsprogs qemu-system-x86 qemu-system-arm
  ovmf qemu-user-static)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
# arm64 programs run here through qemu-user: the kernel must know the format
# (a container may start without binfmt_misc mounted or registered).
binfmt() {
  [ "$(dpkg --print-architecture)" = arm64 ] && return 0
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && return 0
  { [ -e /proc/sys/fs/binfmt_misc/register ] ||
    $sudo mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; } &&
    $sudo /lib/systemd/systemd-binfmt /usr/lib/binfmt.d/qemu-aarch64.conf ||
    echo "warning: qemu-aarch64 is not registered with binfmt_misc here: an x86 image builds, an arm64 one cannot" >&2
}
if [ "${#missing[@]}" -eq 0 ]; then
  binfmt
  exit 0
fi
# A machine with QEMU's tools from bookworm-backports (qemu-utils) cannot
# take bookworm's QEMU 7.2 beside them: take QEMU (and only QEMU: not, say,
# systemd, whose arm64 libraries the cross-build needs at bookworm's
# version) from backports too.
if dpkg-query -W -f='${Version}' qemu-utils 2>/dev/null | grep -q bpo; then
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  if ! grep -rqs "$codename-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "adding $codename-backports to apt's sources (for QEMU)" >&2
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$codename" | $sudo tee /etc/apt/sources.list.d/backports.sources >/dev/null
    $sudo apt-get update -q >&2
  fi
  system=0
  for i in "${!missing[@]}"; do
    case ${missing[$i]} in qemu-system-*) system=1 ;; esac
    case ${missing[$i]} in qemu-*) missing[$i]=${missing[$i]}/$codename-backports ;; esac
  done
  # The emulators' own files and firmware must be of their version too,
  # and apt would take them from the release unless told.
  if [ "$system" -eq 1 ]; then
    for p in qemu-system-common qemu-system-data seabios; do
      missing+=("$p/$codename-backports")
    done
  fi
fi
echo "installing ${missing[*]}" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
  { $sudo apt-get update -q >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; }
binfmt
