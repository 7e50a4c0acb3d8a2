//! Volunteers start and end shifts at two kiosks of one center; the hub pairs
//! them and lists what does not pair, through the real binaries.

use e2e::{Hub, headless, hub_cmd, kiosk_cmd, outcomes, report_today, run, stdout};

#[test]
fn shifts_from_two_kiosks_reach_the_hub_as_hours_and_open_ones_are_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let (k1, k2) = (dir.path().join("k1"), dir.path().join("k2"));
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "城东街道青年之家"]);
    let v1 = hub(&[
        "member",
        "add",
        "--center",
        &center,
        "--name",
        "林小雨",
        "--volunteer",
    ]);
    let v2 = hub(&["member", "add", "--center", &center, "--name", "陈思远"]);
    let youth = hub(&["member", "add", "--center", &center, "--name", "周可欣"]);
    assert!(hub(&["member", "volunteer", "--id", &v2]).contains("volunteer"));
    hub(&["member", "bind-card", "--id", &v1, "--uid", "04A1B2C3"]);
    assert!(hub(&["member", "list", "--center", &center]).contains("volunteer"));
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    for k in [&k1, &k2] {
        let code = hub(&["enroll-code", "--center", &center]);
        run(kiosk_cmd(k).args(["enroll", "--hub", &server.url, "--code", &code]));
    }

    let in1 = format!("volunteer-in {v1} 四点半课堂：作业辅导");
    let in2 = format!("volunteer-in {v2}");
    let youth_in = format!("volunteer-in {youth}");
    let got = headless(
        &k1,
        &[
            in1.as_str(),
            in1.as_str(),
            in2.as_str(),
            youth_in.as_str(),
            "volunteer-in hello",
            youth.as_str(),
        ],
        &[],
    );
    assert_eq!(
        outcomes(&got),
        vec![
            "shift_started",
            "repeat",
            "shift_started",
            "refused:not_a_volunteer",
            "refused:garbled",
            "welcome",
        ]
    );
    assert_eq!(got[0]["name"], "林同学");
    assert_eq!(got[0]["activity"], "四点半课堂：作业辅导");
    assert_eq!(got[1]["of"], "shift_start");

    // The first volunteer leaves through the other door, with their card.
    let got = headless(&k2, &["volunteer-out card:04A1B2C3"], &[]);
    assert_eq!(outcomes(&got), vec!["shift_ended"]);
    // That kiosk never saw the start, so it claims no length.
    assert!(got[0]["minutes"].is_null(), "{}", got[0]);

    let hours = |args: &[&str]| -> serde_json::Value {
        let mut a = vec!["volunteer", "hours", "--center", &center, "--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&hub(&a)).expect("hours JSON")
    };
    let h = hours(&[]);
    let totals = h["totals"].as_array().expect("totals");
    assert_eq!(totals.len(), 1, "{h}");
    assert_eq!(totals[0]["member_id"].as_u64(), v1.parse().ok());
    assert_eq!(totals[0]["activity"], "四点半课堂：作业辅导");
    assert_eq!(totals[0]["category"], serde_json::Value::Null);
    assert_eq!(totals[0]["shifts"], 1);
    // The second volunteer is still on duty today: listed, not a problem.
    let on_duty = h["on_duty"].as_array().expect("on duty");
    assert_eq!(on_duty.len(), 1, "{h}");
    assert_eq!(on_duty[0]["member_id"].as_u64(), v2.parse().ok());
    assert!(h["problems"].as_array().expect("problems").is_empty());

    // An end with no start is listed to check.
    let out2 = format!("volunteer-out {youth}");
    let got = headless(&k2, &[out2.as_str()], &[]);
    assert_eq!(outcomes(&got), vec!["refused:not_a_volunteer"]);
    hub(&["member", "volunteer", "--id", &youth]);
    run(kiosk_cmd(&k2).arg("sync"));
    let got = headless(&k2, &[out2.as_str()], &[]);
    assert_eq!(outcomes(&got), vec!["shift_ended"]);
    let h = hours(&["--from", "2020-01-01", "--to", "today"]);
    let problems = h["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{h}");
    assert_eq!(problems[0]["kind"], "end_without_start");
    let text = hub(&["volunteer", "hours", "--center", &center]);
    assert!(text.contains("To check"), "{text}");
    assert!(text.contains("On duty now"), "{text}");

    // Shifts are not visits: only the youth's check-in is counted.
    let report = report_today(&hub_data, &center);
    assert_eq!(report["total"], 1, "{report}");
    assert_eq!(report["by_category"], serde_json::json!({}));

    let bad = hub_cmd(&hub_data)
        .args([
            "volunteer",
            "hours",
            "--center",
            &center,
            "--from",
            "2026-12-01",
            "--to",
            "2026-11-01",
        ])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("before it begins"));
}
