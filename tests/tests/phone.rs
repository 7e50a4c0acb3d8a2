//! A member's phone page, opened in a real browser (Debian's Chromium,
//! headless): its QR code decodes and checks the member in at a kiosk.

use std::path::Path;
use std::process::Command;

use e2e::{Hub, headless, hub_cmd, kiosk_cmd, run, stdout};

fn chromium(args: &[&str], profile: &Path) -> std::process::Output {
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("run chromium (Debian package chromium, installed by scripts/test.sh)");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn the_phone_page_shows_a_fresh_code_that_the_kiosk_accepts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let kiosk_data = dir.path().join("kiosk");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "城东街道青年之家"]);
    let member = hub(&["member", "add", "--center", &center, "--name", "林小雨"]);
    let code = hub(&["enroll-code", "--center", &center]);
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    run(kiosk_cmd(&kiosk_data).args(["enroll", "--hub", &server.url, "--code", &code]));
    let link = hub(&["member", "link", "--id", &member, "--base-url", &server.url]);
    assert!(link.starts_with(&format!("{}/m/", server.url)), "{link}");

    // What a phone shows: a 412×915 screen (a common cheap Android size).
    let shot = dir.path().join("phone.png");
    chromium(
        &[
            "--window-size=412,915",
            &format!("--screenshot={}", shot.display()),
            &link,
        ],
        &dir.path().join("profile1"),
    );
    let decoded = stdout(&run(Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(&shot)));
    assert!(decoded.starts_with("YC1"), "{decoded}");
    let got = headless(&kiosk_data, &[decoded.as_str()], &[]);
    assert_eq!(got[0]["outcome"], "welcome", "{}", got[0]);
    assert_eq!(got[0]["name"], "林同学");

    let dom = String::from_utf8_lossy(
        &chromium(&["--dump-dom", &link], &dir.path().join("profile2")).stdout,
    )
    .to_string();
    assert!(
        dom.contains("林同学") && !dom.contains("林小雨"),
        "the page shows the display name only"
    );
    assert!(dom.contains("城东街道青年之家"));

    // A new link replaces the old one; a revoked member's page says so.
    let link2 = hub(&["member", "link", "--id", &member, "--base-url", &server.url]);
    let old =
        String::from_utf8_lossy(&chromium(&["--dump-dom", &link], &dir.path().join("p3")).stdout)
            .to_string();
    assert!(old.contains("链接无效"), "{old}");
    hub(&["member", "revoke", "--id", &member]);
    let revoked =
        String::from_utf8_lossy(&chromium(&["--dump-dom", &link2], &dir.path().join("p4")).stdout)
            .to_string();
    assert!(revoked.contains("会员账号已停用"), "{revoked}");
}
