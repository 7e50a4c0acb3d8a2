//! A kiosk database put back from an older copy (a backup restored, an SD
//! card cloned onto a second board) numbers its new check-ins with seqs the
//! hub already holds as other events. None of them may be lost: the kiosk
//! moves them above the hub's mark, the hub says "restored or cloned" in the
//! fleet, and a second board that keeps running on the same credential is
//! told to enroll anew.

use std::path::Path;

use e2e::{headless, hub_cmd, kiosk_cmd, kiosk_status, one_center, report_today, run, stdout};

fn visitors(data: &Path, n: usize) {
    let lines = vec!["visitor from18_to24 sports"; n];
    let out = headless(data, &lines, &["--no-final-sync"]);
    assert_eq!(out.len(), n);
    assert!(out.iter().all(|o| o["outcome"] == "welcome"), "{out:?}");
}

fn sync(data: &Path) -> std::process::Output {
    kiosk_cmd(data)
        .arg("sync")
        .output()
        .expect("run kiosk sync")
}

fn copy_db(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    // The kiosk is stopped: the database is whole in its main file.
    for name in ["kiosk.sqlite3", "kiosk.toml"] {
        let src = from.join(name);
        if src.exists() {
            std::fs::copy(&src, to.join(name)).expect("copy");
        }
    }
}

fn fleet(hub_data: &Path) -> String {
    stdout(&run(hub_cmd(hub_data).args(["device", "list"])))
}

#[test]
fn a_kiosk_put_back_from_an_older_copy_loses_none_of_its_new_check_ins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = one_center(dir.path());
    let backup = dir.path().join("backup");

    visitors(&c.kiosk_data, 2);
    assert!(sync(&c.kiosk_data).status.success());
    copy_db(&c.kiosk_data, &backup);
    visitors(&c.kiosk_data, 3);
    assert!(sync(&c.kiosk_data).status.success());
    // The copy goes back, and the kiosk welcomes two more youths.
    std::fs::remove_file(c.kiosk_data.join("kiosk.sqlite3-wal")).ok();
    std::fs::remove_file(c.kiosk_data.join("kiosk.sqlite3-shm")).ok();
    copy_db(&backup, &c.kiosk_data);
    visitors(&c.kiosk_data, 2);
    let out = sync(&c.kiosk_data);
    assert!(out.status.success(), "{out:?}");

    assert_eq!(report_today(&c.hub_data, &c.center)["total"], 7);
    let status = kiosk_status(&c.kiosk_data);
    assert_eq!(status["events_waiting"], 0, "{status}");
    // Found at once (the kiosk's first sync), or at the upload that clashed.
    assert_eq!(status["restored"]["hub_acked"], 5, "{status}");
    let text = stdout(&run(kiosk_cmd(&c.kiosk_data).arg("status")));
    assert!(
        text.contains("an older copy (restored or cloned)"),
        "{text}"
    );
    let list = fleet(&c.hub_data);
    assert!(list.contains("database restored or cloned"), "{list}");
    assert!(!list.contains("two boards"), "{list}");

    // Restored again with nothing new: the next check-in still goes above.
    copy_db(&backup, &c.kiosk_data);
    assert!(sync(&c.kiosk_data).status.success());
    visitors(&c.kiosk_data, 1);
    assert!(sync(&c.kiosk_data).status.success());
    assert_eq!(report_today(&c.hub_data, &c.center)["total"], 8);
}

#[test]
fn two_boards_on_one_credential_lose_nothing_and_the_newer_is_told_to_enroll_anew() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = one_center(dir.path());
    let a = &c.kiosk_data;
    let b = dir.path().join("clone");

    visitors(a, 2);
    assert!(sync(a).status.success());
    // The card is cloned onto a second board; both go on at the door.
    copy_db(a, &b);
    visitors(a, 3);
    assert!(sync(a).status.success());
    visitors(&b, 4);
    assert!(sync(&b).status.success());
    assert_eq!(report_today(&c.hub_data, &c.center)["total"], 9);
    visitors(a, 1);
    // The original speaks again after its clone took over: two boards.
    assert!(sync(a).status.success());
    assert_eq!(report_today(&c.hub_data, &c.center)["total"], 10);
    let list = fleet(&c.hub_data);
    assert!(!list.contains("two boards"), "not yet certain: {list}");

    // The newer board is refused, says why, and keeps what it recorded.
    visitors(&b, 1);
    let out = sync(&b);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("enroll this board anew"), "{err}");
    assert_eq!(kiosk_status(&b)["events_waiting"], 1);
    let list = fleet(&c.hub_data);
    assert!(list.contains("two boards share one credential"), "{list}");
    // The original goes on.
    visitors(a, 1);
    assert!(sync(a).status.success());
    assert_eq!(report_today(&c.hub_data, &c.center)["total"], 11);

    // The second board, enrolled anew, sends what it kept: that one
    // check-in, and nothing the old credential already delivered.
    let code = stdout(&run(hub_cmd(&c.hub_data).args([
        "enroll-code",
        "--center",
        &c.center,
    ])));
    let out = kiosk_cmd(&b)
        .args(["enroll", "--hub", &c.server.url, "--code", &code, "--force"])
        .output()
        .expect("enroll");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(sync(&b).status.success());
    assert_eq!(kiosk_status(&b)["events_waiting"], 0);
    assert_eq!(report_today(&c.hub_data, &c.center)["total"], 12);
    visitors(&b, 2);
    assert!(sync(&b).status.success());
    assert_eq!(report_today(&c.hub_data, &c.center)["total"], 14);
}
