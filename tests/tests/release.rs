//! Kiosk software releases from a real hub to a real kiosk over HTTP: the
//! hub signs a package for a ring of kiosks, the kiosk in the ring fetches
//! and unpacks it, the launcher starts it in place of the installed one
//! and gives it up after it failed to start three times (telling the hub,
//! which raises an alert), and a package tampered with on the hub is
//! refused with the reason at the kiosk and on the hub. Packages that are
//! not the kiosk's are refused at publishing.
//!
//! The packages here are real Debian packages (dpkg-deb) whose kiosk is a
//! small script; the emulated board (tests/tests/image.rs) runs real builds.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use e2e::{Hub, hub_cmd, kiosk_cmd, kiosk_status, run, stdout};

fn arch() -> String {
    stdout(&run(Command::new("dpkg").arg("--print-architecture")))
}

/// A Debian package named `package` at `version` whose usr/bin/kiosk is
/// `script` (none: no kiosk in it).
fn deb(dir: &Path, package: &str, version: &str, script: Option<&str>) -> PathBuf {
    let root = dir.join(format!("{package}-{version}-root"));
    std::fs::create_dir_all(root.join("DEBIAN")).expect("mkdir");
    std::fs::write(
        root.join("DEBIAN/control"),
        format!(
            "Package: {package}\nVersion: {version}\nArchitecture: {}\n\
             Maintainer: Youth centers <kiosk@example.org>\nDescription: a test build\n",
            arch()
        ),
    )
    .expect("control");
    if let Some(script) = script {
        let bin = root.join("usr/bin/kiosk");
        std::fs::create_dir_all(bin.parent().expect("parent")).expect("mkdir");
        std::fs::write(&bin, script).expect("script");
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let out = dir.join(format!("{package}_{version}.deb"));
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "-Zgzip", "-b"])
        .arg(&root)
        .arg(&out));
    out
}

/// A kiosk that records how it was started, then fails as a broken
/// release would.
const BROKEN: &str = "#!/bin/sh\necho \"$YOUTH_KIOSK_RELEASE $*\" >> \"$RELEASE_MARK\"\nexit 3\n";

fn publish_err(hub_data: &Path, file: &Path, ring: &str) -> String {
    let out = hub_cmd(hub_data)
        .args(["release", "publish"])
        .arg(file)
        .args(["--ring", ring])
        .output()
        .expect("hub");
    assert!(!out.status.success(), "{file:?} to {ring} was published");
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// `kiosk sync`, its clock taken as synchronised (signatures expire, so
/// a kiosk checks content and releases only with a clock it can trust).
fn sync(kiosk: &Path) {
    run(kiosk_cmd(kiosk)
        .arg("sync")
        .env("KIOSK_CLOCK_SYNCHRONIZED", "1"));
}

fn devices(hub_data: &Path) -> serde_json::Value {
    serde_json::from_str(&stdout(&run(
        hub_cmd(hub_data).args(["device", "list", "--json"])
    )))
    .expect("device list JSON")
}

#[test]
fn a_release_reaches_its_ring_a_broken_one_is_rolled_back_and_a_tampered_one_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let hub_data = root.join("hub");
    let kiosk = root.join("kiosk");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "城东街道青年之家"]);
    let other = hub(&["center", "add", "--name", "城西街道青年之家"]);
    run(hub_cmd(&hub_data)
        .args(["content", "init", "--root-key-out"])
        .arg(root.join("root.pk8")));
    let code = hub(&["enroll-code", "--center", &center]);
    let _server = Hub::start(&hub_data, "127.0.0.1:0");
    run(kiosk_cmd(&kiosk).args(["enroll", "--hub", &_server.url, "--code", &code]));
    let arch = arch();

    // Only the kiosk's own package, of a release version, to a real ring.
    let stranger = deb(root, "some-other-package", "900.0.1", Some(BROKEN));
    assert!(publish_err(&hub_data, &stranger, "all").contains("not the kiosk's"));
    let empty = deb(root, "youth-kiosk", "900.0.9", None);
    assert!(publish_err(&hub_data, &empty, "all").contains("no usr/bin/kiosk"));
    let not_deb = root.join("notes.deb");
    std::fs::write(&not_deb, "not a package").expect("write");
    assert!(publish_err(&hub_data, &not_deb, "all").contains("not a Debian package"));
    let odd = deb(root, "youth-kiosk", "900.0.1~rc1", Some(BROKEN));
    assert!(publish_err(&hub_data, &odd, "all").contains("not a release version"));
    let release = deb(root, "youth-kiosk", "900.0.1", Some(BROKEN));
    assert!(publish_err(&hub_data, &release, "county:1").contains("not a ring"));

    // To another center first: this kiosk is not in the ring.
    let name = hub(&[
        "release",
        "publish",
        &release.to_string_lossy(),
        "--ring",
        &format!("center:{other}"),
    ]);
    assert_eq!(name, format!("release-{arch}-900.0.1.deb"));
    sync(&kiosk);
    let software = |k: &Path| kiosk_status(k)["software"].clone();
    assert_eq!(
        software(&kiosk)["state"],
        serde_json::json!({}),
        "not for it"
    );
    assert!(!kiosk.join("software/900.0.1").exists());

    // Widened to its center: fetched, unpacked, waiting for a quiet moment.
    hub(&[
        "release",
        "publish",
        &release.to_string_lossy(),
        "--ring",
        &format!("center:{center}"),
    ]);
    let list: serde_json::Value =
        serde_json::from_str(&hub(&["release", "list", "--json"])).expect("list JSON");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["ring"], format!("center:{center}"));
    // (Not by the screenless station, which releases do not update: its
    // last sync at the end of its input fetches nothing.)
    run(kiosk_cmd(&kiosk)
        .arg("headless")
        .env("KIOSK_CLOCK_SYNCHRONIZED", "1")
        .stdin(std::process::Stdio::null()));
    assert!(
        !kiosk.join("software").exists(),
        "the station fetched a release"
    );
    sync(&kiosk);
    let s = software(&kiosk);
    assert_eq!(
        s["state"]["next"],
        serde_json::json!({"release": "900.0.1"}),
        "{s}"
    );
    assert_eq!(s["running"], s["installed"]);
    let unpacked = kiosk.join("software/900.0.1/usr/bin/kiosk");
    assert_eq!(
        std::fs::read_to_string(&unpacked).expect("unpacked"),
        BROKEN
    );
    assert!(
        !kiosk.join("software/incoming").exists(),
        "the package is deleted"
    );
    // A changed build under the same version is refused.
    let rebuilt = deb(root, "youth-kiosk", "900.0.1", Some("#!/bin/sh\nexit 0\n"));
    assert!(publish_err(&hub_data, &rebuilt, "all").contains("needs a new version number"));

    // Installed (what the UI does at a quiet moment): each start of
    // `kiosk run` goes to the release, counted; it fails three times, and
    // the fourth start is the installed version's again.
    let state = serde_json::json!({"trial": {"version": "900.0.1", "starts": 0}});
    std::fs::write(kiosk.join("software/state.json"), state.to_string()).expect("state");
    let mark = root.join("starts.txt");
    for start in 1..=3 {
        let out = kiosk_cmd(&kiosk)
            .arg("run")
            .env("RELEASE_MARK", &mark)
            .output()
            .expect("kiosk run");
        assert_eq!(out.status.code(), Some(3), "the release ran, start {start}");
        let log = std::fs::read_to_string(&mark).expect("mark");
        assert_eq!(log.lines().count(), start);
        assert!(
            log.lines()
                .all(|l| l.starts_with("900.0.1 ") && l.ends_with(" run")),
            "{log}"
        );
    }
    // The fourth start: the launcher gives it up before the UI would open
    // (which has no screen here, and is stopped).
    let _ = Command::new("timeout")
        .arg("10")
        .arg(e2e::bin("kiosk"))
        .arg("--data")
        .arg(&kiosk)
        .arg("run")
        .env("RELEASE_MARK", &mark)
        .env("SLINT_BACKEND", "linuxkms")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("kiosk run");
    assert_eq!(
        std::fs::read_to_string(&mark)
            .expect("mark")
            .lines()
            .count(),
        3
    );
    let s = software(&kiosk);
    assert_eq!(s["state"]["failed"], serde_json::json!(["900.0.1"]), "{s}");
    assert_eq!(s["state"]["rolled_back"]["from"], "900.0.1", "{s}");
    assert!(s["state"].get("trial").is_none(), "{s}");

    // The hub hears of it, and raises an alert; the kiosk will not fetch
    // the failed release again.
    sync(&kiosk);
    let d = devices(&hub_data);
    assert_eq!(d[0]["rolled_back_from"], "900.0.1", "{d}");
    assert_eq!(d[0]["arch"], arch.as_str());
    assert!(
        d[0]["alerts"]
            .as_array()
            .is_some_and(|a| a.contains(&"rolled_back".into())),
        "{d}"
    );
    assert_eq!(software(&kiosk)["state"].get("next"), None);

    // A newer release for everyone, whose stored package is changed on the
    // hub's disk after signing: refused at the kiosk, said on the hub.
    let newer = deb(root, "youth-kiosk", "900.0.2", Some(BROKEN));
    hub(&[
        "release",
        "publish",
        &newer.to_string_lossy(),
        "--ring",
        "all",
    ]);
    let stored = std::fs::read_dir(hub_data.join("tuf/targets"))
        .expect("targets")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.to_string_lossy()
                .ends_with(&format!(".release-{arch}-900.0.2.deb"))
        })
        .expect("the stored package");
    let mut bytes = std::fs::read(&stored).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&stored, bytes).expect("write");
    sync(&kiosk);
    let s = software(&kiosk);
    let error = s["state"]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("900.0.2") && error.contains("signed hash"),
        "{s}"
    );
    assert!(!kiosk.join("software/900.0.2").exists());
    // Not fetched again at every sync: the next try waits an hour.
    sync(&kiosk);
    assert_eq!(software(&kiosk)["state"]["error"].as_str(), Some(error));
    let d = devices(&hub_data);
    assert!(
        d[0]["release_error"]
            .as_str()
            .is_some_and(|e| e.contains("signed hash")),
        "{d}"
    );
    assert!(
        d[0]["alerts"]
            .as_array()
            .is_some_and(|a| a.contains(&"release_failed".into())),
        "{d}"
    );
    let text = stdout(&run(kiosk_cmd(&kiosk).arg("status")));
    assert!(
        text.contains("900.0.1 did not start and was rolled back"),
        "{text}"
    );

    // The center's staff see the rollout on the kiosks page (Chromium).
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    e2e::add_user(
        &hub_data,
        "staff-a",
        "staff",
        &format!("center:{center}"),
        "staff password a",
    );
    let page: serde_json::Value = serde_json::from_str(&stdout(&run(Command::new("node")
        .arg(browser.join("kiosks.mjs"))
        .args(["releases", &_server.url, "staff-a", "staff password a"])
        .arg(shots.join("hub")))))
    .expect("browser JSON");
    let releases = page["releases"].to_string();
    assert!(
        releases.contains("900.0.2")
            && releases.contains("全部签到机")
            && releases.contains("0/1 台已更新"),
        "{page}"
    );
    assert!(
        releases.contains("900.0.1") && releases.contains("中心 城东街道青年之家"),
        "{page}"
    );
    assert_eq!(
        page["releases"][1][5], "1",
        "900.0.1 rolled back on one kiosk: {page}"
    );
    let kiosks = page["kiosks"].to_string();
    assert!(kiosks.contains("新版本未能启动，已退回"), "{page}");
    assert!(
        kiosks.contains("does not match its signed hash"),
        "the reason: {page}"
    );
    assert_eq!(page["phone_overflow"], false, "{page}");

    // Withdrawn: no longer offered, and the kiosk's error goes with it.
    hub(&["release", "withdraw", "900.0.2", "--arch", &arch]);
    let list: serde_json::Value =
        serde_json::from_str(&hub(&["release", "list", "--json"])).expect("list JSON");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    sync(&kiosk);
    assert_eq!(software(&kiosk)["state"].get("error"), None);
}
