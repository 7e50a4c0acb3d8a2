//! A member's phone page, opened in a real browser (Debian's Chromium,
//! headless): its QR code decodes and checks the member in at a kiosk.

use std::path::Path;
use std::process::Command;

use e2e::{OneCenter, headless, hub_cmd, one_center, run, stdout};

fn chromium(args: &[&str], profile: &Path) -> std::process::Output {
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("run chromium (Debian package chromium, installed by scripts/test.sh)");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn the_phone_page_shows_a_fresh_code_that_the_kiosk_accepts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let OneCenter {
        server,
        hub_data,
        kiosk_data,
        member,
        ..
    } = one_center(dir.path());
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let link = hub(&["member", "link", "--id", &member, "--base-url", &server.url]);
    assert!(link.starts_with(&format!("{}/m/", server.url)), "{link}");

    // What a phone shows: a 412×915 screen (a common cheap Android size).
    let shot = dir.path().join("phone.png");
    chromium(
        &[
            "--window-size=412,915",
            &format!("--screenshot={}", shot.display()),
            &link,
        ],
        &dir.path().join("profile1"),
    );
    let decoded = stdout(&run(Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(&shot)));
    assert!(decoded.starts_with("YC1"), "{decoded}");
    let got = headless(&kiosk_data, &[decoded.as_str()], &[]);
    assert_eq!(got[0]["outcome"], "welcome", "{}", got[0]);
    assert_eq!(got[0]["name"], "林同学");

    let dom = String::from_utf8_lossy(
        &chromium(&["--dump-dom", &link], &dir.path().join("profile2")).stdout,
    )
    .to_string();
    assert!(
        dom.contains("林同学") && !dom.contains("林小雨"),
        "the page shows the display name only"
    );
    assert!(dom.contains("城东街道青年之家"));

    // A new link replaces the old one; a revoked member's page says so.
    let link2 = hub(&["member", "link", "--id", &member, "--base-url", &server.url]);
    let old =
        String::from_utf8_lossy(&chromium(&["--dump-dom", &link], &dir.path().join("p3")).stdout)
            .to_string();
    assert!(old.contains("链接无效"), "{old}");
    hub(&["member", "revoke", "--id", &member]);
    let revoked =
        String::from_utf8_lossy(&chromium(&["--dump-dom", &link2], &dir.path().join("p4")).stdout)
            .to_string();
    assert!(revoked.contains("会员账号已停用"), "{revoked}");
}

/// `curl` with a cookie jar, as a phone's browser keeps its login.
fn curl(jar: &Path, args: &[&str]) -> String {
    stdout(&run(Command::new("curl")
        .args(["-sS", "--max-time", "20", "-c"])
        .arg(jar)
        .arg("-b")
        .arg(jar)
        .args(args)))
}

#[test]
fn a_member_logs_in_on_the_phone_with_number_and_secret_and_the_code_checks_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let OneCenter {
        server,
        hub_data,
        kiosk_data,
        member,
        ..
    } = one_center(dir.path());
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let secret = hub(&[
        "member",
        "secret",
        "--id",
        &member,
        "--base-url",
        &server.url,
    ]);
    assert_eq!(secret.len(), 9, "{secret}");
    let login_url = format!("{}/m", server.url);

    // The login form as a phone's browser shows it.
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    chromium(
        &[
            "--window-size=412,915",
            &format!("--screenshot={}", shots.join("phone-login.png").display()),
            &login_url,
        ],
        &dir.path().join("profile1"),
    );
    let dom = String::from_utf8_lossy(
        &chromium(&["--dump-dom", &login_url], &dir.path().join("profile2")).stdout,
    )
    .to_string();
    assert!(dom.contains("name=\"secret\""), "{dom}");

    let jar = dir.path().join("cookies.txt");
    let wrong = curl(
        &jar,
        &[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--data-urlencode",
            &format!("member={member}"),
            "--data-urlencode",
            "secret=NOPE-NOPE",
            &format!("{login_url}/login"),
        ],
    );
    assert_eq!(wrong, "401");
    let status = curl(
        &jar,
        &[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--data-urlencode",
            &format!("member={member}"),
            "--data-urlencode",
            &format!("secret={secret}"),
            &format!("{login_url}/login"),
        ],
    );
    assert_eq!(status, "303");
    let html = curl(&jar, &[&login_url]);
    assert!(html.contains("<svg") && html.contains("林同学"), "{html}");

    // What the logged-in phone shows, rendered by the browser and read by a
    // real QR decoder, checks the member in at the kiosk.
    let page = dir.path().join("logged-in.html");
    std::fs::write(&page, &html).expect("write page");
    let shot = shots.join("phone-logged-in.png");
    chromium(
        &[
            "--window-size=412,915",
            &format!("--screenshot={}", shot.display()),
            &format!("file://{}", page.display()),
        ],
        &dir.path().join("profile3"),
    );
    let decoded = stdout(&run(Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(&shot)));
    assert!(decoded.starts_with("YC1"), "{decoded}");
    let got = headless(&kiosk_data, &[decoded.as_str()], &[]);
    assert_eq!(got[0]["outcome"], "welcome", "{}", got[0]);

    // A new secret logs that phone out.
    hub(&["member", "secret", "--id", &member]);
    let html = curl(&jar, &[&login_url]);
    assert!(
        html.contains("name=\"secret\"") && !html.contains("<svg"),
        "{html}"
    );
}

#[test]
fn the_code_renews_in_place_and_the_phone_pages_pass_axe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let OneCenter {
        server,
        hub_data,
        member,
        center,
        ..
    } = one_center(dir.path());
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let link = hub(&["member", "link", "--id", &member, "--base-url", &server.url]);
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    let out = run(Command::new("node").arg(browser.join("phone.mjs")).args([
        link.as_str(),
        &format!("{}/m/join/{center}", server.url),
        &format!("{}/m", server.url),
        &format!("{}/login", server.url),
    ]));
    let b: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");
    assert_eq!(b["errors"], serde_json::json!([]), "no script errors: {b}");
    assert_eq!(
        b["meta_refresh"], 0,
        "no timed reload while scripts run: {b}"
    );
    assert!(b["fetched"].as_u64().is_some_and(|n| n >= 1), "{b}");
    assert_eq!(b["renewed"], "1", "the new code was put in place: {b}");
    assert_eq!(b["kept"], "yes", "the page itself was not reloaded: {b}");
    assert_eq!(b["expires_later"], true, "{b}");
    assert_eq!(b["svg"], "img", "{b}");
    let mut found = Vec::new();
    for (page, list) in b["violations"].as_object().expect("pages") {
        for v in list.as_array().into_iter().flatten() {
            found.push(format!("{page}: {v}"));
        }
    }
    assert_eq!(b["violations"].as_object().map(|o| o.len()), Some(4), "{b}");
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
}
