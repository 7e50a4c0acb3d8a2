//! 我有话说 in a real browser: a youth's message from their phone, the
//! first staff member to open it responsible (another refused), referred
//! to 12355 with its follow-up, answered, and the answer on the youth's
//! page; with the hub's clock set forward, an unopened message overdue and
//! another center's staff refused; axe-core finds nothing on the pages on
//! the way.

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
    let mut server = Hub::start(&hub_data, "127.0.0.1:0");
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

    // Four hours later (the hub's clock set forward, past the 3 hours to
    // read a message): the message nobody opened is overdue; a staff member
    // of another center is refused the first one and sees neither.
    let other = hub(&["center", "add", "--name", "城西街道青年之家"]);
    add_user(
        &hub_data,
        "staff-c",
        "staff",
        &format!("center:{other}"),
        "staff password h",
    );
    server.stop();
    let later = Hub::start_clock_ahead(&hub_data, "127.0.0.1:0", "+4h");
    let ticket = b["ticket"].as_str().expect("ticket path");
    let out = run(Command::new("node")
        .arg(browser.join("help-late.mjs"))
        .args([&later.url, ticket, "staff-a", "staff-c", "staff password h"])
        .arg(shots.join("hub-help")));
    let late: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");
    assert_eq!(late["errors"], serde_json::json!([]), "{late}");
    let overview = late["overview"].as_str().unwrap_or_default();
    assert!(
        overview.contains("待答复的青年留言 1") && overview.contains("已超时 1"),
        "{late}"
    );
    assert_eq!(late["rows"].as_array().map(Vec::len), Some(2), "{late}");
    assert_eq!(late["overdue_rows"], 1, "{late}");
    assert_eq!(late["other_center_status"], 403, "{late}");
    assert_eq!(late["other_center_rows"], 0, "{late}");
    drop(later);
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
