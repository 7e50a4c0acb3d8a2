//! Cards and printed member cards, through the real hub and kiosk binaries.

use e2e::{Hub, headless, hub_cmd, kiosk_cmd, outcomes, report_today, run, stdout};

fn zbar(png: &std::path::Path) -> String {
    stdout(&run(std::process::Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(png)))
}

#[test]
fn cards_and_printed_cards_check_in_and_replaced_or_revoked_ones_do_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let kiosk_data = dir.path().join("kiosk");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "城东街道青年之家"]);
    let add = |name: &str| hub(&["member", "add", "--center", &center, "--name", name]);
    let (m1, m2, m3) = (add("林小雨"), add("陈思远"), add("周可欣"));
    assert!(hub(&["member", "bind-card", "--id", &m1, "--uid", "04:a1:b2:c3"]).contains("bound"));
    let code = hub(&["enroll-code", "--center", &center]);
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    run(kiosk_cmd(&kiosk_data).args(["enroll", "--hub", &server.url, "--code", &code]));

    // A printed card, read back by a real QR decoder.
    let png1 = dir.path().join("card1.png");
    let card1 = hub(&[
        "member",
        "qr",
        "--id",
        &m2,
        "--out",
        &png1.to_string_lossy(),
    ]);
    assert!(card1.starts_with("YC2"), "{card1}");
    assert_eq!(zbar(&png1), card1);
    let m3_token = hub(&["member", "token", "--id", &m3, "--ttl", "600"]);

    let got = headless(
        &kiosk_data,
        &[
            "card:04A1B2C3",
            "card:0102030405",
            "card:04A1",
            card1.as_str(),
        ],
        &[],
    );
    assert_eq!(
        outcomes(&got),
        vec![
            "welcome",
            "refused:unbound_card",
            "refused:garbled",
            "welcome"
        ]
    );
    assert_eq!(got[0]["name"], "林同学");
    assert_eq!(got[3]["name"], "陈同学");

    // A new card replaces the old one; revoking a member stops their codes.
    let png2 = dir.path().join("card2.png");
    let card2 = hub(&[
        "member",
        "qr",
        "--id",
        &m2,
        "--out",
        &png2.to_string_lossy(),
    ]);
    hub(&["member", "revoke", "--id", &m3]);
    run(kiosk_cmd(&kiosk_data).arg("sync"));
    let got = headless(
        &kiosk_data,
        &[card1.as_str(), m3_token.as_str(), m3.as_str()],
        &[],
    );
    assert_eq!(
        outcomes(&got),
        vec![
            "refused:card_replaced",
            "refused:inactive_member",
            "refused:inactive_member"
        ]
    );
    // card2 is welcomed (as a repeat: m2 checked in minutes ago with card1).
    let got = headless(&kiosk_data, &[zbar(&png2).as_str()], &[]);
    assert_eq!(outcomes(&got), vec!["repeat"]);

    // A card bound at the hub later reaches the kiosk with the next sync.
    hub(&[
        "member",
        "bind-card",
        "--id",
        &m2,
        "--uid",
        "A1B2C3D4E5F607",
    ]);
    run(kiosk_cmd(&kiosk_data).arg("sync"));
    let got = headless(&kiosk_data, &["card:A1B2C3D4E5F607"], &[]);
    assert_eq!(outcomes(&got), vec!["repeat"]);
    assert_eq!(got[0]["name"], "陈同学");

    // The kiosk's files hold no clear UID, no token and no full name.
    for entry in std::fs::read_dir(&kiosk_data).expect("kiosk dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        for secret in ["04a1b2c3", "a1b2c3d4e5f607", "林小雨", "陈思远", "周可欣"] {
            assert!(
                !text.contains(secret),
                "{} contains {secret}",
                path.display()
            );
        }
        for token in [&card1, &card2, &m3_token] {
            assert!(
                !text.contains(&token.to_lowercase()),
                "{} contains a token",
                path.display()
            );
        }
    }

    let sheet = dir.path().join("cards.html");
    let said = hub(&[
        "member",
        "card-sheet",
        "--center",
        &center,
        "--out",
        &sheet.to_string_lossy(),
    ]);
    assert_eq!(
        said,
        format!("2 cards written to {}", sheet.display()),
        "revoked members get no card"
    );
    let html = std::fs::read_to_string(&sheet).expect("sheet");
    assert!(html.contains("林同学") && !html.contains("林小雨"));
}

#[test]
fn a_card_bound_at_one_kiosk_reaches_the_hub_and_the_centers_other_kiosk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "青年之家"]);
    let member = hub(&["member", "add", "--center", &center, "--name", "黄子轩"]);
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let kiosk = |name: &str| {
        let data = dir.path().join(name);
        let code = hub(&["enroll-code", "--center", &center]);
        run(kiosk_cmd(&data).args(["enroll", "--hub", &server.url, "--code", &code]));
        data
    };
    let (a, b) = (kiosk("door"), kiosk("hall"));

    let said = stdout(&run(kiosk_cmd(&a).args([
        "bind-card",
        "--uid",
        "5566778899AABB",
        "--member",
        &member,
    ])));
    assert!(said.contains("黄同学"), "{said}");
    // Works at once where it was bound, before any sync.
    assert_eq!(
        outcomes(&headless(
            &a,
            &["card:5566778899AABB"],
            &["--no-final-sync"]
        )),
        vec!["welcome"]
    );
    // Not yet known at the other kiosk.
    assert_eq!(
        outcomes(&headless(
            &b,
            &["card:5566778899AABB"],
            &["--no-final-sync"]
        )),
        vec!["refused:unbound_card"]
    );
    run(kiosk_cmd(&a).arg("sync"));
    run(kiosk_cmd(&b).arg("sync"));
    let got = headless(&b, &["card:5566778899AABB"], &[]);
    assert_eq!(outcomes(&got), vec!["welcome"]);
    assert_eq!(got[0]["name"], "黄同学");
    // The binding is not a visit: only check-ins of the one member count.
    let r = report_today(&hub_data, &center);
    assert_eq!(r["total"], r["members"], "{r}");
    assert_eq!(r["distinct_members"], 1, "{r}");
}
