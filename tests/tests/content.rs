//! Signed content from a real hub over HTTP to a real kiosk: a publish
//! reaches the kiosk verified and is switched to whole; tampered files, a
//! file longer than signed, metadata whose signature no longer holds, an
//! older version replayed and a kiosk whose clock cannot be trusted all
//! leave the last good content on screen, with the reason in
//! `kiosk status`.

use std::path::{Path, PathBuf};

use e2e::{Hub, hub_cmd, kiosk_cmd, run, stdout};

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    hub_data: PathBuf,
    kiosk: PathBuf,
    center: String,
    _server: Hub,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let hub_data = root.join("hub");
    let kiosk = root.join("kiosk");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "城东街道青年之家"]);
    run(hub_cmd(&hub_data).args([
        "content",
        "init",
        "--root-key-out",
        &root.join("root.pk8").display().to_string(),
    ]));
    let code = hub(&["enroll-code", "--center", &center]);
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    run(kiosk_cmd(&kiosk).args(["enroll", "--hub", &server.url, "--code", &code]));
    Setup {
        _dir: dir,
        root,
        hub_data,
        kiosk,
        center,
        _server: server,
    }
}

impl Setup {
    /// A folder as the web editor writes it, with the center's name.
    fn folder(&self, name: &str, center_name: &str) -> PathBuf {
        let f = self.root.join(name);
        std::fs::create_dir_all(&f).expect("mkdir");
        std::fs::write(
            f.join("content.json"),
            format!(
                r#"{{"format": 1, "center": {{"name": {{"zh": "{center_name}", "en": "Youth Home"}}, "logo": "logo.png"}},
                    "announcements": [{{"text": "本周六停电检修"}}]}}"#
            ),
        )
        .expect("content.json");
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/content/logo.png"),
            f.join("logo.png"),
        )
        .expect("logo");
        f
    }

    /// `hub content publish` of a folder for this center, not yet run.
    fn publish_cmd(&self, folder: &Path) -> std::process::Command {
        let mut c = hub_cmd(&self.hub_data);
        c.args(["content", "publish", "--center", &self.center, "--from"])
            .arg(folder);
        c
    }

    fn publish(&self, folder: &Path) -> u64 {
        stdout(&run(&mut self.publish_cmd(folder)))
            .parse()
            .expect("version")
    }

    /// `kiosk sync` with a synchronised clock (as timesyncd would say).
    fn sync(&self) {
        run(kiosk_cmd(&self.kiosk)
            .arg("sync")
            .env("KIOSK_CLOCK_SYNCHRONIZED", "1"));
    }

    fn status(&self) -> serde_json::Value {
        e2e::kiosk_status(&self.kiosk)
    }

    fn shown_name(&self) -> String {
        std::fs::read_to_string(self.kiosk.join("content/current/content.json"))
            .expect("current content")
    }

    /// The hub's stored file of this center named `file`, newest first.
    fn stored(&self, file: &str) -> Vec<PathBuf> {
        let mut v: Vec<(std::time::SystemTime, PathBuf)> =
            std::fs::read_dir(self.hub_data.join("tuf/targets"))
                .expect("targets")
                .map(|e| e.expect("entry").path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().ends_with(&format!("-{file}")))
                })
                .map(|p| {
                    (
                        std::fs::metadata(&p)
                            .expect("meta")
                            .modified()
                            .expect("mtime"),
                        p,
                    )
                })
                .collect();
        v.sort();
        v.into_iter().rev().map(|(_, p)| p).collect()
    }
}

#[test]
fn a_publish_reaches_the_kiosk_verified_and_bad_content_never_replaces_good() {
    let s = setup();
    assert_eq!(s.status()["content_version"], serde_json::Value::Null);

    // A publish: the kiosk shows it after its next sync.
    let v1 = s.publish(&s.folder("v1", "城东街道青年之家"));
    s.sync();
    let st = s.status();
    assert_eq!(st["content_version"].as_u64(), Some(v1), "{st}");
    assert_eq!(st["content_error"], serde_json::Value::Null, "{st}");
    assert!(s.shown_name().contains("本周六停电检修"));

    // A tampered file on the hub (its signed hash no longer matches).
    let v2 = s.publish(&s.folder("v2", "城东青年之家·二"));
    let json = s.stored("content.json")[0].clone();
    let good = std::fs::read(&json).expect("read");
    let mut bad = good.clone();
    bad[20] ^= 0x20;
    std::fs::write(&json, &bad).expect("tamper");
    s.sync();
    let st = s.status();
    assert_eq!(
        st["content_version"].as_u64(),
        Some(v1),
        "still the good one: {st}"
    );
    let err = st["content_error"].as_str().unwrap_or_default().to_string();
    eprintln!("content_error: {err}");
    assert!(
        err.contains("content.json") && err.contains("signed hash"),
        "{err}"
    );
    assert!(!s.shown_name().contains("城东青年之家·二"));

    // Longer than signed.
    let mut long = good.clone();
    long.extend_from_slice(b"                ");
    std::fs::write(&json, &long).expect("grow");
    s.sync();
    let st = s.status();
    assert_eq!(st["content_version"].as_u64(), Some(v1), "{st}");
    let err = st["content_error"].as_str().unwrap_or_default().to_string();
    eprintln!("content_error: {err}");
    assert!(err.contains("longer than its signed length"), "{err}");

    // The kiosk told the hub (at the start of that sync) why it refused.
    let fleet = stdout(&run(hub_cmd(&s.hub_data).args(["device", "list"])));
    assert!(fleet.contains("content update refused"), "{fleet}");

    // Put right, it goes through; the unchanged logo is not fetched again
    // (the kiosk copies the one it has: same hash).
    std::fs::write(&json, &good).expect("restore");
    s.sync();
    let st = s.status();
    assert_eq!(st["content_version"].as_u64(), Some(v2), "{st}");
    assert_eq!(st["content_error"], serde_json::Value::Null, "{st}");
    assert!(s.shown_name().contains("城东青年之家·二"));
    // The previous version is kept beside the current one.
    let kept: Vec<String> = std::fs::read_dir(s.kiosk.join("content/versions"))
        .expect("versions")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");

    // Metadata changed without its key: the signature no longer holds.
    let ts = s.hub_data.join("tuf/metadata/timestamp.json");
    let signed_ts = std::fs::read_to_string(&ts).expect("timestamp");
    s.publish(&s.folder("v3", "城东青年之家·三"));
    let newer_ts = std::fs::read_to_string(&ts).expect("timestamp");
    let forged = newer_ts.replacen("\"version\": ", "\"version\": 1", 1);
    assert_ne!(forged, newer_ts);
    std::fs::write(&ts, &forged).expect("forge");
    s.sync();
    let st = s.status();
    assert_eq!(st["content_version"].as_u64(), Some(v2), "{st}");
    assert!(st["content_error"].is_string(), "{st}");

    // A clock that cannot be trusted: nothing is checked, v2 stays.
    std::fs::write(&ts, &newer_ts).expect("put back");
    run(kiosk_cmd(&s.kiosk).arg("sync"));
    let st = s.status();
    assert_eq!(st["content_version"].as_u64(), Some(v2), "{st}");
    let err = st["content_error"].as_str().unwrap_or_default().to_string();
    eprintln!("content_error: {err}");
    assert!(err.contains("clock"), "{err}");
    // Once it can be, the newest version arrives.
    s.sync();
    let st = s.status();
    let v3 = st["content_version"].as_u64().expect("a version");
    assert!(v3 > v2, "{st}");
    assert!(s.shown_name().contains("城东青年之家·三"));

    // An older version replayed (v2's timestamp, validly signed): refused.
    std::fs::write(&ts, &signed_ts).expect("replay");
    s.sync();
    let st = s.status();
    assert_eq!(st["content_version"].as_u64(), Some(v3), "{st}");
    let err = st["content_error"].as_str().unwrap_or_default().to_string();
    eprintln!("content_error: {err}");
    assert!(err.contains("refused"), "{err}");
    assert!(s.shown_name().contains("城东青年之家·三"));
}

#[test]
fn a_bad_folder_is_refused_by_the_hub_before_anything_is_signed() {
    let s = setup();
    let f = s.folder("bad", "城东");
    std::fs::remove_file(f.join("logo.png")).expect("rm");
    let out = s.publish_cmd(&f).output().expect("publish");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("logo"), "{err}");
    let version = stdout(&run(hub_cmd(&s.hub_data).args(["content", "status"])));
    assert_eq!(version, "1", "nothing new was signed");
}

#[test]
fn an_emergency_notice_reaches_a_running_kiosk_within_a_minute() {
    let s = setup();
    let every: u64 = std::env::var("CONTENT_SYNC_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    std::fs::write(
        s.kiosk.join("kiosk.toml"),
        format!("sync_interval_seconds = {every}\n"),
    )
    .expect("settings");
    let v1 = s.publish(&s.folder("before", "城东街道青年之家"));
    let mut kiosk = kiosk_cmd(&s.kiosk)
        .arg("headless")
        .env("KIOSK_CLOCK_SYNCHRONIZED", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start kiosk");
    let wait_for = |version: u64, limit: std::time::Duration| {
        let t = std::time::Instant::now();
        loop {
            let st = s.status();
            if st["content_version"].as_u64() == Some(version) {
                return t.elapsed();
            }
            assert!(t.elapsed() < limit, "version {version} not shown: {st}");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    };
    wait_for(v1, std::time::Duration::from_secs(30));

    // An admin publishes an urgent notice; the kiosk is not told, it polls.
    let f = s.folder("urgent", "城东街道青年之家");
    let json = std::fs::read_to_string(f.join("content.json")).expect("read");
    let json = json.replacen(
        "\"announcements\"",
        "\"emergency\": {\"zh\": \"因暴雨预警，今天 15:00 起暂停开放\", \"en\": \"Closed from 15:00: heavy rain\"}, \"announcements\"",
        1,
    );
    std::fs::write(f.join("content.json"), json).expect("write");
    let published = std::time::Instant::now();
    let v2 = s.publish(&f);
    let took = wait_for(v2, std::time::Duration::from_secs(60));
    let total = published.elapsed();
    eprintln!(
        "emergency notice: published to shown on the kiosk in {:.1} s (sync every {every} s; {:.1} s after the publish command returned)",
        total.as_secs_f64(),
        took.as_secs_f64()
    );
    assert!(s.shown_name().contains("暴雨预警"));
    assert!(total < std::time::Duration::from_secs(60));
    drop(kiosk.stdin.take());
    assert!(kiosk.wait().expect("exit").success());
}

/// A PNG that says it is 20000 × 20000 pixels: small on disk, far too big
/// to decode on a kiosk.
fn huge_png() -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        c.extend_from_slice(&body);
        c.extend_from_slice(&crc32(&body).to_be_bytes());
        c
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

#[test]
fn expired_metadata_a_picture_too_big_to_decode_and_a_half_written_version_never_reach_the_screen()
{
    let s = setup();
    let v1 = s.publish(&s.folder("v1", "城东街道青年之家"));
    s.sync();
    assert_eq!(s.status()["content_version"].as_u64(), Some(v1));

    // A picture whose header says 20000 × 20000: the hub decodes it as a
    // kiosk would (from its header, before any pixel memory is taken) and
    // refuses to sign it; the kiosks never see it. (The kiosk's own check,
    // the same code, is in protocol::picture and kiosk::content::image.)
    let f = s.folder("huge", "城东·巨图");
    std::fs::write(f.join("logo.png"), huge_png()).expect("png");
    let out = s.publish_cmd(&f).output().expect("publish");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("logo.png: the picture is larger than 2048×2048 pixels"),
        "{err}"
    );
    s.sync();
    let st = s.status();
    assert_eq!(st["content_version"].as_u64(), Some(v1), "{st}");
    assert!(st["content_error"].is_null(), "{st}");
    assert!(!s.shown_name().contains("城东·巨图"));

    // Signatures that expire a second after signing (a hub frozen in time):
    // refused once expired.
    let f = s.folder("short", "城东·过期");
    let out = s
        .publish_cmd(&f)
        .env("HUB_CONTENT_TIMESTAMP_SECONDS", "1")
        .output()
        .expect("publish");
    assert!(out.status.success());
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    s.sync();
    let st = s.status();
    assert_eq!(st["content_version"].as_u64(), Some(v1), "{st}");
    let err = st["content_error"].as_str().unwrap_or_default().to_string();
    eprintln!("content_error: {err}");
    assert!(err.contains("xpired"), "{err}");

    // A power cut during a download leaves a half-written version folder:
    // never shown, and replaced whole by the next good check.
    run(hub_cmd(&s.hub_data).args(["content", "refresh"]));
    let half = s.kiosk.join("content/versions/99.partial");
    std::fs::create_dir_all(&half).expect("mkdir");
    std::fs::write(half.join("content.json"), "{\"format\": 1, \"cen").expect("half");
    assert!(s.shown_name().contains("本周六停电检修"));
    s.sync();
    let st = s.status();
    let now = st["content_version"].as_u64().expect("a version");
    assert!(now > v1, "{st}");
    assert_eq!(st["content_error"], serde_json::Value::Null, "{st}");
    assert!(s.shown_name().contains("城东·过期"));
    let left: Vec<String> = std::fs::read_dir(s.kiosk.join("content/versions"))
        .expect("versions")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    assert!(left.iter().all(|n| !n.ends_with(".partial")), "{left:?}");
}

/// A region's content.json in its own folder.
fn region_folder(root: &Path, name: &str, json: &str) -> PathBuf {
    let f = root.join(name);
    std::fs::create_dir_all(&f).expect("mkdir");
    std::fs::write(f.join("content.json"), json).expect("content.json");
    f
}

#[test]
fn a_citys_warning_and_a_countys_notice_reach_every_center_below_them_and_no_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let hub_data = root.join("hub");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let city = hub(&["region", "add", "--name", "杭州市", "--level", "city"]);
    let county = hub(&[
        "region",
        "add",
        "--name",
        "上城区",
        "--level",
        "county",
        "--parent",
        &city,
    ]);
    let county2 = hub(&[
        "region",
        "add",
        "--name",
        "拱墅区",
        "--level",
        "county",
        "--parent",
        &city,
    ]);
    let other = hub(&["region", "add", "--name", "宁波市", "--level", "city"]);
    let ca = hub(&[
        "center",
        "add",
        "--name",
        "城东街道青年之家",
        "--region",
        &county,
    ]);
    let cb = hub(&[
        "center",
        "add",
        "--name",
        "宁波青年之家",
        "--region",
        &other,
    ]);
    run(hub_cmd(&hub_data).args([
        "content",
        "init",
        "--root-key-out",
        &root.join("root.pk8").display().to_string(),
    ]));
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let (ka, kb) = (root.join("ka"), root.join("kb"));
    for (k, c) in [(&ka, &ca), (&kb, &cb)] {
        let code = hub(&["enroll-code", "--center", c]);
        run(kiosk_cmd(k).args(["enroll", "--hub", &server.url, "--code", &code]));
    }
    let publish = |flag: &str, id: &str, folder: &Path| -> u64 {
        stdout(&run(hub_cmd(&hub_data)
            .args(["content", "publish", flag, id, "--from"])
            .arg(folder)))
        .parse()
        .expect("version")
    };
    publish(
        "--region",
        &city,
        &region_folder(
            root,
            "city",
            r#"{"format": 1, "name": "杭州市", "emergency": {"zh": "台风预警：今天全市青年之家暂停开放", "en": "Typhoon warning: all youth centers closed today"}}"#,
        ),
    );
    publish(
        "--region",
        &county,
        &region_folder(
            root,
            "county",
            r#"{"format": 1, "name": "上城区", "announcements": [{"text": "上城区青年志愿者招募"}]}"#,
        ),
    );
    publish(
        "--region",
        &county2,
        &region_folder(
            root,
            "county2",
            r#"{"format": 1, "name": "拱墅区", "announcements": [{"text": "拱墅区读书节"}]}"#,
        ),
    );
    let v = publish(
        "--region",
        &other,
        &region_folder(
            root,
            "other",
            r#"{"format": 1, "name": "宁波市", "announcements": [{"text": "宁波市的通知"}]}"#,
        ),
    );
    // A region's folder is checked as a kiosk would read it; nothing else is signed.
    let bad = region_folder(
        root,
        "bad",
        r#"{"format": 1, "name": "杭州市", "services": []}"#,
    );
    let out = hub_cmd(&hub_data)
        .args(["content", "publish", "--region", &city, "--from"])
        .arg(&bad)
        .output()
        .expect("publish");
    assert!(!out.status.success());
    let sync = |k: &Path| {
        run(kiosk_cmd(k)
            .arg("sync")
            .env("KIOSK_CLOCK_SYNCHRONIZED", "1"));
        e2e::kiosk_status(k)
    };
    let files = |k: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(k.join("content/current"))
            .expect("current")
            .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    };
    // The center never published: its built-in content, with its levels' files.
    let st = sync(&ka);
    assert_eq!(st["content_version"], v, "{st}");
    assert!(st["content_error"].is_null(), "{st}");
    let mut want = vec![
        format!("region-{city}-content.json"),
        format!("region-{county}-content.json"),
        "regions.json".to_string(),
    ];
    want.sort();
    assert_eq!(files(&ka), want, "its town's, county's and city's only");
    let chain: Vec<u64> = serde_json::from_str(
        &std::fs::read_to_string(ka.join("content/current/regions.json")).expect("chain"),
    )
    .expect("json");
    assert_eq!(
        chain,
        [
            county.parse::<u64>().expect("id"),
            city.parse::<u64>().expect("id")
        ]
    );
    let st = sync(&kb);
    assert!(st["content_error"].is_null(), "{st}");
    assert_eq!(
        files(&kb),
        [
            format!("region-{other}-content.json"),
            "regions.json".to_string()
        ]
    );

    // The center moves to the other county: the same version, its new
    // county's files, in a folder of its own; the old one stays beside.
    hub(&["center", "place", "--id", &ca, "--region", &county2]);
    let st = sync(&ka);
    assert_eq!(st["content_version"], v, "{st}");
    let mut want = vec![
        format!("region-{city}-content.json"),
        format!("region-{county2}-content.json"),
        "regions.json".to_string(),
    ];
    want.sort();
    assert_eq!(files(&ka), want);
    let link = std::fs::read_link(ka.join("content/current")).expect("link");
    assert_eq!(link, Path::new("versions").join(format!("{v}-2")));
    // Once the center publishes, its own content leads and the levels' stay.
    let own = root.join("own");
    std::fs::create_dir_all(&own).expect("mkdir");
    std::fs::write(
        own.join("content.json"),
        r#"{"format": 1, "center": {"name": "城东街道青年之家"}, "announcements": [{"text": "本中心通知"}]}"#,
    )
    .expect("json");
    let v2 = publish("--center", &ca, &own);
    let st = sync(&ka);
    assert_eq!(st["content_version"], v2, "{st}");
    assert!(files(&ka).contains(&"content.json".to_string()));
    assert!(files(&ka).contains(&format!("region-{city}-content.json")));
}

#[test]
fn a_record_of_the_newest_metadata_cut_by_a_power_failure_does_not_stop_the_next_check() {
    let s = setup();
    let v1 = s.publish(&s.folder("one", "城东一号"));
    s.sync();
    assert_eq!(s.status()["content_version"].as_u64(), Some(v1));
    // tough rewrites its record of the newest timestamp and snapshot in
    // place: a cut halfway leaves half a file.
    let store = s.kiosk.join("content-tuf/datastore");
    let mut cut = Vec::new();
    for name in ["timestamp.json", "snapshot.json"] {
        let path = store.join(name);
        if let Ok(bytes) = std::fs::read(&path) {
            std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("cut");
            cut.push(name);
        }
    }
    assert!(
        !cut.is_empty(),
        "tough keeps its record in {}",
        store.display()
    );
    let v2 = s.publish(&s.folder("two", "城东二号"));
    s.sync();
    let st = s.status();
    assert_eq!(st["content_version"].as_u64(), Some(v2), "{st}");
    assert!(st["content_error"].is_null(), "{st}");
    assert!(s.shown_name().contains("城东二号"));
}
