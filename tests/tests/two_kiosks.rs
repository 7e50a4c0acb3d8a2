//! Two kiosks at one center, both offline: the same member checks in at
//! both within the repeat window (a card at one, the member number at the
//! other). Once both are back, the hub counts one visit.

use e2e::{Hub, headless, hub_cmd, kiosk_cmd, one_center, outcomes, report_today, run, stdout};

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
}
