#!/usr/bin/env bash
# A flashable kiosk image, from Debian's own packages:
#
#   ./scripts/build-image.sh --profile pi4      # or pi3, pi5, zero2w, x86
#
# writes target/image/youth-kiosk-PROFILE.img: a boot partition (FAT: the
# Raspberry Pi firmware from Debian's raspi-firmware, or systemd-boot on an
# x86 PC), a read-only root (Debian, its kernel, the kiosk's .deb, the
# profile's files from `firmware-config render`) and a data partition for the
# database, grown to the end of the card on the first boot. Write it to a
# card (`dd`, or any imager), copy the center's enrollment file onto the boot
# partition as youth-kiosk-enroll.toml (`firmware-config enrollment`), and
# boot: the kiosk enrolls on its own. See docs/OPERATIONS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

usage() {
  cat <<'EOF'
Usage: scripts/build-image.sh --profile PROFILE [options]

  --profile P        pi3, pi4, pi5, zero2w or x86; a firmware-config profile
                     name (firmware-config list); or a profile .toml file
  --out FILE         the image to write (default target/image/youth-kiosk-P.img)
  --deb FILE         the kiosk's .deb (default: target/deb's, built when missing
                     by scripts/package-deb.sh)
  --suite S          the Debian release (default bookworm)
  --mirror URL       the Debian mirror (default http://deb.debian.org/debian)
  --hub URL --code C the center's enrollment, put on the boot partition (one
                     kiosk's image; otherwise copy the file on per card)
  --serial-console   the kernel's and systemd's log on the first serial port
                     (for a technician's cable, and the boot tests); no login
  --keep-root DIR    also keep the root file system as a folder in DIR
  -h, --help         this text
EOF
}

profile="" out="" deb="" suite=bookworm mirror=http://deb.debian.org/debian
hub="" code="" serial="" keep_root=""
while [ $# -gt 0 ]; do
  case $1 in
    --profile) profile=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --deb) deb=${2:?}; shift 2 ;;
    --suite) suite=${2:?}; shift 2 ;;
    --mirror) mirror=${2:?}; shift 2 ;;
    --hub) hub=${2:?}; shift 2 ;;
    --code) code=${2:?}; shift 2 ;;
    --serial-console) serial=1; shift ;;
    --keep-root) keep_root=${2:?}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "build-image: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
[ -n "$profile" ] || { usage >&2; exit 2; }
if [ -n "$hub$code" ] && { [ -z "$hub" ] || [ -z "$code" ]; }; then
  echo "build-image: give both --hub and --code, or neither" >&2
  exit 2
fi
[ "$(id -u)" = 0 ] || { echo "build-image: run as root (mmdebstrap builds the root as root)" >&2; exit 1; }

case $profile in
  pi3) fc_profile=rpi3bplus-dsi7 ;;
  pi4) fc_profile=rpi4b-hdmi ;;
  pi5) fc_profile=rpi5-portrait ;;
  zero2w) fc_profile=rpizero2w-hdmi ;;
  x86) fc_profile=x86-minipc ;;
  *) fc_profile=$profile ;;
esac
name=$(basename "$profile" .toml)
out=${out:-target/image/youth-kiosk-$name.img}
started=$(date +%s)
step() { printf '[%3ds] %s\n' "$(($(date +%s) - started))" "$*" >&2; }

# The tools: mmdebstrap, mkfs for FAT and ext4, mtools, sfdisk, qemu-user.
./scripts/setup-image.sh

cargo build -q --locked -p firmware-config
fc=target/debug/firmware-config
board=$("$fc" check "$fc_profile" | sed -nE 's/.*: good \((.*)\)$/\1/p')
case $board in
  x86) arch=amd64 ;;
  rpi*) arch=arm64 ;;
  *) echo "build-image: profile $fc_profile: unknown board ${board:-?}" >&2; exit 1 ;;
esac
version=$(sed -nE 's/^version = "([^"]+)"/\1/p' Cargo.toml | head -1)
if [ -z "$deb" ]; then
  deb=target/deb/youth-kiosk_${version}_${arch}.deb
  if [ ! -f "$deb" ]; then
    step "building the kiosk's $arch package"
    ./scripts/package-deb.sh "$arch" >&2
  fi
fi
[ -f "$deb" ] || { echo "build-image: no package at $deb" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$work/files" "$(dirname "$out")"
"$fc" render "$fc_profile" --out "$work/files" >/dev/null
extra_cmdline=$("$fc" cmdline "$fc_profile")

# Packages: Debian's kernel, systemd (init, network, resolver, clock), the
# card readers' daemon, growpart for the data partition, the board's boot.
packages=systemd-sysv,udev,kmod,initramfs-tools,systemd-timesyncd,systemd-resolved
packages+=,ca-certificates,pcscd,cloud-guest-utils,fdisk,e2fsprogs
# The complete CJK font behind the kiosk's embedded subset (its Sans faces:
# the Serif ones are left out below).
packages+=,fonts-noto-cjk
components=main
if [ "$arch" = amd64 ]; then
  packages+=,linux-image-amd64,systemd-boot-efi
  console=ttyS0
else
  packages+=,linux-image-arm64,raspi-firmware,firmware-brcm80211
  components=main,non-free-firmware
  console=ttyAMA0
fi
[ -f "$work/files/etc/ssh/sshd_config.d/youth-kiosk.conf" ] && packages+=,openssh-server
rootargs="root=LABEL=kiosk-root ro rootwait fsck.repair=yes"
cmdline="$rootargs $extra_cmdline"
[ -n "$serial" ] && cmdline="console=$console,115200 console=tty1 $cmdline"

# raspi-firmware writes config.txt and cmdline.txt when the kernel goes in:
# its settings must be there first.
cat >"$work/raspi-firmware" <<EOF
ROOTPART=LABEL=kiosk-root
CONSOLES="${serial:+$console,115200 }tty1"
EOF
# (raspi-firmware writes root=, rootwait and rw; the last of rw and ro wins.)
printf '%s\n' "$extra_cmdline ro" >"$work/raspi-extra-cmdline"
if [ -f "$work/files/boot/firmware/config.txt.youth-kiosk" ]; then
  cp "$work/files/boot/firmware/config.txt.youth-kiosk" "$work/raspi-firmware-custom"
  rm -f "$work/files/boot/firmware/"*.youth-kiosk
else
  : >"$work/raspi-firmware-custom"
fi
# The x86 profile's GRUB drop-in: this image boots by systemd-boot instead.
rm -rf "$work/files/etc/default/grub.d"

step "Debian $suite $arch root for $fc_profile ($board), with $(basename "$deb")"
export IMAGE_DIR=$PWD/deploy/image SERIAL_CONSOLE=${serial:+$console}
# force-confold: raspi-firmware's settings in /etc/default are ours (put
# there before it is installed); force-unsafe-io: no fsync per file while
# the root is a folder (the image is written whole at the end), which
# matters most for an arm64 root built under emulation.
mmdebstrap --variant=minbase --arch="$arch" --components="$components" \
  --dpkgopt=force-confold --dpkgopt=force-unsafe-io \
  --dpkgopt='path-exclude=/usr/share/fonts/opentype/noto/NotoSerifCJK*' \
  --include="$packages" --include="$(realpath "$deb")" \
  --hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
  --essential-hook="mkdir -p \"\$1/etc/default\" && cp $work/raspi-firmware $work/raspi-extra-cmdline $work/raspi-firmware-custom \"\$1/etc/default/\"" \
  --customize-hook="sync-in $work/files /" \
  --customize-hook="$IMAGE_DIR/customize.sh" \
  "$suite" "$root" "$mirror" >&2

step "boot partition"
boot=$work/boot
mkdir -p "$boot"
if [ "$arch" = amd64 ]; then
  kernel=$(cd "$root/boot" && ls vmlinuz-* | sort -V | tail -1)
  mkdir -p "$boot/EFI/BOOT" "$boot/loader/entries" "$boot/kiosk"
  cp "$root/usr/lib/systemd/boot/efi/systemd-bootx64.efi" "$boot/EFI/BOOT/BOOTX64.EFI"
  cp "$root/boot/$kernel" "$boot/kiosk/vmlinuz"
  cp "$root/boot/initrd.img-${kernel#vmlinuz-}" "$boot/kiosk/initrd.img"
  # No menu, and no editing the kernel's command line at the door.
  printf 'default kiosk.conf\ntimeout 0\neditor no\n' >"$boot/loader/loader.conf"
  printf 'title Youth center kiosk\nlinux /kiosk/vmlinuz\ninitrd /kiosk/initrd.img\noptions %s\n' \
    "$cmdline" >"$boot/loader/entries/kiosk.conf"
else
  # raspi-firmware's: the firmware, config.txt, cmdline.txt, and the kernel
  # and initrd by their versioned names.
  cp -a "$root/boot/firmware/." "$boot/"
fi
find "$root/boot/firmware" -mindepth 1 -delete
if [ -n "$hub" ]; then
  "$fc" enrollment --hub "$hub" --code "$code" >"$boot/youth-kiosk-enroll.toml"
fi

step "file systems"
mib() { echo $((($1 + 1048575) / 1048576)); }
data=$work/data
mkdir -p "$data"
cp -a "$root/data/." "$data/"
find "$root/data" -mindepth 1 -delete
[ -n "$keep_root" ] && { rm -rf "$keep_root"; mkdir -p "$keep_root"; cp -a "$root/." "$keep_root/"; }
root_mib=$(($(mib "$(du -sb "$root" | cut -f1)") * 5 / 4 + 64))
boot_mib=256
data_mib=128
mkfs.vfat -F 32 -n KIOSKBOOT -C "$work/boot.img" $((boot_mib * 1024)) >/dev/null
mcopy -s -i "$work/boot.img" "$boot"/* ::/
mkfs.ext4 -q -L kiosk-root -d "$root" "$work/root.img" "${root_mib}M"
mkfs.ext4 -q -L kiosk-data -d "$data" "$work/data.img" "${data_mib}M"

step "partition table"
total=$((1 + boot_mib + root_mib + data_mib + 1))
rm -f "$out"
truncate -s "${total}M" "$out"
if [ "$arch" = amd64 ]; then
  sfdisk -q "$out" <<EOF
label: gpt
start=1MiB, size=${boot_mib}MiB, type=uefi, name=KIOSKBOOT
size=${root_mib}MiB, type=4f68bce3-e8cd-4db1-96e7-fbcaf984b709, name=kiosk-root
size=${data_mib}MiB, type=linux, name=kiosk-data
EOF
else
  sfdisk -q "$out" <<EOF
label: dos
start=1MiB, size=${boot_mib}MiB, type=c, bootable
size=${root_mib}MiB, type=83
size=${data_mib}MiB, type=83
EOF
fi
offset=1
for part in boot root data; do
  dd if="$work/$part.img" of="$out" bs=1M seek=$offset conv=notrunc,sparse status=none
  case $part in boot) offset=$((offset + boot_mib)) ;; root) offset=$((offset + root_mib)) ;; esac
done

step "done: $out ($(du -h --apparent-size "$out" | cut -f1) image, $(du -h "$out" | cut -f1) on disk; root ${root_mib} MiB)"
echo "$out"
