//! 上墙公布: the hub counts a center's month and signs it into the center's
//! content as month.json; the kiosk shows exactly those figures after its
//! next sync, and the center's own next publish keeps it.

use std::path::Path;

use e2e::{Hub, headless, hub_cmd, kiosk_cmd, run, stdout};

#[test]
fn the_hubs_month_reaches_the_kiosks_wall_as_signed_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let kiosk = dir.path().join("kiosk");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "城东街道青年之家"]);
    let member = hub(&["member", "add", "--center", &center, "--name", "林小雨"]);
    run(hub_cmd(&hub_data).args([
        "content",
        "init",
        "--root-key-out",
        &dir.path().join("root.pk8").display().to_string(),
    ]));
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let code = hub(&["enroll-code", "--center", &center]);
    run(kiosk_cmd(&kiosk).args(["enroll", "--hub", &server.url, "--code", &code]));
    // Three visits today: they are the month's so far.
    let got = headless(
        &kiosk,
        &[
            member.as_str(),
            "visitor from18_to24 sports",
            "visitor over35 leisure",
        ],
        &[],
    );
    assert_eq!(got.len(), 3);
    let sync = || {
        run(kiosk_cmd(&kiosk)
            .arg("sync")
            .env("KIOSK_CLOCK_SYNCHRONIZED", "1"))
    };
    sync();

    // The hub's figures, then signed (as `serve` does every day).
    let counted: serde_json::Value =
        serde_json::from_str(&hub(&["content", "month", "--center", &center, "--json"]))
            .expect("the month as JSON");
    assert_eq!(counted["visits"], 3, "{counted}");
    run(hub_cmd(&hub_data).args(["content", "month", "--center", &center]));
    sync();
    let status = e2e::kiosk_status(&kiosk);
    assert!(status["content_error"].is_null(), "{status}");
    let on_kiosk = |kiosk: &Path| -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(kiosk.join("content/current/month.json"))
                .expect("month.json on the kiosk"),
        )
        .expect("json")
    };
    assert_eq!(
        on_kiosk(&kiosk),
        counted,
        "the wall shows the hub's own figures"
    );

    // The center publishes its content: the month stays on the wall.
    let folder = dir.path().join("content");
    run(hub_cmd(&hub_data).args([
        "content",
        "default",
        "--center",
        &center,
        "--out",
        &folder.display().to_string(),
    ]));
    run(hub_cmd(&hub_data).args([
        "content",
        "publish",
        "--center",
        &center,
        "--from",
        &folder.display().to_string(),
    ]));
    assert!(
        !folder.join("month.json").exists(),
        "nothing is written into the folder given"
    );
    sync();
    let status = e2e::kiosk_status(&kiosk);
    assert!(status["content_error"].is_null(), "{status}");
    assert!(kiosk.join("content/current/content.json").exists());
    assert_eq!(on_kiosk(&kiosk), counted);
    drop(server);
}
