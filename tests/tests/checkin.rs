//! A youth checks in at a real headless kiosk and the count reaches a real hub.

use e2e::{
    Hub, headless, hub_cmd, kiosk_cmd, kiosk_status as status, outcomes, report_today, run, stdout,
};
use ed25519_dalek::SigningKey;
use protocol::token::Claims;

#[test]
fn the_hub_counts_exactly_what_the_kiosk_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let kiosk_data = dir.path().join("kiosk");

    let center = stdout(&run(hub_cmd(&hub_data).args([
        "center",
        "add",
        "--name",
        "城东街道青年之家",
    ])));
    let add = |name: &str| {
        stdout(&run(
            hub_cmd(&hub_data).args(["member", "add", "--center", &center, "--name", name])
        ))
    };
    let (m1, m2, m3) = (add("林小雨"), add("陈思远"), add("Sam Taylor"));
    let code = stdout(&run(hub_cmd(&hub_data).args([
        "enroll-code",
        "--center",
        &center,
    ])));

    let mut hub = Hub::start(&hub_data, "127.0.0.1:0");
    let out = run(kiosk_cmd(&kiosk_data).args(["enroll", "--hub", &hub.url, "--code", &code]));
    assert!(
        stdout(&out).starts_with("enrolled as device"),
        "{}",
        stdout(&out)
    );
    // The code is one-time.
    let again = kiosk_cmd(&dir.path().join("other-kiosk"))
        .args(["enroll", "--hub", &hub.url, "--code", &code])
        .output()
        .expect("spawn");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already used"));

    let token = |id: &str| {
        stdout(&run(
            hub_cmd(&hub_data).args(["member", "token", "--id", id, "--ttl", "600"])
        ))
    };
    let t1 = token(&m1);
    // An expired code, signed with the hub's own key, and a forged one.
    let seed: [u8; 32] = std::fs::read(hub_data.join("signing-key.ed25519"))
        .expect("hub key")
        .try_into()
        .expect("32 bytes");
    let now_s = u32::try_from(chrono::Utc::now().timestamp()).expect("fits");
    let claims = |member: &str, expires_at| Claims {
        key_id: 1,
        member_id: member.parse().expect("id"),
        expires_at,
    };
    let expired = claims(&m3, now_s - 3600).sign(&SigningKey::from_bytes(&seed));
    let forged = claims(&m3, now_s + 600).sign(&SigningKey::from_bytes(&[7; 32]));

    let lines = [
        t1.as_str(),
        m2.as_str(),
        m2.as_str(),
        t1.as_str(),
        "visitor from18_to24 sports",
        "visitor under14 culture_learning",
        expired.as_str(),
        forged.as_str(),
        "99999999",
        "garbage!!",
        "visitor teen sports",
    ];
    let got = headless(&kiosk_data, &lines, &[]);
    assert_eq!(
        outcomes(&got),
        vec![
            "welcome",
            "welcome",
            "repeat",
            "repeat",
            "welcome",
            "welcome",
            "refused:expired",
            "refused:forged",
            "refused:unknown_member",
            "refused:garbled",
            "refused:garbled",
        ]
    );
    assert_eq!(got[0]["name"], "林同学");
    assert_eq!(got[1]["name"], "陈同学");
    // Never the full name or the member number on the output.
    let all = serde_json::to_string(&got).expect("json");
    assert!(!all.contains("林小雨") && !all.contains(&m1), "{all}");

    let accepted_members = got
        .iter()
        .filter(|o| o["outcome"] == "welcome" && o["kind"] == "member")
        .count();
    let accepted_visitors = got
        .iter()
        .filter(|o| o["outcome"] == "welcome" && o["kind"] == "visitor")
        .count();
    let st = status(&kiosk_data);
    assert_eq!(st["events_waiting"], 0, "{st}");
    assert_eq!(st["acked_seq"], 4);
    let r = report_today(&hub.data, &center);
    assert_eq!(r["members"], accepted_members as u64, "{r}");
    assert_eq!(r["visitors"], accepted_visitors as u64, "{r}");
    assert_eq!(r["total"], (accepted_members + accepted_visitors) as u64);
    assert_eq!(r["distinct_members"], 2);
    assert_eq!(r["by_category"]["sports"], 1);

    // The repeat window holds across a restart of the kiosk.
    let got = headless(&kiosk_data, &[m2.as_str()], &[]);
    assert_eq!(outcomes(&got), vec!["repeat"]);

    // The hub goes away: check-ins are still accepted and kept.
    let port = hub.url.rsplit(':').next().expect("port").to_string();
    hub.stop();
    let got = headless(&kiosk_data, &[m3.as_str(), "visitor over35 leisure"], &[]);
    assert_eq!(outcomes(&got), vec!["welcome", "welcome"]);
    let st = status(&kiosk_data);
    assert_eq!(st["events_waiting"], 2, "{st}");
    assert!(
        st["last_sync_error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot be reached")),
        "{st}"
    );

    // It comes back on the same address; one sync delivers everything, once.
    let hub = Hub::start(&hub_data, &format!("127.0.0.1:{port}"));
    run(kiosk_cmd(&kiosk_data).arg("sync"));
    run(kiosk_cmd(&kiosk_data).arg("sync"));
    assert_eq!(status(&kiosk_data)["events_waiting"], 0);
    let r = report_today(&hub.data, &center);
    assert_eq!(
        (
            r["total"].as_u64(),
            r["members"].as_u64(),
            r["visitors"].as_u64()
        ),
        (Some(6), Some(3), Some(3)),
        "{r}"
    );
}

#[test]
fn a_kiosk_that_forgot_its_mark_learns_it_from_the_hub_and_sends_nothing_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let kiosk_data = dir.path().join("kiosk");
    let center = stdout(&run(hub_cmd(&hub_data).args([
        "center",
        "add",
        "--name",
        "青年之家",
    ])));
    let code = stdout(&run(hub_cmd(&hub_data).args([
        "enroll-code",
        "--center",
        &center,
    ])));
    let hub = Hub::start(&hub_data, "127.0.0.1:0");
    run(kiosk_cmd(&kiosk_data).args(["enroll", "--hub", &hub.url, "--code", &code]));
    let visitors: Vec<String> = (0..1200)
        .map(|_| "visitor from14_to17 leisure".to_string())
        .collect();
    let lines: Vec<&str> = visitors.iter().map(String::as_str).collect();
    let got = headless(&kiosk_data, &lines, &["--no-final-sync"]);
    assert_eq!(got.len(), 1200);
    run(kiosk_cmd(&kiosk_data).arg("sync"));
    assert_eq!(status(&kiosk_data)["acked_seq"], 1200);
    // Forget the mark, as after restoring an old backup of the kiosk.
    let db = rusqlite::Connection::open(kiosk_data.join("kiosk.sqlite3")).expect("db");
    db.execute(
        "UPDATE settings SET value = '0' WHERE key = 'acked_seq'",
        [],
    )
    .expect("reset");
    drop(db);
    run(kiosk_cmd(&kiosk_data).arg("sync"));
    assert_eq!(status(&kiosk_data)["acked_seq"], 1200);
    assert_eq!(report_today(&hub.data, &center)["visitors"], 1200);
}

#[test]
fn a_printed_member_qr_code_decodes_and_checks_the_member_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let kiosk_data = dir.path().join("kiosk");
    let center = stdout(&run(hub_cmd(&hub_data).args([
        "center",
        "add",
        "--name",
        "青年之家",
    ])));
    let member = stdout(&run(hub_cmd(&hub_data).args([
        "member",
        "add",
        "--center",
        &center,
        "--name",
        "周可欣",
    ])));
    let code = stdout(&run(hub_cmd(&hub_data).args([
        "enroll-code",
        "--center",
        &center,
    ])));
    let hub = Hub::start(&hub_data, "127.0.0.1:0");
    run(kiosk_cmd(&kiosk_data).args(["enroll", "--hub", &hub.url, "--code", &code]));

    let png = dir.path().join("card.png");
    let png_arg = png.to_string_lossy().to_string();
    let token = stdout(&run(hub_cmd(&hub_data).args([
        "member", "token", "--id", &member, "--ttl", "600", "--png", &png_arg,
    ])));
    // zbarimg is a real QR decoder (Debian's zbar-tools, installed by the test script).
    let decoded = stdout(&run(std::process::Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(&png)));
    assert_eq!(decoded, token);
    let got = headless(&kiosk_data, &[decoded.as_str()], &[]);
    assert_eq!(outcomes(&got), vec!["welcome"]);
    assert_eq!(got[0]["name"], "周同学");
}
