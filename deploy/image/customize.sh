#!/bin/sh
# mmdebstrap's customize hook for the kiosk image (scripts/build-image.sh):
# $1 is the new root. The kiosk's .deb and the profile's files are already
# in; this locks the system down and sets up the read-only root.
set -eu
root=$1
in_root() { chroot "$root" "$@"; }

# The image's own files (fstab, network, journal in memory, first boot).
cp -a "$IMAGE_DIR/rootfs/." "$root/"
mkdir -p "$root/data" "$root/boot/firmware"

# Networking by systemd: DHCP on wired ports, its resolver, and the clock
# from the network (a Raspberry Pi has no real-time clock).
in_root systemctl enable systemd-networkd.service systemd-resolved.service \
  systemd-timesyncd.service youth-kiosk-firstboot.service >/dev/null
ln -sf ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"

# No login anywhere: no getty on a console or a serial port, root locked.
for unit in getty@.service serial-getty@.service console-getty.service \
  container-getty@.service autovt@.service; do
  in_root systemctl mask "$unit" >/dev/null
done
in_root passwd -l root >/dev/null

# SSH only when the profile asks (its files are then in /etc/ssh): host
# keys are made on the first boot, on the data partition.
if [ -f "$root/etc/ssh/sshd_config.d/youth-kiosk.conf" ]; then
  rm -f "$root"/etc/ssh/ssh_host_*
  cat >>"$root/etc/ssh/sshd_config.d/youth-kiosk.conf" <<'SSHD'
HostKey /data/ssh/ssh_host_ed25519_key
SSHD
  mkdir -p "$root/etc/systemd/system/ssh.service.d"
  cat >"$root/etc/systemd/system/ssh.service.d/youth-kiosk.conf" <<'UNIT'
[Unit]
RequiresMountsFor=/data
[Service]
ExecStartPre=/bin/sh -c 'test -f /data/ssh/ssh_host_ed25519_key || { install -d -m 0700 /data/ssh && ssh-keygen -q -t ed25519 -N "" -f /data/ssh/ssh_host_ed25519_key; }'
UNIT
  in_root systemctl enable ssh.service >/dev/null
fi

# The kernel and systemd log on the serial port, for a technician's cable
# (and the boot tests); still no login there.
if [ -n "${SERIAL_CONSOLE:-}" ]; then
  cat >"$root/etc/systemd/journald.conf.d/serial.conf" <<JOURNAL
[Journal]
ForwardToConsole=yes
TTYPath=/dev/$SERIAL_CONSOLE
MaxLevelConsole=info
JOURNAL
fi

# What changes moves to the data partition's tree: the kiosk's folder (with
# the profile's kiosk.toml) and systemd's state.
in_root chown -R youth-kiosk:youth-kiosk /var/lib/youth-kiosk
mkdir -p "$root/data/youth-kiosk" "$root/data/systemd"
cp -a "$root/var/lib/youth-kiosk/." "$root/data/youth-kiosk/"
cp -a "$root/var/lib/systemd/." "$root/data/systemd/"
in_root chown youth-kiosk:youth-kiosk /data/youth-kiosk
chmod 0750 "$root/data/youth-kiosk"
find "$root/var/lib/youth-kiosk" "$root/var/lib/systemd" -mindepth 1 -delete

# A new machine id on every board: systemd makes one at boot.
: >"$root/etc/machine-id"
mkdir -p "$root/var/lib/dbus"
ln -sf /etc/machine-id "$root/var/lib/dbus/machine-id"
rm -rf "$root/var/log/journal"
# Nothing the running system needs: package lists and caches.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
