//! A new board, provisioned by a technician: `firmware-config provision`
//! writes its files and the center's one-time code; on first boot the kiosk
//! enrolls from that file over real HTTP and deletes it.

use e2e::{Hub, bin, hub_cmd, kiosk_cmd, run, stdout};
use std::process::Command;

#[test]
fn a_provisioned_board_enrolls_from_its_file_once_and_the_code_is_spent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "城东街道青年之家"]);
    let code = hub(&["enroll-code", "--center", &center]);
    let server = Hub::start(&hub_data, "127.0.0.1:0");

    // What a technician runs for a new board's card.
    let provision = |out: &std::path::Path| {
        run(Command::new(bin("firmware-config"))
            .args([
                "provision",
                "rpi4b-hdmi",
                "--hub",
                &server.url,
                "--code",
                &code,
                "--out",
            ])
            .arg(out))
    };
    let root = dir.path().join("sdcard");
    let out = provision(&root);
    let written = stdout(&out);
    assert_eq!(written.lines().count(), 10, "{written}");
    let data = root.join("var/lib/youth-kiosk");
    let file = data.join("enroll.toml");
    assert!(file.exists());

    // First boot.
    run(kiosk_cmd(&data).arg("enroll").arg("--from").arg(&file));
    assert!(
        !file.exists(),
        "the single-use code must not stay on the card"
    );
    let status: serde_json::Value =
        serde_json::from_str(&stdout(&run(kiosk_cmd(&data).args(["status", "--json"]))))
            .expect("json");
    assert_eq!(status["hub_url"], server.url.as_str(), "{status}");
    let devices = hub(&["device", "list"]);
    assert_eq!(
        devices.lines().filter(|l| l.contains(&center)).count(),
        1,
        "{devices}"
    );

    // The same card image copied to a second board: the code is spent.
    let copy = dir.path().join("copy");
    provision(&copy);
    let copy_data = copy.join("var/lib/youth-kiosk");
    let out = kiosk_cmd(&copy_data)
        .arg("enroll")
        .arg("--from")
        .arg(copy_data.join("enroll.toml"))
        .output()
        .expect("spawn");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("enrollment with"), "{err}");
    // Kept, so a technician can see what was tried and put a fresh code in.
    assert!(copy_data.join("enroll.toml").exists());

    // A board already enrolled just drops a stale file.
    std::fs::write(
        &file,
        format!("hub = \"{}\"\ncode = \"{code}\"\n", server.url),
    )
    .expect("write");
    let out = run(kiosk_cmd(&data).arg("enroll").arg("--from").arg(&file));
    assert!(
        stdout(&out).starts_with("already enrolled with"),
        "{}",
        stdout(&out)
    );
    assert!(!file.exists());
}
