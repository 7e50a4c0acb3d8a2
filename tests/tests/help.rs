//! 我有话说 in a real browser: a youth's message from their phone, the
//! first staff member to open it responsible (another refused), referred
//! to 12355 with its follow-up, answered, and the answer on the youth's
//! page; axe-core finds nothing on the pages on the way.

use std::path::Path;
use std::process::Command;

use e2e::{Hub, add_user, hub_cmd, run, stdout};

#[test]
fn a_youths_message_is_taken_referred_and_answered_in_a_real_browser() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "城东街道青年之家"]);
    for login in ["staff-a", "staff-b"] {
        add_user(
            &hub_data,
            login,
            "staff",
            &format!("center:{center}"),
            "staff password h",
        );
    }
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    let out = run(Command::new("node")
        .arg(browser.join("help.mjs"))
        .args([
            &server.url,
            &center,
            "staff-a",
            "staff-b",
            "staff password h",
        ])
        .arg(shots.join("hub-help")));
    let b: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");
    assert_eq!(b["errors"], serde_json::json!([]), "{b}");
    assert_eq!(b["violations"], serde_json::json!([]), "axe: {b}");
    let has = |key: &str, text: &str| {
        assert!(
            b[key].as_str().is_some_and(|s| s.contains(text)),
            "{key} should say {text:?}: {b}"
        )
    };
    has("received", "已收到");
    has("hotline", "12355");
    has("listed", "待认领");
    has("status", "staff-a");
    assert_eq!(b["other_staff_status"], 403, "{b}");
    has("referred", "12355");
    has("referred", "劳动维权专员跟进");
    has("answered", "已答复");
    has("answer", "已转介 12355 劳动维权专员");
    has("youth_referred", "12355");
    // The network sets its own deadlines.
    assert_eq!(
        hub(&[
            "ticket-deadlines",
            "--review-hours",
            "2",
            "--answer-days",
            "5"
        ]),
        "messages are read within 2 hours and answered within 5 days"
    );
    let refused = hub_cmd(&hub_data)
        .args(["ticket-deadlines", "--review-hours", "0"])
        .output()
        .expect("hub");
    assert!(!refused.status.success());
    assert_eq!(
        hub(&["ticket-deadlines"]),
        "messages are read within 2 hours and answered within 5 days"
    );
    let audit = hub(&["audit", "--json"]);
    for action in ["ticket.take", "ticket.refer", "ticket.answer"] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
}
