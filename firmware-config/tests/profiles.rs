//! The validator's errors, and the rendered files against what the boards
//! expect.

use firmware_config::{BUILTIN, Profile};

fn profile(text: &str) -> Profile {
    Profile::parse(text).expect("parses")
}

const GOOD: &str = r#"
board = "rpi4b"
[display]
output = "HDMI-A-1"
width = 1920
height = 1080
[gpio]
buzzer = 18
buzzer_kind = "passive"
led_green = 23
led_red = 24
door_relay = 25
motion_sensor = 4
[[device]]
kind = "hid_scanner"
vendor = "0C2E"
product = "0b61"
"#;

#[test]
fn every_builtin_profile_is_good_and_renders() {
    for (name, text) in BUILTIN {
        let p = profile(text);
        assert_eq!(p.problems(), Vec::<String>::new(), "{name}");
        let files = p.validated().expect(name).render();
        assert!(
            files
                .iter()
                .any(|f| f.path == "var/lib/youth-kiosk/kiosk.toml"),
            "{name}"
        );
    }
}

#[test]
fn a_good_profile_has_no_problems() {
    assert!(profile(GOOD).problems().is_empty());
}

#[test]
fn clashing_reserved_and_out_of_range_pins_are_each_named() {
    let p = profile(
        &GOOD
            .replace("led_red = 24", "led_red = 23")
            .replace("door_relay = 25", "door_relay = 2")
            .replace("motion_sensor = 4", "motion_sensor = 40"),
    );
    let problems = p.problems();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems.contains(&"led_red and led_green are both on GPIO23".to_string()),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|e| e.starts_with("door_relay on GPIO2: that pin is kept for I2C")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|e| e
            == "motion_sensor on GPIO40: the Raspberry Pi 4 Model B header has GPIO0 to GPIO27"),
        "{problems:#?}"
    );
    // All problems at once, in one error.
    let err = format!("{:#}", p.validated().expect_err("bad"));
    assert!(err.starts_with("the profile has 3 problems:"), "{err}");
}

#[test]
fn a_passive_buzzer_needs_a_pwm_pin_and_the_kind_must_be_known() {
    let p = profile(&GOOD.replace("buzzer = 18", "buzzer = 17"));
    assert_eq!(
        p.problems(),
        [
            "a passive buzzer needs a hardware PWM pin; GPIO17 is not one on the Raspberry Pi 4 Model B (use GPIO12, GPIO13, GPIO18, GPIO19)"
        ]
    );
    let p = profile(&GOOD.replace("\"passive\"", "\"loud\""));
    assert_eq!(
        p.problems(),
        ["buzzer_kind \"loud\" must be \"active\" or \"passive\""]
    );
    let p = profile(&GOOD.replace("buzzer_kind = \"passive\"\n", ""));
    assert_eq!(
        p.problems(),
        ["buzzer_kind must say \"active\" or \"passive\""]
    );
}

#[test]
fn boards_displays_and_devices_that_do_not_exist_are_refused() {
    let p = profile(&GOOD.replace("rpi4b", "rpi6"));
    assert!(p.problems()[0].starts_with("board \"rpi6\" is unknown; use one of: rpi3bplus, rpi4b"));
    // The Zero 2 W has no DSI connector.
    let p = profile(
        &GOOD
            .replace("rpi4b", "rpizero2w")
            .replace("HDMI-A-1", "DSI-1")
            .replace("passive", "active"),
    );
    assert_eq!(
        p.problems(),
        [
            "display output \"DSI-1\" does not exist on the Raspberry Pi Zero 2 W; it has HDMI-A-1, Composite-1 (or \"auto\": the first connected)"
        ]
    );
    let p = profile(
        &GOOD
            .replace("width = 1920", "width = 19200")
            .replace("[gpio]", "[gpio]\n")
            .replace("height = 1080", "height = 1080\nrotation = 45"),
    );
    let problems = p.problems();
    assert!(
        problems.contains(
            &"display size 19200x1080 is not a screen size (320x240 to 7680x4320)".to_string()
        ),
        "{problems:#?}"
    );
    assert!(
        problems.contains(&"display rotation 45 must be 0, 90, 180 or 270".to_string()),
        "{problems:#?}"
    );
    let p = profile(
        &GOOD
            .replace("hid_scanner", "barcode_gun")
            .replace("0b61", "b61"),
    );
    assert_eq!(
        p.problems(),
        [
            "device 1: kind \"barcode_gun\" is unknown; use one of: hid_scanner, serial_scanner, card_reader",
            "device 1: product id \"b61\" must be 4 hex digits, as lsusb shows it (e.g. 0c2e)"
        ]
    );
    let twice = format!(
        "{GOOD}\n[[device]]\nkind = \"hid_scanner\"\nvendor = \"0c2e\"\nproduct = \"0B61\"\n"
    );
    assert!(profile(&twice).problems()[0].starts_with("devices 1 and 2 are the same USB model"));
    // Unknown keys are typos, not ignored.
    assert!(Profile::parse(&GOOD.replace("led_red", "led_blue")).is_err());
}

#[test]
fn an_x86_mini_pc_has_no_gpio_and_gets_grub_instead_of_config_txt() {
    let p = profile(&GOOD.replace("rpi4b", "x86"));
    assert_eq!(
        p.problems(),
        [
            "the x86 mini PC has no GPIO header; remove the [gpio] pins (buzzer, led_green, led_red, door_relay, motion_sensor)"
        ]
    );
    let x86 = profile(firmware_config::BUILTIN[4].1)
        .validated()
        .expect("good");
    let paths: Vec<String> = x86.render().into_iter().map(|f| f.path).collect();
    assert_eq!(
        paths,
        [
            "etc/default/grub.d/youth-kiosk.cfg",
            "etc/udev/rules.d/70-youth-kiosk.rules",
            "etc/systemd/system/youth-kiosk.service.d/display.conf",
            "var/lib/youth-kiosk/kiosk.toml",
            "etc/systemd/logind.conf.d/youth-kiosk.conf",
            "etc/sysctl.d/90-youth-kiosk.conf",
            "etc/systemd/system.conf.d/youth-kiosk.conf",
            "etc/systemd/system/ctrl-alt-del.target"
        ]
    );
    let grub = &x86.render()[0].contents;
    assert!(
        grub.contains(
            "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT video=DP-1:1920x1080@60"
        ),
        "{grub}"
    );
    assert!(!x86.kiosk_toml().contains("[signals]"));
}

#[test]
fn config_txt_sets_up_kms_pwm_and_safe_pin_states() {
    let c = profile(GOOD).validated().expect("good");
    let txt = c.config_txt();
    let lines: Vec<&str> = txt.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        [
            "[all]",
            "dtoverlay=vc4-kms-v3d",
            "max_framebuffers=2",
            "disable_overscan=1",
            "disable_splash=1",
            "dtoverlay=pwm,pin=18,func=2",
            "dtparam=audio=off",
            "gpio=23,24,25=op,dl",
            "gpio=4=ip,pd"
        ]
    );
    // The official 7-inch panel on a Pi 3 B+, an active buzzer driven low.
    let dsi = profile(BUILTIN[1].1).validated().expect("good");
    let txt = dsi.config_txt();
    assert!(txt.contains("\ndtoverlay=vc4-kms-dsi-7inch\n"), "{txt}");
    assert!(txt.contains("\ngpio=17,27,22=op,dl\n"), "{txt}");
    assert!(!txt.contains("pwm"), "{txt}");
    // Pi 5: no audio jack to switch off.
    let pi5 = profile(BUILTIN[2].1).validated().expect("good");
    assert!(pi5.config_txt().contains("\ndtoverlay=pwm,pin=12,func=4\n"));
    assert!(!pi5.config_txt().contains("audio"));
}

#[test]
fn udev_rules_name_the_devices_and_turn_the_touch_panel() {
    let pi5 = profile(BUILTIN[2].1).validated().expect("good");
    let rules = pi5.udev_rules();
    let lines: Vec<&str> = rules.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        [
            r#"SUBSYSTEM=="input", KERNEL=="event*", ENV{ID_VENDOR_ID}=="0c2e", ENV{ID_MODEL_ID}=="0b61", ENV{ID_INPUT_KEYBOARD}=="1", SYMLINK+="youth-kiosk/hid-scanner-0", GROUP="youth-kiosk", MODE="0660""#,
            r#"SUBSYSTEM=="usb", ATTRS{idVendor}=="072f", ATTRS{idProduct}=="2200", ENV{ID_SMARTCARD_READER}="1""#,
            r#"SUBSYSTEM=="input", ATTRS{name}=="ILITEK ILITEK-TP", ENV{LIBINPUT_CALIBRATION_MATRIX}="0 -1 1 1 0 0""#,
        ]
    );
    // Upside down: both axes flipped.
    let dsi = profile(BUILTIN[1].1).validated().expect("good");
    assert!(
        dsi.udev_rules()
            .contains(r#"ENV{LIBINPUT_CALIBRATION_MATRIX}="-1 0 1 0 -1 1""#)
    );
    assert!(dsi.udev_rules().contains(r#"SUBSYSTEM=="tty""#));
    // A panel with a backlight the kiosk may switch off at night.
    assert!(dsi.udev_rules().contains(
        r#"SUBSYSTEM=="backlight", RUN+="/bin/chgrp youth-kiosk /sys%p/bl_power /sys%p/brightness""#
    ));
    assert!(!pi5.udev_rules().contains("backlight"));
    assert_eq!(firmware_config::calibration_matrix(270), "0 1 0 -1 0 1");
}

#[test]
fn every_calibration_matrix_maps_the_panel_corners_onto_the_turned_picture() {
    // A touch at the panel's (x, y) in 0..1 must land where the picture,
    // turned clockwise, shows that point.
    for (deg, turn) in [
        (
            0u32,
            (|x: f64, y: f64| (x, y)) as fn(f64, f64) -> (f64, f64),
        ),
        (90, |x, y| (1.0 - y, x)),
        (180, |x, y| (1.0 - x, 1.0 - y)),
        (270, |x, y| (y, 1.0 - x)),
    ] {
        let m: Vec<f64> = firmware_config::calibration_matrix(deg)
            .split(' ')
            .map(|v| v.parse().expect("number"))
            .collect();
        for (x, y) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.25, 0.75)] {
            let got = (m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]);
            assert_eq!(got, turn(x, y), "{deg}° at ({x}, {y})");
        }
    }
}

#[test]
fn the_display_dropin_and_kiosk_settings_follow_the_profile() {
    let pi5 = profile(BUILTIN[2].1).validated().expect("good");
    let dropin = pi5.display_dropin();
    assert!(dropin.contains("\n[Service]\nEnvironment=SLINT_BACKEND=linuxkms-software\nEnvironment=SLINT_DRM_OUTPUT=HDMI-A-1\nEnvironment=SLINT_KMS_ROTATION=90\n"), "{dropin}");
    let toml = pi5.kiosk_toml();
    assert!(
        toml.contains("hid_scanners = [\"/dev/youth-kiosk/hid-scanner-0\"]\n"),
        "{toml}"
    );
    assert!(toml.contains("card_readers = \"all\"\n"), "{toml}");
    assert!(toml.contains("[signals]\nbackend = \"gpio\"\nbuzzer = 12\nled_green = 5\nled_red = 6\ndoor_relay = 26\nmotion_sensor = 16\nbuzzer_kind = \"passive\"\n"), "{toml}");
    assert_eq!(
        pi5.cmdline_args(),
        "video=HDMI-A-1:1920x1080@60 vt.global_cursor_default=0 quiet"
    );
}

#[test]
fn provisioning_writes_the_tree_and_the_enrollment_and_refuses_bad_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = profile(BUILTIN[0].1).validated().expect("good");
    let written =
        firmware_config::provision(&c, "https://hub.example.org", " K7QF-3M9X ", dir.path())
            .expect("provision");
    assert_eq!(written.len(), 10);
    let enroll = std::fs::read_to_string(dir.path().join("var/lib/youth-kiosk/enroll.toml"))
        .expect("enroll");
    assert!(
        enroll.contains("hub = \"https://hub.example.org\"\ncode = \"K7QF-3M9X\"\n"),
        "{enroll}"
    );
    assert!(
        dir.path()
            .join("boot/firmware/config.txt.youth-kiosk")
            .exists()
    );
    let err = firmware_config::provision(&c, "hub.example.org", "K7QF", dir.path())
        .expect_err("no scheme");
    assert!(format!("{err}").contains("must start with https://"));
    let err = firmware_config::provision(&c, "https://h", "K7QF\"; rm", dir.path())
        .expect_err("bad code");
    assert!(format!("{err}").contains("is not one the hub gives"));
}

#[test]
fn every_board_is_locked_down_against_a_plugged_in_keyboard() {
    for (name, text) in BUILTIN {
        let files = profile(text).validated().expect(name).render();
        let file = |path: &str| {
            files
                .iter()
                .find(|f| f.path == path)
                .unwrap_or_else(|| panic!("{name}: no {path}"))
                .contents
                .clone()
        };
        let logind = file("etc/systemd/logind.conf.d/youth-kiosk.conf");
        assert!(
            logind.contains("[Login]\nNAutoVTs=0\nReserveVT=0\n"),
            "{name}: {logind}"
        );
        let sysctl = file("etc/sysctl.d/90-youth-kiosk.conf");
        assert!(sysctl.lines().any(|l| l == "kernel.sysrq = 0"), "{name}");
        let system = file("etc/systemd/system.conf.d/youth-kiosk.conf");
        assert!(
            system.contains("[Manager]\nCtrlAltDelBurstAction=none\n"),
            "{name}"
        );
        // The target that Ctrl+Alt+Del starts pulls nothing in.
        let target = file("etc/systemd/system/ctrl-alt-del.target");
        for key in ["Wants", "Requires", "Alias", "OnSuccess", "SuccessAction"] {
            assert!(!target.contains(key), "{name}: {target}");
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ctrl-alt-del.target");
        std::fs::write(&path, &target).expect("write");
        let out = std::process::Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(&path)
            .output()
            .expect("systemd-analyze (apt install systemd)");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.trim().is_empty(),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn ssh_is_off_unless_the_profile_asks_and_then_takes_keys_only() {
    for (name, text) in BUILTIN {
        let files = profile(text).validated().expect(name).render();
        assert!(
            !files.iter().any(|f| f.path.starts_with("etc/ssh/")),
            "{name} has no SSH"
        );
    }
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHc2Zb9lJ5l0mVqK2m7b0z8oTx4h1oL2cVdS5t6K9Q2a technician";
    let on = profile(&format!(
        "{GOOD}[image]\nssh = true\nssh_keys = [\"{key}\"]\n"
    ));
    assert_eq!(on.problems(), Vec::<String>::new());
    let files = on.validated().expect("good").render();
    let conf = files
        .iter()
        .find(|f| f.path == "etc/ssh/sshd_config.d/youth-kiosk.conf")
        .expect("sshd drop-in");
    assert!(conf.contents.contains("PasswordAuthentication no"));
    let keys = files
        .iter()
        .find(|f| f.path == "etc/ssh/authorized_keys/root")
        .expect("keys");
    assert_eq!(keys.contents, format!("{key}\n"));

    let no_keys = profile(&format!("{GOOD}[image]\nssh = true\n"));
    assert!(no_keys.problems()[0].contains("nobody could log in"));
    let off = profile(&format!("{GOOD}[image]\nssh_keys = [\"{key}\"]\n"));
    assert!(off.problems()[0].contains("set ssh = true"));
    let bad = profile(&format!(
        "{GOOD}[image]\nssh = true\nssh_keys = [\"-----BEGIN OPENSSH PRIVATE KEY-----\"]\n"
    ));
    assert!(bad.problems()[0].contains("ssh key 1 is not a public key line"));
}

#[test]
fn the_enrollment_file_for_the_boot_partition_is_checked() {
    let text = firmware_config::enrollment("http://10.0.2.2:8080", "AB12-CD34").expect("good");
    assert!(text.ends_with("hub = \"http://10.0.2.2:8080\"\ncode = \"AB12-CD34\"\n"));
    let err = firmware_config::enrollment("https://hub\" evil", "AB12").expect_err("quote");
    assert!(format!("{err}").contains("characters an address cannot have"));
}

#[test]
fn an_auto_output_lets_the_kiosk_take_the_first_connected_screen() {
    let auto = profile(
        r#"
board = "x86"
[display]
output = "auto"
width = 1280
height = 800
"#,
    )
    .validated()
    .expect("good");
    let dropin = auto.display_dropin();
    assert!(!dropin.contains("SLINT_DRM_OUTPUT"), "{dropin}");
    assert!(
        dropin.contains("SLINT_BACKEND=linuxkms-software"),
        "{dropin}"
    );
    assert_eq!(
        auto.cmdline_args(),
        "video=1280x800@60 vt.global_cursor_default=0 quiet"
    );
    let typo = profile(
        r#"
board = "x86"
[display]
output = "Auto-1"
width = 1280
height = 800
"#,
    );
    assert!(typo.problems()[0].contains("(or \"auto\": the first connected)"));
}

#[test]
fn a_profile_names_its_time_servers_and_its_own_kiosk_settings() {
    let p = profile(&format!(
        "{GOOD}\n[image]\nntp = [\"ntp.county.example\", \"10.0.2.2\"]\n\
         [kiosk]\nscreen_hours = \"08:30-21:30\"\nupdate_quiet_minutes = 5\n"
    ));
    assert_eq!(p.problems(), Vec::<String>::new());
    let files = p.validated().expect("valid").render();
    let file = |path: &str| {
        files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.contents.clone())
            .unwrap_or_else(|| panic!("{path}"))
    };
    assert!(
        file("etc/systemd/timesyncd.conf.d/youth-kiosk.conf")
            .contains("[Time]\nNTP=ntp.county.example 10.0.2.2\n")
    );
    let kiosk = file("var/lib/youth-kiosk/kiosk.toml");
    assert!(
        kiosk.contains("screen_hours = \"08:30-21:30\"\nupdate_quiet_minutes = 5\n"),
        "{kiosk}"
    );
    // Before any table, so they stay top-level settings.
    let table = kiosk.find("[signals]").expect("signals");
    assert!(
        kiosk
            .find("update_quiet_minutes")
            .is_some_and(|i| i < table)
    );
    // Without servers, Debian's defaults: no file.
    let plain = profile(GOOD).validated().expect("valid").render();
    assert!(!plain.iter().any(|f| f.path.contains("timesyncd")));

    let bad = profile(&format!(
        "{GOOD}\n[image]\nntp = [\"pool ntp\"]\n[kiosk]\nfullscreen = false\n\
         Screen = 1\n[kiosk.voice]\nenabled = true\n"
    ));
    let problems = bad.problems().join("\n");
    for expected in [
        "time server \"pool ntp\" is not a host name",
        "fullscreen is written from the profile",
        "\"Screen\" is not a kiosk.toml setting",
        "voice is written from the profile",
    ] {
        assert!(problems.contains(expected), "{expected}: {problems}");
    }
}
