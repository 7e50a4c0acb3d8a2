//! docs/openapi.yaml against a running hub, by schemathesis (a property-based
//! API tester from PyPI, pinned in tests/api/requirements.txt; scripts/test.sh
//! installs it and names it in `SCHEMATHESIS`). Every operation is called with
//! generated data, valid and not, with the credential its security scheme
//! names: a kiosk's token, a logged-in admin's session (and CSRF token), a
//! platform's token. Every answer must be one the document lists, in the
//! shape it gives; valid data must be taken and invalid data refused; and no
//! call may make the hub fail (5xx).

use std::path::Path;

use e2e::{Hub, add_user, http_status, hub_cmd, kiosk_cmd, run, stdout};

/// The session cookie and the dashboard's CSRF token of a login.
fn log_in(addr: &str, login: &str, password: &str) -> (String, String) {
    let body = format!("login={login}&password={}", password.replace(' ', "+"));
    let (status, answer) = http_status(
        addr,
        &format!(
            "POST /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
        std::time::Duration::from_secs(30),
    );
    assert_eq!(status, 303, "{answer}");
    let session = answer
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie: yc_session=")
                .then(|| {
                    l["set-cookie: yc_session=".len()..]
                        .split(';')
                        .next()
                        .map(str::to_string)
                })
                .flatten()
        })
        .expect("a session cookie");
    let (_, page) = http_status(
        addr,
        &format!(
            "GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: yc_session={session}\r\n\r\n"
        ),
        std::time::Duration::from_secs(30),
    );
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the CSRF token on the dashboard")
        .to_string();
    (session, csrf)
}

#[test]
fn the_hub_answers_as_its_openapi_document_says() {
    let tester = std::env::var("SCHEMATHESIS").unwrap_or_else(|_| {
        panic!(
            "SCHEMATHESIS is not set: scripts/test.sh installs schemathesis \
             (tests/api/requirements.txt) into target/schemathesis and names it"
        )
    });
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("hub");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&data).args(args)));
    let city = hub(&["region", "add", "--name", "杭州市", "--level", "city"]);
    let center = hub(&[
        "center",
        "add",
        "--name",
        "城东街道青年之家",
        "--region",
        &city,
    ]);
    hub(&["member", "add", "--center", &center, "--name", "林小雨"]);
    hub(&[
        "content",
        "init",
        "--root-key-out",
        &dir.path().join("root.pk8").display().to_string(),
    ]);
    let folder = dir.path().join("content");
    hub(&[
        "content",
        "default",
        "--center",
        &center,
        "--out",
        &folder.display().to_string(),
    ]);
    hub(&[
        "content",
        "publish",
        "--center",
        &center,
        "--from",
        &folder.display().to_string(),
    ]);
    add_user(
        &data,
        "admin",
        "admin",
        &format!("region:{city}"),
        "admin password 1",
    );
    let platform = hub(&[
        "integration",
        "add",
        "--name",
        "省平台",
        "--scope",
        &format!("region:{city}"),
    ]);
    let platform = platform.lines().next().expect("token").to_string();
    let code = hub(&["enroll-code", "--center", &center]);
    let server = Hub::start(&data, "127.0.0.1:0");
    let kiosk = dir.path().join("kiosk");
    run(kiosk_cmd(&kiosk).args(["enroll", "--hub", &server.url, "--code", &code]));
    let device: String = rusqlite::Connection::open(kiosk.join("kiosk.sqlite3"))
        .expect("kiosk db")
        .query_row("SELECT device_token FROM enrollment", [], |r| r.get(0))
        .expect("device token");
    let addr = server.url.trim_start_matches("http://").to_string();
    let (session, csrf) = log_in(&addr, "admin", "admin password 1");

    let t = std::time::Instant::now();
    // Run in the test's folder: schemathesis keeps a cache where it runs.
    let config = repo.join("tests/api/schemathesis.toml");
    let spec = repo.join("docs/openapi.yaml");
    let out = std::process::Command::new(&tester)
        .current_dir(dir.path())
        .args([
            "--config-file",
            &config.display().to_string(),
            "run",
            &spec.display().to_string(),
            "--url",
            &format!("{}/api/v1", server.url),
            "--max-examples",
            "25",
            "--seed",
            "20261202",
            "--no-color",
        ])
        .env("HUB_DEVICE_TOKEN", &device)
        .env("HUB_SESSION", &session)
        .env("HUB_CSRF", &csrf)
        .env("HUB_INTEGRATION_TOKEN", &platform)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tester}: {e}"));
    let report = String::from_utf8_lossy(&out.stdout);
    let summary: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("generated") || l.contains(" in ") && l.starts_with('='))
        .collect();
    eprintln!("schemathesis, {:.1?}: {}", t.elapsed(), summary.join(" | "));
    assert!(
        out.status.success(),
        "the hub and docs/openapi.yaml disagree:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
