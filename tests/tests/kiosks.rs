//! The kiosks page in a real browser (Debian's Chromium, headless): a
//! center's staff member issues an enrollment code (text, and a QR code that
//! zbarimg reads), a screenless kiosk enrolls with it and checks a youth in,
//! then the staff member renames it and takes it out of service, after
//! which the hub refuses its uploads.

use std::path::Path;
use std::process::Command;

use e2e::{Hub, add_user, headless, hub_cmd, kiosk_cmd, run, stdout};

fn browse(mode: &str, url: &str, shots: &Path) -> serde_json::Value {
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    assert!(
        browser.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    let out = run(Command::new("node")
        .arg(browser.join("kiosks.mjs"))
        .args([mode, url, "staff-a", "staff password a"])
        .arg(shots.join("hub")));
    serde_json::from_str(&stdout(&out)).expect("browser JSON")
}

#[test]
fn staff_enroll_a_kiosk_from_a_code_on_the_page_then_rename_and_revoke_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "上城区青年中心"]);
    add_user(
        &hub_data,
        "staff-a",
        "staff",
        &format!("center:{center}"),
        "staff password a",
    );
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");

    let issued = browse("code", &server.url, &shots);
    assert!(
        issued["none"]
            .as_str()
            .is_some_and(|n| n.contains("还没有签到机")),
        "{issued}"
    );
    let code = issued["code"].as_str().expect("code").to_string();
    assert_eq!(code.len(), 9, "ABCD-EFGH: {issued}");
    assert_eq!(issued["phone_overflow"], false);
    // The QR code on the page says where the hub is and the code, as a
    // kiosk's scanner will read it.
    let scanned = run(Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(shots.join("hub-enroll-qr.png")));
    assert_eq!(
        stdout(&scanned).trim(),
        format!("YCE1 {} {code}", server.url),
        "{issued}"
    );
    assert!(
        issued["command"]
            .as_str()
            .is_some_and(|c| c.contains(&code))
    );

    // A screenless kiosk takes the QR code through its scanner (its input
    // line), enrolls, and works; the visitor it counted reaches the hub.
    let kiosk = dir.path().join("kiosk");
    let payload = stdout(&scanned).trim().to_string();
    let got = headless(
        &kiosk,
        &[payload.as_str(), "visitor from18_to24 sports"],
        &[],
    );
    assert_eq!(got[0]["outcome"], "enrolled", "{got:?}");
    assert_eq!(got[0]["center"], "上城区青年中心", "{got:?}");
    assert_eq!(got[1]["outcome"], "welcome", "{got:?}");
    assert_eq!(e2e::report_today(&hub_data, &center)["visitors"], 1);
    // Scanned again, on an enrolled kiosk, the code changes nothing.
    let again = headless(&kiosk, &[payload.as_str()], &[]);
    assert_eq!(again[0]["reason"], "already_enrolled", "{again:?}");
    // The code works once.
    let again = kiosk_cmd(&dir.path().join("k2"))
        .args(["enroll", "--hub", &server.url, "--code", &code])
        .output()
        .expect("run");
    assert!(!again.status.success());

    let managed = browse("manage", &server.url, &shots);
    let rows = managed["kiosks"].as_array().expect("kiosks");
    assert_eq!(rows.len(), 1, "{managed}");
    assert_eq!(rows[0][1], "上城区青年中心");
    assert_eq!(rows[0][3], env!("CARGO_PKG_VERSION"), "{managed}");
    // What the screenless kiosk said it holds of the machine's memory.
    let memory = rows[0][4].as_str().and_then(|m| m.strip_suffix(" MB"));
    assert!(
        memory
            .and_then(|m| m.parse::<u64>().ok())
            .is_some_and(|m| m > 0),
        "{managed}"
    );
    assert!(
        managed["unticked"]
            .as_str()
            .is_some_and(|m| m.contains("确认")),
        "{managed}"
    );
    assert_eq!(managed["after"][0][0], "门口签到机", "{managed}");
    assert_eq!(managed["after"][0][8], "已停用", "{managed}");
    assert_eq!(managed["phone_overflow"], false);

    // The hub now refuses the kiosk's uploads: its sync says so.
    let sync = kiosk_cmd(&kiosk).args(["sync"]).output().expect("run");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&sync.stdout),
        String::from_utf8_lossy(&sync.stderr)
    );
    assert!(!sync.status.success(), "{said}");
    assert!(
        said.contains("enroll"),
        "the kiosk is told to enroll again: {said}"
    );
    // Its staff are told so, not to wait for the hub.
    let status = stdout(&run(kiosk_cmd(&kiosk).arg("status")));
    assert!(
        status.contains("enroll it again") || status.contains("重新注册本机"),
        "{status}"
    );

    let log = hub(&["audit", "--json"]);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&log).expect("audit JSON");
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .take(3)
        .collect();
    assert_eq!(
        actions,
        ["kiosk.revoke", "kiosk.rename", "kiosk.enroll_code"],
        "{log}"
    );
    assert!(!log.contains(&code), "the code is never recorded");
}
