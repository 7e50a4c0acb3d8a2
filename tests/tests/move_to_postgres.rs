//! A network outgrows its one machine: the hub's SQLite file is copied into
//! PostgreSQL (`hub copy-database`), the hub starts again on it, and the
//! same kiosk goes on syncing with its old credential: every earlier
//! visit is in the report, new ones join them, and new rows get new ids.

use e2e::{
    Hub, headless, hub_cmd, kiosk_cmd, one_center, postgres_server, report_today, run, stdout,
};

#[test]
fn a_sqlite_hub_moves_to_postgres_and_its_kiosks_carry_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = one_center(dir.path());
    let got = headless(
        &c.kiosk_data,
        &[c.member.as_str(), "visitor from18_to24 sports"],
        &[],
    );
    assert_eq!(got.len(), 2, "{got:?}");
    let before = report_today(&c.hub_data, &c.center);
    assert_eq!(before["total"], 2, "{before}");
    c.server.stop();

    let hub::store::Database::Postgres(url) =
        hub::testing::fresh_postgres(&postgres_server()).expect("a database of its own")
    else {
        panic!("a PostgreSQL database");
    };
    let out = stdout(&run(hub_cmd(&c.hub_data).args([
        "copy-database",
        "--to",
        &url,
    ])));
    assert!(out.contains("events: 2 rows"), "{out}");
    assert!(out.contains("copied"), "{out}");
    assert!(!out.contains("password"), "no secret printed: {out}");
    // A second copy into the now full database is refused, nothing changed.
    let again = hub_cmd(&c.hub_data)
        .args(["copy-database", "--to", &url])
        .output()
        .expect("copy again");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds data"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // The hub on PostgreSQL: the same report, and the kiosk's credential works.
    let on_pg = |args: &[&str]| {
        stdout(&run(hub_cmd(&c.hub_data)
            .env("HUB_DATABASE_URL", &url)
            .args(args)))
    };
    let report = |pg: bool| -> serde_json::Value {
        let mut cmd = hub_cmd(&c.hub_data);
        if pg {
            cmd.env("HUB_DATABASE_URL", &url);
        }
        serde_json::from_str(&stdout(&run(cmd.args([
            "report",
            "--center",
            &c.center,
            "--date",
            &e2e::today_in_shanghai(),
            "--json",
        ]))))
        .expect("report")
    };
    assert_eq!(report(true), before, "the same day on PostgreSQL");
    let server = Hub::start_env(
        &c.hub_data,
        &c.server.url.replace("http://", ""),
        std::process::Stdio::null(),
        "warn",
        &[("HUB_DATABASE_URL", url.as_str())],
    );
    let got = headless(&c.kiosk_data, &["visitor under14 culture_learning"], &[]);
    assert_eq!(got[0]["outcome"], "welcome", "{got:?}");
    run(kiosk_cmd(&c.kiosk_data).arg("sync"));
    let after = report(true);
    assert_eq!(after["total"], 3, "{after}");
    assert_eq!(after["visitors"], 2, "{after}");
    // New rows get ids after the copied ones.
    let second = on_pg(&["center", "add", "--name", "西湖区青年中心"]);
    assert!(
        second.parse::<u64>().expect("id") > c.center.parse::<u64>().expect("id"),
        "{second} after {}",
        c.center
    );
    drop(server);
}
