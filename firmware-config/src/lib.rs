//! Board profiles for kiosks: what a board has (display, GPIO pins for the
//! buzzer, lights, door relay and motion sensor, scanners and card readers),
//! checked against what the board can do, and rendered into the files the
//! board needs: `config.txt` and `cmdline.txt` lines on a Raspberry Pi, a GRUB
//! drop-in on an x86 mini PC, udev rules (stable device names, access for
//! the kiosk's user, the touch panel's calibration matrix), the kiosk
//! service's display settings and the kiosk's own `kiosk.toml`.
//!
//! `provision` writes all of it, plus the center's one-time enrollment code,
//! into a folder laid out as the board's root file system (the SD card's
//! `bootfs` is `boot/firmware/`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

pub mod board;

pub use board::Board;

/// The system user the kiosk runs as; udev rules give it its devices.
pub const KIOSK_USER: &str = "youth-kiosk";
/// The display output that means "the first connected one".
pub const AUTO_OUTPUT: &str = "auto";
/// Where the kiosk keeps its data on a board.
pub const KIOSK_DATA: &str = "var/lib/youth-kiosk";

/// A board profile, as written in a `.toml` file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// `rpi3bplus`, `rpi4b`, `rpi5`, `rpizero2w` or `x86`.
    pub board: String,
    #[serde(default)]
    pub description: String,
    pub display: Display,
    #[serde(default)]
    pub gpio: Gpio,
    #[serde(default, rename = "device")]
    pub devices: Vec<Device>,
    #[serde(default)]
    pub image: Image,
    /// The kiosk's own settings for this board beyond the ones the profile
    /// writes (see `kiosk.toml`), e.g. `screen_hours = "08:30-21:30"`.
    #[serde(default)]
    pub kiosk: toml::Table,
}

/// The `kiosk.toml` settings the profile writes itself.
const WRITTEN_SETTINGS: [&str; 6] = [
    "fullscreen",
    "hid_scanners",
    "serial_scanners",
    "card_readers",
    "signals",
    "voice",
];

/// What the board's image has beyond the kiosk (`scripts/build-image.sh`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// An SSH server for a technician: off unless the profile asks, and
    /// then with keys only (no passwords).
    #[serde(default)]
    pub ssh: bool,
    /// The technicians' public keys (`ssh-ed25519 AAAA… comment`), for root.
    #[serde(default)]
    pub ssh_keys: Vec<String>,
    /// Time servers (names or addresses) for boards on a network without
    /// the internet's (a county's own); empty: Debian's defaults. A kiosk
    /// checks signed content and releases only with a synchronised clock.
    #[serde(default)]
    pub ntp: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Display {
    /// The DRM connector, e.g. `HDMI-A-1`, `DSI-1`, `DP-1`; `auto`: the
    /// first connected one (a PC whose connector is not known in advance,
    /// a virtual machine's screen).
    pub output: String,
    pub width: u32,
    pub height: u32,
    /// Clockwise degrees the picture is turned: 0, 90, 180 or 270.
    #[serde(default)]
    pub rotation: u32,
    /// The touch panel's input device name (as `libinput list-devices` shows
    /// it), so its touches turn with the picture. Empty: no rotation needed
    /// or no touch panel.
    #[serde(default)]
    pub touch: String,
}

/// BCM GPIO numbers of what is wired to the header; absent: not fitted.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Gpio {
    pub buzzer: Option<u8>,
    /// `active` (sounds when powered) or `passive` (needs a PWM tone).
    pub buzzer_kind: Option<String>,
    pub led_green: Option<u8>,
    pub led_red: Option<u8>,
    pub door_relay: Option<u8>,
    pub motion_sensor: Option<u8>,
}

impl Gpio {
    /// Every fitted function with its pin, outputs first.
    pub fn pins(&self) -> Vec<(&'static str, u8)> {
        [
            ("buzzer", self.buzzer),
            ("led_green", self.led_green),
            ("led_red", self.led_red),
            ("door_relay", self.door_relay),
            ("motion_sensor", self.motion_sensor),
        ]
        .into_iter()
        .filter_map(|(name, pin)| pin.map(|p| (name, p)))
        .collect()
    }

    fn outputs(&self) -> Vec<u8> {
        self.pins()
            .into_iter()
            .filter(|(name, _)| *name != "motion_sensor")
            .map(|(_, p)| p)
            .collect()
    }

    pub fn passive_buzzer(&self) -> bool {
        self.buzzer_kind.as_deref() == Some("passive")
    }
}

/// A USB scanner or card reader, by its USB vendor and product id (as
/// `lsusb` shows them, hex).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// `hid_scanner` (keyboard mode), `serial_scanner` (USB-CDC) or `card_reader` (PC/SC, CCID).
    pub kind: String,
    pub vendor: String,
    pub product: String,
}

const DEVICE_KINDS: [&str; 3] = ["hid_scanner", "serial_scanner", "card_reader"];

/// The profiles that ship with the tool, by name.
pub const BUILTIN: [(&str, &str); 5] = [
    ("rpi4b-hdmi", include_str!("../profiles/rpi4b-hdmi.toml")),
    (
        "rpi3bplus-dsi7",
        include_str!("../profiles/rpi3bplus-dsi7.toml"),
    ),
    (
        "rpi5-portrait",
        include_str!("../profiles/rpi5-portrait.toml"),
    ),
    (
        "rpizero2w-hdmi",
        include_str!("../profiles/rpizero2w-hdmi.toml"),
    ),
    ("x86-minipc", include_str!("../profiles/x86-minipc.toml")),
];

impl Profile {
    pub fn parse(text: &str) -> anyhow::Result<Profile> {
        toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// A built-in profile by name, or a profile file by path.
    pub fn load(name_or_path: &str) -> anyhow::Result<Profile> {
        if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Profile::parse(text)
                .with_context(|| format!("built-in profile {name_or_path}"));
        }
        let text = std::fs::read_to_string(name_or_path).with_context(|| {
            let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
            format!(
                "{name_or_path} is neither a built-in profile ({}) nor a readable file",
                names.join(", ")
            )
        })?;
        Profile::parse(&text).with_context(|| format!("{name_or_path} is not a valid profile"))
    }

    /// Every problem with the profile, each in a sentence a technician can
    /// act on; empty when the profile is good.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let Some(board) = Board::from_code(&self.board) else {
            out.push(format!(
                "board {:?} is unknown; use one of: {}",
                self.board,
                Board::ALL.map(|b| b.code()).join(", ")
            ));
            return out;
        };
        let d = &self.display;
        if d.output != AUTO_OUTPUT && !board.outputs().contains(&d.output.as_str()) {
            out.push(format!(
                "display output {:?} does not exist on the {}; it has {} (or \"auto\": the first connected)",
                d.output,
                board.name(),
                board.outputs().join(", ")
            ));
        }
        if !(320..=7680).contains(&d.width) || !(240..=4320).contains(&d.height) {
            out.push(format!(
                "display size {}x{} is not a screen size (320x240 to 7680x4320)",
                d.width, d.height
            ));
        }
        if ![0, 90, 180, 270].contains(&d.rotation) {
            out.push(format!(
                "display rotation {} must be 0, 90, 180 or 270",
                d.rotation
            ));
        }
        self.gpio_problems(board, &mut out);
        self.image_problems(&mut out);
        let mut seen = BTreeMap::new();
        for (i, dev) in self.devices.iter().enumerate() {
            let n = i + 1;
            if !DEVICE_KINDS.contains(&dev.kind.as_str()) {
                out.push(format!(
                    "device {n}: kind {:?} is unknown; use one of: {}",
                    dev.kind,
                    DEVICE_KINDS.join(", ")
                ));
            }
            for (what, id) in [("vendor", &dev.vendor), ("product", &dev.product)] {
                if !is_usb_id(id) {
                    out.push(format!(
                        "device {n}: {what} id {id:?} must be 4 hex digits, as lsusb shows it (e.g. 0c2e)"
                    ));
                }
            }
            let key = (
                dev.vendor.to_ascii_lowercase(),
                dev.product.to_ascii_lowercase(),
            );
            if let Some(first) = seen.insert(key, n) {
                out.push(format!(
                    "devices {first} and {n} are the same USB model ({}:{}); two of one model cannot be told apart by a rule, list it once",
                    dev.vendor, dev.product
                ));
            }
        }
        out
    }

    fn image_problems(&self, out: &mut Vec<String>) {
        let i = &self.image;
        for server in &i.ntp {
            if server.is_empty()
                || server.len() > 253
                || !server
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:".contains(&b))
            {
                out.push(format!(
                    "image: time server {server:?} is not a host name or an address"
                ));
            }
        }
        for (key, value) in &self.kiosk {
            if WRITTEN_SETTINGS.contains(&key.as_str()) {
                out.push(format!(
                    "kiosk: {key} is written from the profile's devices and gpio; leave it out of [kiosk]"
                ));
            } else if !key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                out.push(format!("kiosk: {key:?} is not a kiosk.toml setting"));
            } else if value.is_table() {
                out.push(format!("kiosk: {key} must be a value, not a table"));
            }
        }
        if i.ssh && i.ssh_keys.is_empty() {
            out.push(
                "image: ssh is on but ssh_keys is empty; with passwords off nobody could log in"
                    .into(),
            );
        }
        if !i.ssh && !i.ssh_keys.is_empty() {
            out.push("image: ssh_keys are given but ssh is off; set ssh = true".into());
        }
        for (n, key) in i.ssh_keys.iter().enumerate() {
            let mut parts = key.split_whitespace();
            let good = matches!(
                (parts.next(), parts.next()),
                (Some(kind), Some(body))
                    if (kind.starts_with("ssh-") || kind.starts_with("ecdsa-") || kind.starts_with("sk-"))
                        && body.len() >= 16
                        && body.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
            ) && !key.contains('\n');
            if !good {
                out.push(format!(
                    "image: ssh key {} is not a public key line (\"ssh-ed25519 AAAA… comment\")",
                    n + 1
                ));
            }
        }
    }

    fn gpio_problems(&self, board: Board, out: &mut Vec<String>) {
        let g = &self.gpio;
        let pins = g.pins();
        let Some(facts) = board.gpio() else {
            if !pins.is_empty() {
                out.push(format!(
                    "the {} has no GPIO header; remove the [gpio] pins ({})",
                    board.name(),
                    pins.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ));
            }
            return;
        };
        let mut used: BTreeMap<u8, &str> = BTreeMap::new();
        for (name, pin) in &pins {
            if *pin > facts.highest {
                out.push(format!(
                    "{name} on GPIO{pin}: the {} header has GPIO0 to GPIO{}",
                    board.name(),
                    facts.highest
                ));
                continue;
            }
            if let Some((_, why)) = facts.reserved.iter().find(|(p, _)| p == pin) {
                out.push(format!("{name} on GPIO{pin}: that pin is kept for {why}"));
            }
            if let Some(other) = used.insert(*pin, name) {
                out.push(format!("{name} and {other} are both on GPIO{pin}"));
            }
        }
        match (g.buzzer, g.buzzer_kind.as_deref()) {
            (Some(_), None) => {
                out.push("buzzer_kind must say \"active\" or \"passive\"".into());
            }
            (_, Some(k)) if k != "active" && k != "passive" => {
                out.push(format!(
                    "buzzer_kind {k:?} must be \"active\" or \"passive\""
                ));
            }
            (None, Some(_)) => out.push("buzzer_kind is set but no buzzer pin".into()),
            _ => {}
        }
        if let (Some(pin), true) = (g.buzzer, g.passive_buzzer())
            && board.pwm_function(pin).is_none()
        {
            out.push(format!(
                "a passive buzzer needs a hardware PWM pin; GPIO{pin} is not one on the {} (use {})",
                board.name(),
                facts
                    .pwm
                    .iter()
                    .map(|(p, _, _)| format!("GPIO{p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }

    /// The checked profile, or every problem at once.
    pub fn validated(self) -> anyhow::Result<Checked> {
        let problems = self.problems();
        if !problems.is_empty() {
            anyhow::bail!(
                "the profile has {} problem{}:\n  - {}",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" },
                problems.join("\n  - ")
            );
        }
        let board = Board::from_code(&self.board).context("board checked above")?;
        Ok(Checked {
            board,
            profile: self,
        })
    }
}

fn is_usb_id(s: &str) -> bool {
    s.len() == 4 && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// A profile that passed every check, with its board.
#[derive(Debug, Clone)]
pub struct Checked {
    pub board: Board,
    pub profile: Profile,
}

/// One file for the board: its path under the board's root, and contents.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub path: String,
    pub contents: String,
}

impl Checked {
    /// Every file the board needs, in a fixed order.
    pub fn render(&self) -> Vec<File> {
        let mut files = Vec::new();
        if self.board.is_raspberry_pi() {
            files.push(File {
                path: "boot/firmware/config.txt.youth-kiosk".into(),
                contents: self.config_txt(),
            });
            files.push(File {
                path: "boot/firmware/cmdline.txt.youth-kiosk".into(),
                contents: self.cmdline_args() + "\n",
            });
        } else {
            files.push(File {
                path: "etc/default/grub.d/youth-kiosk.cfg".into(),
                contents: format!(
                    "# Written by firmware-config. Run update-grub after changing it.\n\
                     GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT {}\"\n",
                    self.cmdline_args()
                ),
            });
        }
        files.push(File {
            path: "etc/udev/rules.d/70-youth-kiosk.rules".into(),
            contents: self.udev_rules(),
        });
        files.push(File {
            path: "etc/systemd/system/youth-kiosk.service.d/display.conf".into(),
            contents: self.display_dropin(),
        });
        files.push(File {
            path: format!("{KIOSK_DATA}/kiosk.toml"),
            contents: self.kiosk_toml(),
        });
        files.extend(lockdown(&self.header()));
        if !self.profile.image.ntp.is_empty() {
            files.push(File {
                path: "etc/systemd/timesyncd.conf.d/youth-kiosk.conf".into(),
                contents: format!(
                    "{}# The network's own time servers.\n[Time]\nNTP={}\n",
                    self.header(),
                    self.profile.image.ntp.join(" ")
                ),
            });
        }
        if self.profile.image.ssh {
            files.push(File {
                path: "etc/ssh/sshd_config.d/youth-kiosk.conf".into(),
                contents: format!(
                    "{}# SSH for a technician: root, with the profile's keys only.\n\
                     PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                     PermitRootLogin prohibit-password\n\
                     AuthorizedKeysFile /etc/ssh/authorized_keys/%u\n",
                    self.header()
                ),
            });
            files.push(File {
                path: "etc/ssh/authorized_keys/root".into(),
                contents: self.profile.image.ssh_keys.join("\n") + "\n",
            });
        }
        files
    }

    fn header(&self) -> String {
        format!(
            "# Written by firmware-config from the {} profile{}.\n",
            self.board.name(),
            if self.profile.description.is_empty() {
                String::new()
            } else {
                format!(" \"{}\"", self.profile.description)
            }
        )
    }

    /// Lines to append to the Pi's `config.txt`.
    pub fn config_txt(&self) -> String {
        let g = &self.profile.gpio;
        let mut s = self.header();
        s.push_str("# Append to /boot/firmware/config.txt.\n[all]\n");
        s.push_str("# The KMS display driver: the kiosk draws straight to the screen.\n");
        s.push_str(
            "dtoverlay=vc4-kms-v3d\nmax_framebuffers=2\ndisable_overscan=1\ndisable_splash=1\n",
        );
        if self.profile.display.output.starts_with("DSI") {
            s.push_str("# The official 7-inch DSI touchscreen.\ndtoverlay=vc4-kms-dsi-7inch\n");
        }
        if let (Some(pin), true) = (g.buzzer, g.passive_buzzer())
            && let Some(func) = self.board.pwm_function(pin)
        {
            let _ = writeln!(
                s,
                "# The passive buzzer's tone: hardware PWM on GPIO{pin}.\ndtoverlay=pwm,pin={pin},func={func}"
            );
            if self.board.audio_shares_pwm() {
                s.push_str(
                    "# The analogue audio jack uses the same PWM block.\ndtparam=audio=off\n",
                );
            }
        }
        let mut outputs = g.outputs();
        if g.passive_buzzer()
            && let Some(b) = g.buzzer
        {
            outputs.retain(|p| *p != b);
        }
        if !outputs.is_empty() {
            let list: Vec<String> = outputs.iter().map(u8::to_string).collect();
            let _ = writeln!(
                s,
                "# Buzzer, lights and relay off from power-on, before the kiosk starts.\ngpio={}=op,dl",
                list.join(",")
            );
        }
        if let Some(pin) = g.motion_sensor {
            let _ = writeln!(
                s,
                "# The motion sensor: an input, pulled down while nobody moves.\ngpio={pin}=ip,pd"
            );
        }
        s
    }

    /// Kernel command-line arguments: the display mode, no console cursor.
    pub fn cmdline_args(&self) -> String {
        let d = &self.profile.display;
        let on = if d.output == AUTO_OUTPUT {
            String::new()
        } else {
            format!("{}:", d.output)
        };
        format!(
            "video={on}{}x{}@60 vt.global_cursor_default=0 quiet",
            d.width, d.height
        )
    }

    /// udev rules: stable names and access for the scanners, access for
    /// the card reader through pcscd, the touch panel's calibration.
    pub fn udev_rules(&self) -> String {
        let mut s = self.header();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for dev in &self.profile.devices {
            let n = counts.entry(dev.kind.as_str()).or_default();
            let (v, p) = (
                dev.vendor.to_ascii_lowercase(),
                dev.product.to_ascii_lowercase(),
            );
            match dev.kind.as_str() {
                "hid_scanner" => {
                    let _ = writeln!(
                        s,
                        "# USB scanner in keyboard mode ({v}:{p}): the kiosk takes it over by this name.\n\
                         SUBSYSTEM==\"input\", KERNEL==\"event*\", ENV{{ID_VENDOR_ID}}==\"{v}\", ENV{{ID_MODEL_ID}}==\"{p}\", ENV{{ID_INPUT_KEYBOARD}}==\"1\", SYMLINK+=\"youth-kiosk/hid-scanner-{n}\", GROUP=\"{KIOSK_USER}\", MODE=\"0660\""
                    );
                }
                "serial_scanner" => {
                    let _ = writeln!(
                        s,
                        "# USB serial scanner ({v}:{p}).\n\
                         SUBSYSTEM==\"tty\", ENV{{ID_VENDOR_ID}}==\"{v}\", ENV{{ID_MODEL_ID}}==\"{p}\", SYMLINK+=\"youth-kiosk/serial-scanner-{n}\", GROUP=\"{KIOSK_USER}\", MODE=\"0660\""
                    );
                }
                _ => {
                    let _ = writeln!(
                        s,
                        "# Card reader ({v}:{p}): pcscd talks to it; keep the kernel's NFC drivers off it.\n\
                         SUBSYSTEM==\"usb\", ATTRS{{idVendor}}==\"{v}\", ATTRS{{idProduct}}==\"{p}\", ENV{{ID_SMARTCARD_READER}}=\"1\""
                    );
                }
            }
            *n += 1;
        }
        let d = &self.profile.display;
        if d.output.starts_with("DSI") || d.output.starts_with("eDP") {
            let _ = writeln!(
                s,
                "# The panel's backlight: the kiosk turns it off outside screen_hours.\n\
                 SUBSYSTEM==\"backlight\", RUN+=\"/bin/chgrp {KIOSK_USER} /sys%p/bl_power /sys%p/brightness\", RUN+=\"/bin/chmod g+w /sys%p/bl_power /sys%p/brightness\""
            );
        }
        if !d.touch.is_empty() {
            let _ = writeln!(
                s,
                "# The touch panel turns with the picture ({}°).\n\
                 SUBSYSTEM==\"input\", ATTRS{{name}}==\"{}\", ENV{{LIBINPUT_CALIBRATION_MATRIX}}=\"{}\"",
                d.rotation,
                d.touch.replace('"', ""),
                calibration_matrix(d.rotation)
            );
        }
        s
    }

    /// The kiosk service's display settings (Slint's linuxkms backend).
    pub fn display_dropin(&self) -> String {
        let d = &self.profile.display;
        let output = if d.output == AUTO_OUTPUT {
            String::new()
        } else {
            format!("Environment=SLINT_DRM_OUTPUT={}\n", d.output)
        };
        format!(
            "{}[Service]\nEnvironment=SLINT_BACKEND=linuxkms-software\n{output}Environment=SLINT_KMS_ROTATION={}\n",
            self.header(),
            d.rotation
        )
    }

    /// The kiosk's own settings for this board.
    pub fn kiosk_toml(&self) -> String {
        let mut s = self.header();
        s.push_str("# The kiosk's other settings keep their defaults; see `kiosk --help`.\n");
        let mut hid = Vec::new();
        let mut serial = Vec::new();
        let mut readers = false;
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for dev in &self.profile.devices {
            let n = counts.entry(dev.kind.as_str()).or_default();
            match dev.kind.as_str() {
                "hid_scanner" => hid.push(format!("\"/dev/youth-kiosk/hid-scanner-{n}\"")),
                "serial_scanner" => {
                    serial.push(format!("\"/dev/youth-kiosk/serial-scanner-{n}\""));
                }
                _ => readers = true,
            }
            *n += 1;
        }
        let _ = writeln!(s, "fullscreen = true");
        let _ = writeln!(s, "hid_scanners = [{}]", hid.join(", "));
        let _ = writeln!(s, "serial_scanners = [{}]", serial.join(", "));
        let _ = writeln!(
            s,
            "card_readers = \"{}\"",
            if readers { "all" } else { "none" }
        );
        if !self.profile.kiosk.is_empty() {
            s.push_str("\n# This board's own settings (the profile's [kiosk]).\n");
            for (key, value) in &self.profile.kiosk {
                let _ = writeln!(s, "{key} = {value}");
            }
        }
        let g = &self.profile.gpio;
        if !g.pins().is_empty() {
            s.push_str("\n# Buzzer, lights and door relay (BCM GPIO numbers).\n[signals]\nbackend = \"gpio\"\n");
            for (name, pin) in g.pins() {
                let _ = writeln!(s, "{name} = {pin}");
            }
            if let Some(kind) = &g.buzzer_kind {
                let _ = writeln!(s, "buzzer_kind = \"{kind}\"");
            }
        }
        s
    }
}

/// libinput's calibration matrix for a touch panel whose picture is turned
/// clockwise by `degrees`.
/// No way from the screen to a shell: no login prompt on any other console
/// (Ctrl+Alt+F2 shows a blank screen), no magic SysRq keys, and
/// Ctrl+Alt+Del does nothing (a reboot would only bring the kiosk back, but
/// a youth should not be able to cause one). The kiosk itself refuses close
/// requests, and systemd restarts it if it ends.
fn lockdown(header: &str) -> Vec<File> {
    vec![
        File {
            path: "etc/systemd/logind.conf.d/youth-kiosk.conf".into(),
            contents: format!(
                "{header}# No getty on the other consoles: switching to one shows no login.\n\
                 [Login]\nNAutoVTs=0\nReserveVT=0\n"
            ),
        },
        File {
            path: "etc/sysctl.d/90-youth-kiosk.conf".into(),
            contents: format!(
                "{header}# No magic SysRq keys from a plugged-in keyboard.\nkernel.sysrq = 0\n"
            ),
        },
        File {
            path: "etc/systemd/system.conf.d/youth-kiosk.conf".into(),
            contents: format!(
                "{header}# Ctrl+Alt+Del pressed seven times in two seconds: nothing either.\n\
                 [Manager]\nCtrlAltDelBurstAction=none\n"
            ),
        },
        File {
            // Overrides the packaged unit, which is an alias of reboot.target.
            path: "etc/systemd/system/ctrl-alt-del.target".into(),
            contents: format!(
                "{header}# Ctrl+Alt+Del does nothing on a kiosk.\n\
                 [Unit]\nDescription=Ctrl+Alt+Del (ignored on a youth center kiosk)\n"
            ),
        },
    ]
}

pub fn calibration_matrix(degrees: u32) -> &'static str {
    match degrees {
        90 => "0 -1 1 1 0 0",
        180 => "-1 0 1 0 -1 1",
        270 => "0 1 0 -1 0 1",
        _ => "1 0 0 0 1 0",
    }
}

/// Writes every file of `checked` under `root`, plus the enrollment the
/// kiosk performs on its first boot with network (`enroll.toml`, removed
/// once used). Returns the paths written, relative to `root`.
pub fn provision(
    checked: &Checked,
    hub: &str,
    code: &str,
    root: &Path,
) -> anyhow::Result<Vec<String>> {
    let mut files = checked.render();
    files.push(File {
        path: format!("{KIOSK_DATA}/enroll.toml"),
        contents: enrollment(hub, code)?,
    });
    write_files(files, root)
}

/// The enrollment file a new kiosk reads on its first boot (on an image
/// built by `scripts/build-image.sh`: `youth-kiosk-enroll.toml` on the boot
/// partition).
pub fn enrollment(hub: &str, code: &str) -> anyhow::Result<String> {
    anyhow::ensure!(
        hub.starts_with("https://") || hub.starts_with("http://"),
        "the hub's address must start with https:// (or http:// on a private network), not {hub:?}"
    );
    anyhow::ensure!(
        !hub.contains(['"', '\\', '\n', ' ']),
        "the hub's address {hub:?} has characters an address cannot have"
    );
    let code = code.trim();
    anyhow::ensure!(
        !code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
        "the enrollment code {code:?} is not one the hub gives (letters, digits and dashes)"
    );
    Ok(format!(
        "# The center's one-time enrollment code; the kiosk uses it on its\n\
         # first boot with a network and then deletes this file.\n\
         hub = \"{hub}\"\ncode = \"{code}\"\n"
    ))
}

/// Writes `files` under `root`; the paths written, relative to `root`.
pub fn write_files(files: Vec<File>, root: &Path) -> anyhow::Result<Vec<String>> {
    let mut written = Vec::new();
    for f in files {
        let path = root.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&path, &f.contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(f.path);
    }
    Ok(written)
}
