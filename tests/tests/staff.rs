//! What staff take away: the kiosk's CSV export, read back by Python's csv
//! module as a spreadsheet program would.

use e2e::{OneCenter, headless, kiosk_cmd, one_center, run, stdout};

#[test]
fn the_days_export_opens_in_a_real_csv_reader_with_display_names_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The hub keeps running until the end of the test.
    let OneCenter {
        server: _server,
        kiosk_data,
        member,
        ..
    } = one_center(dir.path());
    let got = headless(
        &kiosk_data,
        &[member.as_str(), "visitor from14_to17 culture_learning"],
        &[],
    );
    assert_eq!(got.len(), 2);

    let stick = dir.path().join("stick");
    std::fs::create_dir_all(&stick).expect("mkdir");
    let path = stdout(&run(kiosk_cmd(&kiosk_data).args([
        "export",
        "--period",
        "today",
        "--out",
        &stick.to_string_lossy(),
    ])));
    let read = stdout(&run(std::process::Command::new("python3").args([
        "-c",
        "import csv,json,sys; rows=list(csv.reader(open(sys.argv[1], encoding='utf-8-sig'))); print(json.dumps(rows, ensure_ascii=False))",
        &path,
    ])));
    let rows: Vec<Vec<String>> = serde_json::from_str(&read).expect("rows");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0][0], "日期 date");
    assert_eq!(rows[1][3], member);
    assert_eq!(rows[1][4], "林同学");
    assert_eq!(rows[2][5], "from14_to17");
    assert!(!read.contains("林小雨"), "no full name leaves the hub");

    // No stick and no folder: a clear refusal, not a file somewhere.
    let out = kiosk_cmd(&kiosk_data)
        .args(["export", "--period", "2026-13"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither a day"));
}
