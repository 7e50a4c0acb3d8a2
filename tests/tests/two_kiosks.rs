//! Two kiosks at one center, both offline: the same member checks in at
//! both within the repeat window (a card at one, the member number at the
//! other). Once both are back, the hub counts one visit, and after the next
//! sync both kiosks' staff figures say what the hub says.

use e2e::{Hub, headless, hub_cmd, kiosk_cmd, one_center, outcomes, report_today, run, stdout};

/// The staff screen's figures for today, as `kiosk status --json` gives them.
fn kiosk_today(data: &std::path::Path) -> serde_json::Value {
    e2e::kiosk_status(data)["today"].clone()
}

#[test]
fn one_member_at_two_offline_kiosks_is_one_visit_at_the_hub() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = one_center(dir.path());
    let second = dir.path().join("kiosk2");
    let code = stdout(&run(hub_cmd(&c.hub_data).args([
        "enroll-code",
        "--center",
        &c.center,
    ])));
    run(kiosk_cmd(&second).args(["enroll", "--hub", &c.server.url, "--code", &code]));
    run(hub_cmd(&c.hub_data).args([
        "member",
        "bind-card",
        "--id",
        &c.member,
        "--uid",
        "04A1B2C3",
    ]));
    run(kiosk_cmd(&c.kiosk_data).arg("sync"));
    let listen = c.server.url.trim_start_matches("http://").to_string();

    // The network goes down; the member taps a card at the door kiosk and,
    // a minute later, types the member number at the one inside.
    c.server.stop();
    let a = headless(&c.kiosk_data, &["card:04A1B2C3"], &["--no-final-sync"]);
    let b = headless(
        &second,
        &[c.member.as_str(), "visitor over35 leisure"],
        &["--no-final-sync"],
    );
    assert_eq!(outcomes(&a), ["welcome"]);
    assert_eq!(
        outcomes(&b),
        ["welcome", "welcome"],
        "offline, each kiosk welcomes"
    );

    let _hub = Hub::start(&c.hub_data, &listen);
    run(kiosk_cmd(&second).arg("sync"));
    run(kiosk_cmd(&c.kiosk_data).arg("sync"));
    let report = report_today(&c.hub_data, &c.center);
    assert_eq!(report["members"], 1, "{report}");
    assert_eq!(report["visitors"], 1, "{report}");
    assert_eq!(report["total"], 2, "{report}");
    // Both check-ins are kept at the hub; one is marked as the same visit.
    let conn = rusqlite::Connection::open(c.hub_data.join("hub.sqlite3")).expect("hub db");
    let (kept, folded): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(same_visit_as) FROM events WHERE kind = 'member_check_in'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("query");
    assert_eq!((kept, folded), (2, 1));

    // Offline each kiosk could count only itself: the member at both.
    // The kiosk that synced first fetched the hub's figures before the
    // other's check-in arrived; after the next sync both say what the hub says.
    run(kiosk_cmd(&second).arg("sync"));
    for data in [&second, &c.kiosk_data] {
        let today = kiosk_today(data);
        assert_eq!(today["scope"], "center", "{today}");
        for field in ["members", "distinct_members", "visitors", "total"] {
            assert_eq!(today[field], report[field], "{field}: {today} vs {report}");
        }
    }
}

#[test]
fn offline_a_kiosk_adds_its_own_check_ins_to_the_hubs_last_figures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = one_center(dir.path());
    // Enrollment synced once: the hub's figures (nothing yet) are kept.
    assert_eq!(kiosk_today(&c.kiosk_data)["scope"], "center");
    c.server.stop();
    let out = headless(
        &c.kiosk_data,
        &["visitor over35 leisure", c.member.as_str()],
        &["--no-final-sync"],
    );
    assert_eq!(outcomes(&out), ["welcome", "welcome"]);
    let today = kiosk_today(&c.kiosk_data);
    assert_eq!(today["scope"], "center", "{today}");
    assert_eq!(
        (
            today["visitors"].as_u64(),
            today["members"].as_u64(),
            today["total"].as_u64()
        ),
        (Some(1), Some(1), Some(2)),
        "{today}"
    );
}
